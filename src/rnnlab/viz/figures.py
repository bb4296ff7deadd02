"""Figure data: plain dicts of lists that any view can draw.

This module holds the figures of training and use: loss curves, run comparison,
confusion matrix, forecast, and the embedding map. Probe figures (gradient flow,
histograms) live in ``probe_figures``, hidden states and gates in ``inspect_figures``.
"""

from __future__ import annotations

from typing import Any

from rnnlab.embeddings import EmbeddingMatrix, project_2d
from rnnlab.errors import ConfigError, DataError
from rnnlab.viz._common import ints, nums, plain, run_label

Figure = dict[str, Any]


def embedding_map(
    matrix: EmbeddingMatrix,
    words: list[str] | None = None,
    method: str = "pca",
    max_words: int = 200,
    seed: int = 0,
) -> Figure:
    """The `max_words` most frequent words of an embedding on a 2-D projection (PCA, or
    t-SNE with scikit-learn), the given `words` highlighted among them."""
    points = project_2d(matrix, method=method, seed=seed, max_words=max_words, highlight=words)
    notes = []
    if points.get("explained_variance"):
        shares = ", ".join(f"{100 * v:.1f}%" for v in points["explained_variance"])
        notes.append(f"variance explained: {shares}")
    if words:
        notes.append(f"highlighted: {', '.join(words)}")
    extra = {"highlight": points["highlight"]} if words else {}
    return {
        "kind": "scatter",
        "title": f"Embedding map ({points['method'].upper()})",
        "subtitle": "; ".join(notes),
        "x": list(points["x"]),
        "y": list(points["y"]),
        "labels": list(points["words"]),
        "xlabel": "component 1",
        "ylabel": "component 2",
        **extra,
    }


def smoothed(values: list[Any], smooth: float) -> list[float | None]:
    """Exponential moving average: s_k = smooth * s_{k-1} + (1 - smooth) * v_k, s_0 = v_0.

    Missing or non-finite values stay None and leave the average where it was.
    """
    out: list[float | None] = []
    state: float | None = None
    for value in nums(values):
        if value is not None:
            state = value if state is None else smooth * state + (1.0 - smooth) * value
        out.append(None if value is None else state)
    return out


def _run_series(run: dict[str, Any], metric: str, smooth: float) -> list[dict[str, Any]]:
    """The series of one metric of one run: one per split that records it."""
    splits = [s for s, found in run.get("metrics", {}).items() if metric in found]
    series = []
    for split in splits:
        data = run["metrics"][split][metric]
        values = nums(data["value"])
        if split != "val" and smooth > 0:
            values = smoothed(values, smooth)
        suffix = f" ({split})" if len(splits) > 1 else ""
        series.append(
            {
                "name": f"{run_label(run)} {metric}{suffix}",
                "x": ints(data["step"]),
                "y": values,
                "group": str(run["id"]),
                "style": "solid" if split == "val" else "dotted",
            }
        )
    return series


def curves(
    runs: list[dict[str, Any]],
    metrics: tuple[str, ...] = ("loss", "val_loss"),
    smooth: float = 0.0,
) -> Figure:
    """Metric curves against the training step, one series per run and metric.

    Each run is ``{"id", "name", "metrics": {split: {name: {"step", "value"}}}}`` (the
    store's ``metrics()``). Validation series are solid, training series dotted; training
    series are smoothed by an exponential moving average when `smooth` > 0.
    """
    if not 0.0 <= smooth < 1.0:
        raise ConfigError(f"smooth: expected a number in [0, 1), received {smooth!r}")
    if not runs:
        raise DataError("curves: no runs given")
    available = sorted(
        {m for run in runs for split in run.get("metrics", {}).values() for m in split}
    )
    for metric in metrics:
        if metric not in available:
            raise DataError(
                f"metric {metric!r}: recorded by none of the runs; available: "
                f"{', '.join(available) or 'none'}"
            )
    series = [s for run in runs for metric in metrics for s in _run_series(run, metric, smooth)]
    return {
        "kind": "lines",
        "title": "Training curves" if len(runs) == 1 else f"Training curves of {len(runs)} runs",
        "subtitle": f"training series smoothed (EMA {smooth:g})" if smooth > 0 else "",
        "xlabel": "step",
        "ylabel": metrics[0] if len(metrics) == 1 else "value",
        "series": series,
    }


