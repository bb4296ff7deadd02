"""Figures: one function per figure returning plain data, and a PNG renderer (matplotlib).

A figure is a dict with a ``kind`` (lines | heatmap | scatter | bars | matrix ...),
a ``title`` and the arrays to draw, JSON-able so the web page can render it with
Plotly and ``render_png`` can draw it with matplotlib.
"""

from rnnlab.viz.figures import embedding_map
from rnnlab.viz.png import render_png

__all__ = ["embedding_map", "render_png"]
