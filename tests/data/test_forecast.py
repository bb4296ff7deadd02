"""Forecast windows: time split, scaler fitted on train only, batches, hand-computed baselines."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnlab.data.forecast import SeriesData
from rnnlab.data.series_transform import Scaler, SeriesPipeline, SeriesTransform
from rnnlab.errors import ConfigError, DataError

# N = 10; val_fraction 0.3 -> 3 validation values, n_train = 7.
SERIES = np.array([10, 12, 11, 13, 15, 14, 16, 20, 18, 21], dtype=np.float64)


def test_scaler_by_hand() -> None:
    data = SeriesData(SERIES, 0.3, seq_len=4, horizon=2)
    # train = 10 12 11 13 15 14 16: mean 13, deviations -3 -1 -2 0 2 1 3, variance 28/7 = 4
    assert data.n_train == 7 and data.mean == 13.0 and data.std == 2.0
    np.testing.assert_allclose(data.scale([13.0, 17.0]), [0.0, 2.0])
    np.testing.assert_allclose(data.unscale(data.scale(SERIES)), SERIES)


def test_scaler_is_fitted_on_training_values_only() -> None:
    values = np.concatenate([SERIES[:7], [1e9, -1e9, 5e8]])
    data = SeriesData(values, 0.3, seq_len=4, horizon=2)
    assert data.mean == 13.0 and data.std == 2.0


def test_constant_training_part_scales_by_one() -> None:
    data = SeriesData(np.array([5.0] * 8 + [6.0, 7.0]), 0.2, seq_len=3, horizon=1)
    assert data.std == 1.0 and data.mean == 5.0


def test_windows_by_hand() -> None:
    data = SeriesData(SERIES, 0.3, seq_len=4, horizon=2)
    assert data.window_counts() == {"train": 2, "val": 2}  # train i = 0, 1; val i = 3, 4
    x, y = data.windows("train", scaled=False)
    assert x.tolist() == [[10, 12, 11, 13], [12, 11, 13, 15]] and y.tolist() == [[15, 14], [14, 16]]
    x, y = data.windows("val", scaled=False)
    assert x.tolist() == [[13, 15, 14, 16], [15, 14, 16, 20]] and y.tolist() == [[20, 18], [18, 21]]


def test_no_training_target_reaches_into_validation() -> None:
    data = SeriesData(np.arange(100.0), 0.25, seq_len=10, horizon=3)
    _, y = data.windows("train", scaled=False)
    assert y.max() == data.n_train - 1 == 74
    x, y = data.windows("val", scaled=False)
    assert y.min() == 75 and y.max() == 99 and x.min() == 65  # inputs reach back into train
    assert data.window_counts() == {"train": 63, "val": 23}  # i in 0..62, 65..87


def test_batches_shapes_and_order() -> None:
    data = SeriesData(np.sin(np.arange(60.0)), 0.2, seq_len=5, horizon=3)
    batches = list(data.batches("train", 16))
    n = data.window_counts()["train"]
    assert [b.size for b in batches] == [16] * (n // 16) + ([n % 16] if n % 16 else [])
    assert data.num_batches("train", 16) == len(batches)
    first = batches[0]
    assert first.x.shape == (5, 16, 1) and first.y.shape == (16, 3)
    assert first.x.dtype == first.y.dtype == np.float64 and first.lengths is None
    x_all, y_all = data.windows("train")
    np.testing.assert_array_equal(first.x[:, :, 0], x_all[:16].T)
    np.testing.assert_array_equal(first.y, y_all[:16])
    order = np.random.default_rng([3, 2]).permutation(n)
    shuffled = next(data.batches("train", 16, seed=3, epoch=2))
    np.testing.assert_array_equal(shuffled.y, y_all[order[:16]])
    again = next(data.batches("train", 16, seed=3, epoch=2))
    np.testing.assert_array_equal(shuffled.x, again.x)
    other = next(data.batches("train", 16, seed=3, epoch=3))
    assert not np.array_equal(shuffled.x, other.x)


def test_baselines_by_hand() -> None:
    b = SeriesData(SERIES, 0.3, seq_len=4, horizon=2, season=2).baselines()
    # val windows: x 13 15 14 16 -> y 20 18; x 15 14 16 20 -> y 18 21
    # naive (last input): errors 4 2 / -2 1 -> RMSE sqrt(25/4) = 2.5, MAE 9/4
    assert b["naive"]["rmse"] == pytest.approx(2.5) and b["naive"]["mae"] == pytest.approx(2.25)
    # seasonal, m = 2: 14 16 -> 20 18 (errors 6 2); 16 20 -> 18 21 (errors 2 1)
    seasonal = b["seasonal_naive"]
    assert seasonal["season"] == 2
    assert seasonal["rmse"] == pytest.approx(math.sqrt(45 / 4)) and seasonal["mae"] == 2.75
    assert b["windows"] == 2 and b["units"] == "original" and "note" not in b


def test_seasonal_naive_repeats_the_last_season_beyond_one_season() -> None:
    b = SeriesData(SERIES, 0.3, seq_len=4, horizon=3, season=2).baselines()
    # one val window: x 13 15 14 16 -> y 20 18 21; predictions 14 16 14: errors 6 2 7
    assert b["seasonal_naive"]["rmse"] == pytest.approx(math.sqrt(89 / 3))
    assert b["seasonal_naive"]["mae"] == pytest.approx(5.0)
    assert b["naive"]["mae"] == pytest.approx((4 + 2 + 5) / 3)


def test_baselines_in_original_units_not_scaled() -> None:
    b = SeriesData(SERIES * 1000, 0.3, seq_len=4, horizon=2).baselines()
    assert b["naive"]["rmse"] == pytest.approx(2500.0)


def test_seasonal_naive_omitted_with_a_reason() -> None:
    no_season = SeriesData(SERIES, 0.3, seq_len=4, horizon=2).baselines()
    assert "seasonal_naive" not in no_season and "data.season is not set" in no_season["note"]
    short = SeriesData(SERIES, 0.5, seq_len=2, horizon=1, season=6).baselines()
    assert "seasonal_naive" not in short
    assert "first validation value (index 5) has fewer than data.season = 6" in short["note"]


def test_seasonal_naive_reads_the_series_when_the_window_is_shorter_than_a_season() -> None:
    """seq_len 2 < m 5: the value one season before each target comes from the series."""
    b = SeriesData(SERIES, 0.3, seq_len=2, horizon=2, season=5).baselines()
    # val windows end at 7, 8 (targets 7,8 and 8,9); one season back: 2,3 and 3,4
    err = np.array([[20 - 11, 18 - 13], [18 - 13, 21 - 15]], dtype=float)
    assert b["seasonal_naive"]["rmse"] == pytest.approx(math.sqrt(np.mean(err**2)))
    assert b["seasonal_naive"]["mae"] == pytest.approx(np.mean(np.abs(err)))


def test_no_validation_when_val_fraction_is_zero() -> None:
    data = SeriesData(SERIES, 0.0, seq_len=4, horizon=2)
    assert data.window_counts() == {"train": 5, "val": 0}
    assert list(data.batches("val", 4)) == []
    assert "no validation windows" in data.baselines()["note"]


def test_series_too_short_for_one_training_window() -> None:
    with pytest.raises(
        DataError,
        match=r"s\.csv: 7 training values \(10 values, of which 3 are validation.*"
        r"data\.seq_len \+ data\.horizon = 6 \+ 2 = 8; lower data\.seq_len or data\.val_fraction",
    ):
        SeriesData(SERIES, 0.3, seq_len=6, horizon=2, source="s.csv")


def test_no_validation_window() -> None:
    with pytest.raises(
        DataError,
        match=r"s\.csv: no validation window: the validation part has 1 values .*"
        r"data\.horizon = 2.*raise data\.val_fraction",
    ):
        SeriesData(SERIES, 0.1, seq_len=3, horizon=2, source="s.csv")


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match=r"data\.season: expected an integer >= 2"):
        SeriesData(SERIES, 0.3, seq_len=4, horizon=1, season=1)
    with pytest.raises(ConfigError, match=r"data\.horizon: expected an integer >= 1"):
        SeriesData(SERIES, 0.3, seq_len=4, horizon=0)
    with pytest.raises(DataError, match=r"value 2 is nan; expected finite numbers"):
        SeriesData(np.array([1.0, 2.0, np.nan, 3.0]), 0.0, seq_len=1, horizon=1)
    with pytest.raises(ConfigError, match=r"split: expected train \| val"):
        SeriesData(SERIES, 0.3, seq_len=4, horizon=1).starts("test")  # type: ignore[arg-type]


# ---- transforms, targets and their inverses ---------------------------------------------

TREND = 50 + 0.5 * np.arange(60) + 5 * np.sin(2 * np.pi * np.arange(60) / 12)  # > 0, season 12


@pytest.mark.parametrize(
    "transform", ["none", "log", "diff", "seasonal-diff", "log+diff", "diff+seasonal-diff"]
)
@pytest.mark.parametrize("target", ["value", "change"])
def test_every_transform_and_target_round_trips(transform: str, target: str) -> None:
    """The scaled targets, inverted window by window, give the series back."""
    data = SeriesData(TREND, 0.2, 12, 3, 12, transform=transform, target=target)
    for split in ("train", "val"):
        _, y = data.windows(split)  # what the net learns to predict
        np.testing.assert_allclose(data.to_original(split, y), data.windows(split, False)[1])
    lag = {"none": 0, "log": 0, "diff": 1, "seasonal-diff": 12, "log+diff": 1}
    assert data.starts("train")[0] == lag.get(transform, 13)


def test_transform_apply_then_invert_by_hand() -> None:
    t = SeriesTransform.parse("log+diff", None)
    z = t.apply(np.array([1.0, np.e, np.e**3]))
    np.testing.assert_allclose(z[1:], [1.0, 2.0])
    assert np.isnan(z[0])
    np.testing.assert_allclose(t.invert(np.array([[1.0, np.e]]), [[2.0, -3.0]]), [[np.e**3, 1]])
    s = SeriesTransform.parse("seasonal-diff", 2)
    history = np.array([[1.0, 10.0, 2.0, 20.0]])
    np.testing.assert_allclose(s.invert(history, [[1.0, 1.0, 1.0]]), [[3.0, 21.0, 4.0]])


def test_target_change_is_the_change_from_the_last_input_scaled_on_train() -> None:
    data = SeriesData(SERIES, 0.3, seq_len=3, horizon=2, target="change")
    starts = data.starts("train")
    changes = np.stack(
        [SERIES[starts + 3] - SERIES[starts + 2], SERIES[starts + 4] - SERIES[starts + 2]], 1
    )
    scaler = data.pipeline.targets
    assert scaler.mean == pytest.approx(changes.mean()) and scaler.std == pytest.approx(
        changes.std()
    )
    np.testing.assert_allclose(data.windows("train")[1], (changes - scaler.mean) / scaler.std)
    x, _ = data.windows("train")  # the inputs stay the scaled values
    np.testing.assert_allclose(x, data.windows("train", False)[0] * 0.5 - 6.5)


def test_inputs_are_scaled_on_the_training_part_of_the_transformed_series() -> None:
    data = SeriesData(SERIES, 0.3, seq_len=2, horizon=1, transform="diff")
    diffs = np.diff(SERIES[:7])
    assert data.mean == pytest.approx(diffs.mean()) and data.std == pytest.approx(diffs.std())


def test_continue_series_follows_a_trend_out_of_the_training_range() -> None:
    """A net that predicts 'no change' continues the last value; with diff, a net that
    predicts 'the same difference again' continues the trend past the training maximum."""
    series = np.arange(1.0, 31.0)
    for transform, expect in (("none", [30.0, 30.0, 30.0]), ("diff", [31.0, 32.0, 33.0])):
        pipeline = SeriesData(series, 0.2, 4, 1, transform=transform, target="change").pipeline
        no_change = pipeline.targets.scale(np.zeros(1))  # (1,) the net's output for 0
        steps = pipeline.continue_series(series, 4, lambda window, out=no_change: out, 3)
        np.testing.assert_allclose(steps, expect)


def test_pipeline_json_round_trip_and_old_runs() -> None:
    data = SeriesData(TREND, 0.2, 12, 1, 12, transform="log+seasonal-diff", target="change")
    meta = data.checkpoint_meta()
    again = SeriesPipeline.from_json(meta)
    assert again == data.pipeline and meta["series"]["transform"] == "log+seasonal-diff"
    assert len(meta["history"]) == 12 * 4 + 12
    old = SeriesPipeline.from_json({"scaler": {"mean": 2.0, "std": 4.0}})  # before transforms
    assert old.transform.steps == () and old.target == "value"
    np.testing.assert_allclose(old.to_original(np.array([[1.0]]), np.array([[0.0]])), [[6.0]])


def test_log_refuses_values_that_are_not_positive_naming_column_and_line() -> None:
    values = np.array([3.0, 2.0, 0.0, -1.0, 5.0, 6.0])
    with pytest.raises(
        DataError,
        match=r"s\.csv: column 'spots', line 4: data\.transform log needs values > 0, "
        r"received 0 \(2 value\(s\) <= 0 in all\)",
    ):
        SeriesData(values, 0.0, 2, 1, source="s.csv", column="spots", transform="log",
                   lines=[2, 3, 4, 5, 6, 7])  # fmt: skip


@pytest.mark.parametrize(
    ("transform", "season", "message"),
    [
        ("sqrt", None, r"data\.transform: expected none, or log \| diff \| seasonal-diff"),
        ("diff+log", None, r"data\.transform: log applies to the values themselves"),
        ("seasonal-diff", None, r"data\.transform: seasonal-diff .*set data\.season"),
    ],
)
def test_bad_transforms_are_named(transform: str, season: int | None, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        SeriesData(TREND, 0.2, 12, 1, season, transform=transform)


def test_bad_target_is_named() -> None:
    with pytest.raises(ConfigError, match=r"data\.target: expected value \| change, received 'x'"):
        SeriesData(TREND, 0.2, 12, 1, target="x")


def test_differencing_needs_room_for_one_training_window() -> None:
    with pytest.raises(
        DataError, match=r"6 training values .* = 4 \+ 1 \+ 2 lost to data\.transform"
    ):
        SeriesData(SERIES[:8], 0.2, 4, 1, 2, transform="seasonal-diff", source="s.csv")


@pytest.mark.parametrize("big", [1e308, 1e200, -1e160])
def test_values_whose_squares_overflow_are_refused(big: float) -> None:
    values = np.array([big, -big, big, 1.0, 2.0, 3.0])
    with pytest.raises(DataError, match=r"s\.csv: values up to .* are too large: .*rescale"):
        SeriesData(values, 0.2, 2, 1, source="s.csv")


def test_scaler_overflow_is_refused() -> None:
    with pytest.raises(DataError, match=r"s: the training values overflow"):
        Scaler.fit(np.array([1e308, 1e308]), "s", "training values")


def test_log_keeps_forecasts_of_a_positive_series_positive() -> None:
    """Whatever the net says, exp of it is > 0: the forecast never goes negative."""
    pipeline = SeriesData(TREND, 0.2, 12, 1, transform="log", target="value").pipeline
    steps = pipeline.continue_series(TREND, 12, lambda window: np.array([-1e6]), 5)
    assert all(v >= 0 for v in steps)
    plain = SeriesData(TREND, 0.2, 12, 1, target="value").pipeline
    assert all(v < 0 for v in plain.continue_series(TREND, 12, lambda w: np.array([-1e6]), 2))


@pytest.mark.parametrize(
    "meta",
    [
        {},
        {"scaler": {"mean": 1.0, "sd": 2.0}, "series": None},
        {"series": {"transform": "log", "target": "value", "inputs": {}}},
        {"series": {"transform": "cube", "target": "value", "inputs": {}, "targets": {}}},
        {"series": {"transform": "none", "target": "level", "inputs": {}, "targets": {}}},
    ],
)
def test_a_corrupt_forecast_recipe_is_a_named_error(meta: dict) -> None:
    with pytest.raises(DataError, match=r"corrupt checkpoint: its forecast recipe"):
        SeriesPipeline.from_json(meta)
