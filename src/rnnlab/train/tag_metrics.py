"""Metrics of sequence labelling (``task: tag``).

Token level, on tag ids (T, B) where the target holds IGNORE_INDEX at padding:

- accuracy: correct tags / real tokens (padding ignored);
- per tag: precision = TP / predicted as the tag, recall = TP / gold tag,
  F1 = 2PR / (P + R) (0 when P + R = 0);
- macro: the mean of P, R and F1 over the scored tags; micro: P, R, F1 from TP, predicted
  and gold summed over the scored tags. The scored tags are every tag but the outside tag
  (``O``: no span, no punctuation mark), which would otherwise dominate; a tag absent from
  both gold and predictions has nothing to score and is left out of the macro mean.

Span level, for BIO tags (``B-TYPE``, ``I-TYPE``, ``O``), as conlleval counts them: a span
starts at ``B-X``, and also at an ``I-X`` that does not continue a span of type X (after
``O``, after another type, or at the start: "I- without B- starts a span"); it ends
before the next tag that is not ``I-X``. A predicted span is correct when its type, start
and end all equal a gold span's. Span P, R, F1 are over all spans (micro), and per type.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnlab.data.tag_data import IGNORE_INDEX
from rnnlab.data.tagging import OUTSIDE
from rnnlab.errors import DataError, ShapeError
from rnnlab.train.metrics import confusion_matrix

Span = tuple[str, int, int]  # (type, start, end): tokens start..end-1


@dataclass(frozen=True)
class Score:
    """Precision, recall, F1 and the gold count (support) of one tag or span type."""

    precision: float
    recall: float
    f1: float
    support: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "support": self.support,
        }


def score(true_pos: int, predicted: int, gold: int) -> Score:
    """P = TP / predicted, R = TP / gold (0 when the denominator is 0), F1 their harmonic
    mean (0 when both are 0)."""
    precision = true_pos / predicted if predicted else 0.0
    recall = true_pos / gold if gold else 0.0
    total = precision + recall
    return Score(precision, recall, 2 * precision * recall / total if total else 0.0, gold)


def _real(predicted: np.ndarray, target: np.ndarray, ignore_index: int) -> tuple[Any, Any]:
    predicted, target = np.asarray(predicted), np.asarray(target)
    if predicted.shape != target.shape:
        raise ShapeError(
            f"predicted: expected the shape of the target {target.shape}, "
            f"received {predicted.shape}"
        )
    keep = target != ignore_index
    return predicted[keep].astype(np.int64), target[keep].astype(np.int64)


def token_accuracy(
    predicted: np.ndarray, target: np.ndarray, ignore_index: int = IGNORE_INDEX
) -> float:
    """Share of real tokens (target != ignore_index) whose tag is right; 0 with none."""
    pred, gold = _real(predicted, target, ignore_index)
    return float((pred == gold).mean()) if len(gold) else 0.0


def tag_report(
    predicted: np.ndarray,
    target: np.ndarray,
    tags: Sequence[str],
    *,
    outside: str | None = OUTSIDE,
    ignore_index: int = IGNORE_INDEX,
) -> dict[str, Any]:
    """accuracy, per_tag {tag: Score}, macro and micro Scores over the scored tags
    (every tag but `outside`; None scores them all). Ids index `tags`."""
    pred, gold = _real(predicted, target, ignore_index)
    for name, ids in (("predicted", pred), ("target", gold)):
        if len(ids) and (ids.min() < 0 or ids.max() >= len(tags)):
            raise DataError(f"{name}: a tag id is outside 0..{len(tags) - 1}")
    counts = confusion_matrix(pred, gold, len(tags))  # counts[gold, predicted]
    per_tag = {
        tag: score(int(counts[k, k]), int(counts[:, k].sum()), int(counts[k].sum()))
        for k, tag in enumerate(tags)
    }
    scored = [k for k, tag in enumerate(tags) if tag != outside]
    present = [k for k in scored if counts[k].sum() or counts[:, k].sum()]
    means = [
        float(np.mean([getattr(per_tag[tags[k]], field) for k in present])) if present else 0.0
        for field in ("precision", "recall", "f1")
    ]
    macro = Score(*means, support=int(sum(counts[k].sum() for k in scored)))
    micro = score(
        int(sum(counts[k, k] for k in scored)),
        int(sum(counts[:, k].sum() for k in scored)),
        int(sum(counts[k].sum() for k in scored)),
    )
    accuracy = float(np.trace(counts) / len(gold)) if len(gold) else 0.0
    return {"accuracy": accuracy, "per_tag": per_tag, "macro": macro, "micro": micro}


def report_as_dict(report: dict[str, Any]) -> dict[str, Any]:
    """A ``tag_report`` or ``span_report`` with its Scores as plain dicts (JSON-able)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Score):
            return value.as_dict()
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        return value

    return plain(report)


