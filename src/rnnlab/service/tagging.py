"""Sequence labelling (``task: tag``) use cases: tag text with a trained tagger, restore
punctuation, and the per-tag comparison of a run with the baselines on its split.

For the views (CLI ``rnnlab predict``, the web's predict page):

- ``tag_text(ref, texts)``: each text split into tokens (on whitespace; a punctuation
  run reads characters, one sentence per line, marks and notes dropped), each token's
  tag and tag probabilities; a punctuation run also gives the text with the marks put
  back (``punctuated``).
- ``tag_comparison(details)`` (also ``details["tag_comparison"]`` of ``show_run``): rows
  of per-tag precision/recall/F1 of the model (the checkpoint in use, from its confusion
  counts) beside the baselines' F1 on the same validation split;
  ``tag_comparison_lines`` prints them (``service.tag_report``).
- ``evaluate_tagged(ref, path)``: the tagger scored on a labelled file (accuracy, per-tag
  and macro/micro scores, BIO spans); a tag it does not know names the file and line.

The run keeps its tag vocabulary twice: in every checkpoint's meta (``tags``, what
predict and resume load) and as ``tags.json`` in the run's folder (for people).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from rnnlab.data import Prepared, resolve_path
from rnnlab.data.punctuation import characters_to_punctuate, read_punctuated, restore_lines
from rnnlab.data.tagging import TagVocab, infer_tag_format, read_tagged
from rnnlab.errors import ConfigError, DataError
from rnnlab.predict import unknown_tokens_warning
from rnnlab.service.runs import load_bundle
from rnnlab.service.tag_report import tag_rows
from rnnlab.spec.files import atomic_write_text
from rnnlab.store import Store
from rnnlab.train.tag_baselines import baseline_reports
from rnnlab.train.tag_metrics import is_bio, report_as_dict, span_report, tag_report

TAG_VOCAB_FILE = "tags.json"
PUNCTUATED = "punctuated"
MAX_TEXTS = 1000  # texts in one request
EVALUATE_BATCH = 256  # sentences per forward pass of evaluate_tagged


def tag_checkpoint_meta(prepared: Prepared) -> dict[str, Any]:
    """What a tagger's checkpoints carry besides the vocab: its tags and data format."""
    return {"tags": prepared.tags.to_dict(), "tag_format": prepared.summary["format"]}


def save_tag_vocab(run_dir: Path, tags: TagVocab) -> Path:
    """``tags.json`` in the run's folder, written atomically."""
    text = json.dumps(tags.to_dict(), ensure_ascii=False, indent=0) + "\n"
    return atomic_write_text(run_dir / TAG_VOCAB_FILE, text)


def tag_baselines(prepared: Prepared) -> dict[str, Any]:
    """{kind: tag_report as dicts} of each baseline on the validation split ({} without
    one), counted on the training sentences of the same split."""
    tagged = prepared.tagged or {}
    if not tagged.get("val"):
        return {}
    reports = baseline_reports(tagged["train"], tagged["val"], prepared.tags)
    return {kind: report_as_dict(report) for kind, report in reports.items()}


def _sentences(text: str, fmt: str) -> list[list[str]]:
    if fmt == PUNCTUATED:
        return characters_to_punctuate(text)
    tokens = text.split()
    return [tokens] if tokens else []


def tag_text(ref: str, texts: list[str], home: str | Path | None = None) -> dict[str, Any]:
    """Tag each of `texts` with run `ref`'s tagger (best checkpoint, else last).

    Returns ``{"task": "tag", "format", "tags": [every tag], "results": [{"text",
    "sentences": [{"tokens", "tags", "probabilities": [{tag: p} per token]}],
    "punctuated": the text with its marks put back, or None}], "unknown_tokens",
    "warnings"}``. DataError for an empty text (naming its number).
    """
    if not isinstance(texts, list) or not texts:
        raise DataError("texts: expected at least one text to tag, received none")
    if len(texts) > MAX_TEXTS:
        raise ConfigError(f"texts: expected at most {MAX_TEXTS} texts, received {len(texts)}")
    bundle = _tagger(ref, home)
    from rnnlab.predict import Predictor  # torch only when a model is used

    fmt = _run_format(bundle)
    per_text = []
    for number, text in enumerate(texts, start=1):
        if not isinstance(text, str) or not text.strip():
            raise DataError(f"text {number}: empty; expected tokens to tag")
        try:
            per_text.append(_sentences(text, fmt))
        except DataError as err:
            raise DataError(f"text {number}: {err}") from None
        if not per_text[-1]:
            raise DataError(f"text {number}: no tokens to tag")
    tagged = Predictor(bundle).tag([s for sentences in per_text for s in sentences])
    results, start = [], 0
    for text, sentences in zip(texts, per_text, strict=True):
        mine = tagged[start : start + len(sentences)]
        start += len(sentences)
        punctuated = None
        if fmt == PUNCTUATED:
            punctuated = restore_lines([s["tokens"] for s in mine], [s["tags"] for s in mine])
        results.append({"text": text, "sentences": mine, "punctuated": punctuated})
    unknown = _unknown(bundle, per_text)
    warnings = [unknown_tokens_warning(unknown)] if unknown else []
    return {
        "task": "tag",
        "format": fmt,
        "tags": list(bundle.tags.tags),
        "results": results,
        "unknown_tokens": unknown,
        "warnings": warnings,
    }


