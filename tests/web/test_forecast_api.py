"""The web API gives what the Results page shows of a forecaster: the model beside the naive
baselines, and the forecast figure with the multi-step continuation after the series."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnnlab import service

from .conftest import Trained

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def test_run_details_carry_the_baseline_comparison(
    trained: Trained, trained_client: TestClient
) -> None:
    run_id = trained.ids["forecast"]
    rows = trained_client.get(f"/api/runs/{run_id}").json()["baseline_comparison"]
    assert [row["name"].split(" (")[0] for row in rows] == [
        "model",
        "naive",
        "seasonal naive, m=12",
    ]
    assert rows == service.show_run(run_id, trained.home)["baseline_comparison"]


def test_forecast_figure_has_the_continuation(trained: Trained, trained_client: TestClient) -> None:
    run_id = trained.ids["forecast"]
    figure = trained_client.get(f"/api/runs/{run_id}/figures/forecast").json()
    future = figure["series"][-1]
    assert future["name"] == "forecast (24 steps after the series)"
    expected = service.forecast(run_id, 24, home=trained.home)["forecast"]
    assert future["y"] == expected
    assert future["x"][0] == len(figure["series"][0]["y"])
