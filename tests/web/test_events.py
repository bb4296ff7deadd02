"""The event log's notifications, the server-sent event format, the step rates, and
the relay of a worker's error before its run exists."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from rnnlab.errors import DataError, RnnlabError
from rnnlab.web.events import EventLog, follow, sse
from rnnlab.web.jobs import Job, JobManager, with_rates
from rnnlab.web.worker import Reporter, finite

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a thread of its own (another test may have left a loop running)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=30)


def test_an_append_wakes_an_async_waiter_at_once() -> None:
    log = EventLog()

    async def wait() -> tuple[float, list]:
        started = time.monotonic()
        events = await log.wait_after(0, timeout=5.0)
        return time.monotonic() - started, events

    threading.Timer(0.2, log.append, args=("step", {"step": 1})).start()
    waited, events = run(wait())
    assert events == [(1, "step", {"step": 1})]
    assert 0.1 < waited < 1.0  # woken by the append, not by the timeout


def test_follow_replays_sends_keepalives_and_stops_at_end() -> None:
    log = EventLog()
    log.append("started", {"step": 0})

    async def collect() -> list[str]:
        chunks = []
        async for chunk in follow(log, keepalive=0.1):
            chunks.append(chunk)
            if chunk.startswith(": keep-alive") and len(chunks) == 2:
                log.append("error", {"message": "not sent"})
                log.append("end", {"status": "finished", "message": "done"})
                log.append("step", {"step": 2})  # after the end: never sent
        return chunks

    chunks = run(collect())
    assert chunks[0] == 'event: started\nid: 1\ndata: {"step": 0}\n\n'
    assert chunks[1] == ": keep-alive\n\n"
    assert chunks[2].startswith("event: end\nid: 3\n") and len(chunks) == 3


def test_a_closed_log_without_end_stops_the_stream() -> None:
    log = EventLog()
    log.close()

    async def collect() -> list[str]:
        return [chunk async for chunk in follow(log, keepalive=0.1)]

    assert run(collect()) == []
    assert log.wait_closed(0.1) and log.wait_for({"end"}, 0.1) is None


def test_events_are_strict_json() -> None:
    assert sse("eval", {"metrics": {"val_loss": float("nan")}}) == (
        'event: eval\ndata: {"metrics": {"val_loss": null}}\n\n'
    )
    assert finite([1.0, float("inf"), {"a": (float("-inf"),)}]) == [1.0, None, {"a": [None]}]


def test_rates_and_eta() -> None:
    started = {"step": 100, "total_steps": 300, "steps_per_epoch": 10}
    step = {"step": 150, "elapsed_s": 5.0, "seconds": 0.1, "tokens": 400, "loss": 1.0}
    rated = with_rates(step, started)
    assert rated["tokens_per_s"] == pytest.approx(4000.0)
    assert rated["eta_s"] == pytest.approx(150 / (50 / 5.0))  # 10 steps/s, 150 to go
    assert rated["total_steps"] == 300 and "seconds" not in rated and "tokens" not in rated
    first = with_rates({"step": 1, "elapsed_s": 0.0, "seconds": 0.0, "tokens": 0}, None)
    assert (first["eta_s"], first["tokens_per_s"], first["total_steps"]) == (None, None, None)


class _Sent:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    def send_bytes(self, data: bytes) -> None:
        self.messages.append(data)


def test_the_reporter_leaves_arrays_out() -> None:
    import numpy as np

    from rnnlab.events import CheckpointReady, ProbeTaken

    sent = _Sent()
    reporter = Reporter(sent)  # type: ignore[arg-type]
    reporter(CheckpointReady(5, 0, "eval", {"model.w": np.zeros(3)}, {"progress": {}}, True))
    reporter(ProbeTaken(5, "histograms", {"big": list(range(1000))}))
    assert sent.messages == [
        b'{"type": "checkpoint", "step": 5, "epoch": 0, "reason": "eval", "best": true}',
        b'{"type": "probe", "step": 5, "kind": "histograms"}',
    ]


class _Process:
    pid, exitcode = 1, 1

    def is_alive(self) -> bool:
        return False


def test_an_error_before_the_run_exists_keeps_its_kind(tmp_path: Path) -> None:
    manager = JobManager(tmp_path, start_timeout=1.0)
    job = Job(_Process())  # type: ignore[arg-type]
    job.log.append("error", {"kind": "DataError", "message": "x.txt: line 2: bad"})
    with pytest.raises(DataError, match=r"x\.txt: line 2: bad"):
        manager._await(job, "created")
    other = Job(_Process())  # type: ignore[arg-type]
    other.log.append("error", {"kind": "MemoryError", "message": "MemoryError: "})
    with pytest.raises(RnnlabError, match="MemoryError"):
        manager._await(other, "created")
