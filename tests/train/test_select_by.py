"""train.select_by: the validation metric that picks the best checkpoint and stops early,
and a validation split too small to pick anything by."""

from __future__ import annotations

import pytest

from rnnlab.errors import ConfigError
from rnnlab.events import CheckpointReady, Evaluated, RunStarted
from rnnlab.spec.run import parse_run_config
from rnnlab.train import Trainer, build_learner
from rnnlab.train.metrics import Selection, tiny_validation
from tests.train.conftest import prepared_for, small_config

# Evaluations of a classifier whose best-loss step (2) is not its best-accuracy step (3).
SCRIPT = [
    {"val_loss": 0.60, "val_accuracy": 0.70, "val_f1": 0.70},
    {"val_loss": 0.50, "val_accuracy": 0.75, "val_f1": 0.75},
    {"val_loss": 0.55, "val_accuracy": 0.82, "val_f1": 0.82},
    {"val_loss": 0.58, "val_accuracy": 0.80, "val_f1": 0.80},
    {"val_loss": 0.59, "val_accuracy": 0.79, "val_f1": 0.79},
    {"val_loss": 0.61, "val_accuracy": 0.78, "val_f1": 0.78},
]


def scripted_run(config, script=SCRIPT, summary=None):
    """Train `config` for real, but each evaluation returns the next scripted metrics."""
    prepared = prepared_for(config)
    if summary is not None:
        prepared.summary.update(summary)
    events: list = []
    trainer = Trainer(build_learner(config, prepared), prepared, config, [events.append])
    results = iter(script)
    trainer.evaluate = lambda: dict(next(results))
    ended = trainer.fit()
    return events, ended


def best_steps(events) -> list[int]:
    return [e.step for e in events if isinstance(e, CheckpointReady) and e.best]


def classifier(**train):
    return small_config("classify", train={"eval_every": 1, "max_steps": len(SCRIPT), **train})


def test_a_classifier_keeps_its_best_accuracy_checkpoint_by_default():
    events, ended = scripted_run(classifier())
    assert best_steps(events) == [1, 2, 3]  # not the lowest loss (step 2)
    assert ended.best_metrics == {**SCRIPT[2]}
    assert [e.best for e in events if isinstance(e, Evaluated)] == [1, 1, 1, 0, 0, 0]
    assert next(e for e in events if isinstance(e, RunStarted)).summary["select_by"] == "accuracy"


def test_select_by_loss_keeps_the_lowest_loss_checkpoint():
    events, ended = scripted_run(classifier(select_by="loss"))
    assert best_steps(events) == [1, 2]
    assert ended.best_metrics == SCRIPT[1]


def test_early_stopping_follows_the_selection_metric_and_its_direction():
    _, ended = scripted_run(classifier(early_stopping_patience=2))
    assert ended.status == "early-stopped" and ended.step == 5  # 2 evaluations after step 3
    assert "validation accuracy did not improve for 2 evaluations; best 0.8200" in ended.message
    _, ended = scripted_run(classifier(early_stopping_patience=2, select_by="loss"))
    assert ended.status == "early-stopped" and ended.step == 4  # 2 evaluations after step 2
    assert "validation loss did not improve for 2 evaluations; best 0.5000" in ended.message


def test_a_forecaster_selects_by_rmse_or_mae():
    script = [
        {"val_loss": 0.3, "val_rmse": 2.0, "val_mae": 1.0},
        {"val_loss": 0.2, "val_rmse": 1.5, "val_mae": 1.2},
        {"val_loss": 0.4, "val_rmse": 1.8, "val_mae": 0.9},
    ]
    config = small_config("forecast", train={"eval_every": 1, "max_steps": 3})
    assert best_steps(scripted_run(config, script)[0]) == [1, 2]
    config = small_config("forecast", train={"eval_every": 1, "max_steps": 3, "select_by": "mae"})
    assert best_steps(scripted_run(config, script)[0]) == [1, 3]


@pytest.mark.parametrize(
    ("task", "metric"), [("classify", "accuracy"), ("language-model", "loss"), ("forecast", "rmse")]
)
def test_auto_resolves_to_the_task_default(task, metric):
    assert small_config(task).selection_metric == metric
    assert small_config(task, train={"select_by": "loss"}).selection_metric == "loss"


@pytest.mark.parametrize(
    ("task", "select_by"),
    [("language-model", "accuracy"), ("language-model", "rmse"), ("classify", "mae")],
)
def test_a_metric_the_task_does_not_have_is_refused(task, select_by):
    data = small_config(task).model_dump(mode="json")
    data["train"]["select_by"] = select_by
    with pytest.raises(ConfigError, match=f"train.select_by: a {task} run selects by auto"):
        parse_run_config(data, "run.yaml")
    data["train"]["select_by"] = "f1"
    with pytest.raises(ConfigError, match="select_by"):
        parse_run_config(data, "run.yaml")


def test_higher_is_better_only_for_accuracy():
    assert Selection("accuracy").improves(0.8, 0.7) and not Selection("accuracy").improves(0.6, 0.7)
    assert Selection("loss").improves(0.6, 0.7) and not Selection("loss").improves(0.8, 0.7)
    assert not Selection("rmse").improves(1.0, 1.0)  # a tie keeps the earlier checkpoint
    assert not Selection("loss").improves(float("nan"), None)


def test_a_tiny_validation_split_keeps_no_best_checkpoint_and_never_stops_early():
    config = classifier(early_stopping_patience=1)
    events, ended = scripted_run(config, summary={"val_examples": 5})
    assert best_steps(events) == [] and ended.best_metrics == {}
    assert ended.status == "finished" and ended.step == len(SCRIPT)
    (warning,) = next(e for e in events if isinstance(e, RunStarted)).summary["warnings"]
    assert "only 5 examples (fewer than 20)" in warning and "last checkpoint" in warning


@pytest.mark.parametrize(
    ("task", "summary", "warned"),
    [
        ("language-model", {"val_tokens": 2}, True),
        ("language-model", {"val_tokens": 50}, False),
        ("language-model", {"val_tokens": 0}, False),  # no validation split at all
        ("forecast", {"val_windows": 9}, True),
        ("forecast", {}, False),
        ("classify", {"val_examples": 19}, True),
    ],
)
def test_tiny_validation_thresholds(task, summary, warned):
    assert (tiny_validation(task, summary) is not None) is warned


def test_a_checkpoint_saved_before_select_by_resumes_with_its_best_loss():
    config = small_config(
        "language-model", train={"eval_every": 1, "max_steps": 2, "probe_every": None}
    )
    prepared = prepared_for(config)
    events: list = []
    Trainer(build_learner(config, prepared), prepared, config, [events.append]).fit()
    last = [e for e in events if isinstance(e, CheckpointReady)][-1]
    progress = {k: v for k, v in last.meta["progress"].items() if k != "best_score"}
    old_meta = {**last.meta, "progress": {**progress, "best_val_loss": -1.0}}  # unbeatable
    more = small_config("language-model", train={"eval_every": 1, "max_steps": 3})
    resumed: list = []
    trainer = Trainer(build_learner(more, prepared), prepared, more, [resumed.append])
    trainer.fit((last.arrays, old_meta))
    assert best_steps(resumed) == []  # the old best (-1.0) still stands
    assert trainer.progress.best_score == -1.0
    saved = [e.meta["progress"] for e in resumed if isinstance(e, CheckpointReady)]
    assert saved and all("best_val_loss" not in p and p["best_score"] == -1.0 for p in saved)
