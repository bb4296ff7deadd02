"""train.max_seconds, train.threads and the default embedding init."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from rnnlab.events import RunEnded, StepDone
from rnnlab.spec.run import EmbeddingSpec
from rnnlab.train import Trainer, build_learner
from rnnlab.train.embedding_init import initial_embedding
from rnnlab.train.schedules import learning_rate
from tests.train.conftest import prepared_for, small_config


def test_a_wall_clock_budget_ends_the_run_with_a_final_evaluation():
    config = small_config(
        "classify",
        train={"max_steps": None, "epochs": 1000, "max_seconds": 1.5, "probe_every": None},
    )
    prepared = prepared_for(config)
    events: list = []
    started = time.monotonic()
    Trainer(build_learner(config, prepared), prepared, config, [events.append]).fit()
    elapsed = time.monotonic() - started
    ended = events[-1]
    assert isinstance(ended, RunEnded) and ended.status == "finished"
    assert "time budget of 1.5 s reached" in ended.message
    assert elapsed < 1.5 + 5.0  # one step and an evaluation
    assert ended.final_metrics and ended.step < 1000 * 25


def test_cosine_follows_whichever_runs_out_first():
    assert learning_rate("cosine", 1.0, 10, 1000, time_share=0.5) == pytest.approx(0.5)
    assert learning_rate("cosine", 1.0, 500, 1000, time_share=0.1) == pytest.approx(0.5)
    assert learning_rate("cosine", 1.0, 10, 1000, time_share=2.0) == pytest.approx(0.0)


def test_a_cosine_schedule_decays_with_the_time_budget():
    config = small_config(
        "classify",
        train={
            "max_steps": None,
            "epochs": 1000,
            "max_seconds": 1.0,
            "schedule": "cosine",
            "lr": 0.01,
            "probe_every": None,
        },
    )
    prepared = prepared_for(config)
    events: list = []
    Trainer(build_learner(config, prepared), prepared, config, [events.append]).fit()
    rates = [e.lr for e in events if isinstance(e, StepDone)]
    assert rates[0] > 0.009 and rates[-1] < 0.004 and rates == sorted(rates, reverse=True)


def test_threads_sets_torchs_thread_count():
    before = torch.get_num_threads()
    try:
        config = small_config("classify", train={"threads": 2})
        build_learner(config, prepared_for(config))
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_the_default_embedding_is_xavier_uniform():
    assert EmbeddingSpec().init == "xavier"
    config = small_config("classify", embedding={"dim": 8})
    prepared = prepared_for(config)
    E, report = initial_embedding(config, prepared)
    bound = np.sqrt(6 / (len(prepared.vocab) + 8))
    assert report["init"] == "xavier" and np.abs(E).max() <= bound
