"""Training use cases: start a run from a config, resume one, watch its events."""

from __future__ import annotations

import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnnlab import __version__
from rnnlab.data import Prepared, SeriesData, prepare
from rnnlab.errors import ConfigError
from rnnlab.events import Event
from rnnlab.service.runs import refuse_if_training, run_details
from rnnlab.service.tagging import save_tag_vocab, tag_baselines, tag_checkpoint_meta
from rnnlab.service.translating import save_target_vocab, seq2seq_checkpoint_meta
from rnnlab.spec.run import RunConfig, apply_overrides, load_run_config, parse_run_config
from rnnlab.store import RunRecord, RunRecorder, Store, owners, read_run_checkpoint
from rnnlab.train import Trainer, build_learner, check_engine
from rnnlab.train.embedding_init import initial_embedding, with_embedding_dim

EventHandler = Callable[[Event], None]


def versions() -> dict[str, str]:
    return {
        "rnnlab": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "platform": platform.platform(),
    }


def checkpoint_meta(config: RunConfig, prepared: Prepared) -> dict[str, Any]:
    """What every checkpoint carries besides progress: config, vocab, classes, scaling."""
    meta: dict[str, Any] = {"config": config.model_dump(mode="json")}
    if prepared.vocab is not None:
        meta["vocab"] = prepared.vocab.to_json()
    if prepared.classes is not None:
        meta["classes"] = list(prepared.classes)
    if config.task == "tag":
        meta.update(tag_checkpoint_meta(prepared))
    if config.task == "seq2seq":
        meta.update(seq2seq_checkpoint_meta(config, prepared))
    if config.task == "forecast":
        series = prepared.data
        meta["scaler"] = {"mean": float(series.mean), "std": float(series.std)}
        if isinstance(series, SeriesData):  # synthetic sets have no single series
            meta.update(series.checkpoint_meta())  # transform, scalers, the last values
    return meta


def load_config(
    source: str | Path | dict[str, Any] | RunConfig, overrides: list[str] | None = None
) -> RunConfig:
    """A validated RunConfig from a file path, a mapping or a RunConfig."""
    if isinstance(source, RunConfig):
        source = source.model_dump(mode="json")
    if isinstance(source, dict):
        return parse_run_config(apply_overrides(source, overrides or []))
    return load_run_config(source, overrides)


def train(
    source: str | Path | dict[str, Any] | RunConfig,
    overrides: list[str] | None = None,
    on_event: EventHandler | None = None,
    on_created: Callable[[str], None] | None = None,
    home: str | Path | None = None,
    trainer_hook: Callable[[Trainer], None] | None = None,
) -> dict[str, Any]:
    """Train a new run; returns the run as `runs show --json` gives it."""
    config, prepared, embedding = prepare_run(load_config(source, overrides))
    with Store(home) as store:
        run_id = create_run(store, config, prepared)
        if on_created is not None:
            on_created(run_id)
        _fit(store, run_id, config, prepared, None, on_event, trainer_hook, embedding)
        return run_details(store, run_id)


def create_run(store: Store, config: RunConfig, prepared: Prepared) -> str:
    """A new run in the store (config, versions, data hash, summary) and its vocab file."""
    record = store.create_run(
        config.task,
        config.model_dump(mode="json"),
        versions(),
        prepared.data_hash,
        prepared.summary,
        config.name,
    )
    if prepared.vocab is not None:
        prepared.vocab.save(store.run_dir(record.id) / "vocab.json")
    if prepared.tags is not None:
        save_tag_vocab(store.run_dir(record.id), prepared.tags)
    if prepared.target_vocab is not None:
        save_target_vocab(store.run_dir(record.id), prepared.target_vocab)
    return record.id


def prepare_run(config: RunConfig) -> tuple[RunConfig, Prepared, np.ndarray | None]:
    """Data, engine check and the initial embedding: every error before a run exists."""
    prepared = prepare(config)
    check_engine(config)
    if config.task == "tag":
        prepared.summary["baselines"] = tag_baselines(prepared)
    if config.task in ("forecast", "seq2seq"):  # seq2seq: the model's own embeddings
        return config, prepared, None
    embedding, report = initial_embedding(config, prepared)
    prepared.summary["embedding"] = report
    return with_embedding_dim(config, int(embedding.shape[1])), prepared, embedding


