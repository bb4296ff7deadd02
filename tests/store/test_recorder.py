"""RunRecorder: a synthetic training run's events end up in the store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from rnnlab.errors import RnnlabError
from rnnlab.events import CheckpointReady, Evaluated, Event, RunEnded, RunStarted, StepDone
from rnnlab.store import RunRecord, RunRecorder, Store, list_checkpoints, read_checkpoint

MakeRun = Callable[..., RunRecord]
STEPS = 120


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, step: float = 0.0) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def step(n: int, epoch: int = 0) -> StepDone:
    return StepDone(
        step=n, epoch=epoch, loss=1.0 / n, grad_norm=2.0, clipped=n % 2 == 0, lr=0.01,
        tokens=100, seconds=0.5,
    )  # fmt: skip


def checkpoint(n: int, best: bool) -> CheckpointReady:
    arrays = {"model.w": np.full((2, 2), float(n)), "rng.state": np.arange(8, dtype=np.uint8)}
    return CheckpointReady(n, n // 60 - 1, "eval", arrays, {"progress": n}, best=best)


def events() -> Iterator[Event]:
    """Two epochs of 60 steps, an evaluation and a checkpoint after each; epoch 0 is best."""
    yield RunStarted(start_step=0, total_steps=STEPS, steps_per_epoch=60, summary={"vocab": 10})
    for n in range(1, STEPS + 1):
        yield step(n, epoch=(n - 1) // 60)
        if n % 60 == 0:
            best = n == 60
            yield Evaluated(
                n, n // 60 - 1, {"val_loss": 0.5 if best else 0.7, "val_acc": 0.9}, best
            )
            yield checkpoint(n, best)
    yield RunEnded(STEPS, "finished", "done", {"val_loss": 0.7}, {"val_loss": 0.5})


def count_calls(monkeypatch: pytest.MonkeyPatch, store: Store, method: str) -> list[Any]:
    """Record the arguments of every call of `store.<method>`."""
    calls: list[Any] = []
    real = getattr(store, method)

    def wrapper(first: Any, *args: Any, **kwargs: Any) -> Any:
        first = list(first) if method == "log_metrics_many" else first
        calls.append((first, *args))
        return real(first, *args, **kwargs)

    monkeypatch.setattr(store, method, wrapper)
    return calls


def test_a_whole_run_is_recorded(
    store: Store, make_run: MakeRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run(summary={"data": "reviews"})
    batches = count_calls(monkeypatch, store, "log_metrics_many")
    recorder = RunRecorder(
        store, run.id, checkpoint_meta={"config": {"cell": "gru"}}, clock=FakeClock()
    )
    for event in events():
        recorder(event)
    got = store.get_run(run.id)
    assert (got.status, got.message, got.steps) == ("finished", "done", STEPS)
    assert got.summary["data"] == "reviews" and got.summary["vocab"] == 10
    assert got.summary["plan"] == {"start_step": 0, "total_steps": STEPS, "steps_per_epoch": 60}
    assert got.summary["best_metrics"] == {"val_loss": 0.5}
    train = store.metrics(run.id, split="train")["train"]
    assert train["loss"]["step"] == list(range(1, STEPS + 1))
    assert train["clipped"]["value"][:2] == [0.0, 1.0]
    assert train["tokens_per_s"]["value"][0] == 200.0
    assert set(train) == {"loss", "grad_norm", "lr", "clipped", "tokens_per_s"}
    assert store.best_metrics(run.id) == {"step": 60, "val_loss": 0.5, "val_acc": 0.9}
    train_batches = [c for c in batches if c[0] and c[0][0][2] == "train"]
    assert len(train_batches) == 4  # steps 1-50, 51-60, 61-110, 111-120: not 120 commits


def test_checkpoints_last_and_best(store: Store, make_run: MakeRun) -> None:
    run = make_run()
    recorder = RunRecorder(store, run.id, checkpoint_meta={"config": {"cell": "gru"}})
    for event in events():
        recorder(event)
    folder = store.run_dir(run.id) / "checkpoints"
    assert list_checkpoints(folder) == ["best", "last"]
    last_arrays, last = read_checkpoint(folder, "last")
    _, best = read_checkpoint(folder, "best")
    assert (last["step"], last["epoch"], last["reason"], last["progress"]) == (120, 1, "eval", 120)
    assert last["config"] == {"cell": "gru"} and best["step"] == 60
    assert last_arrays["rng.state"].dtype == np.uint8
    assert last_arrays["model.w"].tolist() == [[120.0, 120.0], [120.0, 120.0]]
    artifacts = {a["path"]: (a["kind"], a["step"]) for a in store.artifacts(run.id)}
    assert artifacts == {
        "checkpoints/last.json": ("checkpoint", 120),
        "checkpoints/best.json": ("checkpoint", 60),
    }


def test_metrics_every_and_time_based_flush(
    store: Store, make_run: MakeRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run()
    batches = count_calls(monkeypatch, store, "log_metrics_many")
    recorder = RunRecorder(store, run.id, metrics_every=10, clock=FakeClock(step=1.5))
    for n in range(1, 41):
        recorder(step(n))
    assert store.metrics(run.id)["train"]["loss"]["step"] == [10, 20, 30, 40]
    assert len(batches) == 4  # a flush every 2 s of the fake clock; only steps with rows write
    assert store.get_run(run.id).steps == 40


def test_steps_are_visible_before_the_run_ends(store: Store, make_run: MakeRun) -> None:
    run = make_run()
    recorder = RunRecorder(store, run.id, flush_steps=50, clock=FakeClock())
    for n in range(1, 76):
        recorder(step(n))
    assert store.get_run(run.id).steps == 50
    assert len(store.metrics(run.id)["train"]["loss"]["step"]) == 50
    recorder.flush()
    assert store.get_run(run.id).steps == 75


def test_a_failed_write_raises_and_loses_nothing(
    store: Store, make_run: MakeRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run()
    recorder = RunRecorder(store, run.id, flush_steps=5, clock=FakeClock())
    real = store.log_metrics_many

    def disk_full(rows: Any) -> int:
        raise RnnlabError("run store: log metrics failed: database or disk is full")

    monkeypatch.setattr(store, "log_metrics_many", disk_full)
    for n in range(1, 5):
        recorder(step(n))
    with pytest.raises(RnnlabError, match="disk is full"):
        recorder(step(5))
    monkeypatch.setattr(store, "log_metrics_many", real)
    recorder(step(6))
    recorder.flush()
    assert store.metrics(run.id)["train"]["loss"]["step"] == [1, 2, 3, 4, 5, 6]


def test_a_closed_store_raises_rnnlab_error(make_run: MakeRun, store: Store) -> None:
    run = make_run()
    recorder = RunRecorder(store, run.id)
    recorder(step(1))  # buffered
    store.close()
    with pytest.raises(RnnlabError, match=r"log metrics of run .* failed"):
        recorder.flush()
    with pytest.raises(RnnlabError, match="failed"):
        recorder(RunEnded(1, "finished", "done"))


def test_a_resumed_run(store: Store, make_run: MakeRun) -> None:
    run = make_run()
    recorder = RunRecorder(store, run.id, clock=FakeClock())
    for n in range(1, 8):
        recorder(step(n))
    recorder(RunEnded(7, "interrupted", "stopped by the user"))
    assert store.get_run(run.id).status == "interrupted"
    resumed = RunRecorder(store, run.id, clock=FakeClock())
    resumed(RunStarted(start_step=5, total_steps=10, steps_per_epoch=10, summary={}))
    assert store.get_run(run.id).finished_at is None
    for n in range(6, 11):
        resumed(step(n))
    resumed(RunEnded(10, "finished", "done"))
    got = store.get_run(run.id)
    assert (got.status, got.steps) == ("finished", 10)
    assert store.metrics(run.id)["train"]["loss"]["step"] == list(range(1, 11))
