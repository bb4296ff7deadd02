"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Every file rnnlab writes (the store's runs and indexes, vocabularies, embeddings) goes
through ``atomic_write``: the content goes to a temporary file in the destination's
folder, is flushed and fsync'ed, then renamed over the destination (``os.replace``,
atomic on POSIX and Windows); the folder is fsync'ed too where the platform allows it,
so the rename itself survives a power cut. On an error the temporary file is removed
and the destination is left as it was. A process killed mid-write (kill -9) leaves its
temporary file, named ``.<name>.<pid>.<random>.tmp`` (``TMP_NAME``), which
``rnnlab.store.files.remove_stale_tmp`` recognises.

Missing parent folders are created: the store writes into folders of its own. A path
a person typed (``-o``) is checked first with ``rnnlab.data.checks.check_output_path``,
which refuses a missing folder.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from rnnlab.errors import RnnlabError

NEW_FILE_MODE = 0o644  # a new file; an overwritten one keeps its mode
TMP_NAME = re.compile(r"^\..+?\.(?:(?P<pid>\d+)\.)?[a-z0-9_]+\.tmp$")  # pid: older ones lack it


def atomic_write(path: str | Path, write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write(handle)`` on a binary temporary file, then make it `path` atomically;
    return the path. An OSError becomes an RnnlabError naming `path`."""
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
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)  # mkstemp makes it private (0600)
        os.replace(tmp, path)
    except OSError as err:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise RnnlabError(f"{path}: cannot write: {err.strerror or err}") from err
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_folder(path.parent)
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` atomically; return the path."""
    return atomic_write(path, lambda handle: handle.write(data))


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` atomically, line endings as given; return the path."""
    return atomic_write_bytes(path, text.encode(encoding))


def fsync_folder(folder: Path) -> None:
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
