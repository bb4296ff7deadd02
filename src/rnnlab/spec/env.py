"""Settings read from the environment (waits and budgets of the machinery, not of a run)."""

from __future__ import annotations

import os

from rnnlab.errors import ConfigError

MAX_SECONDS = 1e6


def seconds_from_env(name: str, default: float) -> float:
    """$`name` as seconds in [0, MAX_SECONDS), `default` when unset or empty; a ConfigError
    naming the variable for anything else."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < MAX_SECONDS:
        raise ConfigError(f"{name}: expected seconds from 0 to 1e6, received {text!r}")
    return value
