"""SequenceModel for task tag: a tag distribution per token, each sentence read over its
own length (padding changes nothing), on torch.nn's cells and the generic CellRecurrent."""

from __future__ import annotations

import pytest
import torch

from rnnlab.spec.model import ModelSpec
from rnnlab.torch_engine import SequenceModel, initialise
from rnnlab.torch_engine.cell_layer import CellRecurrent

K, V = 5, 11


def _model(cell: str, explicit: bool = False) -> SequenceModel:
    spec = ModelSpec(cell=cell, hidden_size=6, num_layers=2, bidirectional=True)
    model = SequenceModel(
        "tag", spec, input_size=4, num_outputs=K, vocab_size=V, explicit=explicit
    ).double()
    initialise(model, "default", 0.0, seed=1)
    return model.eval()


@pytest.mark.parametrize(
    ("cell", "explicit"),
    [("lstm", False), ("gru", False), ("gru", True), ("mingru", False), ("lstm-ln", False)],
)
def test_a_sentence_is_tagged_alike_alone_and_padded_in_a_batch(cell: str, explicit: bool) -> None:
    model = _model(cell, explicit)
    assert isinstance(model.rnn, CellRecurrent) == (cell in ("mingru", "lstm-ln"))
    assert model.explicit == explicit  # rnnlab's explicit-BPTT GRU (Python loop here)
    short = torch.tensor([[3], [4], [5]])  # (T=3, B=1)
    batch = torch.tensor([[3, 1], [4, 2], [5, 6], [0, 7], [0, 8]])  # short sentence padded
    with torch.no_grad():
        alone, _ = model(short, torch.tensor([3]))
        together, _ = model(batch, torch.tensor([3, 5]))
    assert alone.shape == (3, 1, K) and together.shape == (5, 2, K)
    torch.testing.assert_close(together[:3, :1], alone, rtol=1e-12, atol=1e-12)


def test_no_gradient_comes_from_padding() -> None:
    model = _model("lstm").train()
    x = torch.tensor([[3, 1], [4, 2], [0, 6]])
    y = torch.tensor([[1, 0], [2, 4], [-100, 3]])  # IGNORE_INDEX at the padding
    logits, _ = model(x, torch.tensor([2, 3]))
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, K), y.reshape(-1))
    loss.backward()
    assert model.embedding.weight.grad[0].abs().sum() == 0  # PAD_ID's row: never read
