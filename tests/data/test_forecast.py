"""Forecast windows: time split, scaler fitted on train only, batches, hand-computed baselines."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnlab.data.forecast import SeriesData
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
    short = SeriesData(SERIES, 0.3, seq_len=4, horizon=2, season=5).baselines()
    assert "seasonal_naive" not in short
    assert "data.seq_len 4 is shorter than data.season 5" in short["note"]


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
