"""Which process trains a running run, and whether that process still exists.

A run's status says "running" from its creation until the trainer records an end. A
process killed outright (kill -9, out of memory, a power cut) records no end, so the
store notes the owner, ``host:pid``, with every "running" status; a later reader on the
same host that finds the owner gone marks the run failed (``Store.reap_orphans``).
Owners on another host are never judged: their processes cannot be seen from here, and
neither are the workers this process supervises (the web server records their ends
itself, with their exit codes).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

_SUPERVISED: set[int] = set()  # pids of workers whose end this process records


def supervise(pid: int) -> None:
    """This process records the end of worker `pid` itself: never reap its runs."""
    _SUPERVISED.add(pid)


def release(pid: int) -> None:
    """The end of worker `pid` is recorded (undoes `supervise`)."""
    _SUPERVISED.discard(pid)


def this_process() -> str:
    """``host:pid`` of the calling process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_gone(owner: str | None) -> bool:
    """True only when `owner` names a process of this host that no longer runs (a zombie,
    exited but not yet collected by its parent, counts as gone)."""
    host, _, pid_text = (owner or "").rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid in _SUPERVISED:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    return _zombie(pid)


def orphan_message(run_id: str, owner: str) -> str:
    """The failure message of a run whose owner died."""
    return (
        f"the process that trained it ({owner}) ended without recording an end (killed?); "
        f"continue from its last checkpoint with `rnnlab train --resume {run_id}`"
    )


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no /proc (not Linux): alive as far as we can tell
    return stat.rpartition(")")[2].split()[:1] == ["Z"]
