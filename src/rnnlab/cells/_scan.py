r"""The log-space parallel scan of minGRU and minLSTM in torch (autograd differentiates it).

Both cells reduce to the diagonal linear recurrence of ``_diagonal.py``,
h_t = a_t \odot h_{t-1} + b_t with 0 < a_t <= 1 and b_t > 0 (per unit, H). Unrolled,

.. math::

    A_t = \prod_{k \le t} a_k, \qquad
    h_t = A_t \odot h_0 + \sum_{k \le t} (A_t / A_k) \odot b_k
        = A_t \odot h_0 + \exp\big(\log A_t + \mathrm{LCSE}_{k \le t}(\log b_k - \log A_k)\big)

(LCSE: log-cumsum-exp), so every h_t comes out of one cumulative sum (log A_t) and
one ``torch.logcumsumexp`` over time, with no loop over t: the scan Feng et al. 2024
use (after Heinsen 2023). Working in logs keeps the products A_t (which underflow after
a few hundred steps) representable; the cells pass log a_t and log b_t computed from
their pre-activations (``log_sigmoid``, ``log_positive``), never the log of a rounded
value. h_0 enters linearly, so it may be zero or negative (the logs need only b_t > 0).

Precision: log A_t grows like -t (about -0.7 t for gates near 1/2), and the sum above
adds and removes it, so float32 would lose about |log A_t| * 6e-8 in relative terms,
growing with T. ``scan`` therefore runs the closed form over chunks of ``CHUNK`` steps
and carries h from one chunk to the next (T / CHUNK sequential steps, each parallel
over its chunk): the error no longer grows with T (``tests/cells/test_scan.py`` states
the bound it checks at T = 512).

On the CPU ``scan`` runs none of that: it takes a_t = exp(log a_t), b_t = exp(log b_t)
and loops over t (``DiagonalLoop``, an autograd Function whose backward is the reverse
loop dL/dh_{t-1} = a_t dL/dh_t, dL/da_t = dL/dh_t h_{t-1}, dL/db_t = dL/dh_t, as in
``_diagonal.py``). A CPU gains nothing from the parallel form: at config a (T 64, B 32,
H 128, forward and backward) the loop took 1.9 ms against 36 ms for the log-space scan,
whose ``logcumsumexp`` dominates, and 23 ms against 300 ms at T = 512; the loop is exact
(0 < a_t <= 1 and nothing is divided). On a GPU the T sequential launches would cost
more than the scan's handful, so there the log-space scan runs (``log_space_scan``).

Masks (PackedSequence semantics): past a sequence's length a_t = 1 and b_t = 0
(log a_t = 0, log b_t = -inf), so the state is carried unchanged.

Shapes: log_a, log_b (T, B, H); h0 (B, H); mask (T, B, 1) or None; result (T, B, H).

Also here: what the cells' torch modules share (``scan_sequence``: one GEMM, the cell's
log a_t and log b_t, the scan), so a scan cell's module holds only its own maths.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch.nn import functional as F

Tensor = torch.Tensor


def widened(zx: Tensor) -> Tensor:
    """Pre-activations in float32 at least: under autocast (bf16, fp16) the GEMM gives 8 or
    11 bits of mantissa, too few for logs summed over a chunk; float64 stays float64."""
    return zx if zx.dtype in (torch.float32, torch.float64) else zx.float()


def positive(u: Tensor) -> Tensor:
    """g(u) = u + 1/2 for u >= 0, sigmoid(u) below (``_diagonal.positive``)."""
    return torch.where(u >= 0, u + 0.5, torch.sigmoid(u))


def log_positive(u: Tensor) -> Tensor:
    """log g(u), computed without forming g: log(u + 1/2) for u >= 0, log sigmoid(u) below."""
    return torch.where(u >= 0, torch.log(u.clamp(min=0.0) + 0.5), F.logsigmoid(u))


def log_sigmoid(u: Tensor) -> Tensor:
    """log sigmoid(u) = -softplus(-u), finite for every u."""
    return F.logsigmoid(u)


CHUNK = 64  # steps per log-space scan; the state is carried from one chunk to the next


def scan(
    log_a: Tensor, log_b: Tensor, h0: Tensor, mask: Tensor | None, log_space: bool | None = None
) -> Tensor:
    """h_t = a_t h_{t-1} + b_t for t = 1..T from log a_t, log b_t (T, B, H): (T, B, H).
    log_space: the log-space scan (True) or the loop over t (False); None chooses by
    device, the loop on the CPU (module docstring)."""
    if mask is not None:  # past the length: a_t = 1, b_t = 0 (carry the state)
        keep = mask > 0  # (T, B, 1)
        log_a = torch.where(keep, log_a, torch.zeros_like(log_a))
        log_b = torch.where(keep, log_b, torch.full_like(log_b, float("-inf")))
    if log_space is None:
        log_space = log_a.device.type != "cpu"
    if not log_space:
        return DiagonalLoop.apply(torch.exp(log_a), torch.exp(log_b), h0)  # (T, B, H)
    return log_space_scan(log_a, log_b, h0)


class DiagonalLoop(torch.autograd.Function):
    """h_t = a_t h_{t-1} + b_t by a loop over t; backward loops back (module docstring)."""

    @staticmethod
    def forward(ctx: Any, a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
        hs = torch.empty_like(b)  # (T, B, H)
        h = h0  # (B, H)
        for t in range(a.shape[0]):
            h = torch.addcmul(b[t], a[t], h, out=hs[t])  # (B, H) a_t h_{t-1} + b_t
        ctx.save_for_backward(a, hs, h0)
        return hs

    @staticmethod
    def backward(ctx: Any, d_hs: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        a, hs, h0 = ctx.saved_tensors
        d_b = torch.empty_like(hs)  # (T, B, H) dL/db_t = dL/dh_t in total
        carry = torch.zeros_like(h0)  # (B, H) dL/dh_t from step t + 1
        for t in range(a.shape[0] - 1, -1, -1):
            d_h = torch.add(d_hs[t], carry, out=d_b[t])  # (B, H)
            carry = a[t] * d_h  # (B, H) dL/dh_{t-1}
        h_prev = torch.cat([h0.unsqueeze(0), hs[:-1]])  # (T, B, H) h_{t-1}
        return d_b * h_prev, d_b, carry  # dL/da_t, dL/db_t, dL/dh_0


def log_space_scan(log_a: Tensor, log_b: Tensor, h0: Tensor) -> Tensor:
    """The chunked closed form of the module docstring: (T, B, H) from log a_t, log b_t
    (T, B, H) and h0 (B, H), every sequence masked already."""
    chunks, h = [], h0  # (B, H)
    for start in range(0, log_a.shape[0], CHUNK):
        hs = _scan_chunk(log_a[start : start + CHUNK], log_b[start : start + CHUNK], h)
        chunks.append(hs)
        h = hs[-1]  # (B, H) the next chunk's h_0
    return chunks[0] if len(chunks) == 1 else torch.cat(chunks)  # (T, B, H)


def _scan_chunk(log_a: Tensor, log_b: Tensor, h0: Tensor) -> Tensor:
    """The closed form of the module docstring over one chunk (C, B, H), from h0 (B, H)."""
    log_A = torch.cumsum(log_a, dim=0)  # (C, B, H) log of a_1 ... a_t
    log_sum = torch.logcumsumexp(log_b - log_A, dim=0)  # (C, B, H)
    return torch.exp(log_A + log_sum) + torch.exp(log_A) * h0  # (C, B, H)


# ------------------------------------------------- what the scan cells' torch modules share
LogCoefficients = Callable[[Tensor], tuple[Tensor, Tensor]]


def pre_activations(x: Tensor, p: Mapping[str, Tensor]) -> Tensor:
    """zx = W_xh x + b_ih, (..., G) from x (..., D): every gate's pre-activation, one GEMM."""
    return F.linear(x, p["weight_ih"], p.get("bias_ih"))


def scan_sequence(
    log_coefficients: LogCoefficients,
    x: Tensor,
    mask: Tensor | None,
    p: Mapping[str, Tensor],
    h0: Tensor,
) -> tuple[Tensor, Tensor, None]:
    """A scan cell's ``sequence`` over x (T, B, D): (hs (T, B, H), h_T (B, H), None), with
    the cell's own ``log_coefficients``: widened zx (T, B, G) -> log a_t, log b_t (T, B, H)."""
    log_a, log_b = log_coefficients(widened(pre_activations(x, p)))
    hs = scan(log_a, log_b, h0, mask)  # (T, B, H)
    return hs, hs[-1], None
