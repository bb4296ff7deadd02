"""service.train on every example config, and the run-store use cases around a trained run."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from rnnlab import service
from rnnlab.errors import ConfigError, RunNotFound
from rnnlab.events import CheckpointReady

from .conftest import SMALL, Trained, config_path, last_checkpoint

VAL_METRICS = {
    "char_lm": {"val_loss", "val_perplexity", "val_bpc"},
    "word_lm": {"val_loss", "val_perplexity"},
    "sentiment": {"val_loss", "val_accuracy", "val_f1"},
    "forecast": {"val_loss", "val_rmse", "val_mae"},
}
TASKS = {
    "char_lm": "language-model",
    "word_lm": "language-model",
    "sentiment": "classify",
    "forecast": "forecast",
}


def planned_steps(name: str, summary: dict) -> tuple[int, list[int]]:
    """(total steps, steps of the validation evaluations) that SMALL asks for."""
    if name == "char_lm":
        return 6, [3, 6]  # max_steps 6, eval_every 3
    if name == "word_lm":
        return 5, [5]  # max_steps 5 inside the first epoch: one evaluation at the end
    batch = 128 if name == "sentiment" else 16
    examples = summary["train_examples" if name == "sentiment" else "train_windows"]
    per_epoch = math.ceil(examples / batch)
    return 2 * per_epoch, [per_epoch, 2 * per_epoch]  # 2 epochs, evaluated at each end


@pytest.mark.parametrize("name", list(SMALL))
def test_example_config_trains_end_to_end(trained: Trained, name: str) -> None:
    run = trained.runs[name]
    total, eval_steps = planned_steps(name, run["summary"])
    assert trained.created[name] == [run["id"]]  # on_created got the new run's id first
    assert run["task"] == TASKS[name]
    assert run["status"] == "finished", run["message"]
    assert run["steps"] == total
    assert run["summary"]["plan"]["total_steps"] == total
    assert run["finished_at"] is not None
    assert run["config"]["model"]["hidden_size"] == 8  # the overrides were applied

    final = run["final_metrics"]
    assert set(final) == VAL_METRICS[name] | {"step"}
    assert final["step"] == total
    assert all(math.isfinite(final[k]) for k in VAL_METRICS[name])

    selected = "val_accuracy" if name == "sentiment" else "val_loss"  # train.select_by: auto
    val_curve = service.run_metrics(run["id"], home=trained.home)["val"][selected]
    assert val_curve["step"] == eval_steps
    best = run["best_metrics"]
    pick = np.argmax if selected == "val_accuracy" else np.argmin  # the first best on a tie
    assert best[selected] == val_curve["value"][int(pick(val_curve["value"]))]
    assert best["step"] == eval_steps[int(pick(val_curve["value"]))]

    assert {"best", "last"} <= set(run["checkpoints"])
    _, last_meta = last_checkpoint(trained.home, run["id"], "last")
    _, best_meta = last_checkpoint(trained.home, run["id"], "best")
    assert last_meta["step"] == total
    assert best_meta["step"] == best["step"]
    assert Path(run["folder"], "checkpoints", "last.json").is_file()


def test_language_model_metrics_agree(trained: Trained) -> None:
    char, word = trained.runs["char_lm"]["final_metrics"], trained.runs["word_lm"]["final_metrics"]
    assert char["val_perplexity"] == pytest.approx(math.exp(char["val_loss"]))
    assert char["val_bpc"] == pytest.approx(char["val_loss"] / math.log(2))
    assert word["val_perplexity"] == pytest.approx(math.exp(word["val_loss"]))


def test_classify_and_forecast_metrics_are_in_range(trained: Trained) -> None:
    clf = trained.runs["sentiment"]["final_metrics"]
    assert 0.0 <= clf["val_accuracy"] <= 1.0 and 0.0 <= clf["val_f1"] <= 1.0
    fc = trained.runs["forecast"]["final_metrics"]
    assert 0.0 < fc["val_mae"] <= fc["val_rmse"]


def test_forecast_summary_has_the_baselines(trained: Trained) -> None:
    baselines = trained.runs["forecast"]["summary"]["baselines"]
    assert baselines["units"] == "original" and baselines["windows"] > 0
    for kind in ("naive", "seasonal_naive"):
        assert 0.0 < baselines[kind]["mae"] <= baselines[kind]["rmse"]
    assert baselines["seasonal_naive"]["season"] == 12


@pytest.mark.parametrize("name", list(SMALL))
def test_show_run_is_the_details_as_json(trained: Trained, name: str) -> None:
    run_id = trained.id(name)
    shown = service.show_run(run_id, home=trained.home)
    text = json.dumps(shown, allow_nan=False)  # strict JSON: no NaN or Infinity
    again = json.loads(text)
    for key in ("id", "status", "config", "final_metrics", "best_metrics"):
        assert key in again
    assert again["id"] == run_id and again["status"] == "finished"
    assert again["config"]["task"] == TASKS[name]
    assert again["final_metrics"] == trained.runs[name]["final_metrics"]
    assert again["best_metrics"] == trained.runs[name]["best_metrics"]
    by_name = service.show_run(trained.runs[name]["name"], home=trained.home)
    assert by_name["id"] == run_id
    others = [run["id"] for run in trained.runs.values() if run["id"] != run_id]
    prefix = next(
        run_id[:n] for n in range(4, 21) if not any(o.startswith(run_id[:n]) for o in others)
    )
    assert service.show_run(prefix, home=trained.home)["id"] == run_id  # a unique prefix


def test_list_runs_filters_by_task_and_status(trained: Trained) -> None:
    every = {row["id"] for row in service.list_runs(home=trained.home)}
    assert every == {run["id"] for run in trained.runs.values()}
    lms = {row["id"] for row in service.list_runs(task="language-model", home=trained.home)}
    assert lms == {trained.id("char_lm"), trained.id("word_lm")}
    classify = service.list_runs(task="classify", home=trained.home)
    assert [row["id"] for row in classify] == [trained.id("sentiment")]
    assert classify[0]["final_metrics"] == trained.runs["sentiment"]["final_metrics"]
    finished = service.list_runs(status="finished", home=trained.home)
    assert {row["id"] for row in finished} == every
    assert service.list_runs(status="interrupted", home=trained.home) == []
    assert service.list_runs(task="forecast", status="diverged", home=trained.home) == []
    both = service.list_runs(task="forecast", status="finished", home=trained.home)
    assert [row["id"] for row in both] == [trained.id("forecast")]


def test_list_runs_rejects_an_unknown_status(trained: Trained) -> None:
    with pytest.raises(ConfigError, match="status") as info:
        service.list_runs(status="done", home=trained.home)
    assert "finished" in str(info.value) and "'done'" in str(info.value)


@pytest.mark.parametrize("name", list(SMALL))
def test_run_metrics_has_one_train_loss_per_step(trained: Trained, name: str) -> None:
    run = trained.runs[name]
    metrics = service.run_metrics(run["id"], home=trained.home)
    loss = metrics["train"]["loss"]
    assert loss["step"] == list(range(1, run["steps"] + 1))
    assert len(loss["value"]) == run["steps"]
    assert all(math.isfinite(v) and v > 0 for v in loss["value"])
    assert metrics["train"]["grad_norm"]["step"] == loss["step"]


def test_remove_run_deletes_rows_and_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    keep = service.train(config_path("forecast"), SMALL["forecast"], home=home)
    gone = service.train(config_path("forecast"), SMALL["forecast"], home=home)
    folder = Path(gone["folder"])
    assert folder.is_dir()

    assert service.remove_run(gone["id"], home=home) == gone["id"]

    assert not folder.exists()
    assert [row["id"] for row in service.list_runs(home=home)] == [keep["id"]]
    with pytest.raises(RunNotFound, match=gone["id"]):
        service.show_run(gone["id"], home=home)
    with sqlite3.connect(home / "rnnlab.db") as db:
        for table in ("runs", "metrics", "artifacts"):
            column = "id" if table == "runs" else "run_id"
            count = db.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (gone["id"],))
            assert count.fetchone()[0] == 0, table
        kept = db.execute("SELECT COUNT(*) FROM metrics WHERE run_id = ?", (keep["id"],))
        assert kept.fetchone()[0] > 0
    assert Path(keep["folder"]).is_dir()
    with pytest.raises(RunNotFound):
        service.remove_run(gone["id"], home=home)


def test_train_accepts_a_mapping_and_a_config(tmp_path: Path) -> None:
    config = service.load_config(config_path("forecast"), SMALL["forecast"])
    from_config = service.train(config, home=tmp_path)
    from_mapping = service.train(config.model_dump(mode="json"), home=tmp_path)
    first = last_checkpoint(tmp_path, from_config["id"])[0]
    second = last_checkpoint(tmp_path, from_mapping["id"])[0]
    assert from_config["steps"] == from_mapping["steps"] > 0
    for key in first:  # same config and seed: the same weights
        np.testing.assert_array_equal(first[key], second[key], err_msg=key)


def test_checkpoint_every_writes_interval_checkpoints(tmp_path: Path) -> None:
    """Bug: train.checkpoint_every ("steps; default at each eval") is accepted but ignored."""
    saved: list[tuple[int, str]] = []

    def on_event(event: object) -> None:
        if isinstance(event, CheckpointReady):
            saved.append((event.step, event.reason))

    overrides = ["model.hidden_size=8", "train.max_steps=5", "train.checkpoint_every=2"]
    run = service.train(config_path("forecast"), overrides, on_event=on_event, home=tmp_path)
    assert run["steps"] == 5  # inside the first epoch: one evaluation, at the end
    assert (2, "interval") in saved and (4, "interval") in saved, saved
