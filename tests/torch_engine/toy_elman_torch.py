"""A test-only cell's torch module: the Elman RNN written as ``sequence`` / ``step``.

Registered by the tests (``cell_fixtures.toy_cells``) as a copy of the ``rnn`` cell
without torch.nn's form, so torch_engine must run it through CellRecurrent; its results
must then equal nn.RNN's on the same weights.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

Tensor = torch.Tensor


def step(
    x: Tensor, p: Mapping[str, Tensor], h: Tensor, c: Tensor | None, nonlinearity: str = "tanh"
) -> tuple[Tensor, None]:
    """h_t = f(W_xh x_t + b_ih + W_hh h_{t-1} + b_hh): x (B, D), h (B, H)."""
    f = torch.relu if nonlinearity == "relu" else torch.tanh
    z = x @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"]  # (B, H)
    return f(z), None


def sequence(
    x: Tensor,
    mask: Tensor | None,
    p: Mapping[str, Tensor],
    h0: Tensor,
    c0: Tensor | None,
    nonlinearity: str = "tanh",
) -> tuple[Tensor, Tensor, None]:
    """(hs (T, B, H), h_T, None); past a length (mask 0) the state is carried."""
    h, hs = h0, []
    for t in range(x.shape[0]):
        new, _ = step(x[t], p, h, None, nonlinearity)
        h = new if mask is None else torch.where(mask[t] > 0, new, h)
        hs.append(h)
    return torch.stack(hs), h, None
