"""The defaults of the long-range lab, in a module light enough for the CLI to read at
start-up (``rnnlab.service.lab`` loads torch)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabDefaults:
    """The default experiment of `rnnlab lab vanishing` (measured in bench/results.md)."""

    task: str = "adding"
    lengths: tuple[int, ...] = (50,)
    cells: tuple[str, ...] = ("rnn-tanh", "lstm", "gru")
    clip: float | None = 1.0
    budget_steps: int = 1500
    hidden_size: int = 64
    lr: float = 1e-2
    batch_size: int = 64
    seed: int = 0
    threads: int | None = None  # torch's default (all cores)


LAB_DEFAULTS = LabDefaults()
