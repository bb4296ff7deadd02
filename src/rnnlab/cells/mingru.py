r"""minGRU (Feng et al. 2024, "Were RNNs All We Needed?"): a GRU whose gates see x_t only.

Gate order: z, n (rows of W_xh stacked in that order). There is no W_hh: h_{t-1}
enters only the final mix, so h_t is a linear recurrence in h and training runs as a
parallel scan over time (``mingru_torch.py``); generation steps the same recurrence.

Forward (column vectors, DESIGN.md notation):

.. math::

    zx_t = W_{xh} x_t + b_{ih} = [zx^z_t; zx^n_t]      (2H)
    z_t = \sigma(zx^z_t)            update gate, in (0, 1)
    n_t = g(zx^n_t)                 candidate (the paper's \tilde h_t), > 0
    h_t = (1 - z_t) \odot h_{t-1} + z_t \odot n_t

with g(u) = u + 1/2 for u >= 0 and sigma(u) for u < 0 (``_diagonal.positive``): n_t > 0
keeps the scan's log b_t defined. In the terms of ``_diagonal.py``:
a_t = 1 - z_t, b_t = z_t n_t.

Backward, with dh_t = dL/dh_t (from the output above plus from step t+1):

.. math::

    \delta^z_t = dh_t \odot (n_t - h_{t-1}) \odot z_t (1 - z_t)
    \delta^n_t = dh_t \odot z_t \odot g'(zx^n_t)
    dh_{t-1} \mathrel{+}= dh_t \odot (1 - z_t)

x_t is the input (D), h_t the hidden state (H); W_xh (2H x D) is stored as
``weight_ih_l{k}`` and b_ih (2H) as ``bias_ih_l{k}``. Storage is batch-major rows,
(B, 2H) per step.
"""

from __future__ import annotations

import numpy as np

from rnnlab.cells._diagonal import positive, positive_grad_from_output, scan_cell
from rnnlab.cells.base import Gate
from rnnlab.cells.equation import Eq, Result, Step, forward_of, parts, previous
from rnnlab.cells.functions import sigmoid, sigmoid_grad_from_output
from rnnlab.cells.tape import Tape

Array = np.ndarray


def split_gates(block: Array, hidden_size: int) -> tuple[Array, Array]:
    """Views z, n of a (..., 2H) block."""
    return block[..., :hidden_size], block[..., hidden_size:]


class MinGRUStep:
    """minGRU's gates and coefficients (two gate blocks: G = 2H)."""

    gates = 2

    def activate(self, zx: Array) -> Array:
        H = zx.shape[-1] // 2
        zx_z, zx_n = split_gates(zx, H)
        return np.concatenate([sigmoid(zx_z), positive(zx_n)], axis=-1)  # (..., 2H) z, n

    def coefficients(self, zx: Array, gates: Array) -> tuple[Array, Array]:
        z, n = split_gates(gates, gates.shape[-1] // 2)  # (..., H) each
        return 1.0 - z, z * n  # a_t, b_t

    def gate_deltas(self, zx: Array, gates: Array, h_prev: Array, dh: Array) -> Array:
        z, n = split_gates(gates, gates.shape[-1] // 2)  # (..., H) each
        d_z = dh * (n - h_prev) * sigmoid_grad_from_output(z)
        d_n = dh * z * positive_grad_from_output(n)
        return np.concatenate([d_z, d_n], axis=-1)  # (..., 2H)


# ---------------------------------------------------------------- calculator equations
def _forward_values(tape: Tape, s: int) -> dict[str, Array]:
    z, n = split_gates(tape.gates[s, 0], tape.h.shape[2])
    return {"zx": tape.zx[s, 0], "z": z, "n": n}


def _forward(r: Result, step: Step) -> list[Eq]:
    t, h_prev, z, n = step["t"], previous(r, step, "h"), step["z"], step["n"]
    zx_z, zx_n = parts(step["zx"], 2)
    return [
        Eq(f"zx_{t}", f"W_xh x_{t} + b_ih", [], step["zx"]),
        Eq(f"z_{t}", f"σ(zx^z_{t})", ["σ(", zx_z, ")"], z),
        Eq(f"n_{t}", f"g(zx^n_{t})", ["g(", zx_n, ")"], n),
        Eq(
            f"h_{t}",
            f"(1 - z_{t}) ⊙ h_{t - 1} + z_{t} ⊙ n_{t}",
            ["(1 - ", z, ") ⊙ ", h_prev, " + ", z, " ⊙ ", n],
            step["h"],
        ),
    ]


def _backward(r: Result, step: Step) -> list[Eq]:
    t, fwd, dh = step["t"], forward_of(r, step), step["dh"]
    d_z, d_n = parts(step["delta"], 2)
    h_prev, z, n = previous(r, step, "h"), fwd["z"], fwd["n"]
    return [
        Eq(
            f"δ^z_{t}",
            f"∂L/∂h_{t} ⊙ (n_{t} - h_{t - 1}) ⊙ z_{t} ⊙ (1 - z_{t})",
            [dh, " ⊙ (", n, " - ", h_prev, ") ⊙ ", z, " ⊙ (1 - ", z, ")"],
            d_z,
        ),
        Eq(
            f"δ^n_{t}",
            f"∂L/∂h_{t} ⊙ z_{t} ⊙ g'(zx^n_{t})",
            [dh, " ⊙ ", z, " ⊙ ", step["g_prime"]],
            d_n,
        ),
    ]


CELL = scan_cell(
    name="mingru",
    display_name="minGRU",
    summary="minimal GRU (Feng et al. 2024): update gate and candidate from x_t alone, "
    "h_t = (1 - z_t) h_{t-1} + z_t n_t; trains as a parallel scan (a loop on the CPU)",
    gates=(
        Gate("z", "update gate z"),
        Gate("n", "candidate n", "positive"),
    ),
    step=MinGRUStep,
    forward_values=_forward_values,
    forward=_forward,
    backward=_backward,
    dh_from_next=lambda k: f"(1 - z_{k}) ⊙ ∂L/∂h_{k}",
)
