"""The event log of one training job, and the server-sent event stream that reads it.

``EventLog`` is written by one reader thread and read by any number of waiters: threads
(``wait_for``) and asyncio tasks (``wait_after``), each woken as soon as an event is
appended. It keeps the most recent ``MAX_EVENTS`` events, so a page that connects late
still receives the run's story so far.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool

from rnnlab import service
from rnnlab.web.worker import finite

MAX_EVENTS = 5000
KEEPALIVE_S = 10.0
Entry = tuple[int, str, dict[str, Any]]  # (sequence number from 1, event name, data)


class EventLog:
    """Events in order, with thread and asyncio waiters notified on each append."""

    def __init__(self, max_events: int = MAX_EVENTS) -> None:
        self._events: deque[Entry] = deque(maxlen=max_events)
        self._seq = 0
        self._cond = threading.Condition()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self.closed = False

    def append(self, name: str, data: dict[str, Any]) -> None:
        with self._cond:
            self._seq += 1
            self._events.append((self._seq, name, data))
            self._wake()

    def close(self, keep: int | None = None) -> None:
        """No more events will come (the worker exited); keep only the last `keep`."""
        with self._cond:
            self.closed = True
            if keep is not None:
                self._events = deque(list(self._events)[-keep:], maxlen=self._events.maxlen)
            self._wake()

    def _wake(self) -> None:
        self._cond.notify_all()
        for loop, flag in list(self._waiters):
            with contextlib.suppress(RuntimeError):  # that loop is closed
                loop.call_soon_threadsafe(flag.set)

    def after(self, seq: int) -> list[Entry]:
        """The kept events with a sequence number above `seq`."""
        with self._cond:
            return [entry for entry in self._events if entry[0] > seq]

    def find(self, names: set[str]) -> tuple[str, dict[str, Any]] | None:
        """The first kept event named in `names`, or None."""
        with self._cond:
            return next(((n, d) for _, n, d in self._events if n in names), None)

    def wait_for(self, names: set[str], timeout: float) -> tuple[str, dict[str, Any]] | None:
        """Block until an event named in `names` is in the log (None: timeout or closed)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self.find(names)
                left = deadline - time.monotonic()
                if found is not None or self.closed or left <= 0:
                    return found
                self._cond.wait(left)

    def wait_closed(self, timeout: float) -> bool:
        """Block until the log is closed (True) or `timeout` s passed (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: self.closed, timeout)

    async def wait_after(self, seq: int, timeout: float) -> list[Entry]:
        """The events after `seq`, waiting up to `timeout` s for one ([] on timeout)."""
        loop, flag = asyncio.get_running_loop(), asyncio.Event()
        with self._cond:
            events = [entry for entry in self._events if entry[0] > seq]
            if events or self.closed:
                return events
            self._waiters.add((loop, flag))
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(flag.wait(), timeout)
        finally:
            with self._cond:
                self._waiters.discard((loop, flag))
        return self.after(seq)


def sse(name: str, data: dict[str, Any], seq: int | None = None) -> str:
    """One server-sent event: ``event:``, optional ``id:`` and one JSON ``data:`` line."""
    head = f"event: {name}\n" + (f"id: {seq}\n" if seq is not None else "")
    return head + f"data: {json.dumps(finite(data), allow_nan=False)}\n\n"


async def follow(log: EventLog, keepalive: float = KEEPALIVE_S) -> AsyncIterator[str]:
    """The log as server-sent events, from its first kept event to ``end`` (inclusive);
    a keep-alive comment after `keepalive` s of silence. Ends without ``end`` when the
    log closes without one (the caller then reports the stored status)."""
    seq = 0
    while True:
        events = await log.wait_after(seq, keepalive)
        if not events:
            if log.closed:
                return
            yield ": keep-alive\n\n"
            continue
        for seq, name, data in events:
            if name == "error":
                continue
            yield sse(name, data, seq)
            if name == "end":
                return


async def run_events(log: EventLog | None, run_id: str, home: Any) -> AsyncIterator[str]:
    """The events of a run: its job's log when this server trains it, then (or else) the
    store's view: progress polled once a second while another process trains it, and
    ``end`` with the stored status at once when it is not training."""
    if log is not None:
        async for chunk in follow(log):
            yield chunk
            if chunk.startswith("event: end\n"):
                return
    async for chunk in poll_store(run_id, home):
        yield chunk


async def poll_store(
    run_id: str, home: Any, every: float = 1.0, keepalive: float = KEEPALIVE_S
) -> AsyncIterator[str]:
    """Step events from the run store until the run's status is final, then ``end``."""
    last, quiet = None, 0.0
    while True:
        details = await run_in_threadpool(service.show_run, run_id, home)
        if details["status"] != "running":
            yield sse("end", {"status": details["status"], "message": details["message"] or ""})
            return
        if details["steps"] != last:
            last, quiet = details["steps"], 0.0
            yield sse("step", stored_step(details))
        elif quiet >= keepalive:
            quiet = 0.0
            yield ": keep-alive\n\n"
        await asyncio.sleep(every)
        quiet += every


def stored_step(details: dict[str, Any]) -> dict[str, Any]:
    """A step event from a run's stored details (no rate: another process trains it)."""
    plan = details.get("summary", {}).get("plan", {})
    train = {k: v for k, v in details.get("final_train", {}).items() if k != "step"}
    return {
        "step": details["steps"],
        "epoch": None,
        **train,
        "total_steps": plan.get("total_steps"),
        "elapsed_s": None,
        "eta_s": None,
    }
