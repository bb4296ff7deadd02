"""minGRU and minLSTM through both engines: the NumPy reference (explicit BPTT, sequential)
and the torch engine (CellRecurrent on the cells' parallel scan) give the same first-step
gradients for every task, and a tiny character LM trains on each."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rnnlab.events import StepDone
from rnnlab.train import Trainer, build_learner
from tests.train.conftest import prepared_for, small_config

SCAN_CELLS = ("mingru", "minlstm")
CASES = list(itertools.product(SCAN_CELLS, ["language-model", "classify", "forecast"]))


def _engine(config, engine: str):
    return config.model_copy(update={"train": config.train.model_copy(update={"engine": engine})})


@pytest.mark.parametrize(("cell", "task"), CASES, ids=[f"{c}-{t}" for c, t in CASES])
def test_first_step_gradients_agree_across_engines(cell: str, task: str) -> None:
    # classify: two bidirectional layers over padded sentences (lengths, reversed masks)
    model = {"cell": cell, "num_layers": 2, "bidirectional": task == "classify"}
    config = small_config(task, model=model)
    prepared = prepared_for(config)
    torch_learner = build_learner(config, prepared, dtype="float64")
    numpy_learner = build_learner(_engine(config, "numpy"), prepared, dtype="float64")
    batch = next(iter(Trainer(torch_learner, prepared, config).batches("train", 0)))
    for key, value in torch_learner.model_arrays().items():
        np.testing.assert_array_equal(numpy_learner.model_arrays()[key], value)
    torch_grads, numpy_grads = torch_learner.gradients(batch), numpy_learner.gradients(batch)
    assert set(torch_grads) == set(numpy_grads)
    assert any(key.startswith("rnn.weight_ih_l1") for key in torch_grads)
    for key, value in torch_grads.items():
        np.testing.assert_allclose(numpy_grads[key], value, rtol=1e-9, atol=1e-11, err_msg=key)


@pytest.mark.parametrize(
    ("cell", "engine"), list(itertools.product(SCAN_CELLS, ["torch", "numpy"]))
)
def test_a_tiny_char_lm_trains(cell: str, engine: str) -> None:
    config = small_config(
        "language-model",
        model={"cell": cell, "hidden_size": 16},
        train={"engine": engine, "max_steps": 12, "lr": 0.02},
    )
    prepared = prepared_for(config)
    events: list = []
    ended = Trainer(build_learner(config, prepared), prepared, config, [events.append]).fit(None)
    losses = [e.loss for e in events if isinstance(e, StepDone)]
    assert ended.status == "finished" and len(losses) == 12
    assert np.isfinite(losses).all()
    assert np.mean(losses[-3:]) < np.mean(losses[:3])


def test_minlstm_forget_bias_shifts_the_f_block_of_bias_ih() -> None:
    arrays = []
    for forget_bias in (0.0, 1.5):
        config = small_config(
            "language-model", model={"cell": "minlstm", "forget_bias": forget_bias}
        )
        arrays.append(build_learner(config, prepared_for(config)).model_arrays())
    H = 8
    shift = arrays[1]["rnn.bias_ih_l0"] - arrays[0]["rnn.bias_ih_l0"]  # blocks i, f, n
    np.testing.assert_allclose(shift, np.repeat([0.0, 1.5, 0.0], H), atol=1e-6)
