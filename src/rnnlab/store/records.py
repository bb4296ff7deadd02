"""What the store hands out: RunRecord, and the small helpers around run ids and paths."""

from __future__ import annotations

import json
import operator
import os
import re
import secrets
import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, get_args

from rnnlab.errors import ConfigError, DataError
from rnnlab.events import FINAL_STATUSES, Status
from rnnlab.spec.run import Task

STATUSES: tuple[str, ...] = get_args(Status)
SPLITS = ("train", "val")
RUN_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{4}$")
RUN_COLUMNS = (
    "id, name, task, status, config, versions, data_hash, summary, message, "
    "created_at, finished_at, steps, parent_id"
)


@dataclass(frozen=True)
class RunRecord:
    """One run as the store knows it (a snapshot: ask the store again for fresh values)."""

    id: str
    name: str | None
    task: str
    status: str
    config: dict[str, Any]
    versions: dict[str, Any]
    data_hash: str | None
    summary: dict[str, Any] = field(default_factory=dict)
    message: str | None = None
    created_at: str = ""
    finished_at: str | None = None
    steps: int = 0
    parent_id: str | None = None

    @property
    def finished(self) -> bool:
        """The run reached a final status (finished, interrupted, diverged, ...)."""
        return self.status in FINAL_STATUSES

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict of every field (for the web API, ``--json`` output, ...)."""
        return asdict(self)

    @classmethod
    def from_row(cls, row: sqlite3.Row | tuple) -> RunRecord:
        """Build from a row selected with ``RUN_COLUMNS``."""
        (id_, name, task, status, config, versions, data_hash, summary, message,
         created_at, finished_at, steps, parent_id) = tuple(row)  # fmt: skip
        return cls(
            id=id_, name=name, task=task, status=status,
            config=_json_column(config, "config", id_),
            versions=_json_column(versions, "versions", id_), data_hash=data_hash,
            summary=_json_column(summary, "summary", id_) if summary else {}, message=message,
            created_at=created_at, finished_at=finished_at, steps=int(steps or 0),
            parent_id=parent_id,
        )  # fmt: skip


def _json_column(text: Any, column: str, run_id: Any) -> Any:
    """The JSON of one column of a runs row; DataError naming the run and the column."""
    try:
        return json.loads(text)
    except (TypeError, ValueError) as err:
        raise DataError(
            f"run {run_id!r}: its {column!r} in the run store is not valid JSON ({err}); the "
            "database may be damaged: `sqlite3 rnnlab.db 'PRAGMA integrity_check'` in the "
            "store's folder tells; restore rnnlab.db from a backup if it is"
        ) from None


def utc_now() -> str:
    """The current time, ISO-8601 UTC with microseconds (sorts as text)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def new_run_id(now: datetime | None = None) -> str:
    """``YYYYMMDD-HHMMSS-xxxx``: UTC time and 4 random hex characters."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def to_json_text(value: Any, what: str) -> str:
    """JSON text of `value`, or a ConfigError naming `what` when it is not JSON-able."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError) as err:
        raise ConfigError(
            f"{what}: expected JSON-able data (dicts, lists, numbers, text): {err}"
        ) from None


def whole_number(value: Any, what: str, minimum: int = 0) -> int:
    """`value` as an int >= `minimum` (ints and NumPy integers; not bools or floats)."""
    try:
        number = operator.index(value)
    except TypeError:
        number = None
    if isinstance(value, bool) or number is None or number < minimum:
        raise ConfigError(f"{what}: expected a whole number >= {minimum}, received {value!r}")
    return number


TASKS: tuple[str, ...] = get_args(Task)  # the run config's tasks (spec.run.Task)


def check_task(task: str) -> str:
    if task not in TASKS:
        raise ConfigError(f"task: expected one of {' | '.join(TASKS)}, received {task!r}")
    return task


def check_status(status: str) -> None:
    if status not in STATUSES:
        raise ConfigError(f"status: expected one of {' | '.join(STATUSES)}, received {status!r}")


def check_split(split: str) -> None:
    if split not in SPLITS:
        raise ConfigError(f"split: expected one of {' | '.join(SPLITS)}, received {split!r}")


def inside_path(run_dir: Path, path: str | Path, run_id: str) -> str:
    """`path` (relative to `run_dir`, or absolute) as a '/'-separated path inside `run_dir`.

    Rejects empty paths, '..' components, absolute paths elsewhere and symlinks that
    lead out of the folder, with a ConfigError naming the run and the path.
    """
    raw = str(path)
    problem = f"artifact path {raw!r} of run {run_id}: expected a path inside {run_dir}"
    if not raw or "\x00" in raw or ("\\" in raw and os.sep == "/"):
        raise ConfigError(f"{problem}; received an empty or malformed path")
    candidate = Path(path)
    if candidate.is_absolute():
        candidate = _relative_to_any(candidate, run_dir)
        if candidate is None:
            raise ConfigError(f"{problem}; received an absolute path outside it")
    parts = PurePosixPath(candidate.as_posix()).parts
    if ".." in parts or PureWindowsPath(raw).drive:
        raise ConfigError(f"{problem}; '..' and drive letters are not allowed")
    relative = PurePosixPath(*[p for p in parts if p != "."]) if parts else PurePosixPath()
    if str(relative) in ("", "."):
        raise ConfigError(f"{problem}; received the run folder itself")
    root = run_dir.resolve()
    try:
        resolved = (root / relative).resolve()
    except (OSError, RuntimeError) as err:  # RuntimeError: a symlink loop (Python < 3.13)
        raise ConfigError(f"{problem}; cannot resolve it: {err}") from None
    if resolved == root or not resolved.is_relative_to(root):
        raise ConfigError(f"{problem}; it resolves to {resolved} (a symlink leading out?)")
    return relative.as_posix()


def _relative_to_any(path: Path, run_dir: Path) -> Path | None:
    """`path` relative to `run_dir` as written or as resolved, or None if it is elsewhere."""
    for base in (run_dir, run_dir.resolve()):
        if path.is_relative_to(base):
            return path.relative_to(base)
    return None