# ---- BIO spans --------------------------------------------------------------------------


def is_bio(tags: Sequence[str]) -> bool:
    """True when every tag is ``O``, ``B-TYPE`` or ``I-TYPE`` and one at least is not O."""
    return any(t != OUTSIDE for t in tags) and all(
        t == OUTSIDE or (t[:2] in ("B-", "I-") and len(t) > 2) for t in tags
    )


def bio_spans(tags: Sequence[str]) -> list[Span]:
    """The spans of one sentence's BIO tags, conlleval-style (see the module docstring)."""
    spans: list[Span] = []
    kind: str | None = None  # type of the open span
    start = 0
    for i, tag in enumerate(tags):
        if tag == OUTSIDE:
            prefix, typ = "O", None
        elif tag[:2] in ("B-", "I-") and len(tag) > 2:
            prefix, typ = tag[0], tag[2:]
        else:
            raise DataError(f"tag {i + 1} is {tag!r}; expected O, B-TYPE or I-TYPE (BIO tags)")
        continues = prefix == "I" and typ == kind
        if kind is not None and not continues:
            spans.append((kind, start, i))
            kind = None
        if typ is not None and not continues:
            kind, start = typ, i
    if kind is not None:
        spans.append((kind, start, len(tags)))
    return spans


def span_report(
    predicted: Sequence[Sequence[str]], gold: Sequence[Sequence[str]]
) -> dict[str, Any]:
    """overall Score and per_type {type: Score} of the BIO spans of aligned sentences."""
    if len(predicted) != len(gold):
        raise ShapeError(f"predicted: expected {len(gold)} sentences, received {len(predicted)}")
    found: Counter[str] = Counter()
    wanted: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for i, (pred_tags, gold_tags) in enumerate(zip(predicted, gold, strict=True)):
        if len(pred_tags) != len(gold_tags):
            raise ShapeError(
                f"sentence {i + 1}: {len(pred_tags)} predicted tags for {len(gold_tags)} tokens"
            )
        pred_spans, gold_spans = set(bio_spans(pred_tags)), set(bio_spans(gold_tags))
        found.update(span[0] for span in pred_spans)
        wanted.update(span[0] for span in gold_spans)
        right.update(span[0] for span in pred_spans & gold_spans)
    types = sorted(set(found) | set(wanted))
    per_type = {t: score(right[t], found[t], wanted[t]) for t in types}
    overall = score(sum(right.values()), sum(found.values()), sum(wanted.values()))
    return {"overall": overall, "per_type": per_type}


# ---- for the trainer --------------------------------------------------------------------


def tag_sequences(
    ids: np.ndarray, target: np.ndarray, tags: Sequence[str], ignore_index: int = IGNORE_INDEX
) -> list[list[str]]:
    """Per sentence (column b of (T, B) arrays), the tags of `ids` at its real tokens."""
    ids, target = np.asarray(ids), np.asarray(target)
    if ids.shape != target.shape or ids.ndim != 2:
        raise ShapeError(
            f"ids: expected a (T, B) array of the target's shape {target.shape}, "
            f"received {ids.shape}"
        )
    real = target != ignore_index  # (T, B)
    return [[tags[int(k)] for k in ids[real[:, b], b]] for b in range(ids.shape[1])]


def tag_metrics(
    loss_sum: float,
    predicted: np.ndarray,
    target: np.ndarray,
    tags: Sequence[str],
    ignore_index: int = IGNORE_INDEX,
) -> dict[str, float]:
    """Validation metrics of a tagger: val_loss (mean per real token), val_accuracy,
    val_f1 (macro over the tags but O), val_micro_f1 and, for BIO tags, val_span_f1."""
    report = tag_report(predicted, target, tags, ignore_index=ignore_index)
    count = int((np.asarray(target) != ignore_index).sum())
    metrics = {
        "val_loss": loss_sum / max(count, 1),
        "val_accuracy": report["accuracy"],
        "val_f1": report["macro"].f1,
        "val_micro_f1": report["micro"].f1,
    }
    if is_bio(tags):
        spans = span_report(
            tag_sequences(predicted, target, tags, ignore_index),
            tag_sequences(target, target, tags, ignore_index),
        )
        metrics["val_span_f1"] = spans["overall"].f1
    return metrics
