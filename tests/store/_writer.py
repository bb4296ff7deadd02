"""The child process of the multiprocess tests: writes a run until the parent says stop."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from typing import NamedTuple

from rnnlab.store import Store

MAX_STEPS = 5_000


class WriterChild(NamedTuple):
    process: BaseProcess
    queue: Queue  # the run id, then the last step written
    stop: Event


def write_until_stopped(queue: Queue, stop: Event) -> None:
    """Create a run in $RNNLAB_HOME, log a step every few ms, report the last step."""
    with Store() as store:
        run = store.create_run("language-model", {"task": "language-model"}, {}, None, name="child")
        queue.put(run.id)
        step = 0
        while not stop.is_set() and step < MAX_STEPS:
            step += 1
            store.log_metrics(run.id, step, {"loss": 1.0 / step})
            store.set_steps(run.id, step)
            time.sleep(0.002)
        store.set_status(run.id, "finished", "stopped by the parent")
    queue.put(step)


@contextmanager
def writer_process() -> Iterator[WriterChild]:
    """A spawned child running `write_until_stopped` in $RNNLAB_HOME; always stopped after."""
    context = multiprocessing.get_context("spawn")
    queue, stop = context.Queue(), context.Event()
    process = context.Process(target=write_until_stopped, args=(queue, stop))
    process.start()
    try:
        yield WriterChild(process, queue, stop)
    finally:
        stop.set()
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()
