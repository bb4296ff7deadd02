"""A sweep's trials as parallel coordinates: one vertical axis per swept field and one for
the objective, one line per trial (complete trials coloured by their value, pruned ones
grey and dashed). Drawn with matplotlib from ``service.sweep_summary``'s plain data.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: files only

import matplotlib.pyplot as plt
import numpy as np

from rnnlab.data.checks import check_output_path
from rnnlab.errors import ConfigError

DRAWN_STATES = ("complete", "pruned")


def parallel_coordinates(summary: dict[str, Any], path: str | Path) -> Path:
    """Write the figure of `summary` (see ``service.sweep_summary``) to PNG `path`."""
    path = check_output_path(path, "figure")
    if path.suffix.lower() != ".png":
        raise ConfigError(f"{path}: expected a .png file name for the figure")
    trials = [t for t in summary["trials"] if t["state"] in DRAWN_STATES and t["params"]]
    space = summary["space"]
    metric = f"val_{summary['metric']}"
    columns = [_column(param, trials) for param in space]
    values = [t["value"] for t in trials]
    columns.append(_numeric_column(metric, values, log=False))
    fig, ax = plt.subplots(figsize=(max(6.0, 2.0 * len(columns)), 4.5), layout="constrained")
    try:
        _draw(ax, columns, trials, values)
        best = summary.get("best")
        title = f"sweep {summary['sweep']}: {len(trials)} trials by {metric}"
        if best is not None:
            title += f" (best {best['value']:.4g}, trial {best['number']})"
        ax.set_title(title, fontsize=10)
        fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)
    return path


def _draw(ax: Any, columns: list[dict[str, Any]], trials: list[dict], values: list) -> None:
    finite = [v for v in values if v is not None]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    cmap = plt.get_cmap("viridis")
    xs = np.arange(len(columns))
    for index, trial in enumerate(trials):
        ys = [_nan(column["positions"][index]) for column in columns]
        if trial["state"] == "pruned" or trial["value"] is None:
            ax.plot(xs, ys, color="0.7", linestyle="--", linewidth=1, zorder=1)
        else:
            share = 0.5 if high == low else (trial["value"] - low) / (high - low)
            ax.plot(xs, ys, color=cmap(share), linewidth=1.6, marker="o", ms=3, zorder=2)
    for x, column in zip(xs, columns, strict=True):
        ax.axvline(x, color="black", linewidth=0.8)
        for position, label in column["ticks"]:
            ax.text(x + 0.03, position, label, fontsize=7, va="center")
    ax.set_xticks(xs, [column["name"] for column in columns], fontsize=8)
    ax.set_yticks([])
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlim(-0.2, len(columns) - 0.6)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)


def _nan(position: float | None) -> float:
    return math.nan if position is None else position  # matplotlib leaves a gap


def _column(param: dict[str, Any], trials: list[dict]) -> dict[str, Any]:
    """Positions in [0, 1] of each trial's value of one field, and the axis' tick labels."""
    values = [t["params"].get(param["field"]) for t in trials]
    if param.get("choices"):
        choices = [str(choice) for choice in param["choices"]]
        step = 1.0 / max(len(choices) - 1, 1)
        positions = [choices.index(str(v)) * step if str(v) in choices else None for v in values]
        ticks = [(i * step, choice) for i, choice in enumerate(choices)]
        return {"name": param["field"], "positions": positions, "ticks": ticks}
    return _numeric_column(param["field"], values, param.get("log", False), param)


def _numeric_column(
    name: str, values: list, log: bool, bounds: dict[str, Any] | None = None
) -> dict[str, Any]:
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    low = float(bounds["low"]) if bounds else min(finite, default=0.0)
    high = float(bounds["high"]) if bounds else max(finite, default=1.0)
    scale = math.log10 if log else float
    span = scale(high) - scale(low) or 1.0

    def position(value: Any) -> float | None:
        if value is None or not math.isfinite(value):
            return None
        return (scale(float(value)) - scale(low)) / span

    ticks = [(position(v), f"{v:.3g}") for v in (low, high)]
    return {"name": name, "positions": [position(v) for v in values], "ticks": ticks}
