"""The layer-normalised LSTM in torch (autograd), for the torch engine's generic layer.

The equations, symbols and parameter stems are those of ``rnnlab.cells.lstm_ln``;
this module writes them with torch operations so autograd differentiates them. One
GEMM and one normalisation give LN(W_xh x_t; gamma_x) + b for every step before the
time loop; the loop does the recurrent GEMM, its normalisation and the cell update.
Past a sequence's length (``mask`` 0) the state is carried unchanged, as in a
PackedSequence, and ``hs`` holds that carried state (the layer zeroes those outputs).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch.nn import functional as F

from rnnlab.cells.lstm_ln import EPS

Tensor = torch.Tensor


def _input_side(x: Tensor, p: Mapping[str, Tensor]) -> Tensor:
    """LN(W_xh x_t; gamma_x) + b for every row of x (..., D) -> (..., 4H)."""
    zx = x @ p["weight_ih"].T  # (..., 4H)
    gain = p["gain_ih"]
    return F.layer_norm(zx, gain.shape, gain, p.get("bias"), EPS)


def _cell(
    input_side: Tensor, p: Mapping[str, Tensor], h: Tensor, c: Tensor
) -> tuple[Tensor, Tensor]:
    """One step from the input side (B, 4H) and the state (B, H) each: (h_t, c_t)."""
    gain_hh, gain_c = p["gain_hh"], p["gain_c"]
    zh = F.layer_norm(h @ p["weight_hh"].T, gain_hh.shape, gain_hh, None, EPS)  # (B, 4H)
    i, f, g, o = (input_side + zh).chunk(4, dim=1)  # (B, H) each
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)  # (B, H)
    n = F.layer_norm(c_new, gain_c.shape, gain_c, p["shift_c"], EPS)  # (B, H)
    return torch.sigmoid(o) * torch.tanh(n), c_new


def sequence(
    x: Tensor, mask: Tensor | None, p: Mapping[str, Tensor], h0: Tensor, c0: Tensor | None
) -> tuple[Tensor, Tensor, Tensor]:
    """Run one layer-direction over x (T, B, D): (hs (T, B, H), h_T (B, H), c_T (B, H))."""
    # unbind, not inputs[t]: each indexing's backward would fill a zero (T, B, 4H) gradient
    # and add it to the others (T^2 traffic, ~40 % of the step at T = 64); unbind's is one stack
    inputs = _input_side(x, p).unbind(0)  # T x (B, 4H)
    h, c = h0, (torch.zeros_like(h0) if c0 is None else c0)  # (B, H) each
    keep = None if mask is None else mask > 0  # (T, B, 1) bool
    hs = []
    for t in range(x.shape[0]):
        h_new, c_new = _cell(inputs[t], p, h, c)
        if keep is None:
            h, c = h_new, c_new
        else:  # past the length: carry the state unchanged
            h, c = torch.where(keep[t], h_new, h), torch.where(keep[t], c_new, c)
        hs.append(h)
    return torch.stack(hs), h, c


def step(x: Tensor, p: Mapping[str, Tensor], h: Tensor, c: Tensor | None) -> tuple[Tensor, Tensor]:
    """One step (generation): x (B, D), h and c (B, H) -> (h_t, c_t)."""
    c = torch.zeros_like(h) if c is None else c
    return _cell(_input_side(x, p), p, h, c)
