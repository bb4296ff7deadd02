"""The use cases of rnnlab: the only package the views (CLI, web page) call.

Each function takes plain values (paths, mappings, numbers) and returns plain
values (strings, JSON-able dicts), raising ``RnnlabError`` kinds that the views
turn into a CLI message or an HTTP 4xx with the same text.

The names are imported on first use (``service.train`` loads torch only when a
command trains), so ``rnnlab --help`` and ``--version`` start at once.
"""

from __future__ import annotations

import importlib
from typing import Any

# The module of rnnlab.service that defines each public name.
_HOMES: dict[str, tuple[str, ...]] = {
    "baselines": ("comparison_lines", "forecast_comparison", "missing_note"),
    "budgets": ("check_embedding_budget", "embedding_bytes"),
    "calculator": (
        "TRACE_FORMATS",
        "random_trace",
        "save_trace_spec",
        "trace",
        "trace_bundle",
        "trace_cells",
        "trace_examples",
        "trace_result",
    ),
    "cells": ("cell_names", "describe_cell", "list_cells"),
    "configs": ("config_schema",),
    "datasets": (
        "delete_upload",
        "list_datasets",
        "preview_dataset",
        "resolve_config_refs",
        "resolve_data_path",
        "save_upload",
    ),
    "distributed": ("ranks_from_env", "train_rank"),
    "embeddings": (
        "build_stored_embedding",
        "delete_embedding",
        "embed_analogy",
        "embed_build",
        "embed_coverage",
        "embed_info",
        "embed_map",
        "embed_neighbours",
        "embed_plot",
        "list_embeddings",
        "stored_map",
        "stored_neighbours",
        "upload_embedding",
    ),
    "export": ("EXPORT_FORMATS", "MAX_EXPORT_DIFF", "export_run"),
    "figure_names": ("FIGURES",),
    "figures": (
        "compare_runs",
        "gradient_flow_series",
        "plot_compare",
        "plot_run",
        "run_figure",
    ),
    "job_limits": ("DEFAULT_JOB_MEMORY_MB", "DEFAULT_JOB_SECONDS", "DEFAULT_MAX_JOBS"),
    "lab": ("lab_cells", "lab_vanishing"),
    "attention_lab": ("lab_attention",),
    "attention_lab_defaults": ("ATTENTION_LAB_DEFAULTS", "AttentionLabOptions"),
    "lab_defaults": ("LAB_DEFAULTS", "LAB_VARIANTS", "LabOptions"),
    "model_file": ("MODEL_FILE_VERSION", "read_model_file"),
    "models": (
        "forecast_values",
        "model_summary",
        "parameter_symbol",
    ),
    "parallel": ("train_parallel",),
    "runs": (
        "classify",
        "forecast",
        "generate",
        "list_runs",
        "load_bundle",
        "predictor",
        "remove_run",
        "run_metrics",
        "run_probes",
        "run_states",
        "run_task",
        "show_run",
    ),
    "sweep": ("STORAGE_FILE", "run_sweep", "show_sweep"),
    "sweep_defaults": ("SWEEP_TRIALS", "WARMUP_EVALS"),
    "tasks": ("describe_task", "list_tasks", "task_names"),
    "tag_report": ("tag_comparison_lines",),
    "tagging": (
        "evaluate_tagged",
        "punctuate",
        "tag_comparison",
        "tag_text",
    ),
    "translating": ("attention_figure", "translate", "translate_with_attention_maps"),
    "training": (
        "check_resume",
        "check_run",
        "fail_run",
        "load_config",
        "release_worker",
        "resume",
        "set_threads",
        "supervise_worker",
        "train",
        "versions",
    ),
    "web_store": (
        "UnknownId",
        "UploadTooLarge",
        "artifact_file",
        "is_loopback",
        "require_token",
        "resolve_embedding_ref",
        "resolve_home",
        "upload_labels",
    ),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = sorted(_HOME_OF)


def __getattr__(name: str) -> Any:
    """Import the defining module on first use and return the name from it."""
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'rnnlab.service' has no attribute {name!r}")
    return getattr(importlib.import_module(f"rnnlab.service.{module}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
