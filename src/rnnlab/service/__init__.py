"""The use cases of rnnlab: the only package the views (CLI, web page) call.

Each function takes plain values (paths, mappings, numbers) and returns plain
values (strings, JSON-able dicts), raising ``RnnlabError`` kinds that the views
turn into a CLI message or an HTTP 4xx with the same text.
"""

from rnnlab.service.calculator import (
    TRACE_FORMATS,
    random_trace,
    save_trace_spec,
    trace,
    trace_result,
)
from rnnlab.service.embeddings import (
    embed_analogy,
    embed_build,
    embed_coverage,
    embed_info,
    embed_map,
    embed_neighbours,
    embed_plot,
)
from rnnlab.service.figures import FIGURES, compare_runs, plot_compare, plot_run, run_figure
from rnnlab.service.lab import lab_vanishing
from rnnlab.service.runs import (
    classify,
    forecast,
    generate,
    list_runs,
    load_bundle,
    predictor,
    remove_run,
    run_metrics,
    run_probes,
    run_states,
    show_run,
)
from rnnlab.service.training import load_config, resume, train, versions

__all__ = [
    "FIGURES",
    "TRACE_FORMATS",
    "classify",
    "compare_runs",
    "embed_analogy",
    "embed_build",
    "embed_coverage",
    "embed_info",
    "embed_map",
    "embed_neighbours",
    "embed_plot",
    "forecast",
    "generate",
    "lab_vanishing",
    "list_runs",
    "load_bundle",
    "load_config",
    "plot_compare",
    "plot_run",
    "predictor",
    "random_trace",
    "remove_run",
    "resume",
    "run_figure",
    "run_metrics",
    "run_probes",
    "run_states",
    "save_trace_spec",
    "show_run",
    "trace",
    "trace_result",
    "train",
    "versions",
]
