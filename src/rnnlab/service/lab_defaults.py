"""The options of the long-range lab and their defaults, in a module light enough for the
CLI to read at start-up (``rnnlab.service.lab`` loads torch; this imports nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Named settings `--cells` accepts on top of the registered cells (each also accepted by
# its own name, e.g. lstm, gru): a cell with the options that make it a variant.
LAB_VARIANTS: dict[str, dict[str, Any]] = {
    "rnn-tanh": {"cell": "rnn", "nonlinearity": "tanh"},
    "rnn-tanh-orthogonal": {"cell": "rnn", "nonlinearity": "tanh", "init": "orthogonal"},
    "rnn-relu": {"cell": "rnn", "nonlinearity": "relu"},
    "rnn-relu-identity": {"cell": "rnn", "nonlinearity": "relu", "init": "identity"},
    "lstm-forget1": {"cell": "lstm", "forget_bias": 1.0},
}


@dataclass(frozen=True)
class LabOptions:
    """One experiment of `rnnlab lab vanishing`; the defaults are the measured default
    experiment (bench/results.md).

    task: adding | copy | order; lengths: the distances T to remember; cells: registered
    cells or LAB_VARIANTS names; clip: the gradient-norm clip (0 or None: none);
    budget_steps: optimiser steps per run; n_train: training sequences; probe_every:
    steps between gradient-flow probes; threads: torch CPU threads (None: all cores).
    """

    task: str = "adding"
    lengths: tuple[int, ...] = (50,)
    cells: tuple[str, ...] = ("rnn-tanh", "lstm", "gru")
    clip: float | None = 1.0
    budget_steps: int = 1500
    hidden_size: int = 64
    lr: float = 1e-2
    batch_size: int = 64
    seed: int = 0
    n_train: int = 10_000
    probe_every: int = 100
    threads: int | None = None  # torch's default (all cores)


LAB_DEFAULTS = LabOptions()
