"""Validation metrics per task, from summed losses, predictions and targets.

language-model: loss (mean cross-entropy per token), perplexity = exp(loss),
                bits per character = loss / ln 2 (char tokenizer)
classify:       loss, accuracy, macro F1 (mean over classes of 2PR / (P + R))
forecast:       loss (MSE on the scaled values), RMSE and MAE in the data's units
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
