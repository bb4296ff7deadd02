"""One run trained by several processes (torch.distributed, data parallel).

``train_parallel`` (``rnnlab train CONFIG --nproc N``) checks everything, then spawns N
rank processes on this machine and relays rank 0's events; ``train_rank`` is the work of
one rank, also what each process started by ``torchrun`` runs (rank and world from its
environment). Rank 0 alone opens the store: it creates the run (or reopens it to
resume), records the events and writes the checkpoints. The config, and on resume the
checkpoint, go from rank 0 to the others, so only rank 0's machine needs the store; the
data must be readable on every machine.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.numpy import load as load_arrays
from safetensors.numpy import save as save_arrays

from rnnlab.data import prepare
from rnnlab.errors import ConfigError
from rnnlab.events import Event
from rnnlab.service.runs import refuse_if_training, run_details
from rnnlab.service.training import (
    checkpoint_meta,
    create_run,
    load_config,
    placeholder_embedding,
    prepare_run,
    refuse_if_finished,
    resume_config,
)
from rnnlab.spec.run import RunConfig, parse_run_config
from rnnlab.store import RunRecorder, Store, read_run_checkpoint
from rnnlab.train.distributed import (
    DistributedTrainer,
    all_ranks_ok,
    broadcast_bytes,
    build_distributed_learner,
    check_distributed,
    rank_device,
    start_ranks,
    stop_ranks,
)

EventHandler = Callable[[Event], None]
Resume = tuple[dict[str, np.ndarray], dict[str, Any]]
PROBES_OFF = (
    "train.probe_every: probes (gradient flow, histograms) are off when several processes "
    "train one run; train with one process to record them"
)


def ranks_from_env() -> tuple[int, int] | None:
    """(rank, world size) when torchrun (or train_parallel) started this process as one
    rank of several; None otherwise."""
    world = int(os.environ.get("WORLD_SIZE", "1") or 1)
    if world <= 1:
        return None
    return int(os.environ.get("RANK", "0")), world


def train_rank(
    source: Any = None,
    overrides: list[str] | None = None,
    resume_ref: str | None = None,
    home: str | Path | None = None,
    on_event: EventHandler | None = None,
    on_created: Callable[[str], None] | None = None,
) -> dict[str, Any] | None:
    """Train (or resume) this process's rank of a distributed run; rank 0 returns the run
    as `runs show --json` gives it, the other ranks None."""
    ranks = ranks_from_env()
    if ranks is None:
        raise ConfigError("train_rank: WORLD_SIZE is not set above 1; start it with torchrun")
    rank, world = ranks
    start_ranks(rank, world)
    previous = _sigterm_ends_rank(rank)
    try:
        config, resume_state = _shared_start(rank, source, overrides, resume_ref, home)
        return _train_shared(
            rank, world, config, resume_state, resume_ref, home, on_event, on_created
        )
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        stop_ranks()


def _sigterm_ends_rank(rank: int) -> Any:
    """SIGTERM (torchrun or `--nproc`'s parent ending the ranks after one died) raises
    SystemExit, so rank 0 marks its run failed before it goes; the previous handler."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def ended(signum: int, frame: object) -> None:
        raise SystemExit(f"rank {rank} was ended by SIGTERM (another rank had stopped)")

    return signal.signal(signal.SIGTERM, ended)


def _shared_start(
    rank: int, source: Any, overrides: list[str] | None, resume_ref: str | None, home: Any
) -> tuple[RunConfig, Resume | None]:
    """Rank 0's config (and checkpoint, to resume) on every rank."""
    payload = None
    if rank == 0:
        ok, payload = _rank0_payload(source, overrides, resume_ref, home)
    else:
        ok = True
    if not all_ranks_ok(ok):
        raise ConfigError("another rank failed before training (its error is above); no run")
    header, arrays = _unpack(broadcast_bytes(payload))
    config = parse_run_config(header["config"], "rank 0's config")
    return config, ((arrays, header["meta"]) if resume_ref else None)


def _rank0_payload(
    source: Any, overrides: list[str] | None, resume_ref: str | None, home: Any
) -> tuple[bool, bytes | None]:
    """(ok, the config and checkpoint as bytes); on an error the others are told first."""
    try:
        if resume_ref is None:
            return True, _pack({"config": load_config(source, overrides).model_dump(mode="json")})
        with Store(home) as store:
            record = store.get_run(resume_ref)
            refuse_if_training(store, record.id, "be resumed")
            refuse_if_finished(record)
            arrays, meta = read_run_checkpoint(store.run_dir(record.id) / "checkpoints", "last")
            config = resume_config(meta, record.id).model_dump(mode="json")
        return True, _pack({"config": config, "meta": meta}, arrays)
    except BaseException:
        all_ranks_ok(False)
        raise


def _pack(header: dict[str, Any], arrays: dict[str, np.ndarray] | None = None) -> bytes:
    """JSON header and safetensors arrays in one byte string (nothing pickled)."""
    head = json.dumps(header).encode()
    return len(head).to_bytes(8, "little") + head + save_arrays(arrays or {})


def _unpack(data: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    size = int.from_bytes(data[:8], "little")
    return json.loads(data[8 : 8 + size]), load_arrays(data[8 + size :])


def _train_shared(
    rank: int,
    world: int,
    config: RunConfig,
    resume_state: Resume | None,
    resume_ref: str | None,
    home: Any,
    on_event: EventHandler | None,
    on_created: Callable[[str], None] | None,
) -> dict[str, Any] | None:
    """Data and checks on every rank (all agree before a run exists), then train."""
    try:
        check_distributed(config, world)
        if resume_state is None:
            config, prepared, embedding = prepare_run(config)
        else:  # the checkpoint holds E
            prepared = prepare(config)
            embedding = placeholder_embedding(config, prepared)
        ok = True
    except BaseException:
        all_ranks_ok(False)
        raise
    if not all_ranks_ok(ok):
        raise ConfigError("another rank failed before training (its error is above); no run")
    if config.train.threads is None:  # the cores of this machine, shared by its ranks
        local = int(os.environ.get("LOCAL_WORLD_SIZE", world))
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // local))
    if config.train.probe_every is not None:
        prepared.summary["warnings"] = [*prepared.summary.get("warnings", []), PROBES_OFF]
    prepared.summary["processes"] = world
    device = rank_device(config.train.device)
    learner = build_distributed_learner(config, prepared, device, embedding)
    trainer = DistributedTrainer(learner, prepared, config)
    if rank != 0:
        trainer.fit(resume_state)
        return None
    return _fit_rank0(trainer, prepared, resume_state, resume_ref, home, on_event, on_created)


def _fit_rank0(
    trainer: DistributedTrainer,
    prepared: Any,
    resume_state: Resume | None,
    resume_ref: str | None,
    home: Any,
    on_event: EventHandler | None,
    on_created: Callable[[str], None] | None,
) -> dict[str, Any]:
    """Rank 0: the run in the store, its recorder subscribed, then the training."""
    config = trainer.config
    with Store(home) as store:
        if resume_state is None:
            run_id = create_run(store, config, prepared)
        else:
            run_id = store.get_run(resume_ref).id
            step = resume_state[1]["progress"]["step"]
            store.set_status(run_id, "running", f"resumed at step {step}")
        if on_created is not None:
            on_created(run_id)
        try:
            meta = checkpoint_meta(config, prepared)
            trainer.subscribe(RunRecorder(store, run_id, checkpoint_meta=meta))
            if on_event is not None:
                trainer.subscribe(on_event)
            trainer.fit(resume_state)
        except BaseException as err:  # record the failure, then let it go up
            store.set_status(run_id, "failed", f"{type(err).__name__}: {err}")
            raise
        return run_details(store, run_id)


def free_port(host: str = "127.0.0.1") -> int:
    """MASTER_PORT when it is set and free here; a free port otherwise. ConfigError when
    the port MASTER_PORT names is in use."""
    asked = os.environ.get("MASTER_PORT")
    with socket.socket() as sock:
        try:
            sock.bind((host, int(asked) if asked else 0))
        except ValueError as err:
            raise ConfigError(f"MASTER_PORT: expected a port number, received {asked!r}") from err
        except OSError as err:
            raise ConfigError(
                f"MASTER_PORT: port {asked} on {host} is in use ({err.strerror}); expected a "
                "free port: stop what listens there, set another MASTER_PORT, or unset it "
                "and rnnlab picks a free one"
            ) from err
        return int(sock.getsockname()[1])
