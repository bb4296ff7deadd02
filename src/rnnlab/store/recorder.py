"""RunRecorder: the subscriber that writes a training run's events into the store.

    store = Store()
    run = store.create_run(task, config, versions, data_hash)
    recorder = RunRecorder(store, run.id, checkpoint_meta={"config": config, "vocab": vocab})
    trainer.run(..., callbacks=[recorder])        # the trainer calls recorder(event)

Step metrics are buffered and written in batches (every `flush_steps` steps or
`flush_seconds` seconds, and before any other event), so a long run does not commit
once per step. A failed write raises RnnlabError and keeps the unwritten rows buffered:
nothing is dropped silently, and ``flush()`` may be called again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rnnlab.errors import RnnlabError
from rnnlab.events import (
    CheckpointReady,
    Evaluated,
    Event,
    ProbeTaken,
    RunEnded,
    RunStarted,
    StepDone,
)
from rnnlab.store.checkpoints import write_checkpoint
from rnnlab.store.db import Store
from rnnlab.store.metric_rows import MetricRow

CHECKPOINT_DIR = "checkpoints"


class RunRecorder:
    """Writes the events of one run (`run_id`) into `store`; call it with each event."""

    def __init__(
        self,
        store: Store,
        run_id: str,
        checkpoint_meta: dict[str, Any] | None = None,
        metrics_every: int = 1,
        flush_steps: int = 50,
        flush_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`checkpoint_meta` is added to every checkpoint's meta (e.g. config and vocab);
        train metrics are kept for every `metrics_every`-th step."""
        if metrics_every < 1 or flush_steps < 1:
            raise RnnlabError(
                f"RunRecorder: metrics_every and flush_steps: expected >= 1, "
                f"received {metrics_every} and {flush_steps}"
            )
        self.store = store
        self.run_id = run_id
        self.checkpoint_meta = dict(checkpoint_meta or {})
        self.metrics_every = metrics_every
        self.flush_steps = flush_steps
        self.flush_seconds = flush_seconds
        self._clock = clock
        self._rows: list[MetricRow] = []
        self._pending_steps = 0
        self._last_flush = clock()
        self.steps = store.get_run(run_id).steps
        store.remove_stale_tmp(run_id)  # left by a writer killed mid-write
        self._steps_written = self.steps

    def __call__(self, event: Event) -> None:
        """Record one event (events of other types are ignored)."""
        if isinstance(event, StepDone):
            self._on_step(event)
            return
        self.flush()
        if isinstance(event, RunStarted):
            self._on_started(event)
        elif isinstance(event, Evaluated):
            self.store.log_metrics(self.run_id, event.step, event.metrics, split="val")
        elif isinstance(event, CheckpointReady):
            self._on_checkpoint(event)
        elif isinstance(event, ProbeTaken):
            self.store.log_probe(self.run_id, event.step, event.kind, event.payload)
        elif isinstance(event, RunEnded):
            self._on_ended(event)

    def flush(self) -> None:
        """Write the buffered step metrics and the step count now."""
        if self._rows:
            self.store.log_metrics_many(self._rows)
            self._rows = []
        if self.steps != self._steps_written:
            self.store.set_steps(self.run_id, self.steps)
            self._steps_written = self.steps
        self._pending_steps = 0
        self._last_flush = self._clock()

    def _on_started(self, event: RunStarted) -> None:
        summary = self.store.get_run(self.run_id).summary
        summary.update(event.summary)
        summary["plan"] = {
            "start_step": event.start_step,
            "total_steps": event.total_steps,
            "steps_per_epoch": event.steps_per_epoch,
        }
        self.store.set_summary(self.run_id, summary)
        self.store.set_status(self.run_id, "running")
        self.steps = event.start_step  # a resumed run rewrites the steps after its checkpoint

    def _on_step(self, event: StepDone) -> None:
        self.steps = max(self.steps, event.step)
        self._pending_steps += 1
        if event.step % self.metrics_every == 0:
            values = {
                "loss": event.loss,
                "grad_norm": event.grad_norm,
                "lr": event.lr,
                "clipped": 1.0 if event.clipped else 0.0,
            }
            if event.seconds > 0:
                values["tokens_per_s"] = event.tokens / event.seconds
            self._rows.extend(
                (self.run_id, event.step, "train", name, value) for name, value in values.items()
            )
        due = self._clock() - self._last_flush >= self.flush_seconds
        if self._pending_steps >= self.flush_steps or due:
            self.flush()

    def _on_checkpoint(self, event: CheckpointReady) -> None:
        folder = self.store.run_dir(self.run_id) / CHECKPOINT_DIR
        meta = {
            **event.meta,
            **self.checkpoint_meta,
            "step": event.step,
            "epoch": event.epoch,
            "reason": event.reason,
        }
        tags = ["last", "best"] if event.best else ["last"]
        for tag in tags:
            path = write_checkpoint(folder, tag, event.arrays, {**meta, "tag": tag})
            self.store.add_artifact(self.run_id, "checkpoint", path, step=event.step)

    def _on_ended(self, event: RunEnded) -> None:
        self.steps = event.step
        self.flush()
        if event.final_metrics or event.best_metrics:
            summary = self.store.get_run(self.run_id).summary
            summary["final_metrics"] = dict(event.final_metrics)
            summary["best_metrics"] = dict(event.best_metrics)
            self.store.set_summary(self.run_id, summary)
        self.store.set_status(self.run_id, event.status, event.message)
