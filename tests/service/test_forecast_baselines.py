"""A forecaster's validation errors beside the naive baselines, and the forecast figure's
multi-step continuation (what `rnnlab forecast --steps N` gives)."""

from __future__ import annotations

import pytest

from rnnlab import service
from rnnlab.service.baselines import comparison_lines, forecast_comparison
from tests.service.conftest import Trained


def test_details_put_the_model_beside_naive_and_seasonal_naive(trained: Trained) -> None:
    details = service.show_run(trained.id("forecast"), home=trained.home)
    rows = details["baseline_comparison"]
    baselines, used = details["summary"]["baselines"], details["checkpoint_used"]
    assert [row["name"] for row in rows] == [
        f"model ({used['label']})",
        "naive (last value)",
        "seasonal naive, m=12",
    ]
    assert rows[0]["rmse"] == used["metrics"]["val_rmse"]
    assert rows[0]["mae"] == used["metrics"]["val_mae"]
    assert rows[1]["rmse"] == baselines["naive"]["rmse"]
    assert rows[2]["mae"] == baselines["seasonal_naive"]["mae"]


def test_other_tasks_and_runs_without_metrics_have_no_comparison(trained: Trained) -> None:
    assert service.show_run(trained.id("sentiment"), home=trained.home)["baseline_comparison"] == []
    details = {"task": "forecast", "summary": {"baselines": {"naive": {}}}, "final_metrics": {}}
    assert forecast_comparison(details) == []


def test_comparison_lines_are_aligned_columns() -> None:
    rows = [
        {"name": "model (last, step 3)", "rmse": 1.23456, "mae": 0.5},
        {"name": "naive (last value)", "rmse": 10.0, "mae": 7.25},
    ]
    head, model, naive = comparison_lines(rows)
    assert head.split() == ["validation,", "original", "units", "RMSE", "MAE"]
    assert model.endswith("1.235         0.5") and naive.endswith("10        7.25")
    assert len({len(head), len(model), len(naive)}) == 1
    assert comparison_lines([]) == []


def test_forecast_figure_continues_the_series_like_forecast_steps(trained: Trained) -> None:
    run_id = trained.id("forecast")
    figure = service.run_figure(run_id, "forecast", home=trained.home)
    actual, _, future = figure["series"]
    n = len(actual["y"])
    expected = service.forecast(run_id, 24, home=trained.home)["forecast"]  # season 12: 2 seasons
    assert future["name"] == "forecast (24 steps after the series)"
    assert future["x"] == list(range(n, n + 24))
    assert future["y"] == pytest.approx(expected)
