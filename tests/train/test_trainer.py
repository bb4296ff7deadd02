"""The training loop: events, evaluation, early stopping, stop requests, divergence, TBPTT."""

from __future__ import annotations

import math
import resource

import numpy as np
import pytest

from rnnlab.events import CheckpointReady, Evaluated, ProbeTaken, RunStarted, StepDone
from rnnlab.train import StepResult, Trainer, build_learner
from tests.train.conftest import prepared_for, small_config


def run(config, subscribers=(), hook=None, resume=None):
    prepared = prepared_for(config)
    events: list = []
    trainer = Trainer(
        build_learner(config, prepared), prepared, config, [events.append, *subscribers]
    )
    if hook is not None:
        hook(trainer)
    ended = trainer.fit(resume)
    return trainer, events, ended


def of(events, kind):
    return [e for e in events if isinstance(e, kind)]


@pytest.mark.parametrize("task", ["language-model", "classify", "forecast"])
def test_events_in_order_and_the_loss_goes_down(task):
    config = small_config(
        task,
        model={"hidden_size": 16},
        train={"epochs": 3, "max_steps": None, "lr": 0.01, "batch_size": 32},
    )
    trainer, events, ended = run(config)
    assert isinstance(events[0], RunStarted) and events[-1] is ended
    steps = of(events, StepDone)
    assert [s.step for s in steps] == list(range(1, trainer.total_steps + 1))
    assert trainer.total_steps == 3 * trainer.steps_per_epoch
    evals = of(events, Evaluated)
    assert [e.step for e in evals] == [trainer.steps_per_epoch * k for k in (1, 2, 3)]
    assert evals[-1].metrics["val_loss"] < evals[0].metrics["val_loss"] or task == "classify"
    first, last = np.mean([s.loss for s in steps[:3]]), np.mean([s.loss for s in steps[-3:]])
    assert last < first
    assert ended.status == "finished" and ended.final_metrics == evals[-1].metrics
    assert all(s.grad_norm > 0 and s.tokens > 0 for s in steps)


def test_eval_every_and_max_steps_mid_epoch_end_with_a_final_evaluation():
    config = small_config("forecast", train={"max_steps": 7, "eval_every": 3})
    _, events, ended = run(config)
    assert [e.step for e in of(events, Evaluated)] == [3, 6, 7]
    assert [(c.step, c.reason) for c in of(events, CheckpointReady)] == [
        (3, "eval"),
        (6, "eval"),
        (7, "end"),
    ]
    assert ended.step == 7


def test_early_stopping_after_patience_evaluations_without_improvement():
    config = small_config(
        "classify",
        train={
            "lr": 0.05,
            "eval_every": 1,
            "max_steps": 200,
            "early_stopping_patience": 2,
            "select_by": "loss",  # tests/train/test_select_by.py: the other metrics
        },
    )
    _, events, ended = run(config)
    losses = [e.metrics["val_loss"] for e in of(events, Evaluated)]
    assert ended.status == "early-stopped" and len(losses) < 200
    best = min(range(len(losses)), key=losses.__getitem__)
    assert len(losses) - 1 - best == 2  # two evaluations after the best
    assert "did not improve for 2 evaluations" in ended.message


def test_request_stop_ends_with_an_interrupt_checkpoint_after_the_current_step():
    config = small_config("language-model", train={"max_steps": 50})
    holder = {}

    def stop_at_4(event):
        if isinstance(event, StepDone) and event.step == 4:
            holder["trainer"].request_stop()

    _, events, ended = run(config, [stop_at_4], hook=lambda t: holder.update(trainer=t))
    assert ended.status == "interrupted" and ended.step == 4
    checkpoint = of(events, CheckpointReady)[-1]
    assert checkpoint.reason == "interrupt" and checkpoint.meta["progress"]["step"] == 4
    assert {"carry.h", "carry.c"} <= set(checkpoint.arrays)  # the LM's carried state
    assert any(k.startswith("optim.") for k in checkpoint.arrays)


def test_a_non_finite_loss_ends_the_run_as_diverged_without_a_checkpoint():
    config = small_config("forecast", train={"max_steps": 12, "eval_every": 2})

    def poison(trainer):
        real_step = trainer.learner.train_step

        def step(batch, carry):
            result = real_step(batch, carry)
            if trainer.progress.step == 4:  # the 5th step goes bad
                return StepResult(math.nan, math.inf, False, False, None)
            return result

        trainer.learner.train_step = step

    _, events, ended = run(config, hook=poison)
    assert ended.status == "diverged" and ended.step == 4
    assert "at step 5" in ended.message and "last good checkpoint (step 4)" in ended.message
    assert [c.step for c in of(events, CheckpointReady)] == [2, 4]
    assert len(of(events, StepDone)) == 4


def test_huge_learning_rate_really_diverges():
    config = small_config(
        "forecast",
        model={"cell": "rnn", "nonlinearity": "relu", "init": "identity"},
        train={"optimizer": "sgd", "lr": 10.0, "clip_grad_norm": None, "max_steps": 40},
    )
    _, _, ended = run(config)
    assert ended.status == "diverged" and "non-finite" in ended.message


def test_clipping_records_the_pre_clip_norm_and_flags_it():
    config = small_config("classify", train={"clip_grad_norm": 1e-3, "max_steps": 3})
    _, events, _ = run(config)
    steps = of(events, StepDone)
    assert all(s.clipped and s.grad_norm > 1e-3 for s in steps)
    unclipped = small_config("classify", train={"clip_grad_norm": None, "max_steps": 3})
    assert not any(s.clipped for s in of(run(unclipped)[1], StepDone))


def test_truncated_bptt_carries_a_detached_state_without_growth():
    config = small_config(
        "language-model",
        data={"path": "sample:tiny_stories", "seq_len": 8},
        train={"batch_size": 4},
    )
    prepared = prepared_for(config)
    learner = build_learner(config, prepared)
    trainer = Trainer(learner, prepared, config)
    carry, rss = None, []
    for index, batch in enumerate(trainer.batches("train", 0)):
        result = learner.train_step(batch, carry)  # would fail if the graph reached back
        carry = result.carry
        assert all(c.grad_fn is None and not c.requires_grad for c in carry)
        rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        if index == 100:
            break
    assert index == 100
    assert rss[-1] - rss[10] < 20_000  # KiB: no growth per window


def test_sequences_longer_than_seq_len_are_probed_when_due():
    """synthetic:copy's sequences hold T + 20 steps (data.seq_len is T): each batch is
    whole, not a stream's short last window, so a due probe is taken at once."""
    config = small_config(
        "language-model",
        data={"path": "synthetic:copy?n=40&val=8", "seq_len": 5},
        train={"max_steps": 4, "probe_every": 2},
    )
    _, events, _ = run(config)
    flows = [e for e in events if isinstance(e, ProbeTaken) and e.kind == "gradient_flow"]
    assert [e.step for e in flows] == [1, 2, 4]
    assert {e.payload["time_steps"] for e in flows} == {5 + 20}
