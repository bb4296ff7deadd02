r"""minGRU in torch, for the torch engine's generic layer: a parallel scan over time.

The equations, symbols and parameter stems are those of ``rnnlab.cells.mingru``. All
pre-activations come from one GEMM; ``sequence`` then runs the recurrence
h_t = (1 - z_t) h_{t-1} + z_t n_t with ``_scan.scan`` (the log-space scan; on the CPU
a loop over t on exp of the same logs) from

.. math::

    \log a_t = \log(1 - z_t) = \log\sigma(-zx^z_t), \qquad
    \log b_t = \log z_t + \log n_t = \log\sigma(zx^z_t) + \log g(zx^n_t)

and ``step`` runs one step of it directly (generation). Past a sequence's length
(``mask`` 0) the state is carried unchanged and ``hs`` holds it (the layer zeroes
those outputs).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from rnnlab.cells._scan import log_positive, log_sigmoid, positive, pre_activations, scan_sequence

Tensor = torch.Tensor


def log_coefficients(zx: Tensor) -> tuple[Tensor, Tensor]:
    """log a_t = log(1 - z_t) and log b_t = log(z_t n_t), (T, B, H) each, from zx (T, B, 2H)."""
    zx_z, zx_n = zx.chunk(2, dim=-1)  # (T, B, H) each
    return log_sigmoid(-zx_z), log_sigmoid(zx_z) + log_positive(zx_n)


def sequence(
    x: Tensor, mask: Tensor | None, p: Mapping[str, Tensor], h0: Tensor, c0: Tensor | None
) -> tuple[Tensor, Tensor, None]:
    """Run one layer-direction over x (T, B, D): (hs (T, B, H), h_T (B, H), None)."""
    return scan_sequence(log_coefficients, x, mask, p, h0)


def step(x: Tensor, p: Mapping[str, Tensor], h: Tensor, c: Tensor | None) -> tuple[Tensor, None]:
    """One step (generation): x (B, D), h (B, H) -> (h_t, None)."""
    zx_z, zx_n = pre_activations(x, p).chunk(2, dim=-1)  # (B, H)
    z = torch.sigmoid(zx_z)  # (B, H)
    return (1.0 - z) * h + z * positive(zx_n), None
