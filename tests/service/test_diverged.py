"""A run whose loss stops being finite ends as "diverged" and keeps its last good checkpoint."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from rnnlab import service
from rnnlab.train.learner import StepResult

from .conftest import config_path, last_checkpoint, train_interrupted

# A ReLU RNN with SGD at the largest allowed rate and no clipping blows up within a few steps
# (evaluated, and so checkpointed, at every step: it can blow up as early as step 2).
EXPLODING = [
    "model.cell=rnn",
    "model.nonlinearity=relu",
    "model.hidden_size=8",
    "train.optimizer=sgd",
    "train.lr=10",
    "train.clip_grad_norm=null",
    "train.eval_every=1",
    "train.max_steps=60",
]


def nan_at_step(bad_step: int, calls: list[int]):
    """A trainer_hook that makes the learner report a NaN loss at optimiser step `bad_step`."""

    def hook(trainer) -> None:
        real_step = trainer.learner.train_step

        def train_step(batch, carry):
            calls.append(trainer.progress.step + 1)
            if trainer.progress.step + 1 == bad_step:
                return StepResult(math.nan, math.nan, False, False, carry)
            return real_step(batch, carry)

        trainer.learner.train_step = train_step

    return hook


def check_diverged(home: Path, run: dict, bad_step: int) -> None:
    """Status, message, and a last checkpoint at the last good evaluation, all finite."""
    assert run["status"] == "diverged", run["message"]
    assert run["steps"] == bad_step - 1  # the bad step was not taken
    message = run["message"]
    assert f"at step {bad_step}" in message
    kept = re.search(r"last good checkpoint \(step (\d+)\) is kept", message)
    assert kept, message
    val_steps = service.run_metrics(run["id"], home=home)["val"]["val_loss"]["step"]
    arrays, meta = last_checkpoint(home, run["id"])
    assert meta["step"] == val_steps[-1] == int(kept.group(1))
    for key, value in arrays.items():
        if value.dtype.kind == "f":
            assert np.isfinite(value).all(), key
    assert service.list_runs(status="diverged", home=home)[0]["id"] == run["id"]


def test_a_huge_learning_rate_diverges(tmp_path: Path) -> None:
    run = service.train(config_path("forecast"), EXPLODING, home=tmp_path)
    assert run["status"] == "diverged", run["message"]
    bad_step = int(re.search(r"at step (\d+)", run["message"]).group(1))
    check_diverged(tmp_path, run, bad_step)
    assert "train.lr" in run["message"] and "train.clip_grad_norm" in run["message"]
    loss = service.run_metrics(run["id"], home=tmp_path)["train"]["loss"]
    assert loss["step"] == list(range(1, bad_step))  # no row for the bad step


def test_a_nan_loss_at_step_3_keeps_the_checkpoint_of_step_2(tmp_path: Path) -> None:
    calls: list[int] = []
    overrides = ["model.hidden_size=8", "train.eval_every=2", "train.max_steps=10"]
    run = service.train(
        config_path("forecast"), overrides, trainer_hook=nan_at_step(3, calls), home=tmp_path
    )
    assert calls == [1, 2, 3]  # nothing after the bad step
    check_diverged(tmp_path, run, 3)
    assert "non-finite loss" in run["message"]
    assert run["final_metrics"]["step"] == 2


def test_diverging_on_a_resumed_run_keeps_its_checkpoint(tmp_path: Path) -> None:
    overrides = ["model.hidden_size=8", "train.eval_every=2", "train.max_steps=10"]
    first = service.train(
        config_path("forecast"), overrides, trainer_hook=nan_at_step(5, []), home=tmp_path
    )
    check_diverged(tmp_path, first, 5)
    again = service.resume(first["id"], trainer_hook=nan_at_step(7, []), home=tmp_path)
    check_diverged(tmp_path, again, 7)


def test_diverging_before_any_checkpoint_does_not_claim_one_is_kept(tmp_path: Path) -> None:
    """Bug: with no evaluation yet there is no checkpoint, yet the message says one is kept."""
    overrides = ["model.hidden_size=8", "train.max_steps=10"]
    run = service.train(
        config_path("forecast"), overrides, trainer_hook=nan_at_step(1, []), home=tmp_path
    )
    assert run["status"] == "diverged"
    assert run["checkpoints"] == []
    assert "is kept" not in run["message"], run["message"]


def test_the_message_names_the_step_of_the_checkpoint_that_is_kept(tmp_path: Path) -> None:
    """Bug: after an interrupt checkpoint (step 3) the message names the last evaluation's
    step (2) as the kept checkpoint, although resuming would start from step 3."""
    overrides = ["model.hidden_size=8", "train.eval_every=2", "train.max_steps=10"]
    stopped = train_interrupted(config_path("forecast"), overrides, 3, tmp_path)
    assert stopped["status"] == "interrupted"
    run = service.resume(stopped["id"], trainer_hook=nan_at_step(4, []), home=tmp_path)
    assert run["status"] == "diverged"
    _, meta = last_checkpoint(tmp_path, run["id"])
    assert meta["step"] == 3
    assert "last good checkpoint (step 3) is kept" in run["message"], run["message"]
