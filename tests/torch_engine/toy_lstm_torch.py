"""A test-only cell's torch module: the LSTM (gate order i f g o) as ``sequence`` / ``step``.

Registered by the tests as a copy of the ``lstm`` cell without torch.nn's form: the
generic layer's cell-state path must then equal nn.LSTM on the same weights.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

Tensor = torch.Tensor


def step(x: Tensor, p: Mapping[str, Tensor], h: Tensor, c: Tensor | None) -> tuple[Tensor, Tensor]:
    """One step: x (B, D), h and c (B, H) -> (h_t, c_t)."""
    z = x @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"]  # (B, 4H)
    i, f, g, o = z.chunk(4, dim=1)  # (B, H) each
    c = torch.sigmoid(f) * (torch.zeros_like(h) if c is None else c)
    c = c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def sequence(
    x: Tensor, mask: Tensor | None, p: Mapping[str, Tensor], h0: Tensor, c0: Tensor | None
) -> tuple[Tensor, Tensor, Tensor]:
    """(hs (T, B, H), h_T, c_T); past a length (mask 0) the state is carried."""
    h, c, hs = h0, c0, []
    for t in range(x.shape[0]):
        h_new, c_new = step(x[t], p, h, c)
        if mask is None:
            h, c = h_new, c_new
        else:
            keep = mask[t] > 0  # (B, 1)
            h, c = torch.where(keep, h_new, h), torch.where(keep, c_new, c)
        hs.append(h)
    return torch.stack(hs), h, c
