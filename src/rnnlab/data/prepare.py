"""From a RunConfig to ready data: resolve, read, tokenize, split, build the vocab, check.

    language-model  text file   -> LMData     (word level marks line ends with <eos>)
    classify        tsv | csv   -> ClassifyData (stratified split by data.seed)
    forecast        csv | tsv   -> SeriesData  (split by time, scaler fitted on train)
    tag             conll | tsv | punctuated -> TagData (tag_prepare; split by sentence/essay)
    seq2seq         tsv | seq2seq:TASK -> Seq2SeqData (seq2seq_prepare; vocab: source side,
                                   target_vocab: target side, the same object when shared)
    synthetic:TASK  generated   -> SyntheticAdding | SyntheticSequences | ClassifyData
                                   (rnnlab.data.synthetic; data.seq_len is the dial T)

The vocabulary is built from the training split only, so the validation split
measures what happens to words the model never saw (they become ``<unk>``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rnnlab.data.classify import ClassifyData, build_classify
from rnnlab.data.forecast import SeriesData
from rnnlab.data.lm import LMData
from rnnlab.data.readers import (
    Format,
    column,
    file_hash,
    infer_format,
    read_table_lines,
    read_text,
    series_column,
)
from rnnlab.data.samples import resolve_path
from rnnlab.data.seq2seq import Seq2SeqData
from rnnlab.data.seq2seq_prepare import prepare_seq2seq
from rnnlab.data.split import split_stream
from rnnlab.data.synthetic import (
    RUN_TASK,
    build_synthetic,
    is_synthetic,
    parse_synthetic_path,
    synthetic_hash,
)
from rnnlab.data.synthetic_data import SyntheticAdding, SyntheticSequences
from rnnlab.data.tag_data import TagData
from rnnlab.data.tag_prepare import prepare_tag, tag_summary
from rnnlab.data.tagging import TaggedSentence, TagVocab
from rnnlab.data.tokenize import Tokenizer
from rnnlab.data.vocab import UNK_ID, Vocab, check_unknown_share
from rnnlab.errors import ConfigError, DataError
from rnnlab.spec.run import DataSpec, RunConfig

TASK_FORMATS: dict[str, tuple[Format, ...]] = {
    "language-model": ("text",),
    "classify": ("tsv", "csv"),
    "forecast": ("csv", "tsv"),
}


@dataclass
class Prepared:
    """Everything a run needs from its data.

    tokenizer: the tokenizer of token tasks (None for forecast), to encode new text.
    summary: JSON-able facts for people and the run record (sizes, classes, baselines).
    tags: task tag: the tag vocabulary; tagged: its split's sentences as text (baselines).
    """

    task: str
    data: (
        LMData
        | ClassifyData
        | SeriesData
        | SyntheticAdding
        | SyntheticSequences
        | TagData
        | Seq2SeqData
    )
    vocab: Vocab | None
    classes: list[str] | None
    data_hash: str
    summary: dict[str, Any] = field(default_factory=dict)
    tokenizer: Tokenizer | None = None
    tags: TagVocab | None = None
    tagged: dict[str, list[TaggedSentence]] | None = None
    target_vocab: Vocab | None = None  # seq2seq: the target side's vocabulary


def prepare(config: RunConfig) -> Prepared:
    """Read and prepare the data of `config` for its task."""
    spec = config.data
    if config.task == "seq2seq":
        data, data_hash, summary = prepare_seq2seq(spec)
        prepared = Prepared("seq2seq", data, data.source_vocab, None, data_hash, summary)
        prepared.tokenizer, prepared.target_vocab = data.tokenizer, data.target_vocab
        return prepared
    if is_synthetic(spec.path):
        return _prepare_synthetic(config)
    path = resolve_path(spec.path)
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "file not found"
        raise DataError(f"{path}: {what} (data.path {spec.path!r})")
    if config.task == "tag":
        return _prepare_tag(spec, path)
    fmt = check_format(config.task, infer_format(path, spec.format), path, spec.format)
    base = {"task": config.task, "path": spec.path, "file": str(path), "format": fmt}
    data_hash = file_hash(path)
    if config.task == "language-model":
        prepared = _prepare_lm(spec, path, config.train.batch_size)
    elif config.task == "classify":
        prepared = _prepare_classify(spec, path, fmt)
    else:
        prepared = _prepare_forecast(spec, path, fmt)
    prepared.data_hash = data_hash
    prepared.summary = {**base, "sha256": data_hash, **prepared.summary}
    return prepared


def check_format(task: str, fmt: Format, path: Path, declared: Format | None = None) -> Format:
    """ConfigError unless the task reads files of format `fmt`."""
    allowed = TASK_FORMATS.get(task)
    if allowed is None:
        raise ConfigError(f"task: expected {' | '.join(TASK_FORMATS)}, received {task!r}")
    if fmt not in allowed:
        how = "data.format" if declared is not None else "inferred from its suffix"
        raise ConfigError(
            f"data.format: task {task} reads {' | '.join(allowed)}, but {path} is {fmt} "
            f"({how}); use a {' or '.join(allowed)} file, or set data.format if the suffix misleads"
        )
    return fmt


def _tokenizer(spec: DataSpec) -> Tokenizer:
    return Tokenizer(spec.tokenizer, lowercase=spec.lowercase)


def _prepare_lm(spec: DataSpec, path: Path, batch_size: int) -> Prepared:
    tokenizer = _tokenizer(spec)
    tokens = tokenizer.tokenize_lines(read_text(path))
    train, val = split_stream(tokens, spec.val_fraction)
    vocab = Vocab.build(train, min_freq=spec.min_freq, max_size=spec.max_vocab)
    data = LMData(vocab, vocab.encode(train), vocab.encode(val), source=str(path))
    unknown = int((data.train_ids == UNK_ID).sum())
    warnings = check_unknown_share(
        unknown, len(data.train_ids), spec.min_freq, spec.max_vocab, str(path)
    )
    data.num_streams("train", batch_size)  # fail now, naming the file, if the text is too short
    if spec.val_fraction > 0 and len(val) < 2:
        raise DataError(
            f"{path}: the validation part (data.val_fraction {spec.val_fraction}) "
            f"has {len(val)} token(s); at least 2 are needed for one prediction. "
            f"Use a longer text or a larger data.val_fraction (0 for none)."
        )
    summary = {
        "tokenizer": spec.tokenizer,
        "lowercase": spec.lowercase,
        "tokens": len(tokens),
        "train_unk_tokens": unknown,
        **data.summary(batch_size, spec.seq_len),
        "seq_len": spec.seq_len,
        "batch_size": batch_size,
        **({"warnings": warnings} if warnings else {}),
    }
    return Prepared("language-model", data, vocab, None, "", summary, tokenizer)


def _prepare_classify(spec: DataSpec, path: Path, fmt: Format) -> Prepared:
    header, rows, lines = read_table_lines(path, fmt)
    texts = column(header, rows, spec.text_column, path)
    labels = column(header, rows, spec.label_column, path)
    if not rows:
        raise DataError(f"{path}: the table has a header but no rows; expected examples")
    tokenizer = _tokenizer(spec)
    data = build_classify(
        texts,
        labels,
        tokenizer,
        val_fraction=spec.val_fraction,
        seed=spec.seed,
        min_freq=spec.min_freq,
        max_vocab=spec.max_vocab,
        lines=lines,
        source=str(path),
        text_column=spec.text_column,
        label_column=spec.label_column,
    )
    if spec.label_names is not None:
        data.classes = _named_classes(data.classes, spec.label_names, path)
    summary = {
        "tokenizer": spec.tokenizer,
        "lowercase": spec.lowercase,
        "rows": len(rows),
        "text_column": spec.text_column,
        "label_column": spec.label_column,
        **data.summary(),
    }
    return Prepared("classify", data, data.vocab, list(data.classes), "", summary, tokenizer)


def _named_classes(classes: list[str], names: list[str], path: Path) -> list[str]:
    """data.label_names: one name per class, in the classes' sorted order (0, 1, ...)."""
    if len(names) != len(classes):
        raise ConfigError(
            f"data.label_names: {path} has {len(classes)} classes ({', '.join(classes)}); "
            f"expected {len(classes)} names, received {len(names)}"
        )
    return list(names)


