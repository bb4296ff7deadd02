"""Store: logging and reading metrics, last and best values."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from rnnlab.errors import ConfigError, RunNotFound
from rnnlab.store import RunRecord, Store

MakeRun = Callable[..., RunRecord]


def test_metrics_by_split_and_name_in_step_order(store: Store, make_run: MakeRun) -> None:
    run = make_run()
    for step in (3, 1, 2):
        store.log_metrics(run.id, step, {"loss": float(step), "lr": 0.1})
    store.log_metrics(run.id, 2, {"val_loss": 0.5, "val_accuracy": 0.75}, split="val")
    everything = store.metrics(run.id)
    assert everything["train"]["loss"] == {"step": [1, 2, 3], "value": [1.0, 2.0, 3.0]}
    assert everything["train"]["lr"]["value"] == [0.1, 0.1, 0.1]
    assert everything["val"] == {
        "val_accuracy": {"step": [2], "value": [0.75]},
        "val_loss": {"step": [2], "value": [0.5]},
    }
    assert list(store.metrics(run.id, split="val")) == ["val"]
    assert store.metrics(run.id, names=["loss"]) == {"train": {"loss": everything["train"]["loss"]}}
    assert store.metrics(make_run().id) == {}


def test_a_repeated_step_replaces_its_values(store: Store, make_run: MakeRun) -> None:
    run = make_run()
    store.log_metrics(run.id, 5, {"loss": 9.0})
    store.log_metrics(run.id, 5, {"loss": 1.0})  # a resumed run redoes step 5
    assert store.metrics(run.id)["train"]["loss"] == {"step": [5], "value": [1.0]}


def test_nan_and_inf_round_trip(store: Store, make_run: MakeRun) -> None:
    run = make_run()
    store.log_metrics(run.id, 1, {"loss": math.nan, "grad_norm": math.inf})
    series = store.metrics(run.id)["train"]
    assert math.isnan(series["loss"]["value"][0]) and series["grad_norm"]["value"] == [math.inf]


def test_log_metrics_many(store: Store, make_run: MakeRun) -> None:
    a, b = make_run(), make_run()
    rows = [(a.id, s, "train", "loss", 1.0 / s) for s in range(1, 101)]
    rows.append((b.id, 1, "val", "val_loss", 0.25))
    assert store.log_metrics_many(rows) == 101
    assert store.log_metrics_many([]) == 0
    assert len(store.metrics(a.id)["train"]["loss"]["step"]) == 100
    assert store.metrics(b.id) == {"val": {"val_loss": {"step": [1], "value": [0.25]}}}


def test_bad_metric_rows_are_refused(store: Store, make_run: MakeRun) -> None:
    run = make_run()
    with pytest.raises(ConfigError, match=r"split: expected one of train \| val"):
        store.log_metrics(run.id, 1, {"loss": 1.0}, split="test")
    with pytest.raises(ConfigError, match="metric 'loss': expected a number"):
        store.log_metrics(run.id, 1, {"loss": "low"})
    with pytest.raises(ConfigError, match="step: expected a whole number"):
        store.log_metrics(run.id, -1, {"loss": 1.0})
    with pytest.raises(RunNotFound, match="no such run"):
        store.log_metrics("20990101-000000-0000", 1, {"loss": 1.0})
    with pytest.raises(RunNotFound):
        store.metrics("20990101-000000-0000")
    assert store.metrics(run.id) == {}


def test_last_metrics(store: Store, make_run: MakeRun) -> None:
    run = make_run()
    assert store.last_metrics(run.id, "train") == {}
    store.log_metrics(run.id, 1, {"loss": 2.0, "lr": 0.1})
    store.log_metrics(run.id, 2, {"loss": 1.5, "lr": 0.05})
    assert store.last_metrics(run.id, "train") == {"step": 2, "loss": 1.5, "lr": 0.05}
    assert store.last_metrics(run.id, "val") == {}


def test_best_metrics_is_the_val_row_of_the_lowest_val_loss(
    store: Store, make_run: MakeRun
) -> None:
    run = make_run()
    store.log_metrics(run.id, 1, {"loss": 0.1})
    assert store.best_metrics(run.id) == {}  # no validation
    for step, loss, acc in [(10, 0.9, 0.5), (20, 0.4, 0.8), (30, 0.4, 0.9), (40, math.nan, 0.1)]:
        store.log_metrics(run.id, step, {"val_loss": loss, "val_accuracy": acc}, split="val")
    assert store.best_metrics(run.id) == {"step": 20, "val_loss": 0.4, "val_accuracy": 0.8}
