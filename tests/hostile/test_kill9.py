"""kill -9 during training and during checkpoint writes, then resume, again and again:
the store stays sound, `runs list` tells what happened, no temporary file is left behind,
and the last resume finishes the run.

Real `rnnlab train` processes (the CLI's app) on the bundled monthly series, tiny, with a
checkpoint at every step. Kills come at seeded random times after a checkpoint exists, and
once in the middle of a checkpoint's write: the process is frozen (SIGSTOP) the moment a
temporary file appears and killed only if the file is still there while it is frozen, so the
kill lands mid-write every time instead of racing the rename.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rnnlab.service import runs as service_runs
from rnnlab.store import list_checkpoints

EXAMPLE = Path(__file__).parents[2] / "examples" / "configs" / "forecast.yaml"
STEPS = 80
OVERRIDES = ["model.hidden_size=48", "train.epochs=1000", f"train.max_steps={STEPS}",
             "train.checkpoint_every=1", "train.eval_every=25"]  # fmt: skip
START_TIMEOUT_S = 40.0
KILLS = ("random", "mid-write", "random")


def rnnlab(home: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "RNNLAB_HOME": str(home), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-c", "from rnnlab.cli.main import app; app()", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(
    condition: Callable[[], Any], process: subprocess.Popen, what: str, poll_s: float = 0.005
) -> Any:
    """Poll `condition()` until it returns something true; fail if the process ends first."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if process.poll() is not None:
            pytest.fail(f"{what}: the process ended first: {process.communicate()[1].decode()}")
        time.sleep(poll_s)
    pytest.fail(f"{what}: not within {START_TIMEOUT_S} s")


def run_ids(home: Path) -> list[str]:
    if not (home / "rnnlab.db").exists():
        return []
    try:
        with sqlite3.connect(f"file:{home / 'rnnlab.db'}?mode=ro", uri=True) as conn:
            return [row[0] for row in conn.execute("SELECT id FROM runs")]
    except sqlite3.OperationalError:
        return []  # being created


def checkpoint_step(folder: Path) -> int:
    """The step of the last checkpoint on disk (0 when none yet)."""
    try:
        text = (folder / "last.json").read_text()
    except OSError:
        return 0
    marker = '"step": '
    return int(text[text.index(marker) + len(marker) :].split(",")[0]) if marker in text else 0


def temp_files(home: Path) -> list[Path]:
    return sorted(home.rglob("*.tmp"))


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL


def process_state(process: subprocess.Popen) -> str:
    """The one-letter state in /proc/<pid>/stat ('T' once a SIGSTOP took effect)."""
    stat = Path(f"/proc/{process.pid}/stat").read_text()
    return stat[stat.rindex(")") + 2]


def freeze_mid_write(process: subprocess.Popen, folder: Path) -> None:
    """Leave `process` stopped while a temporary file of its own is in `folder`.

    Each time a temporary file shows, stop the process and look again: if the write finished in
    between, let it go on and wait for the next one."""
    for _ in range(200):
        wait_for(lambda: list(folder.glob(".*.tmp")), process, "a write", poll_s=0.0002)
        process.send_signal(signal.SIGSTOP)
        wait_for(lambda: process_state(process) == "T", process, "the stop", poll_s=0.0002)
        if list(folder.glob(".*.tmp")):
            return
        process.send_signal(signal.SIGCONT)
    pytest.fail("never caught a checkpoint mid-write in 200 tries")


def check_store(home: Path, run_id: str) -> dict:
    with sqlite3.connect(home / "rnnlab.db") as conn:
        assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    (row,) = [row for row in service_runs.list_runs(home=home) if row["id"] == run_id]
    return row


def test_kill9_during_training_and_checkpoint_writes_then_resume(tmp_path: Path) -> None:
    rng = random.Random(12)
    home = tmp_path / "home"
    process = rnnlab(home, "train", str(EXAMPLE), *(f"--set={item}" for item in OVERRIDES))
    run_id = wait_for(lambda: (run_ids(home) or [None])[0], process, "run created")
    folder = home / "runs" / run_id / "checkpoints"
    left_mid_write = []
    for how in KILLS:
        before = checkpoint_step(folder)
        wait_for(lambda b=before: checkpoint_step(folder) > b, process, "a new checkpoint")
        if how == "mid-write":
            freeze_mid_write(process, folder)
        else:
            time.sleep(rng.uniform(0.0, 0.3))
        kill(process)
        left_mid_write += [len(temp_files(home))] if how == "mid-write" else []
        row = check_store(home, run_id)
        assert row["status"] == "failed" and f"--resume {run_id}" in row["message"], row
        assert {"last"} <= set(list_checkpoints(folder))
        process = rnnlab(home, "train", "--resume", run_id)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    assert out.decode().strip() == run_id
    row = check_store(home, run_id)
    assert (row["status"], row["steps"]) == ("finished", STEPS)
    assert left_mid_write[0] >= 1  # the kill mid-write did leave a temporary file ...
    assert temp_files(home) == []  # ... and the resumes removed every one