def _run_format(bundle: Any) -> str:
    return bundle.tag_format or bundle.config.data.format or "conll"


def _unknown(bundle: Any, per_text: list[list[list[str]]]) -> list[str]:
    fold = str.lower if bundle.config.data.lowercase else str
    vocab = bundle.vocab
    tokens = (t for sentences in per_text for s in sentences for t in s)
    return list(dict.fromkeys(t for t in tokens if fold(t) not in vocab))


def punctuate(ref: str, text: str, home: str | Path | None = None) -> dict[str, Any]:
    """A punctuation run's restored text: ``{"text", "punctuated", "sentences", ...}``
    (``tag_text`` of one text, flattened); ConfigError for a run of another format."""
    result = tag_text(ref, [text], home)
    if result["format"] != PUNCTUATED:
        raise ConfigError(
            f"punctuate needs a run trained on data.format punctuated; this run's data "
            f"format is {result['format']}"
        )
    first = result.pop("results")[0]
    return {**result, **first}


def evaluate_tagged(ref: str, path: str | Path, home: str | Path | None = None) -> dict:
    """Score run `ref`'s tagger on a labelled file (punctuated text for a punctuation run,
    else conll or tsv by its suffix): ``{"sentences", "tokens", "accuracy", "per_tag",
    "macro", "micro"}`` (Scores as dicts; ``"spans"`` too for BIO tags). A tag the model
    does not know is a DataError naming the file and the sentence's line."""
    bundle = _tagger(ref, home)
    from rnnlab.predict import Predictor  # torch only when a model is used

    source = resolve_path(str(path))
    data = bundle.config.data
    if _run_format(bundle) == PUNCTUATED:
        sentences = read_punctuated(source)[0]
    else:
        columns = {"tokens_column": data.tokens_column, "tags_column": data.tags_column}
        sentences = read_tagged(source, infer_tag_format(source), **columns)
    gold = [bundle.tags.encode(s.tags, f"{source}: line {s.line}") for s in sentences]
    model, predicted = Predictor(bundle), []
    for start in range(0, len(sentences), EVALUATE_BATCH):
        chunk = sentences[start : start + EVALUATE_BATCH]
        predicted += [r["tags"] for r in model.tag([list(s.tokens) for s in chunk])]
    ids = np.array([i for tags in predicted for i in bundle.tags.encode(tags)])
    report = tag_report(ids, np.array([i for tags in gold for i in tags]), bundle.tags.tags)
    result = {"sentences": len(sentences), "tokens": len(ids), **report_as_dict(report)}
    if is_bio(bundle.tags.tags):
        result["spans"] = report_as_dict(span_report(predicted, [s.tags for s in sentences]))
    return result


def _tagger(ref: str, home: str | Path | None) -> Any:
    bundle = load_bundle(ref, home)
    if bundle.config.task != "tag" or bundle.tags is None:
        raise ConfigError(f"tag needs a tag run; this run's task is {bundle.config.task}")
    return bundle


# ---- the run's per-tag comparison ---------------------------------------------------------


def tag_comparison(details: dict[str, Any], home: str | Path | None = None) -> list[dict]:
    """The per-tag rows of a run's details (``tag_report.tag_rows``), read from the store."""
    if details.get("task") != "tag":
        return []
    with Store(home) as store:
        probes = store.probes(details["id"], "confusion")
    return tag_rows(details, probes)
