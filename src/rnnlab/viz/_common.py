"""Small helpers shared by the figure modules: JSON-safe numbers and labels."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any


def num(value: Any) -> float | None:
    """`value` as a Python float, or None when it is missing or not finite."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def nums(values: Iterable[Any]) -> list[float | None]:
    """Every value through `num`: a JSON-able list with None for gaps."""
    return [num(v) for v in values]


def ints(values: Iterable[Any]) -> list[int]:
    """Every value as a Python int (training steps, counts)."""
    return [int(v) for v in values]


def log10s(values: Iterable[Any]) -> list[float | None]:
    """log10 of each value; None where it is missing, not finite, zero or negative."""
    out: list[float | None] = []
    for v in values:
        x = num(v)
        out.append(math.log10(x) if x is not None and x > 0 else None)
    return out


def positives(values: Iterable[Any]) -> list[float | None]:
    """Each value that a log axis can show; None for zero, negative or missing values."""
    return [x if x is not None and x > 0 else None for x in nums(values)]


def transpose(rows: list[list[Any]]) -> list[list[float | None]]:
    """Rows per token (T x H) as rows per unit (H x T), JSON-safe."""
    return [nums(column) for column in zip(*rows, strict=True)]


def peak(matrix: list[list[float | None]]) -> float:
    """The largest absolute value in `matrix` (0.0 when it holds no number)."""
    return max((abs(v) for row in matrix for v in row if v is not None), default=0.0)


def run_label(run: dict[str, Any]) -> str:
    """A run's name and id, "char-lm (20250101-120000-ab12)", or its id when it has no name:
    names repeat (every run of an example config has the same), ids never do."""
    name, run_id = run.get("name"), str(run["id"])
    return f"{name} ({run_id})" if name and name != run_id else run_id


def plain(value: Any) -> Any:
    """A config value made JSON-safe: non-finite floats become None, tuples lists."""
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return num(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)
