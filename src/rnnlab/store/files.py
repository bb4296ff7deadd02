"""The store's files: JSON written atomically, and the temporary files of killed writers.

Every write goes through ``rnnlab.spec.files.atomic_write`` (temporary file in the
same folder, fsync, rename, fsync of the folder). A process killed mid-write (kill -9)
leaves its temporary file, ``.<name>.<pid>.<random>.tmp``; ``remove_stale_tmp`` removes
those of processes that no longer run (and any older than ``STALE_TMP_S``) when a run
is opened again.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from rnnlab.errors import DataError
from rnnlab.spec.files import TMP_NAME, atomic_write_text
from rnnlab.store.owners import process_alive

STALE_TMP_S = 3600.0  # a temporary file this old is stale whoever wrote it


def atomic_write_json(path: str | Path, obj: Any, indent: int | None = 2) -> Path:
    """Write `obj` as JSON (UTF-8, trailing newline) to `path` atomically; return the path.

    NaN and infinities are written as Python's json writes them (NaN, Infinity), so
    metrics of a diverged run survive a round trip through `json.loads`.
    """
    try:
        text = json.dumps(obj, indent=indent, ensure_ascii=False)
    except (TypeError, ValueError) as err:
        raise DataError(f"{path}: cannot write as JSON: {err}") from None
    return atomic_write_text(path, text + "\n")


def remove_stale_tmp(folder: Path, stale_s: float = STALE_TMP_S) -> list[Path]:
    """Remove the temporary files of atomic writes under `folder` that no process will
    finish: written by a process that no longer runs, or older than `stale_s` seconds.
    Returns the removed paths (files that vanish meanwhile are skipped)."""
    removed = []
    now = time.time()
    for tmp in sorted(folder.rglob(".*.tmp")):
        match = TMP_NAME.match(tmp.name)
        if match is None or not tmp.is_file() or tmp.is_symlink():
            continue
        pid = match["pid"]
        try:
            age = now - tmp.stat().st_mtime
            if age >= stale_s or (pid is not None and not process_alive(int(pid))):
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            continue
    return removed
