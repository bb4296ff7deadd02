"""Forecasting data: sliding windows over one series, split by time, scaled on train only.

With N values, the first n_train = N - round_half_up(val_fraction * N) are training.
The scaler (mean, std of the training values; std 0 becomes 1) never sees the
validation values, so validation measures a forecast of the unseen future.

    training window i:    lag <= i and i + seq_len + horizon <= n_train
    validation window i:  i + seq_len >= n_train and i + seq_len + horizon <= N
                          (targets in the validation part; inputs may reach back)
    x = scaled[i : i+seq_len]                       -> batch x float64 (T, B, 1)
    y = scaled[i+seq_len : i+seq_len+horizon]       -> batch y float64 (B, horizon)

scaled is the transformed series z (data.transform; lag values lost to differencing)
scaled by the training part; with data.target change, y is instead the change
z[i+seq_len+k] - z[i+seq_len-1], scaled by the training windows' changes. See
rnnlab.data.series_transform for the transforms and their inverses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from rnnlab.data.batches import Batch, EpochBatches, Split, check_split
from rnnlab.data.checks import check_int
from rnnlab.data.series_transform import (
    TARGETS,
    Scaler,
    SeriesPipeline,
    SeriesTransform,
    check_magnitude,
)
from rnnlab.data.split import val_count
from rnnlab.errors import ConfigError, DataError


class SeriesData(EpochBatches):
    """Windows of one numeric series for training and validating a forecaster.

    `transform` and `target` (see rnnlab.data.series_transform) default to the plain
    recipe: the scaled values in, the next scaled value out. RunConfig's data section
    holds the defaults of a run. carry_state: False, every window starts from a zero
    hidden state (TrainingData).
    """

    carry_state = False

    def __init__(
        self,
        values: np.ndarray,
        val_fraction: float,
        seq_len: int,
        horizon: int,
        season: int | None = None,
        *,
        source: str = "series",
        transform: str = "none",
        target: str = "value",
        column: str = "value",
        lines: list[int] | None = None,
    ) -> None:
        for name, value, low in (("data.seq_len", seq_len, 1), ("data.horizon", horizon, 1)):
            check_int(value, name, low)
        if season is not None:
            check_int(season, "data.season", 2)
        if target not in TARGETS:
            raise ConfigError(f"data.target: expected {' | '.join(TARGETS)}, received {target!r}")
        self.values = _check_values(values, source)  # (N,)
        self.seq_len, self.horizon, self.season = int(seq_len), int(horizon), season
        self.val_fraction = float(val_fraction)
        self.source = source
        self.transform = SeriesTransform.parse(transform, season)
        self.transform.check(self.values, f"{source}: column {column!r}", lines)
        self.target = target
        N = len(self.values)
        self.n_train = N - val_count(N, val_fraction)
        self._check_lengths()
        self.z = self.transform.apply(self.values)  # (N,), NaN for the first `lag`
        inputs = Scaler.fit(self.z[self.transform.lag : self.n_train], source, "training values")
        self.mean, self.std = inputs.mean, inputs.std
        self.scaled = inputs.scale(self.z)  # (N,)
        self._starts = {"train": self._train_starts(), "val": self._val_starts()}
        self.pipeline = SeriesPipeline(self.transform, target, inputs, self._target_scaler(inputs))

    def _target_scaler(self, inputs: Scaler) -> Scaler:
        if self.target == "value":
            return inputs
        return Scaler.fit(self._changes("train"), self.source, "training changes")

    def _changes(self, split: Split) -> np.ndarray:
        """z at each target minus z at the window's last input, (n, horizon)."""
        starts = self.starts(split)[:, None]  # (n, 1)
        last = self.z[starts + self.seq_len - 1]  # (n, 1)
        return self.z[starts + self.seq_len + np.arange(self.horizon)] - last

    def _check_lengths(self) -> None:
        N, lag = len(self.values), self.transform.lag
        need = self.seq_len + self.horizon + lag
        if self.n_train < need:
            lost = f" + {lag} lost to data.transform {self.transform.name}" if lag else ""
            raise DataError(
                f"{self.source}: {self.n_train} training values ({N} values, of which "
                f"{N - self.n_train} are validation with data.val_fraction {self.val_fraction}); "
                f"one training window needs data.seq_len + data.horizon = "
                f"{self.seq_len} + {self.horizon}{lost} = {need}; lower data.seq_len or "
                "data.val_fraction, or use a longer series"
            )
        n_val = N - self.n_train
        if self.val_fraction > 0 and n_val < self.horizon:
            raise DataError(
                f"{self.source}: no validation window: the validation part has {n_val} values "
                f"(data.val_fraction {self.val_fraction} of {N}) and one window needs "
                f"data.horizon = {self.horizon} of them; raise data.val_fraction or lower "
                "data.horizon, or set data.val_fraction to 0 to train without validation"
            )

    def _train_starts(self) -> np.ndarray:
        lag = self.transform.lag
        return np.arange(lag, self.n_train - self.seq_len - self.horizon + 1, dtype=np.int64)

    def _val_starts(self) -> np.ndarray:
        first = max(self.n_train - self.seq_len, self.transform.lag)
        last = len(self.values) - self.seq_len - self.horizon
        return np.arange(first, last + 1, dtype=np.int64) if last >= first else _EMPTY

    # ---- scaling --------------------------------------------------------------------------

    def scale(self, v: np.ndarray | float) -> np.ndarray:
        """(v - mean) / std with the training mean and std."""
        return (np.asarray(v, dtype=np.float64) - self.mean) / self.std

    def unscale(self, v: np.ndarray | float) -> np.ndarray:
        """v * std + mean: back to the series' own units."""
        return np.asarray(v, dtype=np.float64) * self.std + self.mean

    # ---- windows --------------------------------------------------------------------------

    def starts(self, split: Split) -> np.ndarray:
        """Start index i of every window of `split`, int64 (n,)."""
        return check_split(split, self._starts)

    def size(self, split: Split) -> int:
        """Windows of `split`."""
        return len(self.starts(split))

    def window_counts(self) -> dict[str, int]:
        return {split: len(starts) for split, starts in self._starts.items()}

    def windows(self, split: Split, scaled: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """All windows of `split`: x (n, seq_len) and y (n, horizon); scaled: what the net
        reads and predicts (transformed, scaled, y as data.target says), else original."""
        series = self.scaled if scaled else self.values
        starts = self.starts(split)[:, None]  # (n, 1)
        x = series[starts + np.arange(self.seq_len)]  # (n, seq_len)
        if scaled and self.target == "change":
            return x, self.pipeline.targets.scale(self._changes(split))
        y = series[starts + self.seq_len + np.arange(self.horizon)]  # (n, horizon)
        return x, y

    def to_original(self, split: Split, outputs: np.ndarray) -> np.ndarray:
        """The net's outputs (n, horizon) on the windows of `split`, in time order, as
        predictions in the series' own units (every transform inverted)."""
        starts = self.starts(split)
        context = self.pipeline.context
        ends = starts + self.seq_len  # one past each window's last input
        history = self.values[ends[:, None] - context + np.arange(context)]  # (n, context)
        return self.pipeline.to_original(outputs, history)

    def checkpoint_meta(self) -> dict[str, Any]:
        """What a forecast needs: the recipe, both scalers, the last values of the series."""
        keep = self.seq_len * 4 + self.transform.lag
        return {
            "scaler": {"mean": self.mean, "std": self.std},
            "series": self.pipeline.to_json(),
            "history": [float(v) for v in self.values[-keep:]],
        }

    def _batcher(self, split: Split) -> Callable[[np.ndarray], Batch]:
        """x float64 (T, B, 1), y float64 (B, horizon), in time order by default
        (EpochBatches). `seq_len` is not needed: the windows were cut at ``self.seq_len``
        when the data was built."""
        x_all, y_all = self.windows(split)  # (n, T), (n, horizon)

        def batch(chosen: np.ndarray) -> Batch:
            x = np.ascontiguousarray(x_all[chosen].T[:, :, None])  # (T, B, 1)
            return Batch(x=x, y=y_all[chosen])  # y (B, horizon)

        return batch

    # ---- baselines ------------------------------------------------------------------------

    def baselines(self) -> dict[str, Any]:
        """RMSE and MAE of simple forecasts on the validation windows, in original units.

        naive: every horizon step predicts the last input value.
        seasonal_naive: each target predicted by the value one season (m) earlier; for
        horizon steps beyond m, the last season before the window's end repeats. The value
        is read from the series (known at forecast time), so data.seq_len may be shorter
        than m; the first validation target needs m values before it.
        """
        x, y = self.windows("val", scaled=False)  # (n, T), (n, horizon)
        out: dict[str, Any] = {"units": "original", "windows": len(x)}
        if len(x) == 0:
            out["note"] = "no validation windows (data.val_fraction is 0)"
            return out
        out["naive"] = _errors(y - x[:, -1:])
        m = self.season
        ends = self.starts("val") + self.seq_len  # (n,) index of each window's first target
        if m is None:
            out["note"] = "seasonal naive left out: data.season is not set"
        elif ends[0] < m:
            out["note"] = (
                f"seasonal naive left out: the first validation value (index {ends[0]}) has "
                f"fewer than data.season = {m} values before it"
            )
        else:
            h = np.arange(self.horizon)  # 0-based horizon step
            back = m * (h // m + 1) - h  # steps before the window's end: 1..m
            previous = self.values[ends[:, None] - back]  # (n, horizon)
            out["seasonal_naive"] = {"season": m, **_errors(y - previous)}
        return out

    def summary(self) -> dict[str, Any]:
        """Sizes, scaler and baselines (JSON-able)."""
        counts = self.window_counts()
        return {
            "values": len(self.values),
            "train_values": self.n_train,
            "val_values": len(self.values) - self.n_train,
            "train_windows": counts["train"],
            "val_windows": counts["val"],
            "seq_len": self.seq_len,
            "horizon": self.horizon,
            "season": self.season,
            "transform": self.transform.name,
            "target": self.target,
            "scaler": {"mean": self.mean, "std": self.std},
            "baselines": self.baselines(),
        }


_EMPTY = np.zeros(0, dtype=np.int64)


def _errors(err: np.ndarray) -> dict[str, float]:
    return {"rmse": float(np.sqrt(np.mean(err**2))), "mae": float(np.mean(np.abs(err)))}


def _check_values(values: np.ndarray, source: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise DataError(f"{source}: expected a 1-D series of values, received shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise DataError(f"{source}: value {bad} is {arr[bad]}; expected finite numbers")
    check_magnitude(arr, source)
    return arr
