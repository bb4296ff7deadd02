"""Encoder-decoder (``task: seq2seq``) use cases: translate sources with a trained run, and
the attention map of one source.

For the views (CLI ``rnnlab predict`` and ``rnnlab plot --figure attention``, the web's
predict page):

- ``translate(ref, sources, beam_size=1, max_len=None)`` -> one dict per source::

      {"source": the text, "source_tokens": [S tokens], "output": the decoded text,
       "output_tokens": [T tokens, <eos> left out], "attention": T x S weights (row t:
       output token t over the source tokens, each row summing to 1) or None without
       attention, "unknown_tokens": source tokens the vocabulary lacks (read as <unk>)}

  beam_size 1 decodes greedily, more runs beam search; max_len bounds the decoded tokens
  (<eos> included; default: the run's data.max_target_len, else its longest training
  target, + 1).
- ``attention_figure(ref, text, beam_size=1, max_len=None)``: the heatmap figure
  (``viz.attention_map``) of one source; a run without attention is a ConfigError.

The run keeps its vocabularies twice: in every checkpoint's meta (``vocab``: source side,
``target_vocab``: target side; what predict and resume load) and as ``vocab.json`` and
``target_vocab.json`` in the run's folder (for people).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnnlab.data.seq2seq import check_seq2seq_vocab
from rnnlab.data.tokenize import Tokenizer
from rnnlab.data.vocab import Vocab
from rnnlab.errors import ConfigError, DataError
from rnnlab.spec.files import atomic_write_text
from rnnlab.spec.run import RunConfig, parse_run_config
from rnnlab.store import Store, list_checkpoints, read_run_checkpoint
from rnnlab.viz.seq2seq_figures import attention_map

TARGET_VOCAB_FILE = "target_vocab.json"
MAX_SOURCES = 1000  # sources in one request
MAX_BEAM = 64
MAX_DECODE = 10_000  # max_len at most


def seq2seq_checkpoint_meta(config: RunConfig, prepared: Any) -> dict[str, Any]:
    """What an encoder-decoder's checkpoints carry besides the source vocab: the target
    vocab, the tokenizer the data was cut with, and the decoding limit of predict."""
    data = prepared.data
    limit = config.data.max_target_len or prepared.summary.get("train_max_target_length", 1)
    tokenizer = data.tokenizer
    return {
        "target_vocab": data.target_vocab.to_json(),
        "seq2seq": {
            "tokenizer": tokenizer.kind,
            "lowercase": tokenizer.lowercase,
            "max_target_len": int(limit),
        },
    }


def save_target_vocab(run_dir: Path, vocab: Vocab) -> Path:
    """``target_vocab.json`` in the run's folder, written atomically."""
    text = json.dumps(vocab.to_json(), ensure_ascii=False) + "\n"
    return atomic_write_text(run_dir / TARGET_VOCAB_FILE, text)


@dataclass
class Translator:
    """A trained encoder-decoder with what it needs to read and write text."""

    config: RunConfig
    model: Any  # torch_engine.seq2seq.Seq2Seq, on the CPU, in eval mode
    source_vocab: Vocab
    target_vocab: Vocab
    tokenizer: Tokenizer
    max_target_len: int


def load_translator(ref: str, home: str | Path | None = None) -> Translator:
    """Run `ref`'s encoder-decoder from its best checkpoint (else its last)."""
    with Store(home) as store:
        record = store.get_run(ref)
        if record.task != "seq2seq":
            raise ConfigError(f"translate needs a seq2seq run; run {record.id} is {record.task}")
        folder = store.run_dir(record.id) / "checkpoints"
        tags = list_checkpoints(folder)
        if not tags:
            raise DataError(f"run {record.id} has no checkpoint yet; train it first")
        arrays, meta = read_run_checkpoint(folder, "best" if "best" in tags else "last")
    from rnnlab.torch_engine import load_numpy  # torch only when a model is used
    from rnnlab.torch_engine.seq2seq_build import seq2seq_from_config

    config = parse_run_config(meta["config"], f"run {record.id}")
    where = f"run {record.id}"
    source_vocab = check_seq2seq_vocab(Vocab.from_json(meta["vocab"], f"{where}: vocab"), where)
    target_vocab = Vocab.from_json(meta["target_vocab"], f"{where}: target_vocab")
    check_seq2seq_vocab(target_vocab, where)
    options = meta["seq2seq"]
    model = seq2seq_from_config(config, len(source_vocab), len(target_vocab))
    weights = {k.removeprefix("model."): v for k, v in arrays.items() if k.startswith("model.")}
    load_numpy(model, weights)
    model.eval()
    tokenizer = Tokenizer(options["tokenizer"], options["lowercase"])
    return Translator(
        config, model, source_vocab, target_vocab, tokenizer, int(options["max_target_len"])
    )


