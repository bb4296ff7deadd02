"""Heavy requests in a child process with a budget: one request cannot take the server.

A data preview and an embedding build can need gigabytes or minutes (a 200 000-word
corpus, a large synthetic task). ``HeavyJobs.run`` calls such a service function in a
child process and returns its result, or raises its error (the same RnnlabError kind
and text), so the server process stays small and answering. Each child gets:

- a memory budget: ``RLIMIT_DATA`` (heap and anonymous memory) at what the child uses
  when it starts plus ``memory_mb``; past it an allocation fails and the request gets
  503 (``OverBudget``);
- a time budget: after ``seconds`` the child is killed (SIGKILL: a BLAS call ignores
  SIGINT) and the request gets 504 (``TimedOut``);
- one CPU thread (torch and BLAS), and at most ``max_jobs`` children at a time: one
  more heavy request gets 429 (``TooManyJobs``) at once.

Children are forked from a fork server that has imported the service already (a fresh
interpreter would take seconds to import torch); where there is none (Windows) they are
spawned. Results come back as JSON text over a one-way pipe.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from rnnlab import service
from rnnlab.errors import RnnlabError, error_kind
from rnnlab.web.worker import finite

KILL_WAIT_S = 5.0
PRELOAD = (  # what the fork server imports once, so that a job starts at once
    "rnnlab.web.app",
    "rnnlab.service.budgets",
    "rnnlab.service.datasets",
    "rnnlab.service.embeddings",
    "rnnlab.service.training",
)


class TooManyJobs(RnnlabError):
    """As many jobs as the server allows are running (HTTP 429)."""


class OverBudget(RnnlabError):
    """A job needed more memory than its budget (HTTP 503)."""


class TimedOut(RnnlabError):
    """A job ran past its time budget and was stopped (HTTP 504)."""


@dataclass(frozen=True)
class Limits:
    """How much the server's jobs may take (``rnnlab serve --max-jobs --job-seconds
    --job-memory-mb``)."""

    max_jobs: int = service.DEFAULT_MAX_JOBS
    seconds: float = service.DEFAULT_JOB_SECONDS
    memory_mb: int = service.DEFAULT_JOB_MEMORY_MB

    def too_many(self, what: str) -> TooManyJobs:
        return TooManyJobs(
            f"{what}: the server is already running {self.max_jobs} job(s), its limit "
            "(rnnlab serve --max-jobs); try again when one has finished"
        )


class HeavyJobs:
    """Runs service functions in budgeted child processes, at most ``max_jobs`` at once."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._slots = threading.BoundedSemaphore(limits.max_jobs)
        self._running: set[BaseProcess] = set()
        self._lock = threading.Lock()

    def run(self, what: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`function(*args, **kwargs)` in a child process; its JSON-able result. `what`
        names the job in messages; `function` must be importable by name."""
        if not self._slots.acquire(blocking=False):
            raise self.limits.too_many(what)
        try:
            return self._run(what, function, args, kwargs)
        finally:
            self._slots.release()

    def shutdown(self) -> None:
        """Kill every running child (the server is stopping)."""
        with self._lock:
            running = list(self._running)
        for process in running:
            with contextlib.suppress(OSError, ValueError):
                process.kill()

    def _run(self, what: str, function: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        context = job_context()
        receiver, sender = context.Pipe(duplex=False)
        budget = (self.limits.memory_mb * 2**20, self.limits.seconds)
        process = context.Process(
            target=run_child, args=(function, args, kwargs, sender, budget), daemon=True
        )
        process.start()
        sender.close()
        with self._lock:
            self._running.add(process)
        try:
            if not receiver.poll(self.limits.seconds):
                raise TimedOut(
                    f"{what}: stopped after its time budget of {self.limits.seconds:g} s "
                    "(rnnlab serve --job-seconds); try a smaller data set or setting"
                )
            message = json.loads(receiver.recv_bytes().decode("utf-8"))
        except (EOFError, OSError):
            process.join(KILL_WAIT_S)
            raise OverBudget(
                f"{what}: the job process ended without an answer (exit code "
                f"{process.exitcode}); it may have run out of memory"
            ) from None
        finally:
            receiver.close()
            if process.is_alive():
                process.kill()
            process.join(KILL_WAIT_S)
            with self._lock:
                self._running.discard(process)
        return answer(what, message, self.limits)


def answer(what: str, message: dict[str, Any], limits: Limits) -> Any:
    """The result a child reported, or its error raised here."""
    kind = message.get("kind")
    if kind is None:
        return message["result"]
    if kind == "MemoryError":
        raise OverBudget(
            f"{what}: needed more than its memory budget of {limits.memory_mb} MB "
            "(rnnlab serve --job-memory-mb); try a smaller data set or setting"
        )
    names = [kind, *message.get("bases", [])]  # a kind of our own, or the kind it is of
    raise error_kind(names)(message["message"])


def job_context() -> Any:
    """The multiprocessing context of jobs: a fork server with the service imported,
    else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))  # no effect once the server runs
    return context


