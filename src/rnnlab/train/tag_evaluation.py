"""The validation pass of a tagger (``task: tag``): its metrics and its confusion probe.

The learners give one (T_i, B_i) array of predicted tag ids per batch, beside the batch's
targets (IGNORE_INDEX at padding). ``side_by_side`` pads them all to the longest T and
puts the sentences side by side, (T_max, N), so ``tag_metrics`` sees every sentence whole
(span F1 needs sentence boundaries). The probe is the classifier's ``confusion`` with the
tags as classes, counted over the real tokens: per-tag precision, recall and F1 follow
from it (``per_tag_scores``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rnnlab.data.tag_data import IGNORE_INDEX
from rnnlab.train.metrics import confusion_matrix
from rnnlab.train.tag_metrics import score, tag_metrics


def side_by_side(arrays: Sequence[np.ndarray], fill: int = IGNORE_INDEX) -> np.ndarray:
    """(T_i, B_i) arrays as one (T_max, sum B_i) array, padded below with `fill`."""
    T = max(a.shape[0] for a in arrays)
    padded = [np.pad(a, ((0, T - a.shape[0]), (0, 0)), constant_values=fill) for a in arrays]
    return np.concatenate(padded, axis=1)


def tag_validation_metrics(
    loss_sum: float, outputs: Sequence[np.ndarray], targets: Sequence[np.ndarray], tags: Any
) -> dict[str, float]:
    """val_loss (per real token), val_accuracy, val_f1, val_micro_f1 (, val_span_f1)."""
    predicted, target = side_by_side(outputs, 0), side_by_side(targets)
    return tag_metrics(loss_sum, predicted, target, list(tags.tags))


def tag_confusion(
    outputs: Sequence[np.ndarray], targets: Sequence[np.ndarray], tags: Any, step: int
) -> dict[str, Any]:
    """The ``confusion`` probe's payload: counts[true][predicted] over the real tokens."""
    predicted = np.concatenate([o.ravel() for o in outputs])
    target = np.concatenate([t.ravel() for t in targets])
    real = target != IGNORE_INDEX
    counts = confusion_matrix(predicted[real], target[real], len(tags))
    return {"step": step, "classes": list(tags.tags), "counts": counts.tolist()}


def per_tag_scores(classes: Sequence[str], counts: Sequence[Sequence[int]]) -> dict[str, Any]:
    """{tag: {precision, recall, f1, support}} of a confusion payload's counts."""
    matrix = np.asarray(counts, dtype=np.int64)
    return {
        tag: score(int(matrix[k, k]), int(matrix[:, k].sum()), int(matrix[k].sum())).as_dict()
        for k, tag in enumerate(classes)
    }
