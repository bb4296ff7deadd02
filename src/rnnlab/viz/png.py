"""Draw figure data (see ``figures``) to a PNG file with matplotlib (no screen needed).

A drawer takes the matplotlib ``Figure`` (sized by ``_layout.figure_size``, constrained
layout) and the figure data, and makes its own axes; ``render_png`` adds the title.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: files only

import matplotlib.pyplot as plt
import numpy as np

from rnnlab.data.checks import check_output_path
from rnnlab.errors import ConfigError
from rnnlab.viz._layout import (
    MAX_NUMBER_TICKS,
    MAX_TOKEN_TICKS,
    cell_text,
    figure_size,
    grid,
    table_height_ratio,
    ticks,
)

Drawer = Callable[[Any, dict[str, Any]], None]
STYLES = {"solid": "-", "dotted": ":", "dashed": "--", "dashdot": "-."}
MISSING = "#d9d9d9"  # cells without a value (None) in heatmaps


def _array(values: list[Any]) -> np.ndarray:
    """A float array with NaN for None (matplotlib leaves NaN blank)."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _matrix(rows: list[list[Any]]) -> np.ndarray:
    return np.array([_array(row) for row in rows], dtype=float).reshape(len(rows), -1)


def visible(token: str) -> str:
    """A token as a tick label: blanks shown (space ␣, newline ↵, tab ⇥)."""
    return str(token).replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥") or "∅"


def _labels(ax: Any, figure: dict[str, Any]) -> None:
    ax.set_xlabel(figure.get("xlabel", ""))
    ax.set_ylabel(figure.get("ylabel", ""))


def _scatter(fig: Any, figure: dict[str, Any]) -> None:
    ax = fig.add_subplot()
    marked = figure.get("highlight") or [False] * len(figure["x"])
    others = "silver" if any(marked) else "tab:blue"  # grey beside highlighted words
    colours = ["tab:red" if m else others for m in marked]
    ax.scatter(figure["x"], figure["y"], s=[40 if m else 12 for m in marked], c=colours, alpha=0.8)
    points = zip(figure["x"], figure["y"], figure.get("labels", []), marked, strict=False)
    for x, y, label, mark in points:  # highlighted words bold and on top
        style = {"fontsize": 10, "fontweight": "bold", "zorder": 3} if mark else {"fontsize": 8}
        if others == "silver" and not mark:
            style["color"] = "grey"
        ax.annotate(label, (x, y), xytext=(3, 2), textcoords="offset points", **style)
    _labels(ax, figure)


def _table_on(ax: Any, table: dict[str, Any]) -> None:
    """A table filling `ax` (axis hidden); a note instead when it has no rows."""
    ax.axis("off")
    if table.get("title"):
        ax.set_title(table["title"], fontsize=10, loc="left")
    if not table["rows"]:
        ax.text(0.5, 0.5, table.get("subtitle") or "(no rows)", ha="center", va="center")
        return
    cells = [[cell_text(v) for v in row] for row in table["rows"]]
    drawn = ax.table(cellText=cells, colLabels=table["columns"], cellLoc="left", bbox=(0, 0, 1, 1))
    drawn.auto_set_font_size(False)
    drawn.set_fontsize(9)
    for (row, _), cell in drawn.get_celld().items():
        if row == 0:
            cell.set_facecolor("#e8e8e8")


def _table(fig: Any, figure: dict[str, Any]) -> None:
    _table_on(fig.add_subplot(), {**figure, "title": ""})


def _lines(fig: Any, figure: dict[str, Any]) -> None:
    """Series coloured by group (one colour per run), styled solid/dotted/dashed."""
    table = figure.get("table")
    if table:
        spec = fig.add_gridspec(2, 1, height_ratios=[3, table_height_ratio(len(table["rows"]))])
        ax = fig.add_subplot(spec[0])
        _table_on(fig.add_subplot(spec[1]), table)
    else:
        ax = fig.add_subplot()
    colours: dict[str, str] = {}
    for s in figure["series"]:
        colour = colours.setdefault(s.get("group", s["name"]), f"C{len(colours) % 10}")
        style = STYLES.get(s.get("style", "solid"), "-")
        marker = "o" if len(s["x"]) == 1 else None
        ax.plot(s["x"], _array(s["y"]), style, color=colour, label=s["name"], lw=1.5, marker=marker)
    if figure.get("vline") is not None:
        label = figure.get("vline_label")
        ax.axvline(figure["vline"], color="grey", ls="--", lw=1, label=label)
    if figure.get("logy"):
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    many = len(figure["series"]) > 6
    if figure["series"]:
        where = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)} if many else {}
        ax.legend(fontsize=8, **where)
    _labels(ax, figure)


