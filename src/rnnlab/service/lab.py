"""The long-range lab: why a plain RNN forgets, measured.

Each combination of task (adding | copy | order), length T and cell is an ordinary
run on ``synthetic:<task>`` data, stored like any other; the lab tabulates its
validation loss against the no-memory baseline and how much ||dL/dh_t|| shrinks from
the last step back to the first (the vanishing-gradient ratio) at the first probe (step 1,
the untrained network) and at the last one, and draws each run's gradient-flow figure.
An experiment is one ``LabOptions`` (``lab_defaults``, where its defaults live and the CLI
reads them). ``--cells`` names are the registered cells (``rnnlab.cells``: a cell module
added later is in the lab at once) and the named variants ``LAB_VARIANTS`` on top of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnnlab import cells, viz
from rnnlab.data.checks import check_output_path
from rnnlab.errors import ConfigError
from rnnlab.events import Event
from rnnlab.service.lab_defaults import LAB_DEFAULTS, LAB_VARIANTS, LabOptions
from rnnlab.service.training import train
from rnnlab.store import Store

RUN_TASK = {"adding": "forecast", "copy": "language-model", "order": "classify"}


def lab_cells() -> dict[str, dict[str, Any]]:
    """Every name `cells` accepts -> its model settings: each registered cell by its own
    name, then the named variants."""
    return {name: {"cell": name} for name in cells.names()} | LAB_VARIANTS


def lab_config(task: str, length: int, cell: str, options: LabOptions) -> dict[str, Any]:
    """The run config of one lab combination (task and cell checked here)."""
    if task not in RUN_TASK:
        raise ConfigError(f"task: expected one of {' | '.join(RUN_TASK)}, received {task!r}")
    known = lab_cells()
    if cell not in known:
        raise ConfigError(
            f"cells: expected a registered cell ({' | '.join(cells.names())}) or a variant "
            f"({' | '.join(LAB_VARIANTS)}), received {cell!r}"
        )
    o, budget = options, options.budget_steps
    return {
        "task": RUN_TASK[task],
        "name": f"lab-{task}-T{length}-{cell}",
        "data": {
            "path": f"synthetic:{task}?n={o.n_train}&val=500",
            "seq_len": length,
            "seed": o.seed,
        },
        "embedding": {"dim": 16},
        "model": {"hidden_size": o.hidden_size, **known[cell]},
        "train": {
            "optimizer": "adam",
            "lr": o.lr,
            "batch_size": o.batch_size,
            "epochs": 1000,
            "max_steps": budget,
            "clip_grad_norm": None if o.clip == 0 else o.clip,  # 0: no clipping
            "seed": o.seed,
            "eval_every": max(budget // 10, 1),
            "probe_every": min(o.probe_every, budget),  # a last probe after step 1
            "threads": o.threads,
        },
    }


def _vanishing_ratio(probe: dict[str, Any] | None) -> tuple[float | None, bool]:
    """(log10(||dL/dh_1|| / ||dL/dh_T||) of layer 0 at `probe` (0: no decay),
    whether ||dL/dh_1|| vanished to exactly 0 (underflow: the ratio is -infinity))."""
    if not probe:
        return None, False
    norms = probe["series"][0]["norms"]
    first, last = norms[0], norms[-1]
    if first is None or last is None or not last > 0 or not first >= 0:
        return None, False
    if first == 0:
        return None, True
    return math.log10(first / last), False


def gradient_columns(probes: list[dict[str, Any]]) -> dict[str, Any]:
    """The vanishing-gradient ratio at the first probe (step 1: the untrained network)
    and at the last (the trained one): ``log10_grad_ratio_{first,last}``,
    ``grad_underflow_{first,last}`` and the probes' steps ``grad_step_{first,last}``."""
    columns: dict[str, Any] = {}
    for which, probe in (
        ("first", probes[0] if probes else None),
        ("last", probes[-1] if probes else None),
    ):
        ratio, underflow = _vanishing_ratio(probe)
        columns[f"log10_grad_ratio_{which}"] = ratio
        columns[f"grad_underflow_{which}"] = underflow
        columns[f"grad_step_{which}"] = probe["step"] if probe else None
    return columns


def _row(
    details: dict[str, Any], task: str, length: int, cell: str, probes: list[dict[str, Any]]
) -> dict[str, Any]:
    baseline = details["summary"]["baselines"]["no_memory"]
    final, best = details["final_metrics"], details["best_metrics"]
    metric = "val_accuracy" if task == "order" else "val_loss"
    base_value = (
        baseline["accuracy"]
        if task == "order"
        else baseline.get("mse", baseline.get("cross_entropy"))
    )
    value = final.get(metric)
    ratio = None if value is None else value / base_value
    solved = value is not None and (value > 0.9 if task == "order" else ratio < 0.1)
    return {
        "task": task,
        "T": length,
        "cell": cell,
        "run": details["id"],
        "status": details["status"],
        "steps": details["steps"],
        "metric": metric,
        "final": value,
        "best": best.get(metric),
        "baseline": base_value,
        "vs_baseline": ratio,
        "solved": bool(solved),
        **gradient_columns(probes),
    }


def make_out_dir(out_dir: str | Path) -> Path:
    """The lab's figure folder, made if missing (only it: its parent must exist), before
    any training; ConfigError naming it when it cannot be."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        check_output_path(out_dir, "figure folder")
        out_dir.mkdir()
    return out_dir


def lab_vanishing(
    options: LabOptions = LAB_DEFAULTS,
    *,
    out_dir: str | Path | None = None,
    on_event: Callable[[Event], None] | None = None,
    on_run: Callable[[str, int, str], None] | None = None,
    home: str | Path | None = None,
) -> list[dict[str, Any]]:
    """Train every (length, cell) combination of `options`; one table row each (see the
    module docstring). Every combination is checked before any training."""
    if not isinstance(options, LabOptions):
        raise ConfigError(f"options: expected a LabOptions, received {type(options).__name__}")
    for field in ("lengths", "cells"):
        if not getattr(options, field):
            raise ConfigError(f"{field}: expected at least one, received none")
    task = options.task
    configs = [
        (length, cell, lab_config(task, length, cell, options))
        for length in options.lengths
        for cell in options.cells
    ]
    if out_dir is not None:
        make_out_dir(out_dir)
    rows = []
    for length, cell, config in configs:
        if on_run is not None:
            on_run(task, length, cell)
        details = train(config, on_event=on_event, home=home)
        with Store(home) as store:
            probes = store.probes(details["id"], "gradient_flow")
        row = _row(details, task, length, cell, probes)
        if out_dir is not None and probes:
            path = Path(out_dir) / f"{task}-T{length}-{cell}-gradient-flow.png"
            row["figure"] = str(viz.render_png(viz.gradient_flow(probes), path))
        rows.append(row)
    return rows