def resume(
    ref: str,
    on_event: EventHandler | None = None,
    home: str | Path | None = None,
    trainer_hook: Callable[[Trainer], None] | None = None,
) -> dict[str, Any]:
    """Continue a run from its last checkpoint: same data order, optimiser state and RNG."""
    with Store(home) as store:
        record = store.get_run(ref)
        refuse_if_training(store, record.id, "be resumed")
        refuse_if_finished(record)
        arrays, meta = read_run_checkpoint(store.run_dir(record.id) / "checkpoints", "last")
        config = resume_config(meta, record.id)
        prepared = prepare(config)
        check_engine(config)
        store.set_status(record.id, "running", f"resumed at step {meta['progress']['step']}")
        embedding = placeholder_embedding(config, prepared)
        _fit(store, record.id, config, prepared, (arrays, meta), on_event, trainer_hook, embedding)
        return run_details(store, record.id)


def resume_config(meta: dict[str, Any], run_id: str) -> RunConfig:
    """The config a checkpoint's run resumes with."""
    config = parse_run_config(meta["config"], f"run {run_id}")
    if config.task == "forecast" and "scaler" in meta and "series" not in meta:
        config.data.transform = "none"  # a run from before data.transform and data.target
        config.data.target = "value"  # scaled the values themselves and predicted them
    return config


def placeholder_embedding(config: RunConfig, prepared: Prepared) -> np.ndarray | None:
    """E's shape in zeros for a resumed run (its checkpoint holds E: the recipe is skipped);
    None for a forecaster, which has no E, and an encoder-decoder, which makes its own."""
    if config.task in ("forecast", "seq2seq"):
        return None
    width = len(prepared.vocab) if config.embedding.init == "onehot" else None
    return np.zeros((len(prepared.vocab), width or config.embedding.dim), np.float32)


def _fit(
    store: Store,
    run_id: str,
    config: RunConfig,
    prepared: Prepared,
    resume_state: Any,
    on_event: EventHandler | None,
    trainer_hook: Callable[[Trainer], None] | None,
    embedding: np.ndarray | None = None,
) -> None:
    try:
        learner = build_learner(config, prepared, embedding=embedding)
        recorder = RunRecorder(store, run_id, checkpoint_meta=checkpoint_meta(config, prepared))
        subscribers: list[EventHandler] = [recorder] + ([on_event] if on_event else [])
        trainer = Trainer(learner, prepared, config, subscribers)
        if trainer_hook is not None:
            trainer_hook(trainer)
        trainer.fit(resume_state)
    except BaseException as err:  # record the failure, then let it go up
        store.set_status(run_id, "failed", f"{type(err).__name__}: {err}")
        raise


# ---- for training in another process (the web workbench's jobs) -----------------------------

CORPUS_INITS = ("ppmi-svd", "word2vec")  # learnt in the training process, not checked twice


def check_run(
    source: str | Path | dict[str, Any] | RunConfig, overrides: list[str] | None = None
) -> dict[str, Any]:
    """Every error `train` would raise before a run exists (config, data, engine, embedding
    file), without creating a run; the validated config as a mapping."""
    config = load_config(source, overrides)
    if config.embedding.init in CORPUS_INITS:
        prepare(config)
        check_engine(config)
    else:
        config = prepare_run(config)[0]
    return config.model_dump(mode="json")


def check_resume(ref: str, home: str | Path | None = None) -> str:
    """Every error `resume` would raise before training again; the run's id."""
    with Store(home) as store:
        record = store.get_run(ref)
        refuse_if_training(store, record.id, "be resumed")
        refuse_if_finished(record)
        _, meta = read_run_checkpoint(store.run_dir(record.id) / "checkpoints", "last")
    config = parse_run_config(meta["config"], f"run {record.id}")
    prepare(config)
    check_engine(config)
    return record.id


def refuse_if_finished(record: RunRecord) -> None:
    """A finished run has no steps left: resuming it would train nothing, so say so."""
    if record.status == "finished":
        raise ConfigError(
            f"run {record.id} already finished ({record.message or 'all its steps'}); "
            "nothing to resume. Resume continues an interrupted, failed or diverged run; "
            "to train longer, start a new run with more train.epochs or train.max_steps"
        )


def fail_run(ref: str, message: str, home: str | Path | None = None) -> bool:
    """Mark a run that is still "running" as failed with `message` (a process died);
    False when it had already ended."""
    with Store(home) as store:
        record = store.get_run(ref)
        if record.status != "running":
            return False
        store.set_status(record.id, "failed", message)
        return True


def supervise_worker(pid: int) -> None:
    """Runs of training process `pid` are this process's to end (see ``fail_run``): list
    and show never mark them failed as orphans meanwhile."""
    owners.supervise(pid)


def release_worker(pid: int) -> None:
    """Training process `pid` has ended and its run is closed."""
    owners.release(pid)


def set_threads(threads: int) -> None:
    """CPU threads of the torch engine in this process."""
    torch.set_num_threads(max(1, int(threads)))