def _whole(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{name}: expected an integer from {low} to {high}, received {value!r}")
    return value


def _check_sources(sources: object) -> list[str]:
    if not isinstance(sources, list) or not sources:
        raise DataError("sources: expected at least one source text, received none")
    if len(sources) > MAX_SOURCES:
        raise ConfigError(f"sources: expected at most {MAX_SOURCES}, received {len(sources)}")
    for number, text in enumerate(sources, start=1):
        if not isinstance(text, str) or not text.strip():
            raise DataError(f"source {number}: empty; expected tokens to translate")
    return sources


def translate(
    ref: str,
    sources: list[str],
    beam_size: int = 1,
    max_len: int | None = None,
    home: str | Path | None = None,
) -> list[dict[str, Any]]:
    """Decode each source with run `ref` (see the module docstring for the result)."""
    sources = _check_sources(sources)
    _whole("beam_size", beam_size, 1, MAX_BEAM)
    if max_len is not None:
        _whole("max_len", max_len, 1, MAX_DECODE)
    model = load_translator(ref, home)
    limit = max_len if max_len is not None else model.max_target_len + 1
    return [
        _translate_one(model, text, number, beam_size, limit)
        for number, text in enumerate(sources, start=1)
    ]


def _translate_one(
    model: Translator, text: str, number: int, beam_size: int, max_len: int
) -> dict[str, Any]:
    import torch

    from rnnlab.torch_engine.seq2seq_search import beam_search, greedy_decode

    tokens = model.tokenizer.tokenize(text)
    if not tokens:
        raise DataError(f"source {number}: no tokens after tokenizing {text!r}")
    ids = model.source_vocab.encode(tokens)
    src = torch.as_tensor(ids, dtype=torch.long).reshape(-1, 1)  # (S, 1)
    lengths = torch.tensor([len(ids)])
    with torch.no_grad():
        if beam_size == 1:
            decoded = greedy_decode(model.model, src, lengths, max_len)
        else:
            decoded = beam_search(model.model, src, lengths, max_len, beam_size)
    out_ids = decoded.ids[:, 0].tolist()
    steps = out_ids.index(model.model.eos_id) if model.model.eos_id in out_ids else len(out_ids)
    # the steps before <eos> that emitted a token (<pad> and <bos> are not text)
    kept = [t for t in range(steps) if out_ids[t] not in (model.model.pad_id, model.model.bos_id)]
    output_tokens = [model.target_vocab.id_to_token(out_ids[t]) for t in kept]
    attention = None
    if decoded.attention is not None:
        attention = decoded.attention[kept, 0, :].double().tolist()  # (T, S)
    unknown = [t for t in tokens if t not in model.source_vocab]
    return {
        "source": text,
        "source_tokens": tokens,
        "output": model.tokenizer.detokenize(output_tokens),
        "output_tokens": output_tokens,
        "attention": attention,
        "unknown_tokens": list(dict.fromkeys(unknown)),
    }


def seq2seq_preview(data: Any, rows: int) -> dict[str, Any]:
    """The first `rows` training pairs as text (``rows``, ``columns`` source / target) and
    a histogram of the source lengths, for a data set's preview (``preview_dataset``)."""
    from rnnlab.service.datasets import histogram

    pairs = data.pairs("train")
    text = [
        [data.tokenizer.detokenize(data.source_vocab.decode(src)), data.decode_target(tgt)]
        for src, tgt in pairs[:rows]
    ]
    lengths = histogram([len(src) for src, _ in pairs])
    return {"rows": text, "columns": ["source", "target"], "lengths": lengths}


def source_states(ref: str, text: str, home: str | Path | None = None) -> dict[str, Any]:
    """The ``states`` payload of run `ref`'s encoder over the source `text` (h_j per layer
    and direction; the figures states draws it)."""
    from rnnlab.torch_engine.seq2seq_build import encoder_states

    _check_sources([text])
    model = load_translator(ref, home)
    tokens = model.tokenizer.tokenize(text)
    if not tokens:
        raise DataError(f"source 1: no tokens after tokenizing {text!r}")
    return encoder_states(model.model, model.source_vocab.encode(tokens), tokens)


def attention_figure(
    ref: str,
    text: str | None,
    beam_size: int = 1,
    max_len: int | None = None,
    home: str | Path | None = None,
) -> dict[str, Any]:
    """The attention heatmap (output tokens x source tokens) of `text` decoded by run `ref`."""
    if text is None:
        raise ConfigError("attention: give the source to look at (--input TEXT)")
    result = translate(ref, [text], beam_size, max_len, home)[0]
    if result["attention"] is None:
        raise ConfigError(
            f"attention: run {ref} was trained with model.attention none; there is no "
            "attention to draw"
        )
    if not result["output_tokens"]:
        raise DataError(f"attention: the model decoded {text!r} to nothing (<eos> at once)")
    title = f"Attention: {result['source']} -> {result['output']}"
    return attention_map(
        result["source_tokens"], result["output_tokens"], result["attention"], title
    )


def translate_with_attention_maps(
    ref: str,
    sources: list[str],
    beam_size: int = 1,
    max_len: int | None = None,
    home: str | Path | None = None,
) -> list[dict[str, Any]]:
    """``service.translate``'s results, each with ``figure``: its attention heatmap
    (``viz.attention_map``: output tokens x source tokens), or None for a run without
    attention or an output of no tokens."""
    results = translate(ref, sources, beam_size, max_len, home)
    for result in results:
        weights, outputs = result["attention"], result["output_tokens"]
        drawn = weights is not None and len(outputs) > 0
        result["figure"] = (
            attention_map(result["source_tokens"], outputs, weights) if drawn else None
        )
    return results
