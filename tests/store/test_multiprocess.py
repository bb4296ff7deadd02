"""A run written by one process is visible to another process's Store while it runs (WAL)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rnnlab.store import Store

from ._writer import writer_process


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the other process"
        time.sleep(0.01)


def test_another_process_sees_a_running_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RNNLAB_HOME", str(tmp_path / "home"))
    with writer_process() as (child, queue, stop):
        run_id = queue.get(timeout=30)
        with Store() as store:

            def steps_seen() -> int:
                return len(store.metrics(run_id).get("train", {}).get("loss", {}).get("step", []))

            wait_for(lambda: steps_seen() >= 5)
            seen = steps_seen()
            assert store.get_run(run_id).status == "running" and child.is_alive()
            mine = store.create_run("classify", {}, {}, None)  # the parent writes meanwhile
            for step in range(1, 21):
                store.log_metrics(mine.id, step, {"loss": 0.5})
            wait_for(lambda: steps_seen() > seen + 5)  # still growing: read while written
            assert store.get_run("child").steps >= seen
            stop.set()
            last = queue.get(timeout=30)
            child.join(timeout=30)
            assert child.exitcode == 0
            run = store.get_run(run_id)
            assert (run.status, run.steps, steps_seen()) == ("finished", last, last)
            assert run.finished_at is not None
            assert len(store.metrics(mine.id)["train"]["loss"]["step"]) == 20
