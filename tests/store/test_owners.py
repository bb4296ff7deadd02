"""A run whose training process was killed outright is found and marked failed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rnnlab.service import runs as service_runs
from rnnlab.store import RunRecord, Store
from rnnlab.store.owners import owner_gone, release, supervise, this_process

from ._writer import writer_process

HOST = socket.gethostname()


def test_a_run_whose_process_was_killed_is_marked_failed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RNNLAB_HOME", str(tmp_path / "home"))
    with writer_process() as child:
        run_id = child.queue.get(timeout=30)
        with Store() as store:
            assert store.reap_orphans() == []  # alive: left alone
            assert store.get_run(run_id).status == "running"
        child.process.kill()  # SIGKILL: no chance to record an end
        child.process.join(timeout=30)
        listed = {row["id"]: row for row in service_runs.list_runs()}  # the CLI's and web's call
        assert listed[run_id]["status"] == "failed"
        message = listed[run_id]["message"]
        assert f"{HOST}:{child.process.pid}" in message and f"--resume {run_id}" in message
        assert listed[run_id]["finished_at"] is not None
        with Store() as store:
            assert store.reap_orphans() == []


def test_runs_of_live_processes_are_left_alone(make_run: Callable[..., RunRecord], store: Store):
    run = make_run()
    assert store.reap_orphans() == []
    assert store.get_run(run.id).status == "running"


def test_a_resumed_run_belongs_to_the_resuming_process(
    make_run: Callable[..., RunRecord], store: Store
) -> None:
    run = make_run()
    store.set_status(run.id, "failed", "killed")
    store.set_status(run.id, "running", "resumed at step 3")
    assert store.reap_orphans() == []
    assert store.get_run(run.id).status == "running"


def test_owner_gone_judges_only_processes_of_this_host() -> None:
    assert this_process() == f"{HOST}:{os.getpid()}"
    assert owner_gone(this_process()) is False
    assert owner_gone(None) is False
    assert owner_gone("garbage") is False
    assert owner_gone(f"another-host-{HOST}:{os.getpid()}") is False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="zombies are read from /proc (Linux)")
def test_a_finished_or_zombie_process_counts_as_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 20
    while not Path(f"/proc/{child.pid}/stat").read_text().rpartition(")")[2].startswith(" Z"):
        assert time.monotonic() < deadline, "the child did not exit"
        time.sleep(0.01)
    assert owner_gone(f"{HOST}:{child.pid}") is True  # exited, not yet collected
    child.wait()
    assert owner_gone(f"{HOST}:{child.pid}") is True  # collected: no such process


def test_the_workers_this_process_supervises_are_not_judged() -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    owner = f"{HOST}:{ended.pid}"
    supervise(ended.pid)  # the web server records its workers' ends itself
    try:
        assert owner_gone(owner) is False
    finally:
        release(ended.pid)
    assert owner_gone(owner) is True
