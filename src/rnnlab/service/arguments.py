"""Checks of the arguments of generate and forecast, before any model is loaded.

The CLI and the web API both call the service, so both give these messages:
the argument's name, what is allowed, and what was received. Booleans are not
integers here (``"length": true`` is refused, not read as 1), and every float
must be finite (``--temperature inf`` is refused).
"""

from __future__ import annotations

import math

from rnnlab.errors import ConfigError
from rnnlab.predict import MAX_GENERATE
from rnnlab.spec.io import short_repr

MAX_TEMPERATURE = 100.0  # beyond this sampling is uniform to float precision
MAX_TOP_K = 10_000_000  # no vocabulary is larger (spec.run.MAX_VOCAB)
SEED_LIMIT = 2**32  # NumPy's and torch's seeds: 0 <= seed < 2^32


def whole_number(name: str, value: object, low: int, high: int) -> int:
    """`value` as an int in low..high, or a ConfigError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(
            f"{name}: expected an integer {low}..{high}, received {short_repr(value)}"
        )
    if not low <= value <= high:
        raise ConfigError(f"{name}: expected {low}..{high}, received {short_repr(value)}")
    return value


def finite_number(
    name: str, value: object, low: float, high: float, low_open: bool = False
) -> float:
    """`value` as a finite float in [low, high] (or (low, high]), or a ConfigError."""
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}]"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{name}: expected a number in {interval}, received {short_repr(value)}")
    number = float(value)
    inside = (low < number if low_open else low <= number) and number <= high
    if not math.isfinite(number) or not inside:
        raise ConfigError(f"{name}: expected a number in {interval}, received {short_repr(value)}")
    return number


def check_seed(seed: object, name: str = "seed") -> int | None:
    """None, or an integer 0 <= seed < 2^32."""
    return None if seed is None else whole_number(name, seed, 0, SEED_LIMIT - 1)


def check_generate_arguments(
    length: object, temperature: object, top_k: object, top_p: object, seed: object
) -> None:
    """length 1..MAX_GENERATE; temperature in [0, MAX_TEMPERATURE] (0: greedy);
    top_k None or 1..MAX_TOP_K; top_p None or in (0, 1]; seed None or 0..2^32-1."""
    whole_number("length", length, 1, MAX_GENERATE)
    finite_number("temperature", temperature, 0.0, MAX_TEMPERATURE)
    if top_k is not None:
        whole_number("top_k", top_k, 1, MAX_TOP_K)
    if top_p is not None:
        finite_number("top_p", top_p, 0.0, 1.0, low_open=True)
    check_seed(seed)


def check_forecast_steps(steps: object) -> int:
    """steps 1..MAX_GENERATE."""
    return whole_number("steps", steps, 1, MAX_GENERATE)
