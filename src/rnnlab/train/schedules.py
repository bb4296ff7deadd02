"""Learning-rate schedules: pure functions of the step, so a resumed run gets the same rates.

constant: lr_t = lr
cosine:   lr_t = lr * (1 + cos(pi * t / total)) / 2
step:     lr_t = lr * gamma ** floor(t / step_every)
"""

from __future__ import annotations

import math

from rnnlab.errors import ConfigError


def learning_rate(
    schedule: str,
    base_lr: float,
    step: int,
    total_steps: int,
    step_every: int = 1000,
    gamma: float = 0.5,
    time_share: float | None = None,
) -> float:
    """The rate for optimiser step `step` (0-based) of `total_steps`.

    time_share: the fraction of a wall-clock budget (train.max_seconds) used so far; a
    cosine schedule then follows whichever runs out first, steps or time.
    """
    if schedule == "constant":
        return base_lr
    if schedule == "cosine":
        progress = min(step, total_steps) / max(total_steps, 1)
        if time_share is not None:
            progress = max(progress, min(time_share, 1.0))
        return base_lr * 0.5 * (1.0 + math.cos(math.pi * progress))
    if schedule == "step":
        return base_lr * gamma ** (step // step_every)
    raise ConfigError(f"train.schedule: expected constant | cosine | step, received {schedule!r}")