def _prepare_forecast(spec: DataSpec, path: Path, fmt: Format) -> Prepared:
    header, rows, lines = read_table_lines(path, fmt)
    series = series_column(header, rows, lines, path, spec.value_column, spec.missing)
    data = SeriesData(
        series.values,
        spec.val_fraction,
        spec.seq_len,
        spec.horizon,
        spec.season,
        source=str(path),
        column=series.name,
        transform=spec.transform,
        target=spec.target,
        lines=series.lines,
    )
    summary = {"value_column": series.name, "missing": series.report(spec.missing)}
    summary.update(data.summary())
    return Prepared("forecast", data, None, None, "", summary, None)


def _prepare_tag(spec: DataSpec, path: Path) -> Prepared:
    split = prepare_tag(spec, path)
    data_hash = file_hash(path)
    base = {"task": "tag", "path": spec.path, "file": str(path), "format": split.format}
    summary = {**base, "sha256": data_hash, **tag_summary(split, spec)}
    prepared = Prepared("tag", split.data, split.data.vocab, None, data_hash, summary)
    prepared.tags, prepared.tagged = split.data.tags, {"train": split.train, "val": split.val}
    return prepared


def _prepare_synthetic(config: RunConfig) -> Prepared:
    """Generate a synthetic memory task; data.seq_len is T, data.seed seeds both sets."""
    spec = config.data
    task, params = parse_synthetic_path(spec.path)
    if config.task != RUN_TASK[task]:
        raise ConfigError(
            f"task: data.path {spec.path!r} is a {RUN_TASK[task]} task; "
            f"received task {config.task!r}, expected task: {RUN_TASK[task]}"
        )
    if task == "adding" and spec.horizon != 1:
        raise ConfigError(
            f"data.horizon: data.path {spec.path!r} predicts one value (the sum); "
            f"expected 1, received {spec.horizon}"
        )
    data, summary = build_synthetic(task, params, spec.seq_len, spec.seed, config.train.batch_size)
    data_hash = synthetic_hash(task, params, spec.seq_len, spec.seed)
    vocab = None if task == "adding" else data.vocab
    classes = list(data.classes) if task == "order" else None
    tokenizer = None if task == "adding" else Tokenizer("char")
    summary = {"task": config.task, "path": spec.path, "sha256": data_hash, **summary}
    return Prepared(config.task, data, vocab, classes, data_hash, summary, tokenizer)
