"""What a forecaster sees of a series, and the way back to the series' own units.

    data.transform  none | a chain of log, diff, seasonal-diff joined by "+",
                    applied left to right ("log+diff": the differences of the logs)
        log            z_t = ln v_t               (every value must be > 0)
        diff           z_t = z_t - z_(t-1)        (the first value is lost)
        seasonal-diff  z_t = z_t - z_(t-m)        (m = data.season; m values are lost)
    data.target     value: the net predicts z at the next step(s)
                    change: the net predicts z(next) - z(last input), the change from the
                    last value it was shown

The transformed series keeps the indices of the original one (the first ``lag`` entries,
lost to differencing, are NaN), so windows, the validation split and the baselines keep
their positions. Both scalers (inputs and targets) are fitted on the training part only.
Every prediction goes back through ``SeriesTransform.invert``: the predicted z's, the
original values before them, then each transform undone from the last to the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

import numpy as np

from rnnlab.errors import ConfigError, DataError
from rnnlab.spec.data import DataSpec, transform_steps

TARGETS: tuple[str, ...] = get_args(DataSpec.model_fields["target"].annotation)
MAX_EXP = 709.0  # exp(709) is near the largest float64: keeps an inverted log finite


def parse_transform(text: str) -> tuple[str, ...]:
    """ "log+diff" -> ("log", "diff"); "none" -> (); ConfigError naming data.transform
    (the config's own rule, spec.data.transform_steps)."""
    try:
        return transform_steps(text)
    except ValueError as err:
        raise ConfigError(f"data.{err}") from None


@dataclass(frozen=True)
class SeriesTransform:
    """A chain of transforms (``steps``) with the season m that seasonal-diff uses."""

    steps: tuple[str, ...] = ()
    season: int | None = None

    @classmethod
    def parse(cls, text: str, season: int | None) -> SeriesTransform:
        steps = parse_transform(text)
        if "seasonal-diff" in steps and season is None:
            raise ConfigError(
                "data.transform: seasonal-diff subtracts the value one season earlier; "
                "set data.season (e.g. 12 for monthly values)"
            )
        return cls(steps, season)

    @property
    def name(self) -> str:
        return "+".join(self.steps) or "none"

    @property
    def lag(self) -> int:
        """How many leading values differencing loses (1 per diff, m per seasonal-diff)."""
        return sum(1 if s == "diff" else self.season for s in self.steps if s != "log")

    def check(self, values: np.ndarray, source: str, lines: list[int] | None = None) -> None:
        """DataError when log meets a value <= 0: names the source, index or file line."""
        if "log" not in self.steps:
            return
        bad = np.flatnonzero(values <= 0)
        if len(bad):
            first = int(bad[0])
            where = f"line {lines[first]}" if lines is not None else f"value {first}"
            raise DataError(
                f"{source}, {where}: data.transform log needs values > 0, received "
                f"{values[first]:g} ({len(bad)} value(s) <= 0 in all); use another "
                "data.transform, or shift the column so that every value is positive"
            )

    def apply(self, values: np.ndarray) -> np.ndarray:
        """The transformed series along the last axis; the first `lag` entries are NaN."""
        z = np.asarray(values, dtype=np.float64)
        for step in self.steps:
            z = _forward(step, z, self.season)
        return z

    def invert(self, history: np.ndarray, predicted: np.ndarray) -> np.ndarray:
        """Original values (n, k) from predicted transformed values (n, k) that follow
        `history` (n, L), the original values just before them (L >= lag + 1)."""
        history = np.atleast_2d(np.asarray(history, dtype=np.float64))
        out = np.atleast_2d(np.asarray(predicted, dtype=np.float64))
        stages = [history]  # the history before each step: original, after step 1, ...
        for step in self.steps[:-1]:
            stages.append(_forward(step, stages[-1], self.season))
        if not self.steps:
            return out
        for step, before in zip(reversed(self.steps), reversed(stages), strict=True):
            out = _backward(step, out, before, self.season)
        return out

    def to_json(self) -> dict[str, Any]:
        return {"transform": self.name, "season": self.season}


def _forward(step: str, z: np.ndarray, season: int | None) -> np.ndarray:
    if step == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(z)
    k = 1 if step == "diff" else int(season)
    out = np.full_like(z, np.nan)
    out[..., k:] = z[..., k:] - z[..., :-k]
    return out


def _backward(step: str, c: np.ndarray, before: np.ndarray, season: int | None) -> np.ndarray:
    """Undo `step` on predictions c (n, k), given the series `before` that step (n, L)."""
    if step == "log":
        return np.exp(np.minimum(c, MAX_EXP))
    if step == "diff":
        return before[:, -1:] + np.cumsum(c, axis=1)
    m = int(season)
    out = np.empty_like(c)
    for j in range(c.shape[1]):
        base = out[:, j - m] if j >= m else before[:, j - m]  # one season earlier
        out[:, j] = c[:, j] + base
    return out


@dataclass(frozen=True)
class Scaler:
    """(v - mean) / std; a std of 0 becomes 1."""

    mean: float = 0.0
    std: float = 1.0

    @classmethod
    def fit(cls, values: np.ndarray, source: str, what: str) -> Scaler:
        with np.errstate(over="ignore", invalid="ignore"):
            mean, std = float(np.mean(values)), float(np.std(values))
        if not (np.isfinite(mean) and np.isfinite(std)):
            raise DataError(
                f"{source}: the {what} overflow: their mean or spread is beyond the float "
                f"range (values up to {np.max(np.abs(values)):.3g}); rescale the column, "
                "e.g. divide it by a power of ten"
            )
        return cls(mean, std if std > 0 else 1.0)

    def scale(self, v: np.ndarray | float) -> np.ndarray:
        return (np.asarray(v, dtype=np.float64) - self.mean) / self.std

    def unscale(self, v: np.ndarray | float) -> np.ndarray:
        return np.asarray(v, dtype=np.float64) * self.std + self.mean

    def to_json(self) -> dict[str, float]:
        return {"mean": self.mean, "std": self.std}


@dataclass(frozen=True)
class SeriesPipeline:
    """Everything needed to turn original values into a net's input and its output back:
    what a checkpoint stores (``to_json``) so that forecasts use the training recipe."""

    transform: SeriesTransform
    target: str
    inputs: Scaler
    targets: Scaler

    @classmethod
    def from_json(cls, meta: dict[str, Any]) -> SeriesPipeline:
        """From checkpoint meta: ``series`` when present, else an old run's plain scaler."""
        series = meta.get("series")
        try:
            if series is None:  # runs from before transforms: values scaled, target value
                scaler = Scaler(**meta["scaler"])
                return cls(SeriesTransform(), "value", scaler, scaler)
            transform = SeriesTransform.parse(series["transform"], series.get("season"))
            inputs, targets = Scaler(**series["inputs"]), Scaler(**series["targets"])
            if series["target"] not in TARGETS:
                raise ValueError(f"target {series['target']!r}")
        except (KeyError, TypeError, ValueError, ConfigError) as err:
            raise DataError(
                f"corrupt checkpoint: its forecast recipe (series, scaler) is incomplete or "
                f"wrong ({type(err).__name__}: {err})"
            ) from None
        return cls(transform, series["target"], inputs, targets)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.transform.to_json(),
            "target": self.target,
            "inputs": self.inputs.to_json(),
            "targets": self.targets.to_json(),
        }

    @property
    def context(self) -> int:
        """Original values needed before the predictions to invert them."""
        return self.transform.lag + 1

    def input_window(self, values: np.ndarray, seq_len: int) -> np.ndarray:
        """The scaled transformed last `seq_len` steps of `values` (needs seq_len + lag)."""
        z = self.transform.apply(np.asarray(values, dtype=np.float64))
        return self.inputs.scale(z[-seq_len:])

    def to_original(self, outputs: np.ndarray, history: np.ndarray) -> np.ndarray:
        """Net outputs (n, k) after windows whose original values end with `history`
        (n, L >= context + 1 when target is change) -> predictions (n, k), original units."""
        history = np.atleast_2d(np.asarray(history, dtype=np.float64))
        z = self.targets.unscale(outputs)
        if self.target == "change":
            z = z + self.transform.apply(history)[:, -1:]
        return self.transform.invert(history, z)

    def continue_series(self, values: np.ndarray, seq_len: int, predict: Any, steps: int) -> list:
        """`steps` values after `values`; `predict` maps a scaled input window (T,) to the
        net's outputs (horizon,), each fed back as history for the next call."""
        series = [float(v) for v in values]
        need = seq_len + self.transform.lag
        predicted: list[float] = []
        while len(predicted) < steps:
            window = self.input_window(np.array(series[-need:]), seq_len)
            outputs = np.asarray(predict(window), dtype=np.float64)[None, :]  # (1, horizon)
            new = self.to_original(outputs, np.array(series[-max(need, self.context) :]))[0]
            predicted += new.tolist()
            series += new.tolist()
        return predicted[:steps]


def check_magnitude(values: np.ndarray, source: str) -> None:
    """DataError when the squared errors RMSE needs would overflow float64."""
    top = float(np.max(np.abs(values))) if len(values) else 0.0
    with np.errstate(over="ignore"):
        square = np.float64(top) ** 2
    if not np.isfinite(square * len(values)):
        raise DataError(
            f"{source}: values up to {top:.3g} are too large: their squares (RMSE, MSE loss) "
            "overflow the float range; rescale the column, e.g. divide it by a power of ten"
        )
