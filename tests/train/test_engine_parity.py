"""The two engines train the same model: first-step gradients and updated weights agree.

Both learners start from the same seeded weights (build_learner initialises once in
PyTorch); in float64 their gradients on the first batch must be identical to
rounding, for every task and cell, and so must the weights after an optimiser step.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rnnlab.train import build_learner
from rnnlab.train.trainer import Trainer
from tests.train.conftest import prepared_for, small_config

CASES = [
    *itertools.product(
        ["language-model", "classify", "forecast", "tag"],
        [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")],
    ),
    ("tag", ("mingru", "tanh")),  # generic cells: CellRecurrent's lengths and the scan
    ("tag", ("lstm-ln", "tanh")),
]


def _twins(task: str, cell: str, nonlinearity: str, **model):
    bidirectional = task in ("classify", "tag")
    config = small_config(
        task,
        model={
            "cell": cell,
            "nonlinearity": nonlinearity,
            "num_layers": 2,
            "bidirectional": bidirectional,
            **model,
        },
    )
    prepared = prepared_for(config)
    torch_learner = build_learner(config, prepared, dtype="float64")
    numpy_config = config.model_copy(
        update={"train": config.train.model_copy(update={"engine": "numpy"})}
    )
    numpy_learner = build_learner(numpy_config, prepared, dtype="float64")
    batch = next(iter(Trainer(torch_learner, prepared, config).batches("train", 0)))
    return torch_learner, numpy_learner, batch


@pytest.mark.parametrize(("task", "cell"), CASES, ids=[f"{t}-{c[0]}-{c[1]}" for t, c in CASES])
def test_first_step_gradients_are_identical_across_engines(task, cell):
    torch_learner, numpy_learner, batch = _twins(task, *cell)
    for key, value in torch_learner.model_arrays().items():
        np.testing.assert_array_equal(numpy_learner.model_arrays()[key], value)
    torch_grads, numpy_grads = torch_learner.gradients(batch), numpy_learner.gradients(batch)
    assert set(torch_grads) == set(numpy_grads)
    for key, value in torch_grads.items():
        np.testing.assert_allclose(numpy_grads[key], value, rtol=1e-9, atol=1e-11, err_msg=key)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop"])
def test_one_training_step_updates_both_engines_alike(optimizer):
    config = small_config(
        "classify",
        model={"cell": "gru", "bidirectional": True},
        train={
            "optimizer": optimizer,
            "momentum": 0.5 if optimizer in ("sgd", "rmsprop") else 0.0,
            "weight_decay": 0.01,
            "clip_grad_norm": 0.5,
        },
    )
    prepared = prepared_for(config)
    learners = [
        build_learner(
            config.model_copy(update={"train": config.train.model_copy(update={"engine": engine})}),
            prepared,
            dtype="float64",
        )
        for engine in ("torch", "numpy")
    ]
    batch = next(iter(Trainer(learners[0], prepared, config).batches("train", 0)))
    results = [learner.train_step(batch, None) for learner in learners]
    assert results[0].grad_norm == pytest.approx(results[1].grad_norm, rel=1e-9)
    assert results[0].clipped and results[1].clipped  # 0.5 is below the norm
    for key, value in learners[0].model_arrays().items():
        np.testing.assert_allclose(
            learners[1].model_arrays()[key], value, rtol=1e-9, atol=1e-11, err_msg=key
        )


def test_language_model_carried_state_matches_across_engines():
    torch_learner, numpy_learner, _ = _twins("language-model", "lstm", "tanh")
    config = small_config("language-model")
    prepared = prepared_for(config)
    batches = list(Trainer(torch_learner, prepared, config).batches("train", 0))[:3]
    carry_t = carry_n = None
    for batch in batches:
        out_t = torch_learner.eval_batch(batch, carry_t)
        out_n = numpy_learner.eval_batch(batch, carry_n)
        assert out_t.loss_sum == pytest.approx(out_n.loss_sum, rel=1e-10)
        carry_t, carry_n = out_t.carry, out_n.carry
    np.testing.assert_allclose(carry_n[0], carry_t[0].cpu().numpy(), atol=1e-12)
