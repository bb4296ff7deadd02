"""``rnnlab train --nproc N``: N rank processes on this machine train one run.

Everything the ranks would refuse is checked here first (config, data, engine, the
port), so a bad input leaves nothing behind. The ranks run in their own process group:
Ctrl-C reaches this process alone, which passes it on once to every rank (they stop
together at the next step with an interrupt checkpoint). A rank that dies ends the
others (after a grace period in which they notice by themselves) and the run is marked
failed; its last checkpoint stays, so it can be resumed.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from rnnlab import errors
from rnnlab.errors import ConfigError, RnnlabError
from rnnlab.events import CheckpointReady, Event, ProbeTaken
from rnnlab.service.distributed import free_port, train_rank
from rnnlab.service.runs import run_details
from rnnlab.service.training import check_resume, check_run, load_config, resume, train
from rnnlab.spec.run import RunConfig, parse_run_config
from rnnlab.store import Store, read_run_checkpoint
from rnnlab.train.distributed import check_distributed
from rnnlab.train.signals import SigintHandler

EventHandler = Callable[[Event], None]
GRACE_SECONDS = 10.0  # after a rank died, how long the others get to end by themselves
HOST = "127.0.0.1"


def train_parallel(
    source: Any = None,
    overrides: list[str] | None = None,
    nproc: int = 1,
    resume_ref: str | None = None,
    on_event: EventHandler | None = None,
    on_created: Callable[[str], None] | None = None,
    home: str | Path | None = None,
    on_ranks: Callable[[list[int]], None] | None = None,
) -> dict[str, Any]:
    """Train (or resume) one run on `nproc` processes of this machine; the run as
    `runs show --json` gives it. `on_ranks` receives the rank processes' ids."""
    config = _checked(source, overrides, nproc, resume_ref, home)
    if nproc == 1:  # nothing to spread: this process trains it
        if resume_ref is not None:
            return resume(resume_ref, on_event, home)
        return train(config, on_event=on_event, on_created=on_created, home=home)
    port = free_port(HOST)
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    args = (config if resume_ref is None else None, resume_ref, str(home) if home else None)
    ranks = [
        context.Process(target=_rank_main, args=(rank, nproc, port, messages, *args))
        for rank in range(nproc)
    ]
    for process in ranks:
        process.start()
    if on_ranks is not None:
        on_ranks([p.pid for p in ranks if p.pid is not None])
    watch = _Watch(ranks, messages, on_event, on_created)
    with _forward_sigint(ranks):
        watch.until_all_end()
    return watch.outcome(home)


def _checked(
    source: Any, overrides: list[str] | None, nproc: int, resume_ref: str | None, home: Any
) -> dict[str, Any] | None:
    """Every error the ranks would raise before a run exists; the config to send them."""
    if not isinstance(nproc, int) or isinstance(nproc, bool) or nproc < 1:
        raise ConfigError(f"--nproc: expected an integer >= 1, received {nproc!r}")
    if resume_ref is not None:
        check_distributed(_run_config(check_resume(resume_ref, home), home), nproc)
        return None
    config = check_run(source, overrides)
    check_distributed(load_config(config), nproc)
    return config


def _run_config(run_id: str, home: Any) -> RunConfig:
    with Store(home) as store:
        folder = store.run_dir(run_id) / "checkpoints"
    return parse_run_config(read_run_checkpoint(folder, "last")[1]["config"], f"run {run_id}")


def _rank_main(
    rank: int, world: int, port: int, messages: Any, config: Any, resume_ref: Any, home: Any
) -> None:
    """One rank process: its own process group (Ctrl-C comes from the parent), one thread
    per core share, rank 0's events relayed to the parent."""
    os.setpgrp()
    os.environ.update(
        MASTER_ADDR=HOST,
        MASTER_PORT=str(port),
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(world),
        LOCAL_WORLD_SIZE=str(world),
    )

    def relay(event: Event) -> None:
        if not isinstance(event, CheckpointReady | ProbeTaken):  # arrays stay in the rank
            messages.put(("event", event))

    try:
        train_rank(config, None, resume_ref, home, relay, lambda run: messages.put(("run", run)))
    except BaseException as err:
        messages.put(("error", rank, type(err).__name__, str(err)))
        raise SystemExit(1) from None
    messages.put(("done", rank))


