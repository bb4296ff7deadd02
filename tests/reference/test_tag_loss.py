"""The reference engine's tagger loss: cross-entropy over the real tokens only, equal to
torch's ``cross_entropy`` with its default ignore_index, and no gradient at padding."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnlab.reference.sequence_model import SequenceModelNP
from rnnlab.spec.model import ModelSpec

X = -100


def _model() -> SequenceModelNP:
    spec = ModelSpec(cell="gru", hidden_size=3, bidirectional=True)
    return SequenceModelNP("tag", spec, 2, 4, vocab_size=5, dtype=np.float64)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_the_loss_ignores_padding_as_torch_does(reduction: str) -> None:
    rng = np.random.default_rng(0)
    out = rng.normal(size=(3, 2, 4))  # (T, B, K)
    y = np.array([[1, 0], [3, X], [X, X]])  # 3 real tokens
    loss, grad = _model().loss(out, y, reduction)
    logits = torch.tensor(out.reshape(-1, 4), requires_grad=True)
    expected = torch.nn.functional.cross_entropy(
        logits, torch.tensor(y.reshape(-1)), reduction=reduction
    )
    expected.backward()
    assert loss == pytest.approx(expected.detach().item(), rel=1e-12)
    np.testing.assert_allclose(grad.reshape(-1, 4), logits.grad.numpy(), rtol=1e-12)
    assert not grad[2].any() and not grad[1, 1].any()  # padding: no gradient


def test_a_batch_without_real_tokens_has_zero_loss_and_gradient() -> None:
    loss, grad = _model().loss(np.ones((2, 1, 4)), np.full((2, 1), X))
    assert loss == 0.0 and not grad.any()


def test_the_forward_gives_a_distribution_per_step() -> None:
    model = _model()
    out, _ = model.forward(np.array([[1, 2], [3, 0]]), np.array([2, 1]))
    assert out.shape == (2, 2, 4)
