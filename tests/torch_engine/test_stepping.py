"""Token-by-token stepping equals running the whole prefix through the sequence model."""

from __future__ import annotations

import pytest
import torch

from rnnlab.errors import ConfigError
from rnnlab.spec.model import ModelSpec
from rnnlab.torch_engine.model import SequenceModel
from rnnlab.torch_engine.stepping import TokenStepper


@pytest.mark.parametrize(
    ("cell", "nonlinearity"),
    [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu"), ("lstm-ln", "tanh")],
)
def test_steps_equal_the_sequence_model_on_every_prefix(cell, nonlinearity):
    torch.manual_seed(0)
    spec = ModelSpec(cell=cell, hidden_size=8, num_layers=2, nonlinearity=nonlinearity)
    model = SequenceModel("language-model", spec, input_size=6, num_outputs=11, vocab_size=11)
    model.eval()
    tokens = [3, 5, 2, 9, 9, 4]
    stepper = TokenStepper(model)
    with torch.inference_mode():
        _, sequence_state = model(torch.tensor(tokens[:2])[:, None])
        state = stepper.from_sequence_state(sequence_state)
        for k in range(2, len(tokens)):
            stepped, state = stepper.step(tokens[k], state)
            full, _ = model(torch.tensor(tokens[: k + 1])[:, None])  # recompute the prefix
            torch.testing.assert_close(stepped, full[-1, 0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell", ["lstm", "mingru"])
def test_a_batch_of_samples_steps_like_each_sample_alone(cell):
    """B ids at once (an index tensor) equal each id alone (a slice of the embedding)."""
    torch.manual_seed(1)
    spec = ModelSpec(cell=cell, hidden_size=8, num_layers=2)
    model = SequenceModel("language-model", spec, input_size=6, num_outputs=11, vocab_size=11)
    model.eval()
    prompts = torch.tensor([[3, 5, 2], [9, 4, 7]]).T  # (T=3, B=2)
    stepper = TokenStepper(model)
    with torch.inference_mode():
        _, batch_state = model(prompts)
        together, _ = stepper.advance([6, 1], stepper.from_sequence_state(batch_state))  # (2, V)
        for b, token in enumerate([6, 1]):
            _, one_state = model(prompts[:, b : b + 1])
            alone, _ = stepper.advance([token], stepper.from_sequence_state(one_state))
            torch.testing.assert_close(together[b], alone[0], rtol=1e-5, atol=1e-6)


def test_only_unidirectional_language_models_step():
    spec = ModelSpec(cell="gru", hidden_size=4, bidirectional=True)
    model = SequenceModel("classify", spec, 4, 2, vocab_size=5)
    with pytest.raises(ConfigError, match="unidirectional language model"):
        TokenStepper(model)
