"""The embedding lookup's backward: dL/dE sums the rows of every occurrence of a token."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnlab.errors import ShapeError
from rnnlab.reference.embedding import Embedding


def test_backward_equals_torch_with_repeated_and_unused_tokens() -> None:
    rng = np.random.default_rng(0)
    weight = rng.normal(size=(7, 3))  # (V, d); tokens 5 and 6 never occur
    ids = np.array([[0, 4, 4], [2, 0, 4], [1, 1, 0], [4, 2, 3]])  # (T, B)
    dx = rng.normal(size=(4, 3, 3))  # (T, B, d)
    embedding = Embedding(weight)
    np.testing.assert_array_equal(embedding.forward(ids), weight[ids])
    grad = embedding.backward(dx)
    E = torch.tensor(weight, requires_grad=True)
    (torch.nn.functional.embedding(torch.tensor(ids), E) * torch.tensor(dx)).sum().backward()
    np.testing.assert_allclose(grad, E.grad.numpy(), rtol=0, atol=1e-15)
    assert not grad[5:].any()
    expected = np.zeros_like(weight)
    np.add.at(expected, ids.ravel(), dx.reshape(-1, 3))
    np.testing.assert_allclose(grad, expected, rtol=0, atol=1e-15)


def test_backward_of_no_tokens_is_zero() -> None:
    embedding = Embedding(np.ones((4, 2)))
    embedding.forward(np.zeros((0, 3), dtype=np.int64))
    assert not embedding.backward(np.zeros((0, 3, 2))).any()


def test_an_id_outside_the_vocabulary_is_an_error() -> None:
    with pytest.raises(ShapeError, match=r"ids: expected token ids in 0..3, received 0..4"):
        Embedding(np.ones((4, 2))).forward(np.array([[0, 4]]))
