"""The lock around building and loading the compiled recurrence, with a deadline.

torch's own build lock (a file named ``lock`` in the build folder, see FileBaton) has no
timeout and no owner: a builder killed outright leaves it, and every later build or load
waits on it forever. rnnlab takes a lock of its own first, an ``fcntl.flock`` on
``rnnlab-build.lock`` in the same folder (the kernel releases it when its holder dies),
which records the pids of the processes building. Once it is held and no recorded builder
runs any more, a ``lock`` of torch's left behind is stale and is removed.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from types import TracebackType

LOCK_NAME = "rnnlab-build.lock"
TORCH_LOCK_NAME = "lock"  # torch.utils.file_baton's file in the build folder
POLL_S = 0.1


class BuildTimeout(RuntimeError):
    """The compiled recurrence could not be built (or loaded) before the deadline."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return pid > 0
    try:  # a zombie has ended
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[:1] != ["Z"]
    except OSError:
        return True


class BuildLock:
    """``with BuildLock(folder, deadline):`` the one rnnlab process building or loading the
    kernel in `folder`; BuildTimeout when the deadline (time.monotonic()) passes first."""

    def __init__(self, folder: Path, deadline: float) -> None:
        self.folder = folder
        self.deadline = deadline
        self._file = None

    def __enter__(self) -> BuildLock:
        import fcntl

        self.folder.mkdir(parents=True, exist_ok=True)
        self._file = open(self.folder / LOCK_NAME, "a+")  # held until __exit__
        noticed = False
        while True:
            try:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                builders = [pid for pid in self._recorded() if _alive(pid)]
                if not builders:
                    break
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)  # an orphaned build goes on
            except BlockingIOError:
                builders = self._recorded()
            if time.monotonic() >= self.deadline:
                self._close()
                raise BuildTimeout(
                    f"{self.folder}: another process ({_pids(builders)}) is building the "
                    "compiled recurrence and has not finished in time"
                )
            if not noticed:
                noticed = True
                print(
                    f"rnnlab: waiting for process {_pids(builders)} building the kernel",
                    file=sys.stderr,
                    flush=True,
                )
            time.sleep(POLL_S)
        with contextlib.suppress(FileNotFoundError):
            (self.folder / TORCH_LOCK_NAME).unlink()  # stale: no builder of ours runs
        self.record(os.getpid())
        return self

    def record(self, *pids: int) -> None:
        """Note the processes building now (this one and its build process)."""
        assert self._file is not None
        self._file.seek(0)
        self._file.truncate()
        self._file.write(" ".join(str(pid) for pid in pids))
        self._file.flush()

    def _recorded(self) -> list[int]:
        assert self._file is not None
        self._file.seek(0)
        return [int(word) for word in self._file.read().split() if word.isdigit()]

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType
    ) -> None:
        if self._file is not None:
            self.record()  # the build process has ended or was killed
        self._close()

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()  # releases the flock
            self._file = None


def _pids(pids: list[int]) -> str:
    return ", ".join(f"pid {pid}" for pid in pids) or "pid unknown"
