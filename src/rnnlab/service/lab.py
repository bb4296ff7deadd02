"""The long-range lab: why a plain RNN forgets, measured.

Each combination of task (adding | copy | order), length T and cell is an ordinary
run on ``synthetic:<task>`` data, stored like any other; the lab tabulates its
validation loss against the no-memory baseline and how much ||dL/dh_t|| shrinks from
the last step back to the first (the vanishing-gradient ratio) at the first probe (step 1,
the untrained network) and at the last one, and draws each run's gradient-flow figure.
The lab's defaults live in ``lab_defaults.LAB_DEFAULTS`` (the CLI reads them there).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnnlab import viz
from rnnlab.data.checks import check_output_path
from rnnlab.errors import ConfigError
from rnnlab.events import Event
from rnnlab.service.lab_defaults import LAB_DEFAULTS
from rnnlab.service.training import train
from rnnlab.store import Store

CELLS: dict[str, dict[str, Any]] = {
    "rnn-tanh": {"cell": "rnn", "nonlinearity": "tanh"},
    "rnn-tanh-orthogonal": {"cell": "rnn", "nonlinearity": "tanh", "init": "orthogonal"},
    "rnn-relu": {"cell": "rnn", "nonlinearity": "relu"},
    "rnn-relu-identity": {"cell": "rnn", "nonlinearity": "relu", "init": "identity"},
    "lstm": {"cell": "lstm"},
    "lstm-forget1": {"cell": "lstm", "forget_bias": 1.0},
    "gru": {"cell": "gru"},
}
RUN_TASK = {"adding": "forecast", "copy": "language-model", "order": "classify"}


def lab_config(
    task: str,
    length: int,
    cell: str,
    clip: float | None,
    budget_steps: int,
    hidden_size: int,
    lr: float,
    batch_size: int,
    seed: int,
    n_train: int,
    probe_every: int,
    threads: int | None = LAB_DEFAULTS.threads,
) -> dict[str, Any]:
    """The run config of one lab combination."""
    if task not in RUN_TASK:
        raise ConfigError(f"task: expected one of {' | '.join(RUN_TASK)}, received {task!r}")
    if cell not in CELLS:
        raise ConfigError(f"cells: expected names from {' | '.join(CELLS)}, received {cell!r}")
    return {
        "task": RUN_TASK[task],
        "name": f"lab-{task}-T{length}-{cell}",
        "data": {"path": f"synthetic:{task}?n={n_train}&val=500", "seq_len": length, "seed": seed},
        "embedding": {"dim": 16},
        "model": {"hidden_size": hidden_size, **CELLS[cell]},
        "train": {
            "optimizer": "adam",
            "lr": lr,
            "batch_size": batch_size,
            "epochs": 1000,
            "max_steps": budget_steps,
            "clip_grad_norm": None if clip == 0 else clip,  # 0: no clipping
            "seed": seed,
            "eval_every": max(budget_steps // 10, 1),
            "probe_every": min(probe_every, budget_steps),  # a last probe after step 1
            "threads": threads,
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
    task: str = LAB_DEFAULTS.task,
    lengths: tuple[int, ...] = LAB_DEFAULTS.lengths,
    cells: tuple[str, ...] = LAB_DEFAULTS.cells,
    clip: float | None = LAB_DEFAULTS.clip,
    budget_steps: int = LAB_DEFAULTS.budget_steps,
    hidden_size: int = LAB_DEFAULTS.hidden_size,
    lr: float = LAB_DEFAULTS.lr,
    batch_size: int = LAB_DEFAULTS.batch_size,
    seed: int = LAB_DEFAULTS.seed,
    n_train: int = 10_000,
    probe_every: int = 100,
    out_dir: str | Path | None = None,
    on_event: Callable[[Event], None] | None = None,
    on_run: Callable[[str, int, str], None] | None = None,
    home: str | Path | None = None,
    threads: int | None = LAB_DEFAULTS.threads,
) -> list[dict[str, Any]]:
    """Train every (length, cell) combination; one table row each (see module docstring)."""
    settings = (clip, budget_steps, hidden_size, lr, batch_size, seed, n_train, probe_every)
    configs = [
        (length, cell, lab_config(task, length, cell, *settings, threads=threads))
        for length in lengths
        for cell in cells
    ]  # all checked before training
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
