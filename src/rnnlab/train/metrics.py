"""Validation metrics per task, from summed losses, predictions and targets.

language-model: loss (mean cross-entropy per token), perplexity = exp(loss),
                bits per character = loss / ln 2 (char tokenizer)
classify:       loss, accuracy, macro F1 (mean over classes of 2PR / (P + R))
forecast:       loss (MSE on the scaled values), RMSE and MAE in the data's units

Selection says which evaluation is best (train.select_by); tiny_validation, when a
validation split is too small to choose by.
"""

from __future__ import annotations

import math

import numpy as np


def language_model_metrics(loss_sum: float, count: int, char_level: bool) -> dict[str, float]:
    loss = loss_sum / max(count, 1)
    metrics = {"val_loss": loss, "val_perplexity": math.exp(min(loss, 700.0))}
    if char_level:
        metrics["val_bpc"] = loss / math.log(2.0)
    return metrics


def confusion_matrix(predicted: np.ndarray, target: np.ndarray, n_classes: int) -> np.ndarray:
    """counts[true, predicted] (n_classes x n_classes)."""
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (target, predicted), 1)
    return counts


def macro_f1(counts: np.ndarray) -> float:
    true_pos = np.diag(counts).astype(float)
    precision = true_pos / np.maximum(counts.sum(axis=0), 1)
    recall = true_pos / np.maximum(counts.sum(axis=1), 1)
    f1 = np.where(
        precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-300), 0.0
    )
    return float(f1.mean())


def classify_metrics(
    loss_sum: float, predicted: np.ndarray, target: np.ndarray, n_classes: int
) -> dict[str, float]:
    counts = confusion_matrix(predicted, target, n_classes)
    return {
        "val_loss": loss_sum / max(len(target), 1),
        "val_accuracy": float((predicted == target).mean()) if len(target) else 0.0,
        "val_f1": macro_f1(counts),
    }


def forecast_metrics(
    loss_sum: float, count: int, predicted: np.ndarray, target: np.ndarray
) -> dict[str, float]:
    """predicted and target (N, horizon) in the data's own units."""
    err = predicted - target
    return {
        "val_loss": loss_sum / max(count, 1),
        "val_rmse": float(np.sqrt(np.mean(err**2))) if err.size else 0.0,
        "val_mae": float(np.mean(np.abs(err))) if err.size else 0.0,
    }


class Selection:
    """Which evaluation is best: by validation `metric` (loss | accuracy | rmse | mae | f1 |
    exact_match | token_accuracy | bleu, see ``RunConfig.selection_metric``); higher is
    better for the scores, lower for loss, rmse and mae."""

    def __init__(self, metric: str) -> None:
        self.metric = metric
        self.key = f"val_{metric}"
        higher = ("accuracy", "f1", "exact_match", "token_accuracy", "bleu")
        self.higher_is_better = metric in higher

    def improves(self, value: float | None, best: float | None) -> bool:
        """True when `value` beats `best` (or is the first value); ties do not improve."""
        if value is None or not math.isfinite(value):
            return False
        if best is None:
            return True
        return value > best if self.higher_is_better else value < best


# Fewer validation items than these and the "best" checkpoint is picked by noise: one item
# moves the mean metric by 1/n of its size (accuracy over 20 examples moves in steps of 5
# points, with a standard error near 11), about as much as checkpoints late in training
# differ. Neighbouring tokens and overlapping forecast windows are correlated, so their
# minimums count items, not independent draws. The bundled samples stay above them.
MIN_VALIDATION = {
    "language-model": ("val_tokens", 50, "tokens"),
    "classify": ("val_examples", 20, "examples"),
    "forecast": ("val_windows", 10, "windows"),
    "tag": ("val_tokens", 50, "tokens"),
    "seq2seq": ("val_examples", 20, "examples"),
}


def tiny_validation(task: str, summary: dict) -> str | None:
    """A warning when the validation split is too small to choose a checkpoint by, else
    None (also when there is no validation split at all, or its size is unknown)."""
    key, minimum, unit = MIN_VALIDATION[task]
    size = summary.get(key)
    if not isinstance(size, int) or size == 0 or size >= minimum:
        return None
    return (
        f"the validation split has only {size} {unit} (fewer than {minimum}): its metrics "
        f"are noise, so no best checkpoint is kept, early stopping is off and predictions "
        f"use the last checkpoint; use more data or a larger data.val_fraction"
    )
