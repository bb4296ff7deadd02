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
    return pid not in _SUPERVISED and not process_alive(pid)


def owner_alive(owner: str | None) -> bool:
    """True when `owner` names another process of this host that still runs (whoever
    supervises it); owners on other hosts cannot be seen from here and count as not."""
    host, _, pid_text = (owner or "").rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit() or owner == this_process():
        return False
    return process_alive(int(pid_text))


def process_alive(pid: int) -> bool:
    """Whether process `pid` of this host runs (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    except OverflowError:
        return False
    return not _zombie(pid)


def training_message(run_id: str, owner: str, action: str) -> str:
    """Why `action` is refused on run `run_id`, which process `owner` is training."""
    pid = owner.rpartition(":")[2]
    return (
        f"run {run_id} is being trained by process {owner}, which is still running, so it "
        f"cannot {action} now; wait for that run to end (`rnnlab runs show {run_id}`), or "
        f"stop it first (Ctrl-C in its terminal, or `kill {pid}`: it saves a checkpoint), "
        "then try again"
    )


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
