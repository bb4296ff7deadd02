"""The child process of test_multiprocess: trains a run with the service, a little slowly."""

from __future__ import annotations

import time
from multiprocessing.queues import Queue
from pathlib import Path

import torch

from rnnlab import service
from rnnlab.events import StepDone

EXAMPLE = Path(__file__).parents[2] / "examples" / "configs" / "forecast.yaml"
STEPS = 240
OVERRIDES = [
    "model.hidden_size=8",
    "train.epochs=100",
    f"train.max_steps={STEPS}",
    "train.eval_every=20",
]


def train_slowly(home: str, queue: Queue) -> None:
    """Train in `home`; put the run id on `queue` when created, then the final status."""
    torch.set_num_threads(1)

    def pace(event: object) -> None:
        if isinstance(event, StepDone):
            time.sleep(0.01)  # about 2.5 s in all, whatever the machine's speed

    details = service.train(EXAMPLE, OVERRIDES, on_event=pace, on_created=queue.put, home=home)
    queue.put(details["status"])
