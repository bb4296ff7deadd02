"""Training jobs: one spawned process per run (``rnnlab.web.worker``), watched from here.

The server never trains in its own process: a crash, a hang or a long run there leaves
the API answering. For each job a reader thread receives the worker's JSON messages and
appends them to the job's ``EventLog``, which wakes the event streams (threads or
asyncio tasks) at once. A worker that dies without an ``end`` gets its run marked
failed with the exit code. Cancel is SIGINT to the worker (a clean stop with an
interrupt checkpoint); resume is a new worker calling ``service.resume``.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from rnnlab import service
from rnnlab.errors import RnnlabError, error_kind
from rnnlab.web.events import EventLog
from rnnlab.web.sandbox import TooManyJobs
from rnnlab.web.worker import run_job

START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 15.0
EXIT_GRACE_S = 10.0
KEEP_AFTER_EXIT = 500  # events a finished job keeps for late readers (the end among them)


Runner = Callable[..., Any]  # runner(what, function, *args): function(*args), somewhere


def in_process(what: str, function: Callable[..., Any], *args: Any) -> Any:
    """The plain runner: `function(*args)` here."""
    return function(*args)


class JobConflict(RnnlabError):
    """The run is (or is not) training, so this cannot be done now (HTTP 409)."""


@dataclass
class Job:
    """One worker process and what it reported."""

    process: BaseProcess
    log: EventLog = field(default_factory=EventLog)
    run_id: str | None = None  # known once the worker created (or began to resume) it
    target: str | None = None  # the run a resuming worker works on
    started: dict[str, Any] | None = None
    ended: bool = False
    signalled: bool = False

    @property
    def alive(self) -> bool:
        return self.process.is_alive() or not self.log.closed

    def state(self) -> dict[str, Any]:
        running = self.alive
        return {
            "state": "running" if running else "exited",
            "pid": self.process.pid,
            "exitcode": None if running else self.process.exitcode,
        }


def default_threads() -> int:
    """Torch threads per training process: half the CPUs. Several OpenMP threads per
    process, competing with other jobs and the server, can make small models 100x slower."""
    return max(1, (os.cpu_count() or 2) // 2)


class JobManager:
    """Starts, watches, cancels and resumes the training workers of one server."""

    def __init__(
        self,
        home: Path,
        threads: int | None = None,
        start_timeout: float = START_TIMEOUT_S,
        max_jobs: int = service.DEFAULT_MAX_JOBS,
        checks: Runner | None = None,
    ) -> None:
        self.home = Path(home)
        self.threads = threads or default_threads()
        self.max_jobs = max_jobs
        self.checks = checks or in_process  # runs the checks that prepare the data
        self.start_timeout = start_timeout
        self._context = multiprocessing.get_context("spawn")
        self._jobs: dict[str, Job] = {}
        self._all: list[Job] = []
        self._lock = threading.Lock()  # guards _jobs and _all
        self._admission = threading.Lock()  # one start at a time: no two workers per run

    # ---- public ----------------------------------------------------------------------------

    def start(self, config: dict[str, Any]) -> str:
        """Check a config like `rnnlab train` would, start its worker; the new run's id."""
        resolved = service.resolve_config_refs(config, self.home, allow_files=False)
        with service.upload_labels(self.home):
            self.checks("config check", service.check_run, resolved)
        with self._admission:
            self._require_room("train")
            job = self._spawn("train", resolved)
        self._await(job, "created")
        assert job.run_id is not None
        return job.run_id

    def resume(self, ref: str) -> str:
        """Continue a run from its last checkpoint in a new worker; the run's id."""
        run_id = service.show_run(ref, self.home)["id"]
        self.require_idle(run_id, "resume")
        with service.upload_labels(self.home):
            self.checks("resume check", service.check_resume, run_id, self.home)
        with self._admission:
            self.require_idle(run_id, "resume")
            self._require_room(f"resume {run_id}")
            job = self._spawn("resume", run_id, target=run_id)
            with self._lock:
                self._jobs[run_id] = job
        self._await(job, "started")
        return run_id

    def cancel(self, ref: str) -> str:
        """Ask a training run to stop cleanly (SIGINT to its worker); the run's id."""
        run_id = service.show_run(ref, self.home)["id"]
        job = self._jobs.get(run_id)
        if job is None or not job.alive:
            raise JobConflict(f"run {run_id} is not training in this server; nothing to cancel")
        self._interrupt(job)
        return run_id

    def job(self, run_id: str) -> Job | None:
        return self._jobs.get(run_id)

    def state(self, run_id: str) -> dict[str, Any] | None:
        """``{"state": "running" | "exited", "pid", "exitcode"}`` or None (no job here)."""
        job = self._jobs.get(run_id)
        return None if job is None else job.state()

    def training(self, run_id: str) -> bool:
        job = self._jobs.get(run_id)
        return job is not None and job.alive

    def require_idle(self, run_id: str, action: str) -> None:
        """JobConflict while the run trains here (a worker that reported its end gets a
        few seconds to exit first)."""
        job = self._jobs.get(run_id)
        if job is not None and job.ended:  # the end is reported before the process exits
            deadline = time.monotonic() + EXIT_GRACE_S
            job.log.wait_closed(EXIT_GRACE_S)
            job.process.join(max(0.0, deadline - time.monotonic()))
        if self.training(run_id):
            raise JobConflict(f"run {run_id} is training; cannot {action} it now")

    def shutdown(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Stop every worker: SIGINT (interrupt checkpoint), then terminate the slow ones."""
        with self._lock:
            jobs = [job for job in self._all if job.process.is_alive()]
        for job in jobs:
            self._interrupt(job)
        deadline = time.monotonic() + timeout
        for job in jobs:
            job.process.join(max(0.0, deadline - time.monotonic()))
        for job in jobs:
            if job.process.is_alive():
                job.process.terminate()
                job.process.join(5)
            if job.process.is_alive():
                job.process.kill()
                job.process.join(5)

    # ---- workers ---------------------------------------------------------------------------

    def _require_room(self, action: str) -> None:
        """TooManyJobs when max_jobs training processes are running already."""
        with self._lock:
            running = len(self._all)
        if running >= self.max_jobs:
            raise TooManyJobs(
                f"cannot {action} now: {running} training process(es) are running, the "
                f"limit of this server (rnnlab serve --max-jobs {self.max_jobs}); wait for "
                "one to finish or cancel one"
            )

    def _spawn(self, mode: str, payload: Any, target: str | None = None) -> Job:
        receiver, sender = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=run_job,
            args=(mode, payload, str(self.home), sender, self.threads),
            name=f"rnnlab-{mode}",
            daemon=False,
        )
        job = Job(process, target=target)
        process.start()
        service.supervise_worker(process.pid)  # its end is ours to record (_finish)
        sender.close()  # the worker holds the only sending end: its exit ends the reading
        with self._lock:
            self._all.append(job)
        thread = threading.Thread(
            target=self._read, args=(job, receiver), name="rnnlab-job-reader", daemon=True
        )
        thread.start()
        return job

    def _await(self, job: Job, name: str) -> None:
        """Wait for the worker's `name` event; its error (same kind and text) if it fails."""
        found = job.log.wait_for({name, "error", "end"}, self.start_timeout)
        if found is None:
            self._interrupt(job)
            raise RnnlabError(f"the training process did not start in {self.start_timeout:.0f} s")
        event, data = found
        if event == "error":
            raise error_kind([data.get("kind", ""), *data.get("bases", [])])(data["message"])

    def _interrupt(self, job: Job) -> None:
        if job.signalled or not job.process.is_alive():
            return
        job.signalled = True
        with contextlib.suppress(OSError):
            if os.name == "nt":  # no SIGINT to one process on Windows: stop it outright
                job.process.terminate()
            else:
                os.kill(job.process.pid, signal.SIGINT)

    def _read(self, job: Job, receiver: Connection) -> None:
        """The reader thread: every message into the log until the worker's end."""
        try:
            while True:
                self._handle(job, json.loads(receiver.recv_bytes().decode("utf-8")))
        except (EOFError, OSError, ValueError):
            pass
        finally:
            receiver.close()
            job.process.join(10)
            self._finish(job)

    def _handle(self, job: Job, message: dict[str, Any]) -> None:
        kind = message.pop("type", "")
        if kind == "created":
            job.run_id = message["id"]
            with self._lock:
                self._jobs[job.run_id] = job
        elif kind == "started":
            job.started = message
            job.run_id = job.run_id or job.target
        elif kind == "step":
            message = with_rates(message, job.started)
        elif kind == "end":
            job.ended = True
        elif kind == "error" and job.run_id is not None and not job.ended:
            job.ended = True  # the run was recorded as failed by the service
            kind, message = "end", {"status": "failed", "message": message["message"]}
        job.log.append(kind, message)

    def _finish(self, job: Job) -> None:
        """After the worker exited: an `end` for a run it left unfinished, then close."""
        code = job.process.exitcode
        if not job.ended and job.run_id is not None:
            text = f"the training process exited with code {code} before the run ended"
            with contextlib.suppress(RnnlabError):
                service.fail_run(job.run_id, text, self.home)
            job.log.append("end", {"status": "failed", "message": text, "exitcode": code})
        elif job.run_id is None and job.log.find({"error"}) is None:
            text = f"the training process exited with code {code} before creating the run"
            job.log.append("error", {"kind": "RnnlabError", "message": text})
        job.log.close(keep=KEEP_AFTER_EXIT)
        service.release_worker(job.process.pid)
        with self._lock:
            self._all.remove(job)


def with_rates(step: dict[str, Any], started: dict[str, Any] | None) -> dict[str, Any]:
    """A step message with tokens_per_s, total_steps and eta_s (from the step rate)."""
    seconds, tokens = step.pop("seconds", 0.0) or 0.0, step.pop("tokens", 0) or 0
    step["tokens_per_s"] = tokens / seconds if seconds > 0 else None
    if started is None:
        return {**step, "total_steps": None, "eta_s": None}
    total, done = started["total_steps"], step["step"] - started["step"]
    elapsed = step.get("elapsed_s") or 0.0
    rate = done / elapsed if done > 0 and elapsed > 0 else None
    eta = max(0.0, (total - step["step"]) / rate) if rate else None
    return {**step, "total_steps": total, "eta_s": eta}
