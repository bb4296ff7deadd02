"""Forecasters on the CLI: the baselines beside the model in `train` and `runs show`, and
`plot --figure forecast` with the multi-step continuation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

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


def _train_on(tmp_path: Path, text: str, *overrides: str):
    path = tmp_path / "series.csv"
    path.write_text(text)
    settings = ["data.seq_len=2", "data.season=null", "train.max_steps=1", *overrides]
    return invoke("train", FORECAST, "--set", f"data.path={path}", *set_args(settings)), path


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["1e308", "-1e308"] * 6, r"values up to 1e\+308 are too large: .*rescale the column"),
        (["1", "2", "1_000"] * 4, r"line 4: column 'value': expected a number, received '1_000'"),
        (["1", "inf", "2"] * 4, r"line 3: column 'value': expected a number, received 'inf'"),
        (["1", "0x10", "2"] * 4, r"line 3: column 'value': expected a number, received '0x10'"),
    ],
    ids=["1e308", "underscore", "inf", "hex"],
)
def test_train_refuses_series_that_are_not_plain_finite_numbers(
    home: Path, tmp_path: Path, values: list[str], message: str
) -> None:
    result, path = _train_on(tmp_path, "value\n" + "\n".join(values) + "\n")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {path}")
    assert re.search(message, " ".join(result.stderr.split()))
    assert "Traceback" not in result.output


def test_train_refuses_log_of_a_series_with_zeros_and_trains_with_missing_filled(
    home: Path, tmp_path: Path
) -> None:
    text = "value\n" + "".join(f"{v}\n" for v in [3, 2, 0, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    result, _ = _train_on(tmp_path, text, "data.transform=log")
    assert result.exit_code == 1
    assert re.search(
        r"column 'value', line 4: data\.transform log needs values > 0, received 0",
        " ".join(result.stderr.split()),
    )
    gaps = "value\n" + "".join(f"{v}\n" for v in [3, "", 4, 5, "NA", 7, 8, 9, 10, 11, 12, 13])
    result, _ = _train_on(tmp_path, gaps, "data.missing=ffill")
    assert result.exit_code == 0, result.output
    details = service.show_run(result.stdout.strip().splitlines()[-1], home=home)
    assert details["summary"]["missing"] == {
        "mode": "ffill",
        "missing": 2,
        "filled": 2,
        "dropped": 0,
    }
    note = "data: 2 missing value(s) in 'value': 2 filled, 0 dropped (data.missing: ffill)"
    assert note in " ".join(result.stderr.split())
