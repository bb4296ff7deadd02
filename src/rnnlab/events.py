"""What a training run reports: the trainer emits these, subscribers (the run store,
progress bars, the web page) consume them. Plain data, so neither side imports the other.

A checkpoint event carries everything needed to resume exactly: the arrays (model
weights, optimiser state, carried hidden state, RNG states) and JSON-able metadata
(progress, metrics). Subscribers decide where it goes; the trainer never writes files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

Status = Literal["running", "finished", "interrupted", "diverged", "early-stopped", "failed"]
FINAL_STATUSES = ("finished", "interrupted", "diverged", "early-stopped", "failed")
FAILED_STATUSES = ("diverged", "failed")  # endings that leave no trained model (CLI: exit 1)


@dataclass(frozen=True)
class RunStarted:
    start_step: int  # 0, or the step a resumed run continues from
    total_steps: int  # planned optimiser steps (epochs x batches, or max_steps)
    steps_per_epoch: int
    summary: dict[str, Any]  # data summary: sizes, vocab, classes, baselines ...


@dataclass(frozen=True)
class StepDone:
    step: int  # 1-based count of optimiser steps taken
    epoch: int  # 0-based
    loss: float  # training loss of this batch
    grad_norm: float  # global L2 norm before clipping
    clipped: bool  # clipping changed the gradients
    lr: float
    tokens: int  # predictions scored in this batch
    seconds: float  # wall time of this step


@dataclass(frozen=True)
class Evaluated:
    step: int
    epoch: int
    metrics: dict[str, float]  # validation metrics, e.g. {"val_loss": ..., "val_accuracy": ...}
    best: bool  # the best validation loss so far


@dataclass(frozen=True)
class CheckpointReady:
    step: int
    epoch: int
    reason: Literal["eval", "interval", "interrupt", "end"]
    arrays: dict[str, np.ndarray]  # "model.*", "optim.*", "carry.*", "rng.*"
    meta: dict[str, Any]  # JSON-able: progress (train.progress.Progress), rng, metrics so far
    best: bool = False


@dataclass(frozen=True)
class ProbeTaken:
    step: int
    kind: Literal["gradient_flow", "histograms", "states", "confusion", "forecast"]
    payload: dict[str, Any]  # JSON-able, shapes documented in rnnlab/probes.py


@dataclass(frozen=True)
class RunEnded:
    step: int
    status: Status
    message: str
    final_metrics: dict[str, float] = field(default_factory=dict)
    best_metrics: dict[str, float] = field(default_factory=dict)


Event = RunStarted | StepDone | Evaluated | CheckpointReady | ProbeTaken | RunEnded