class _Watch:
    """The parent's view of the ranks: relays events, notices a dead rank."""

    def __init__(
        self,
        ranks: list[BaseProcess],
        messages: Any,
        on_event: EventHandler | None,
        on_created: Callable[[str], None] | None,
    ) -> None:
        self.ranks, self.messages = ranks, messages
        self.on_event, self.on_created = on_event, on_created
        self.run_id: str | None = None
        self.errors: list[tuple[int, str, str]] = []
        self.dead_since: float | None = None
        self.first_dead: int | None = None  # the rank that ended first with an error

    def until_all_end(self) -> None:
        while any(p.exitcode is None for p in self.ranks):
            self._read(timeout=0.1)
            for rank, process in enumerate(self.ranks):
                if process.exitcode not in (None, 0) and self.first_dead is None:
                    self.first_dead, self.dead_since = rank, time.monotonic()
            if self.dead_since is not None and time.monotonic() - self.dead_since > GRACE_SECONDS:
                for process in self.ranks:
                    if process.exitcode is None:
                        process.terminate()
        for process in self.ranks:
            process.join()
        while self._read(timeout=0.05):
            pass

    def _read(self, timeout: float) -> bool:
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            return False
        if message[0] == "event" and self.on_event is not None:
            self.on_event(message[1])
        elif message[0] == "run":
            self.run_id = message[1]
            if self.on_created is not None:
                self.on_created(self.run_id)
        elif message[0] == "error":
            self.errors.append(message[1:])
        return True

    def outcome(self, home: Any) -> dict[str, Any]:
        """The run's details; a run whose rank died is marked failed, naming that rank."""
        codes = [p.exitcode for p in self.ranks]
        if self.run_id is None:  # failed before the run existed: the first rank's error
            raise _error(self.errors, codes)
        with Store(home) as store:
            record = store.get_run(self.run_id)
            if self.first_dead is not None and record.status in ("running", "failed"):
                note = _death_note(self.first_dead, codes[self.first_dead], self.errors)
                store.set_status(self.run_id, "failed", note)
            return run_details(store, self.run_id)


def _death_note(rank: int, code: int | None, errors_seen: list[tuple[int, str, str]]) -> str:
    """Why the run failed: the first rank that ended with an error, and how."""
    if code is not None and code < 0:
        how = f"was killed by signal {-code} ({signal.Signals(-code).name})"
    else:
        said = [f"{kind}: {text}" for r, kind, text in errors_seen if r == rank]
        how = f"failed ({said[0][:300]})" if said else f"exited with code {code}"
    return (
        f"rank {rank} {how}; the other ranks stopped. The last checkpoint is kept: resume "
        "with rnnlab train --resume RUN --nproc N"
    )


def _error(errors_seen: list[tuple[int, str, str]], codes: list[int | None]) -> RnnlabError:
    """The error a rank raised before the run existed, of the same kind."""
    for _, kind, text in errors_seen:
        if "another rank failed" not in text:
            error_type = getattr(errors, kind, None)
            if isinstance(error_type, type) and issubclass(error_type, RnnlabError):
                return error_type(text)
            return RnnlabError(f"{kind}: {text}")
    return RnnlabError(f"the rank processes ended before training (exit codes {codes})")


class _forward_sigint(SigintHandler):  # noqa: N801 (a context manager used like a function)
    """While active, Ctrl-C in this process is passed once to every rank."""

    def __init__(self, ranks: list[BaseProcess]) -> None:
        super().__init__()
        self.ranks = ranks

    def on_sigint(self) -> None:
        for process in self.ranks:
            if process.exitcode is None and process.pid is not None:
                os.kill(process.pid, signal.SIGINT)
