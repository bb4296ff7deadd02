"""The child process of test_multiprocess: writes a run until the parent says stop."""

from __future__ import annotations

import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event

from rnnlab.store import Store

MAX_STEPS = 5_000


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
