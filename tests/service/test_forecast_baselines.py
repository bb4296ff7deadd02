"""A forecaster's validation errors beside the naive baselines, and the forecast figure's
multi-step continuation (what `rnnlab forecast --steps N` gives)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from rnnlab import service
from rnnlab.errors import RnnlabError
from rnnlab.service.baselines import comparison_lines, forecast_comparison
from tests.service.conftest import (
    SMALL,
    Trained,
    config_path,
    last_checkpoint,
    train_interrupted,
)


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


SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"  # ../shared/data


def _gappy_csv(tmp_path: Path) -> Path:
    values = [str(10 + k % 7) if k % 9 else "" for k in range(1, 61)]  # every 9th is missing
    path = tmp_path / "gappy.csv"
    path.write_text("t,v\n" + "".join(f"{k},{v}\n" for k, v in enumerate(values)))
    return path


def test_a_series_with_gaps_previews_and_trains_with_missing_interpolate(tmp_path: Path) -> None:
    data = {"path": str(_gappy_csv(tmp_path)), "missing": "interpolate", "seq_len": 6}
    preview = service.preview_dataset("forecast", data, home=tmp_path)
    assert preview["summary"]["missing"] == {
        "mode": "interpolate", "missing": 6, "filled": 6, "dropped": 0
    }  # fmt: skip
    assert sum(preview["lengths"]["counts"]) == 60
    config = {"task": "forecast", "data": data, "model": {"hidden_size": 4}}
    run = service.train(config, ["train.max_steps=2"], home=tmp_path)
    assert run["status"] == "finished" and run["summary"]["missing"]["filled"] == 6
    with pytest.raises(RnnlabError, match=r"gappy\.csv: line 10: column 'v' has no value"):
        service.preview_dataset("forecast", {**data, "missing": "error"}, home=tmp_path)


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"the shared data folder {SHARED} is absent")
def test_co2_weekly_trains_with_interpolated_gaps(tmp_path: Path) -> None:
    data = {
        "path": str(SHARED / "timeseries" / "co2_weekly.csv"),
        "missing": "interpolate",
        "seq_len": 20,
        "season": 52,
    }
    config = {"task": "forecast", "data": data, "model": {"hidden_size": 4}}
    run = service.train(config, ["train.max_steps=3", "train.threads=1"], home=tmp_path)
    assert run["status"] == "finished"
    assert run["summary"]["missing"] == {
        "mode": "interpolate", "missing": 59, "filled": 59, "dropped": 0
    }  # fmt: skip
    assert [row["name"].split(" (")[0] for row in run["baseline_comparison"]] == [
        "model",
        "naive",
        "seasonal naive, m=52",
    ]
    forecast = service.forecast(run["id"], 5, home=tmp_path)["forecast"]
    assert len(forecast) == 5 and all(300 < v < 450 for v in forecast)


def _as_before_transforms(checkpoint: Path) -> None:
    """Rewrite a checkpoint's meta as runs from before data.transform/target wrote it."""
    document = json.loads(checkpoint.read_text())
    meta = document["meta"]
    del meta["series"]
    for field in ("target", "transform", "missing"):
        del meta["config"]["data"][field]
    checkpoint.write_text(json.dumps(document))


@pytest.mark.parametrize("nproc", [None, 2])
def test_a_run_from_before_targets_forecasts_and_resumes_predicting_values(
    tmp_path: Path, nproc: int | None
) -> None:
    """Resumed by one process (service.resume) or by 2 ranks (train --resume --nproc 2)."""
    old_recipe = ["data.transform=none", "data.target=value"]  # what those runs did
    run = train_interrupted(config_path("forecast"), [*SMALL["forecast"], *old_recipe], 2, tmp_path)
    folder = tmp_path / "runs" / run["id"] / "checkpoints"
    _as_before_transforms(folder / "last.json")
    _, meta = last_checkpoint(tmp_path, run["id"])
    scaler = meta["scaler"]
    if nproc is None:
        service.resume(run["id"], home=tmp_path)
    else:
        service.train_parallel(None, nproc=nproc, resume_ref=run["id"], home=tmp_path)
    _, meta = last_checkpoint(tmp_path, run["id"])
    assert meta["series"]["target"] == "value" and meta["series"]["transform"] == "none"
    assert meta["series"]["inputs"] == meta["series"]["targets"] == scaler


def test_a_seasonally_differenced_log_forecaster_forecasts_and_shows_its_states(
    tmp_path: Path,
) -> None:
    """A season longer than two windows: states still get 2 * seq_len steps."""
    data = {"path": "sample:monthly_series", "seq_len": 5, "season": 12}
    config = {"task": "forecast", "data": {**data, "transform": "log+seasonal-diff"}}
    run = service.train(config, ["model.hidden_size=4", "train.max_steps=2"], home=tmp_path)
    assert run["summary"]["transform"] == "log+seasonal-diff"
    model = service.predictor(run["id"], tmp_path)
    assert len(model.states()["tokens"]) == 10
    forecast = service.forecast(run["id"], 30, home=tmp_path)["forecast"]
    assert len(forecast) == 30 and min(forecast) > 0


def test_the_default_forecaster_follows_a_trend_past_the_training_range(tmp_path: Path) -> None:
    path = tmp_path / "line.csv"
    path.write_text("v\n" + "".join(f"{k}\n" for k in range(1, 121)))  # 1..120, step 1
    config = {"task": "forecast", "data": {"path": str(path), "seq_len": 8}}
    settings = ["model.hidden_size=4", "train.max_steps=30", "train.threads=1"]
    run = service.train(config, settings, home=tmp_path)
    assert run["config"]["data"]["transform"] == "diff"
    forecast = service.forecast(run["id"], 20, home=tmp_path)["forecast"]
    assert forecast[-1] > 130  # the last value is 120; a net on raw values stays near it
    assert all(b > a for a, b in itertools.pairwise(forecast))
