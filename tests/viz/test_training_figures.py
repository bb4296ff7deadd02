"""Training figures: curves, comparison, confusion matrix, forecast, config differences."""

from __future__ import annotations

import json

import pytest

from rnnlab.errors import ConfigError, DataError
from rnnlab.viz import compare, config_diff, confusion, curves, forecast


def test_curves_one_series_per_run_and_metric(runs):
    figure = curves(runs)
    assert figure["kind"] == "lines" and figure["xlabel"] == "step"
    assert figure["series"] == [
        {
            "name": "lstm (r1) loss",
            "x": [1, 2, 3],
            "y": [4.0, 2.0, None],
            "group": "r1",
            "style": "dotted",
        },
        {"name": "lstm (r1) val_loss", "x": [2], "y": [3.0], "group": "r1", "style": "solid"},
        {"name": "r2 loss", "x": [1, 2], "y": [5.0, 1.0], "group": "r2", "style": "dotted"},
    ]
    json.dumps(figure)


def test_curves_smooth_train_series_only(runs):
    figure = curves(runs, smooth=0.5)
    # s_0 = v_0, s_k = 0.5 s_{k-1} + 0.5 v_k; a NaN stays None and leaves s alone
    assert [s["y"] for s in figure["series"]] == [[4.0, 3.0, None], [3.0], [5.0, 3.0]]
    assert "EMA 0.5" in figure["subtitle"]


def test_curves_smoothing_skips_gaps():
    run = {
        "id": "a",
        "metrics": {"train": {"loss": {"step": [1, 2, 3], "value": [2.0, None, 4.0]}}},
    }
    assert curves([run], ("loss",), smooth=0.75)["series"][0]["y"] == [2.0, None, 2.5]


def test_curves_unknown_metric_lists_the_available_ones(runs):
    with pytest.raises(DataError, match=r"'accuracy'.*available: grad_norm, loss, val_loss"):
        curves(runs, ("loss", "accuracy"))


def test_curves_bad_smooth_and_no_runs(runs):
    with pytest.raises(ConfigError, match=r"smooth: expected a number in \[0, 1\), received 1.0"):
        curves(runs, smooth=1.0)
    with pytest.raises(DataError, match="no runs"):
        curves([])


def test_a_metric_recorded_in_two_splits_names_the_split():
    data = {"step": [1], "value": [1.0]}
    run = {"id": "a", "name": "x", "metrics": {"train": {"acc": data}, "val": {"acc": data}}}
    names = [s["name"] for s in curves([run], ("acc",))["series"]]
    assert names == ["x (a) acc (train)", "x (a) acc (val)"]


def test_runs_of_one_name_stay_apart_in_the_legend(runs):
    twins = [{**runs[0], "id": "r1"}, {**runs[0], "id": "r3"}]  # both named "lstm"
    names = [s["name"] for s in curves(twins, ("loss",))["series"]]
    assert names == ["lstm (r1) loss", "lstm (r3) loss"]


def test_confusion_counts_fractions_and_accuracy():
    figure = confusion([[3, 1], [0, 0]], ["neg", "pos"])
    assert figure["kind"] == "matrix"
    assert figure["z"] == [[3, 1], [0, 0]]
    assert figure["x"] == ["neg", "pos"] and figure["y"] == ["neg", "pos"]
    assert figure["normalized"] == [[0.75, 0.25], [None, None]]
    assert figure["accuracy"] == 0.75
    assert (figure["xlabel"], figure["ylabel"]) == ("predicted", "true")
    json.dumps(figure)


def test_confusion_rejects_a_shape_that_does_not_match_the_classes():
    with pytest.raises(DataError, match=r"expected 2 x 2 for classes \['a', 'b'\]"):
        confusion([[1, 2, 3], [4, 5, 6]], ["a", "b"])
    with pytest.raises(DataError, match="negative"):
        confusion([[1, -1], [0, 1]], ["a", "b"])


def test_forecast_places_each_series():
    figure = forecast([1.0, 2.0, 3.0, 4.0], 2, [2.5, 4.5], future=[5.0, float("nan")])
    assert figure["kind"] == "lines" and figure["vline"] == 2
    assert [(s["name"], s["x"], s["y"]) for s in figure["series"]] == [
        ("actual", [0, 1, 2, 3], [1.0, 2.0, 3.0, 4.0]),
        ("predicted (validation, one step ahead)", [2, 3], [2.5, 4.5]),
        ("forecast", [4, 5], [5.0, None]),
    ]
    json.dumps(figure)
    assert [s["name"] for s in forecast([1.0], 1, [])["series"]] == [
        "actual",
        "predicted (validation, one step ahead)",
    ]


def test_forecast_rejects_predictions_past_the_end():
    with pytest.raises(DataError, match="expected at most 1"):
        forecast([1.0, 2.0, 3.0], 2, [1.0, 2.0])
    with pytest.raises(DataError, match=r"val_start: expected an index in \[0, 3\], received 5"):
        forecast([1.0, 2.0, 3.0], 5, [])


CONFIGS = [
    ("a", {"model": {"cell": "lstm", "hidden_size": 8}, "train": {"lr": 0.1, "seed": 0}}),
    ("b", {"model": {"cell": "gru", "hidden_size": 8}, "train": {"lr": 0.1}}),
]


def test_config_diff_keeps_the_differing_fields():
    figure = config_diff(CONFIGS)
    assert figure["kind"] == "table"
    assert figure["columns"] == ["field", "a", "b"]
    assert figure["rows"] == [["model.cell", "lstm", "gru"], ["train.seed", 0, None]]
    json.dumps(figure)


def test_config_diff_of_equal_configs_is_empty():
    figure = config_diff([("a", {"x": {"y": [1, 2]}}), ("b", {"x": {"y": [1, 2]}})])
    assert figure["rows"] == [] and "identical" in figure["subtitle"]
    with pytest.raises(DataError, match="no configs"):
        config_diff([])


def test_compare_is_curves_with_the_config_table(runs):
    figure = compare(runs, CONFIGS)
    assert figure["kind"] == "lines"
    assert [s["name"] for s in figure["series"]] == ["lstm (r1) val_loss"]
    assert figure["table"]["columns"][1:] == ["lstm (r1)", "r2"]  # as in the legend
    assert figure["table"]["rows"] == config_diff(CONFIGS)["rows"]
    json.dumps(figure)
