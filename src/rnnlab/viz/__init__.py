"""Figures: one function per figure returning plain data, and a PNG renderer (matplotlib).

A figure is a dict with a ``kind`` (lines | heatmap | heatmaps | matrix | histograms |
table | scatter), a ``title`` (optional ``subtitle``, ``xlabel``, ``ylabel``) and the
arrays to draw: plain lists and Python numbers, None for a missing or non-finite value,
so ``json.dumps`` takes it, the web page renders it with Plotly and ``render_png`` draws
it with matplotlib.

- ``lines``: ``series`` of ``{"name", "x", "y", "style", "group"?}``; optional ``logy``,
  ``vline`` (+ ``vline_label``) and ``table`` (a ``table`` figure drawn under the plot).
- ``heatmap``: ``x``, ``y``, ``z`` (rows along y), optional ``xticklabels``,
  ``yticklabels``, ``zmin``, ``zmax``, ``colorbar``, ``rows_down`` (row 0 on top);
  ``heatmaps``: ``panels`` of those, sharing x.
- ``matrix``: ``x`` (predicted), ``y`` (true), ``z`` counts, ``normalized``, ``accuracy``.
- ``histograms``: ``panels`` of ``{"title", "edges", "counts"}``.
- ``table``: ``columns`` and ``rows``.
"""

from rnnlab.viz.figures import compare, config_diff, confusion, curves, embedding_map, forecast
from rnnlab.viz.inspect_figures import gates, hidden_states
from rnnlab.viz.png import render_png
from rnnlab.viz.probe_figures import gradient_flow, gradient_flow_last, histograms

__all__ = [
    "compare",
    "config_diff",
    "confusion",
    "curves",
    "embedding_map",
    "forecast",
    "gates",
    "gradient_flow",
    "gradient_flow_last",
    "hidden_states",
    "histograms",
    "render_png",
]
