"""Temporary files of writers killed mid-write are removed when the run is opened again,
and only those: a live writer's file stays."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rnnlab.store import RunRecord, RunRecorder, Store
from rnnlab.store.files import STALE_TMP_S, remove_stale_tmp


def dead_pid() -> int:
    """The pid of a process that has ended (and been collected)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def leave_tmp(folder: Path, target: str, pid: int | None, age_s: float = 0.0) -> Path:
    """A temporary file as `atomic_write_bytes` names it, as if its writer was killed."""
    middle = f".{pid}" if pid is not None else ""
    tmp = folder / f".{target}{middle}.k3x_9q2a.tmp"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_bytes(b"\x00" * 1024)
    if age_s:
        then = time.time() - age_s
        os.utime(tmp, (then, then))
    return tmp


def test_only_files_no_process_will_finish_are_removed(tmp_path: Path) -> None:
    gone = leave_tmp(tmp_path / "checkpoints", "last.safetensors", dead_pid())
    live = leave_tmp(tmp_path / "checkpoints", "best.safetensors", os.getpid())
    old_live = leave_tmp(tmp_path, "config.yaml", os.getpid(), age_s=STALE_TMP_S + 60)
    fresh_no_pid = leave_tmp(tmp_path, "vocab.json", None)
    old_no_pid = leave_tmp(tmp_path, "summary.json", None, age_s=STALE_TMP_S + 60)
    not_ours = tmp_path / ".notes.tmp"
    not_ours.write_text("kept")
    assert sorted(remove_stale_tmp(tmp_path)) == sorted([gone, old_live, old_no_pid])
    assert live.exists() and fresh_no_pid.exists() and not_ours.exists()
    assert remove_stale_tmp(tmp_path) == []


def test_opening_a_run_to_record_it_removes_its_stale_files(
    store: Store, make_run: Callable[..., RunRecord]
) -> None:
    run = make_run()
    folder = store.run_dir(run.id)
    gone = leave_tmp(folder / "checkpoints", "last.safetensors", dead_pid())
    RunRecorder(store, run.id)
    assert not gone.exists()
    assert (folder / "config.yaml").exists()


CREATE_AND_VANISH = """
import os, sys
from rnnlab.store import Store
store = Store(sys.argv[1])
run = store.create_run("forecast", {"task": "forecast"}, {}, None)
print(run.id, os.getpid(), flush=True)
os._exit(0)  # no end recorded, as after kill -9
"""


def test_reaping_a_killed_run_removes_its_stale_files(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CREATE_AND_VANISH, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    run_id, pid = done.stdout.split()
    with Store(tmp_path) as store:
        gone = leave_tmp(store.run_dir(run_id) / "checkpoints", "last.safetensors", int(pid))
        assert store.reap_orphans() == [run_id]
        assert not gone.exists()
