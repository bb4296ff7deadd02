"""The data paths that name a generated task: ``PREFIX:TASK?key=N&key=N`` (the long-range
lab's ``synthetic:`` tasks, the ``seq2seq:`` tasks), read by one parser.

Every parameter is a whole number within its limits; a bad path raises a DataError that
names the path, the part at fault and the usage.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from rnnlab.errors import DataError


def parse_task_path(
    path: str,
    *,
    kind: str,
    prefix: str,
    tasks: Sequence[str],
    defaults: Mapping[str, int],
    limits: Mapping[str, tuple[int, int]],
    usage: str,
    task_word: str = "task",
    name_of: Callable[[str], str] = repr,
) -> tuple[str, dict[str, int]]:
    """(TASK, parameters with `defaults` filled in) of ``prefix + TASK?key=N&...``.

    kind: what the path is ("seq2seq"); task_word: how an unknown task is called;
    name_of: how a parameter given twice is named (its repr, or with its meaning)."""
    text = str(path).strip()
    if not text.startswith(prefix):
        raise DataError(f"data.path {path!r}: not a {kind} task; expected {usage}")
    name, _, query = text[len(prefix) :].partition("?")
    name = name.strip()
    if name not in tasks:
        raise DataError(f"data.path {path!r}: unknown {task_word} {name!r}; expected {usage}")
    params, seen = dict(defaults), set()
    for item in query.split("&") if query.strip() else []:
        key, eq, raw = (part.strip() for part in item.partition("="))
        if key not in limits:
            raise DataError(f"data.path {path!r}: parameter {key!r} is unknown; expected {usage}")
        if key in seen:
            raise DataError(
                f"data.path {path!r}: parameter {name_of(key)} is given twice; expected {usage}"
            )
        low, high = limits[key]
        if not eq or not re.fullmatch(r"[0-9]+", raw) or not low <= int(raw) <= high:
            raise DataError(
                f"data.path {path!r}: parameter {key}: expected an integer from {low} to "
                f"{high}, received {raw if eq else 'no value'!r}"
            )
        seen.add(key)
        params[key] = int(raw)
    return name, params
