"""The training process of a web job: spawned, it trains (or resumes) one run through
``rnnlab.service`` with its own store connection, and reports to the server.

Messages go over a one-way pipe as JSON text (never arrays, never pickle):

    {"type": "created", "id"}                       the run exists (a new run only)
    {"type": "started", "step", "total_steps", "steps_per_epoch"}
    {"type": "step", "step", "epoch", "loss", "grad_norm", "clipped", "lr",
     "tokens", "seconds", "elapsed_s"}
    {"type": "eval", "step", "metrics", "best"}
    {"type": "checkpoint", "step", "epoch", "reason", "best"}
    {"type": "probe", "step", "kind"}
    {"type": "end", "step", "status", "message", "final_metrics", "best_metrics"}
    {"type": "error", "kind", "bases", "message"}   an exception ended the process

SIGINT (the server's cancel) asks the trainer for a clean stop with an interrupt
checkpoint, also when it arrives before training has begun; so does losing the server
(the pipe breaks). The process starts its own session, so a Ctrl-C in the server's
terminal reaches only the server, which then stops each job once.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from rnnlab import service
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


def finite(value: Any) -> Any:
    """`value` with every NaN or infinity replaced by None (strict JSON has neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


class Reporter:
    """Sends each trainer event to the server as a small JSON message. When the server is
    gone (the pipe broke), it calls `on_lost` once and sends nothing more."""

    def __init__(self, conn: Connection, on_lost: Callable[[], None] | None = None) -> None:
        self.conn: Connection | None = conn
        self.on_lost = on_lost
        self.started_at: float | None = None

    def send(self, message: dict[str, Any]) -> None:
        if self.conn is None:
            return
        try:
            self.conn.send_bytes(json.dumps(finite(message), allow_nan=False).encode("utf-8"))
        except OSError:  # the server exited: stop cleanly, keep the run resumable
            self.conn = None
            if self.on_lost is not None:
                self.on_lost()

    def __call__(self, event: Event) -> None:
        message = self.message(event)
        if message is not None:
            self.send(message)

    def message(self, event: Event) -> dict[str, Any] | None:
        """The JSON message of a trainer event (arrays and payloads left out)."""
        if isinstance(event, StepDone):
            elapsed = time.monotonic() - (self.started_at or time.monotonic())
            fields = ("step", "epoch", "loss", "grad_norm", "clipped", "lr", "tokens", "seconds")
            return {"type": "step", **{f: getattr(event, f) for f in fields}, "elapsed_s": elapsed}
        if isinstance(event, RunStarted):
            self.started_at = time.monotonic()
            return {
                "type": "started",
                "step": event.start_step,
                "total_steps": event.total_steps,
                "steps_per_epoch": event.steps_per_epoch,
            }
        if isinstance(event, Evaluated):
            return {
                "type": "eval",
                "step": event.step,
                "metrics": event.metrics,
                "best": event.best,
            }
        if isinstance(event, CheckpointReady):
            fields = {"step": event.step, "epoch": event.epoch, "reason": event.reason}
            return {"type": "checkpoint", **fields, "best": event.best}
        if isinstance(event, ProbeTaken):
            return {"type": "probe", "step": event.step, "kind": event.kind}
        if isinstance(event, RunEnded):
            fields = ("step", "status", "message", "final_metrics", "best_metrics")
            return {"type": "end", **{f: getattr(event, f) for f in fields}}
        return None


class StopOnSigint:
    """The first SIGINT asks the trainer (now or once it exists) for a clean stop."""

    def __init__(self) -> None:
        self.requested = False
        self.trainer: Any = None

    def handler(self, signum: int, frame: object) -> None:
        self.request()

    def request(self) -> None:
        """Ask for the clean stop (now, or as soon as the trainer exists)."""
        self.requested = True
        if self.trainer is not None:
            self.trainer.request_stop()

    def attach(self, trainer: Any) -> None:
        """The service's trainer_hook: remember the trainer, stop it if asked already."""
        self.trainer = trainer
        if self.requested:
            trainer.request_stop()


def run_job(
    mode: str, payload: Any, home: str, conn: Connection, threads: int | None = None
) -> None:
    """The process's target: train a config mapping (mode "train") or resume a run id."""
    if hasattr(os, "setsid"):
        with contextlib.suppress(OSError):
            os.setsid()
    stop = StopOnSigint()
    signal.signal(signal.SIGINT, stop.handler)
    reporter = Reporter(conn, on_lost=stop.request)

    def created(run_id: str) -> None:
        reporter.send({"type": "created", "id": run_id})

    code = 0
    try:
        if threads:
            service.set_threads(threads)
        if mode == "train":
            service.train(
                payload, on_event=reporter, on_created=created, home=home, trainer_hook=stop.attach
            )
        else:
            service.resume(payload, on_event=reporter, home=home, trainer_hook=stop.attach)
    except BaseException as err:  # report everything, then exit non-zero
        ours = isinstance(err, RnnlabError)
        kind = type(err).__name__ if ours else "RnnlabError"
        bases = [cls.__name__ for cls in type(err).__mro__[1:]] if ours else []
        text = str(err) if ours else f"{type(err).__name__}: {err}"
        with contextlib.suppress(OSError, ValueError):
            reporter.send({"type": "error", "kind": kind, "bases": bases, "message": text})
        code = 130 if isinstance(err, KeyboardInterrupt) else 1
    finally:
        conn.close()
    if code:
        sys.exit(code)
