"""Reading YAML/JSON mappings from files, and turning validation errors into sentences.

Every error names the file and, where the parser knows it, the line and column.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from rnnlab.errors import DataError

MAX_ERRORS_SHOWN = 5


def load_mapping(path: str | Path) -> dict:
    """The top-level mapping of a .json, .yaml or .yml file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(f"{path}: line {line}: not UTF-8 text (byte {err.start})") from None
    if not text.strip():
        raise DataError(f"{path}: the file is empty")
    data = _parse_json(path, text) if path.suffix.lower() == ".json" else _parse_yaml(path, text)
    if not isinstance(data, dict):
        raise DataError(
            f"{path}: expected a mapping of fields at the top, received {type(data).__name__}"
        )
    return data


def _parse_json(path: Path, text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DataError(f"{path}: line {err.lineno}, column {err.colno}: {err.msg}") from None


def _parse_yaml(path: Path, text: str) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise DataError(f"{path}: {where}invalid YAML: {problem}") from None


def validation_message(err: ValidationError) -> str:
    """One line per problem: the dotted field, what is allowed, what was received."""
    lines = []
    for problem in err.errors()[:MAX_ERRORS_SHOWN]:
        field = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        if problem["type"] == "extra_forbidden":
            lines.append(f"{field}: unknown field")
            continue
        if problem["type"] == "missing":
            lines.append(f"{field}: missing (required)")
            continue
        if problem["type"] == "value_error":  # our own cross-field checks: the message says it
            text = str(problem["msg"]).removeprefix("Value error, ")
            if problem["loc"]:
                text = f"{field}.{text}" if re.match(r"^\w+:", text) else f"{field}: {text}"
            lines.append(text)
            continue
        lines.append(f"{field}: {problem['msg']}, received {problem.get('input')!r}")
    more = len(err.errors()) - MAX_ERRORS_SHOWN
    if more > 0:
        lines.append(f"... and {more} more")
    return "; ".join(lines)
