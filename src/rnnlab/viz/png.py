"""Draw figure data (see ``figures``) to a PNG file with matplotlib (no screen needed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: files only

import matplotlib.pyplot as plt

from rnnlab.errors import ConfigError

Drawer = Callable[[Any, dict[str, Any]], None]


def _scatter(ax: Any, fig: dict[str, Any]) -> None:
    ax.scatter(fig["x"], fig["y"], s=12, alpha=0.7)
    for x, y, label in zip(fig["x"], fig["y"], fig.get("labels", []), strict=False):
        ax.annotate(label, (x, y), fontsize=8, xytext=(3, 2), textcoords="offset points")


DRAWERS: dict[str, Drawer] = {"scatter": _scatter}


def register(kind: str, drawer: Drawer) -> None:
    """Add a drawer for a figure kind (modules of this package call it)."""
    DRAWERS[kind] = drawer


def render_png(figure: dict[str, Any], path: str | Path, dpi: int = 120) -> Path:
    """Write `figure` as a PNG at `path`; returns the path."""
    kind = figure.get("kind")
    if kind not in DRAWERS:
        raise ConfigError(f"figure kind: expected one of {' | '.join(DRAWERS)}, received {kind!r}")
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ConfigError(f"{path}: the output must be a .png file")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=figure.get("size", (9, 7)))
    try:
        DRAWERS[kind](ax, figure)
        title = figure.get("title", "")
        if figure.get("subtitle"):
            title = f"{title}\n{figure['subtitle']}"
        ax.set_title(title, fontsize=11)
        ax.set_xlabel(figure.get("xlabel", ""))
        ax.set_ylabel(figure.get("ylabel", ""))
        fig.tight_layout()
        fig.savefig(path, dpi=dpi)
    finally:
        plt.close(fig)
    return path
