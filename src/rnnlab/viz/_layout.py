"""Layout arithmetic for the PNG renderer (no matplotlib here): figure sizes that grow
with panels, rows and tokens, tick thinning, and table cell text."""

from __future__ import annotations

import math
from typing import Any

MAX_TOKEN_TICKS = 60  # above this many tokens, label every k-th one
MAX_NUMBER_TICKS = 16


def ticks(n: int, most: int) -> list[int]:
    """Positions 0..n-1 thinned to at most about `most` evenly spaced ones."""
    step = max(1, math.ceil(n / most))
    return list(range(0, n, step))


def grid(n: int, columns: int = 3) -> tuple[int, int]:
    """(rows, columns) of a grid holding `n` small panels."""
    cols = max(1, min(columns, n))
    return max(1, math.ceil(n / cols)), cols


def cell_text(value: Any, width: int = 32) -> str:
    """A table cell: numbers compact, None as a dash, long values cut."""
    if value is None:
        return "—"
    text = f"{value:.6g}" if isinstance(value, float) else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _heat_size(columns: int, rows: int) -> tuple[float, float]:
    return min(18.0, max(8.0, 0.22 * columns + 3)), min(12.0, max(4.0, 0.2 * rows + 2.5))


def _panel_height(units: int) -> float:
    return min(4.0, max(1.5, 0.1 * units + 1.0))


def figure_size(figure: dict[str, Any]) -> tuple[float, float]:
    """Width and height in inches for `figure` (its own ``size`` when it has one)."""
    if figure.get("size"):
        width, height = figure["size"]
        return float(width), float(height)
    kind = figure.get("kind")
    if kind == "lines":
        table = figure.get("table")
        return 10.0, 5.5 + (0.3 * (len(table["rows"]) + 2) if table else 0.0)
    if kind == "heatmap":
        return _heat_size(len(figure.get("x", [])), len(figure.get("y", [])))
    if kind == "heatmaps":
        panels = figure.get("panels", [])
        width = _heat_size(len(panels[0]["x"]) if panels else 0, 0)[0]
        return width, 1.0 + sum(_panel_height(len(p["y"])) for p in panels)
    if kind == "matrix":
        side = min(14.0, max(5.0, 0.7 * len(figure.get("x", [])) + 3))
        return side + 1.5, side
    if kind == "histograms":
        rows, cols = grid(len(figure.get("panels", [])))
        return 4.0 * cols + 1, 2.6 * rows + 1
    if kind == "table":
        columns = len(figure.get("columns", []))
        return min(18.0, max(6.0, 2.2 * columns)), 1.4 + 0.3 * (len(figure.get("rows", [])) + 1)
    return 9.0, 7.0


def table_height_ratio(rows: int) -> float:
    """Height of a table under a plot, relative to a plot of height 3."""
    return 0.25 * (rows + 1)
