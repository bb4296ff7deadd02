"""Metrics and learning-rate schedules, with hand-computed numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnlab.errors import ConfigError
from rnnlab.train.metrics import (
    classify_metrics,
    confusion_matrix,
    forecast_metrics,
    language_model_metrics,
    macro_f1,
)
from rnnlab.train.schedules import learning_rate


def test_classify_metrics_by_hand():
    predicted, target = np.array([0, 0, 1, 1, 1, 2]), np.array([0, 1, 1, 1, 2, 2])
    counts = confusion_matrix(predicted, target, 3)
    np.testing.assert_array_equal(counts, [[1, 0, 0], [1, 2, 0], [0, 1, 1]])
    # F1 per class: 0: P=1/2 R=1 -> 2/3; 1: P=2/3 R=2/3 -> 2/3; 2: P=1 R=1/2 -> 2/3
    assert macro_f1(counts) == pytest.approx(2 / 3)
    metrics = classify_metrics(3.0, predicted, target, 3)
    assert metrics == {
        "val_loss": 0.5,
        "val_accuracy": pytest.approx(4 / 6),
        "val_f1": pytest.approx(2 / 3),
    }


def test_a_class_never_predicted_counts_as_zero_f1():
    counts = confusion_matrix(np.array([0, 0]), np.array([0, 1]), 2)
    assert macro_f1(counts) == pytest.approx((2 / 3 + 0) / 2)


def test_language_model_metrics():
    metrics = language_model_metrics(loss_sum=2.0 * 10, count=10, char_level=True)
    assert metrics["val_loss"] == 2.0
    assert metrics["val_perplexity"] == pytest.approx(math.exp(2.0))
    assert metrics["val_bpc"] == pytest.approx(2.0 / math.log(2))
    assert "val_bpc" not in language_model_metrics(1.0, 1, char_level=False)


def test_forecast_metrics_in_data_units():
    metrics = forecast_metrics(4.0, 4, np.array([[1.0], [2.0]]), np.array([[2.0], [4.0]]))
    assert metrics == {"val_loss": 1.0, "val_rmse": pytest.approx(math.sqrt(2.5)), "val_mae": 1.5}


def test_schedules():
    assert learning_rate("constant", 0.1, 50, 100) == 0.1
    assert learning_rate("cosine", 0.1, 0, 100) == pytest.approx(0.1)
    assert learning_rate("cosine", 0.1, 50, 100) == pytest.approx(0.05)
    assert learning_rate("cosine", 0.1, 100, 100) == pytest.approx(0.0)
    assert learning_rate("step", 0.1, 250, 1000, step_every=100, gamma=0.5) == pytest.approx(0.025)
    with pytest.raises(ConfigError, match=r"train\.schedule"):
        learning_rate("linear", 0.1, 1, 10)
