"""Forecasters on the CLI: the baselines beside the model in `train` and `runs show`, and
`plot --figure forecast` with the multi-step continuation."""

from __future__ import annotations

import json
from pathlib import Path

from rnnlab import service

from .conftest import EXAMPLES, SMALL, Runs, invoke, set_args

FORECAST = str(EXAMPLES / "forecast.yaml")


def _expected_lines(details: dict) -> list[str]:
    return service.comparison_lines(details["baseline_comparison"])


def test_train_prints_the_baselines_beside_the_model(home: Path) -> None:
    result = invoke("train", FORECAST, *set_args(SMALL["forecast"]))
    assert result.exit_code == 0, result.output
    details = service.show_run(result.stdout.strip().splitlines()[-1], home=home)
    lines = _expected_lines(details)
    assert len(lines) == 4  # header, model, naive, seasonal naive
    for line in lines:
        assert line in result.stderr
    naive = details["summary"]["baselines"]["naive"]
    assert f"{naive['rmse']:.4g}" in lines[2] and lines[2].startswith("naive (last value)")


def test_runs_show_prints_the_baselines_beside_the_model(runs: Runs) -> None:
    result = invoke("runs", "show", runs.ids["forecast"])
    assert result.exit_code == 0, result.output
    details = service.show_run(runs.ids["forecast"], home=runs.home)
    for line in _expected_lines(details):
        assert line in result.stdout
    assert "seasonal naive, m=12" in result.stdout


def test_runs_show_of_a_classifier_prints_no_baseline_table(runs: Runs) -> None:
    result = invoke("runs", "show", runs.ids["sentiment"])
    assert result.exit_code == 0 and "naive" not in result.stdout


def test_plot_forecast_draws_the_continuation(runs: Runs, tmp_path: Path) -> None:
    out = tmp_path / "forecast.png"
    result = invoke("plot", runs.ids["forecast"], "--figure", "forecast", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(invoke("plot", runs.ids["forecast"], "--figure", "forecast", "--json").stdout)
    names = [series["name"] for series in data["series"]]
    assert names[-1] == "forecast (24 steps after the series)"
    expected = service.forecast(runs.ids["forecast"], 24, home=runs.home)["forecast"]
    assert data["series"][-1]["y"] == expected
