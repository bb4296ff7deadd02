r"""minLSTM in torch, for the torch engine's generic layer: a parallel scan over time.

The equations, symbols and parameter stems are those of ``rnnlab.cells.minlstm``. All
pre-activations come from one GEMM; ``sequence`` then runs the recurrence
h_t = f'_t h_{t-1} + i'_t n_t with ``_scan.scan`` (the log-space scan; on the CPU a loop
over t on exp of the same logs), with the normalised
gates taken in logs straight from log f_t and log i_t (d_t = log i_t - log f_t):

.. math::

    \log a_t = \log f'_t = -\mathrm{softplus}(d_t), \qquad
    \log b_t = \log i'_t + \log n_t = -\mathrm{softplus}(-d_t) + \log g(zx^n_t)

and ``step`` runs one step of it directly (generation). Past a sequence's length
(``mask`` 0) the state is carried unchanged and ``hs`` holds it (the layer zeroes
those outputs).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch.nn import functional as F

from rnnlab.cells._scan import log_positive, log_sigmoid, positive, pre_activations, scan_sequence

Tensor = torch.Tensor


def log_coefficients(zx: Tensor) -> tuple[Tensor, Tensor]:
    """log a_t = log f'_t and log b_t = log(i'_t n_t), (T, B, H) each, from zx (T, B, 3H)."""
    zx_i, zx_f, zx_n = zx.chunk(3, dim=-1)  # (T, B, H) each
    d = log_sigmoid(zx_i) - log_sigmoid(zx_f)  # (T, B, H) log i_t - log f_t
    return -F.softplus(d), -F.softplus(-d) + log_positive(zx_n)


def sequence(
    x: Tensor, mask: Tensor | None, p: Mapping[str, Tensor], h0: Tensor, c0: Tensor | None
) -> tuple[Tensor, Tensor, None]:
    """Run one layer-direction over x (T, B, D): (hs (T, B, H), h_T (B, H), None)."""
    return scan_sequence(log_coefficients, x, mask, p, h0)


def step(x: Tensor, p: Mapping[str, Tensor], h: Tensor, c: Tensor | None) -> tuple[Tensor, None]:
    """One step (generation): x (B, D), h (B, H) -> (h_t, None)."""
    zx_i, zx_f, zx_n = pre_activations(x, p).chunk(3, dim=-1)  # (B, H)
    d = log_sigmoid(zx_i) - log_sigmoid(zx_f)  # (B, H) log i_t - log f_t: no 0/0 when both are 0
    return torch.sigmoid(-d) * h + torch.sigmoid(d) * positive(zx_n), None  # f' h + i' n