def confusion(counts: list[list[int]], classes: list[str]) -> Figure:
    """Confusion matrix of a classifier: rows the true class, columns the predicted one."""
    n = len(classes)
    if len(counts) != n or any(len(row) != n for row in counts):
        shape = f"{len(counts)} x {sorted({len(row) for row in counts})}"
        raise DataError(
            f"confusion counts: expected {n} x {n} for classes {classes}, received {shape}"
        )
    z = [ints(row) for row in counts]
    if any(c < 0 for row in z for c in row):
        raise DataError("confusion counts: expected counts >= 0, received a negative count")
    total = sum(map(sum, z))
    accuracy = sum(z[k][k] for k in range(n)) / total if total else None
    normalized = [[c / sum(row) if sum(row) else None for c in row] for row in z]
    return {
        "kind": "matrix",
        "title": "Confusion matrix",
        "subtitle": "" if accuracy is None else f"accuracy {accuracy:.1%} of {total}",
        "xlabel": "predicted",
        "ylabel": "true",
        "x": [str(c) for c in classes],
        "y": [str(c) for c in classes],
        "z": z,
        "normalized": normalized,
        "accuracy": accuracy,
    }


def forecast(
    values: list[float],
    val_start: int,
    predicted: list[float],
    future: list[float] | None = None,
) -> Figure:
    """A series, the one-step-ahead predictions on its validation part, and the forecast.

    ``predicted[i]`` is the prediction of ``values[val_start + i]``; ``future`` continues
    after the last value (x = N, N+1, ...). A vertical line marks where validation starts.
    """
    n = len(values)
    if not 0 <= val_start <= n:
        raise DataError(f"val_start: expected an index in [0, {n}], received {val_start}")
    if val_start + len(predicted) > n:
        raise DataError(
            f"predicted: {len(predicted)} values from index {val_start} run past the "
            f"{n} actual values; expected at most {n - val_start}"
        )
    series = [
        {"name": "actual", "x": list(range(n)), "y": nums(values), "style": "solid"},
        {
            "name": "predicted (validation, one step ahead)",
            "x": list(range(val_start, val_start + len(predicted))),
            "y": nums(predicted),
            "style": "dashed",
        },
    ]
    if future:
        x = list(range(n, n + len(future)))
        series.append({"name": "forecast", "x": x, "y": nums(future), "style": "dashed"})
    return {
        "kind": "lines",
        "title": "Forecast",
        "xlabel": "time index",
        "ylabel": "value",
        "series": series,
        "vline": int(val_start),
        "vline_label": "validation starts",
    }


def _flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as dotted fields: {"model": {"cell": "gru"}} -> {"model.cell": "gru"}."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        field = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{field}."))
        else:
            flat[field] = plain(value)
    return flat


def config_diff(configs: list[tuple[str, dict[str, Any]]]) -> Figure:
    """A table of the dotted config fields whose values differ between runs.

    Equal fields are left out; a field missing from one config shows None.
    """
    if not configs:
        raise DataError("config_diff: no configs given")
    flats = [_flatten(config) for _, config in configs]
    fields = sorted({field for flat in flats for field in flat})
    rows = []
    for field in fields:
        values = [flat.get(field) for flat in flats]
        if any(v != values[0] for v in values[1:]):
            rows.append([field, *values])
    return {
        "kind": "table",
        "title": "Config differences",
        "subtitle": "" if rows else "the configs are identical",
        "columns": ["field", *(str(label) for label, _ in configs)],
        "rows": rows,
    }


def compare(
    runs: list[dict[str, Any]],
    configs: list[tuple[str, dict[str, Any]]],
    metrics: tuple[str, ...] = ("val_loss",),
) -> Figure:
    """Runs overlaid: their `metrics` curves, with the table of config differences."""
    figure = curves(runs, metrics)
    figure["title"] = f"Comparison of {len(runs)} runs"
    labelled = [(run_label(run), config) for run, (_, config) in zip(runs, configs, strict=True)]
    figure["table"] = config_diff(labelled)  # columns named like the legend: name (id)
    return figure
