"""The options of the attention lab and their defaults, in a module light enough for the
CLI to read at start-up (``rnnlab.service.attention_lab`` loads torch; this imports nothing).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AttentionLabOptions:
    """One attention experiment; the CLI's defaults are these."""

    task: str = "reverse"
    lengths: tuple[int, ...] = (5, 10, 20, 40)
    attentions: tuple[str, ...] = ("none", "additive")
    steps: int = 400
    cell: str = "gru"
    hidden_size: int = 64
    embed_dim: int = 32
    batch_size: int = 64
    lr: float = 3e-3
    clip: float = 1.0
    n_train: int = 20_000
    n_val: int = 500
    seed: int = 0
    threads: int | None = 1


ATTENTION_LAB_DEFAULTS = AttentionLabOptions()
