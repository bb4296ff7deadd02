"""The step-by-step calculator: every number of a small network's forward and BPTT pass.

It reads the reference engine's tapes (no formula is written twice) and renders
the worked example as text tables, Markdown, LaTeX, JSON, or structured equations
(plain text and LaTeX per equation) that the web page typesets. A cell's own
equations come from its hooks in the registry (``rnnlab.cells.equation``).
"""

from rnnlab.trace.compute import compute_trace, to_json
from rnnlab.trace.random import random_trace_spec
from rnnlab.trace.render import FORMATS, render, structured
from rnnlab.trace.spec import TraceSpec, network_weights, read_trace_file, validate

__all__ = [
    "FORMATS",
    "TraceSpec",
    "compute_trace",
    "network_weights",
    "random_trace_spec",
    "read_trace_file",
    "render",
    "structured",
    "to_json",
    "validate",
]
