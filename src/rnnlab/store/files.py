"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Each write goes to a temporary file in the destination's folder, is flushed and
fsync'ed, then renamed over the destination (``os.replace``, atomic on POSIX and
Windows); the folder is fsync'ed too where the platform allows it, so the rename
itself survives a power cut. A process killed mid-write (kill -9) leaves its temporary
file, ``.<name>.<pid>.<random>.tmp``; ``remove_stale_tmp`` removes those of processes that
no longer run (and any older than ``STALE_TMP_S``) when a run is opened again.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from rnnlab.errors import DataError, RnnlabError
from rnnlab.store.owners import process_alive

NEW_FILE_MODE = 0o644
STALE_TMP_S = 3600.0  # a temporary file this old is stale whoever wrote it
TMP_NAME = re.compile(r"^\..+?\.(?:(?P<pid>\d+)\.)?[a-z0-9_]+\.tmp$")


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` atomically (creating missing parent folders); return the path."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o777 if path.exists() else NEW_FILE_MODE
        fd, tmp_name = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp"
        )
    except OSError as err:
        raise RnnlabError(f"{path}: cannot write: {err.strerror or err}") from err
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as err:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise RnnlabError(f"{path}: cannot write: {err.strerror or err}") from err
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)
    return path


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` atomically; return the path."""
    return atomic_write_bytes(path, text.encode(encoding))


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


def _fsync_dir(folder: Path) -> None:
    """fsync a folder so a rename in it is durable; a no-op where folders cannot be opened."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(folder, flags)
    except OSError:
        return  # Windows: folders cannot be opened; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on a folder
    finally:
        os.close(fd)
