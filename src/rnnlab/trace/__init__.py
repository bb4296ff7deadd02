"""The step-by-step calculator: every number of a small network's forward and BPTT pass.

It reads the reference engine's tapes (no formula is written twice) and renders
the worked example as text tables, Markdown, LaTeX or JSON.
"""

from rnnlab.trace.compute import compute_trace, to_json
from rnnlab.trace.random import random_trace_spec
from rnnlab.trace.render import FORMATS, render
from rnnlab.trace.spec import TraceSpec, network_weights, read_trace_file, validate

__all__ = [
    "FORMATS",
    "TraceSpec",
    "compute_trace",
    "network_weights",
    "random_trace_spec",
    "read_trace_file",
    "render",
    "to_json",
    "validate",
]