def _heat(fig: Any, ax: Any, panel: dict[str, Any], colorbar: str = "") -> None:
    """One heatmap on `ax`: z rows along y, columns along x, None blank."""
    z = _matrix(panel["z"])
    lo, hi = panel.get("zmin"), panel.get("zmax")
    name = "RdBu_r" if lo is not None and hi is not None and lo < 0 < hi else "viridis"
    cmap = matplotlib.colormaps[name].with_extremes(bad=MISSING)
    if z.size == 0:
        ax.text(0.5, 0.5, "no values", ha="center", va="center", transform=ax.transAxes)
        return
    origin = "upper" if panel.get("rows_down") else "lower"  # row 0 at the top, or bottom
    image = ax.imshow(
        z, aspect="auto", origin=origin, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest"
    )
    bar = fig.colorbar(image, ax=ax, pad=0.01, fraction=0.04)
    bar.set_label(colorbar, fontsize=8)
    labels = panel.get("xticklabels")
    where = ticks(z.shape[1], MAX_TOKEN_TICKS if labels else MAX_NUMBER_TICKS)
    texts = [visible(labels[k]) if labels else str(panel["x"][k]) for k in where]
    ax.set_xticks(where, texts)
    if labels:
        upright = len(where) <= 16 and max(map(len, texts), default=0) <= 6
        ax.tick_params(axis="x", labelrotation=0 if upright else 90, labelsize=8)
    row_labels = panel.get("yticklabels")
    rows = ticks(z.shape[0], MAX_TOKEN_TICKS if row_labels else MAX_NUMBER_TICKS)
    names = [visible(row_labels[k]) if row_labels else str(panel["y"][k]) for k in rows]
    ax.set_yticks(rows, names)


def _heatmap(fig: Any, figure: dict[str, Any]) -> None:
    ax = fig.add_subplot()
    _heat(fig, ax, figure, figure.get("colorbar", ""))
    _labels(ax, figure)


def _heatmaps(fig: Any, figure: dict[str, Any]) -> None:
    """A column of heatmap panels sharing the x axis (token labels on the bottom one)."""
    panels = figure["panels"]
    heights = [max(1.0, len(p["y"])) ** 0.5 for p in panels]
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False, height_ratios=heights)[:, 0]
    for ax, panel in zip(axes, panels, strict=True):
        _heat(fig, ax, panel)
        ax.set_title(panel["title"], fontsize=9, loc="left")
        ax.set_ylabel(figure.get("ylabel", ""), fontsize=8)
    for ax in axes[:-1]:
        ax.tick_params(axis="x", labelbottom=False)
    axes[-1].set_xlabel(figure.get("xlabel", ""))


def _matrix_drawer(fig: Any, figure: dict[str, Any]) -> None:
    """Row-normalised colours (0..1) with each cell's count and share written in it."""
    ax = fig.add_subplot()
    counts = _matrix(figure["z"])
    normalized = figure.get("normalized")
    shares = _matrix(normalized) if normalized else counts / max(np.nanmax(counts, initial=0), 1)
    image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    label = "fraction of the true class" if normalized else "count / largest count"
    fig.colorbar(image, ax=ax, pad=0.02, fraction=0.05).set_label(label)
    for (row, col), count in np.ndenumerate(counts):
        share = shares[row, col]
        text = f"{count:g}" if np.isnan(share) or not normalized else f"{count:g}\n{share:.0%}"
        colour = "white" if share > 0.6 else "black"  # NaN compares False
        ax.text(col, row, text, ha="center", va="center", fontsize=8, color=colour)
    tilt = 45 if max(map(len, figure["x"]), default=0) > 4 else 0
    ax.set_xticks(range(len(figure["x"])), figure["x"], rotation=tilt)
    ax.set_yticks(range(len(figure["y"])), figure["y"])
    _labels(ax, figure)


def _histograms(fig: Any, figure: dict[str, Any]) -> None:
    """A grid of small histograms, one per panel (bars between consecutive edges)."""
    panels = figure["panels"]
    rows, cols = grid(len(panels))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for k, ax in enumerate(axes):
        if k >= len(panels):
            ax.axis("off")
            continue
        panel = panels[k]
        ax.stairs(panel["counts"], _array(panel["edges"]), fill=True, alpha=0.8)
        ax.set_title(panel["title"], fontsize=9)
        ax.tick_params(labelsize=7)
        if k + cols >= len(panels):  # no panel below this one
            ax.set_xlabel(figure.get("xlabel", ""), fontsize=8)
        if k % cols == 0:
            ax.set_ylabel(figure.get("ylabel", ""), fontsize=8)


DRAWERS: dict[str, Drawer] = {
    "scatter": _scatter,
    "lines": _lines,
    "heatmap": _heatmap,
    "heatmaps": _heatmaps,
    "matrix": _matrix_drawer,
    "histograms": _histograms,
    "table": _table,
}


def register(kind: str, drawer: Drawer) -> None:
    """Add a drawer ``drawer(matplotlib_figure, figure_data)`` for a figure kind."""
    DRAWERS[kind] = drawer


def check_png_path(path: str | Path) -> Path:
    """`path` as a Path when a PNG can be written there (ConfigError naming it otherwise:
    not .png, a folder, or in a folder that does not exist); checked before any drawing."""
    path = check_output_path(path, "PNG file")
    if path.suffix.lower() != ".png":
        raise ConfigError(f"{path}: the output must be a .png file")
    return path


def render_png(figure: dict[str, Any], path: str | Path, dpi: int = 120) -> Path:
    """Write `figure` as a PNG at `path`; returns the path."""
    kind = figure.get("kind")
    if kind not in DRAWERS:
        raise ConfigError(f"figure kind: expected one of {' | '.join(DRAWERS)}, received {kind!r}")
    path = check_png_path(path)
    fig = plt.figure(figsize=figure_size(figure), layout="constrained")
    try:
        DRAWERS[kind](fig, figure)
        title = figure.get("title", "")
        if figure.get("subtitle"):
            title = f"{title}\n{figure['subtitle']}"
        fig.suptitle(title, fontsize=11)
        fig.savefig(path, dpi=dpi)
    finally:
        plt.close(fig)
    return path
