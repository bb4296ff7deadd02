"""The rank processes of test_ddp: train a small config on 1 or several gloo ranks."""

from __future__ import annotations

import os
from multiprocessing.queues import Queue
from typing import Any

import torch

from rnnlab.events import CheckpointReady, Event, StepDone
from rnnlab.train import Trainer, build_learner
from rnnlab.train.distributed import (
    DistributedTrainer,
    build_distributed_learner,
    rank_device,
    start_ranks,
    stop_ranks,
)

from .conftest import prepared_for, small_config


def train(
    rank: int, world: int, task: str, sections: dict[str, Any], resume: Any, stop_at: int | None
) -> tuple[str, dict, Any]:
    """(end status, final weights, last checkpoint (arrays, meta)) of this rank's run; rank 0
    asks to stop after step `stop_at` (the others must follow)."""
    torch.set_num_threads(1)
    config = small_config(task, **sections)
    prepared = prepared_for(config)
    if task == "classify":  # 45 examples: batches of 6 end with one of 3 (shards of 2 and 1)
        prepared.data._examples["train"] = prepared.data.examples("train")[:45]
    if world > 1:
        start_ranks(rank, world)
        device = rank_device("cpu")
        learner = build_distributed_learner(config, prepared, device)
        trainer: Trainer = DistributedTrainer(learner, prepared, config)
    else:
        learner = build_learner(config, prepared)
        trainer = Trainer(learner, prepared, config)
    checkpoints: list[tuple[dict, dict]] = []

    def keep(event: Event) -> None:
        if isinstance(event, CheckpointReady):
            checkpoints.append((event.arrays, event.meta))
        if isinstance(event, StepDone) and event.step == stop_at and rank == 0:
            trainer.request_stop()

    trainer.subscribe(keep)
    try:
        ended = trainer.fit(resume)
    finally:
        stop_ranks()
    return ended.status, learner.model_arrays(), checkpoints[-1]


def rank_main(rank: int, world: int, port: int, queue: Queue, *args: Any) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    result = train(rank, world, *args)
    queue.put((rank, result))