def warm_up() -> None:
    """Start the fork server in the background, so that the first heavy request does not
    wait for its imports (seconds)."""
    if job_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        thread = threading.Thread(target=forkserver.ensure_running, name="rnnlab-forkserver")
        thread.daemon = True  # a server stopping early leaves no thread behind
        thread.start()


def run_child(
    function: Callable[..., Any],
    args: tuple,
    kwargs: dict[str, Any],
    conn: Connection,
    budget: tuple[int, float],
) -> None:
    """The child's target: limit itself, call `function`, send its result or error."""
    try:
        with limited(*budget):
            message: dict[str, Any] = {"result": function(*args, **kwargs)}
    except MemoryError:
        message = {"kind": "MemoryError"}
    except RnnlabError as err:
        bases = [cls.__name__ for cls in type(err).__mro__[1:]]
        message = {"kind": type(err).__name__, "bases": bases, "message": str(err)}
    except RuntimeError as err:  # torch's allocator says so with a RuntimeError
        text = str(err)
        kind = "MemoryError" if "allocate" in text.lower() else "RnnlabError"
        message = {"kind": kind, "message": f"RuntimeError: {text}"}
    except Exception as err:  # reported, never a traceback in the server's output
        message = {"kind": "RnnlabError", "message": f"{type(err).__name__}: {err}"}
    try:
        try:
            data = to_json(message)
        except (TypeError, ValueError) as err:  # a result JSON cannot carry
            data = to_json({"kind": "RnnlabError", "message": f"unreadable result: {err}"})
        conn.send_bytes(data)
    finally:
        conn.close()


@contextlib.contextmanager
def limited(memory_bytes: int, seconds: float) -> Any:
    """One CPU thread; on Linux, memory past the current use plus `memory_bytes` refused
    and the CPU time capped a little past `seconds` (the parent kills it at `seconds`)."""
    from threadpoolctl import threadpool_limits

    service.set_threads(1)
    if sys.platform.startswith("linux"):
        import resource

        cap(resource.RLIMIT_DATA, data_bytes() + memory_bytes)
        cap(resource.RLIMIT_CPU, int(seconds) + 5)
    with threadpool_limits(1):
        yield


def cap(limit: int, value: int) -> None:
    """Lower a resource limit of this process to `value` (never raise it)."""
    import resource

    _, hard = resource.getrlimit(limit)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(limit, (value, value))


def data_bytes() -> int:
    """What this process counts against RLIMIT_DATA now (VmData of /proc/self/status)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def to_json(message: dict[str, Any]) -> bytes:
    """Strict JSON of a child's message (NumPy scalars as numbers, no NaN)."""

    def plain(value: Any) -> Any:
        return value.item() if hasattr(value, "item") else str(value)

    return json.dumps(finite(message), allow_nan=False, default=plain).encode("utf-8")
