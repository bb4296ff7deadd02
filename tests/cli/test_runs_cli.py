"""`rnnlab runs list | show | rm`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnlab import service

from .conftest import EXAMPLES, SMALL, Runs, invoke


def test_runs_list_json(runs: Runs) -> None:
    result = invoke("runs", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {row["id"] for row in rows} == set(runs.ids.values())
    assert all(row["status"] == "finished" and row["steps"] == 3 for row in rows)
    only = json.loads(invoke("runs", "list", "--task", "classify", "--json").stdout)
    assert [row["id"] for row in only] == [runs.ids["sentiment"]]
    assert "val_accuracy" in only[0]["final_metrics"]
    assert json.loads(invoke("runs", "list", "--status", "interrupted", "--json").stdout) == []


def test_runs_list_table(runs: Runs) -> None:
    result = invoke("runs", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    names = {"sentiment": "sentiment", "char_lm": "char-lm", "forecast": "forecast"}
    cells = {"sentiment": "lstm", "char_lm": "lstm", "forecast": "gru"}
    for example, run_id in runs.ids.items():
        row = next(line for line in lines if run_id in line)
        assert names[example] in row and cells[example] in row
        assert "finished" in row and " 3 " in row
    classifier = next(line for line in lines if runs.ids["sentiment"] in line)
    assert "classify" in classifier and "accuracy" in classifier
    forecaster = next(line for line in lines if runs.ids["forecast"] in line)
    assert "forecast" in forecaster and "rmse" in forecaster
    lm = next(line for line in lines if runs.ids["char_lm"] in line)
    assert "language-model" in lm and "bpc" in lm


def test_runs_list_table_shows_whole_ids_on_an_80_column_terminal(
    runs: Runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bug: the id column is cut to '2026112…' on 80 columns, so the id cannot be copied."""
    monkeypatch.setenv("COLUMNS", "80")
    result = invoke("runs", "list")
    assert result.exit_code == 0, result.output
    for run_id in runs.ids.values():
        assert run_id in result.stdout, result.stdout


def test_runs_list_table_keeps_names_and_metrics_whole_on_a_narrow_terminal(
    runs: Runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    result = invoke("runs", "list")
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout, result.stdout
    forecaster = next(line for line in result.stdout.splitlines() if runs.ids["forecast"] in line)
    assert "forecast" in forecaster and "rmse" in forecaster


def test_runs_list_rejects_an_unknown_status(runs: Runs) -> None:
    result = invoke("runs", "list", "--status", "done")
    assert result.exit_code == 1
    assert "error:" in result.stderr and "status" in result.stderr and "'done'" in result.stderr


def test_runs_show_json(runs: Runs) -> None:
    run_id = runs.ids["sentiment"]
    result = invoke("runs", "show", run_id, "--json")
    assert result.exit_code == 0, result.output
    details = json.loads(result.stdout)
    assert details["id"] == run_id and details["status"] == "finished"
    assert details["config"]["task"] == "classify"
    assert details["final_metrics"]["step"] == 3 and "val_accuracy" in details["final_metrics"]
    assert "val_f1" in details["best_metrics"]
    assert details == service.show_run(run_id, home=runs.home)


def test_runs_show_text(runs: Runs) -> None:
    run_id = runs.ids["forecast"]
    result = invoke("runs", "show", run_id)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert run_id in out and "finished" in out and "3 steps" in out
    assert "final metrics" in out and "best metrics" in out and "val_rmse" in out
    assert str(runs.home / "runs" / run_id) in out


def test_runs_show_of_an_unknown_run(runs: Runs) -> None:
    result = invoke("runs", "show", "nope")
    assert result.exit_code == 1
    assert result.stderr.startswith("error:")
    assert "no run matches 'nope'" in result.stderr and "runs list" in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


def test_runs_rm(home: Path) -> None:
    keep = service.train(EXAMPLES / "forecast.yaml", SMALL["forecast"], home=home)["id"]
    gone = service.train(EXAMPLES / "forecast.yaml", SMALL["forecast"], home=home)["id"]

    asked = invoke("runs", "rm", gone, input="n\n")
    assert asked.exit_code == 1 and "delete run" in asked.stdout  # answered no: kept
    assert service.show_run(gone, home=home)["id"] == gone

    result = invoke("runs", "rm", gone, "--yes")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"removed {gone}"
    assert not (home / "runs" / gone).exists()
    assert [row["id"] for row in service.list_runs(home=home)] == [keep]
    assert invoke("runs", "show", gone).exit_code == 1
    again = invoke("runs", "rm", gone, "--yes")
    assert again.exit_code == 1 and "error:" in again.stderr
