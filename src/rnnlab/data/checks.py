"""Argument checks shared by the datasets: each error names the config field."""

from __future__ import annotations

import numpy as np

from rnnlab.errors import ConfigError


def check_int(value: object, field: str, low: int) -> int:
    """`value` as an int, or ConfigError naming `field` unless it is an integer >= `low`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ConfigError(f"{field}: expected an integer >= {low}, received {value!r}")
    return int(value)


def check_seed(seed: object, field: str) -> int:
    """NumPy seeds must be integers >= 0; say which field when one is not."""
    return check_int(seed, field, 0)
