"""Generation's NumPy stepper (rnnlab.reference.stepping): a classic cell's reference step,
one token at a time, equals the torch model over the whole prefix; other cells have none."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnlab.reference import stepping
from rnnlab.reference.stepping import ReferenceStepper, reference_step_cell
from rnnlab.spec.model import ModelSpec
from rnnlab.torch_engine import to_numpy
from rnnlab.torch_engine.model import SequenceModel

CLASSIC = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]


def language_model(cell: str, nonlinearity: str, layers: int = 2) -> SequenceModel:
    torch.manual_seed(0)
    spec = ModelSpec(cell=cell, hidden_size=8, num_layers=layers, nonlinearity=nonlinearity)
    model = SequenceModel("language-model", spec, input_size=6, num_outputs=11, vocab_size=11)
    return model.eval()


@pytest.mark.parametrize("table", [True, False])
@pytest.mark.parametrize(("cell", "nonlinearity"), CLASSIC)
def test_steps_equal_the_torch_model_over_every_prefix(
    cell: str, nonlinearity: str, table: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not table:  # the first layer's input side by a GEMM per step instead of a table row
        monkeypatch.setattr(stepping, "TABLE_LIMIT", 0)
    model = language_model(cell, nonlinearity)
    prompts = torch.tensor([[3, 5], [9, 4], [2, 2]])  # (T = 3, n = 2)
    later = [[7, 1], [4, 4], [10, 3]]  # the next ids of each sample
    step = reference_step_cell(cell, nonlinearity)
    stepper = ReferenceStepper(cell, step, to_numpy(model), 2, n=2)
    assert (stepper.table is None) == (not table)
    with torch.no_grad():
        _, state = model(prompts)
        h, c = state if isinstance(state, tuple) else (state, None)
        stepper.prime(h.numpy(), None if c is None else c.numpy())
        seen = prompts
        for ids in later:
            logits = stepper.advance(ids)  # (n, V)
            seen = torch.cat([seen, torch.tensor([ids])])
            full, _ = model(seen)  # the whole prefix again
            np.testing.assert_allclose(logits, full[-1].numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell", ["lstm-ln", "mingru", "minlstm"])
def test_cells_without_a_one_step_reference_have_no_numpy_stepper(cell: str) -> None:
    assert reference_step_cell(cell, "tanh") is None
