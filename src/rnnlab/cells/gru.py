r"""GRU cell: one time step forward, and its BPTT step right under it.

Gate order is PyTorch's: r, z, n (rows of W_xh and W_hh stacked in that order).
Following PyTorch, the reset gate multiplies the *hidden-side* candidate term,
bias included, so b_in and b_hn cannot be merged into one b_n.

Forward (column vectors, DESIGN.md notation):

.. math::

    r_t = \sigma(W_{xr} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr})
    z_t = \sigma(W_{xz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz})
    n_t = \tanh(W_{xn} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))
    h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}

Backward, with dh_t = dL/dh_t (from the output above plus from step t+1) and
zh^n_t = W_hn h_{t-1} + b_hn:

.. math::

    \delta^n_t = dh_t \odot (1 - z_t) \odot (1 - n_t^2)
    \delta^z_t = dh_t \odot (h_{t-1} - n_t) \odot z_t (1 - z_t)
    \delta^r_t = \delta^n_t \odot zh^n_t \odot r_t (1 - r_t)
    dh_{t-1} = dh_t \odot z_t + W_{hh}^T [\delta^r_t; \delta^z_t; r_t \odot \delta^n_t]

The input side takes delta = [delta^r; delta^z; delta^n]; the hidden side takes
delta_h = [delta^r; delta^z; r * delta^n]. W_xh (3H x D) is PyTorch's
``weight_ih_l{k}``, W_hh (3H x H) ``weight_hh_l{k}``; storage is batch-major rows.
Note: ``z`` here is the update gate; the tape's ``z`` field holds the gate
pre-activations (the z_t of the RNN equations).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from rnnlab.cells._gated import GatedRecurrence
from rnnlab.cells.base import CellType, Gate, torch_layout
from rnnlab.cells.equation import (
    TORCH_SPELLING,
    Eq,
    Result,
    Step,
    forward_of,
    hooks,
    layout_gradients,
    parts,
    previous,
)
from rnnlab.cells.functions import sigmoid, sigmoid_grad_from_output, tanh_grad_from_output
from rnnlab.cells.tape import Tape

Array = np.ndarray


def split_gates(block: Array, hidden_size: int) -> tuple[Array, Array, Array]:
    """Views r, z, n of a (..., 3H) block."""
    H = hidden_size
    return block[..., :H], block[..., H : 2 * H], block[..., 2 * H :]


class GRUCell:
    """Gated recurrent unit (three gate blocks: G = 3H)."""

    name = "gru"
    gates = 3
    has_cell_state = False
    same_delta = False  # n's hidden side is gated by r: delta_h^n = r * delta^n

    def step_forward(self, tape: Tape, s: int, W_hh: Array, b_hh: Array) -> None:
        H = tape.h.shape[2]
        h_prev = tape.h[s]  # (B, H)
        zh = np.matmul(h_prev, W_hh.T, out=tape.zh[s])  # (B, 3H) W_hh h_{t-1}
        zh += b_hh  # (B, 3H)
        zx = tape.zx[s]  # (B, 3H)
        pre = tape.z[s]  # (B, 3H) pre-activations
        np.add(zx[:, : 2 * H], zh[:, : 2 * H], out=pre[:, : 2 * H])
        act = tape.gates[s]  # (B, 3H)
        sigmoid(pre[:, : 2 * H], out=act[:, : 2 * H])  # (B, 2H) r_t, z_t
        r, z_gate, n = split_gates(act, H)  # (B, H) each
        np.multiply(r, zh[:, 2 * H :], out=pre[:, 2 * H :])  # (B, H)  r * (W_hn h + b_hn)
        pre[:, 2 * H :] += zx[:, 2 * H :]  # (B, H)  + W_xn x + b_in
        np.tanh(pre[:, 2 * H :], out=n)  # (B, H)  n_t
        h = np.subtract(h_prev, n, out=tape.h[s + 1])  # (B, H)  h_{t-1} - n_t
        h *= z_gate  # (B, H)  z (h_{t-1} - n)
        h += n  # (B, H)  h_t

    def step_backward(
        self, tape: Tape, s: int, dh: Array, dc: Array | None, W_hh: Array
    ) -> tuple[Array, None]:
        H = tape.h.shape[2]
        r, z_gate, n = split_gates(tape.gates[s], H)  # (B, H) each
        h_prev = tape.h[s]  # (B, H)
        d_r, d_z, d_n = split_gates(tape.delta[s], H)  # (B, H) views to fill
        np.multiply(dh * (1.0 - z_gate), tanh_grad_from_output(n), out=d_n)
        np.multiply(dh * (h_prev - n), sigmoid_grad_from_output(z_gate), out=d_z)
        np.multiply(d_n * tape.zh[s][:, 2 * H :], sigmoid_grad_from_output(r), out=d_r)
        delta_h = tape.delta_h[s]  # (B, 3H)
        delta_h[:, : 2 * H] = tape.delta[s][:, : 2 * H]  # r and z: same both sides
        np.multiply(d_n, r, out=delta_h[:, 2 * H :])  # n: the hidden side is gated
        dh_prev = dh * z_gate + delta_h @ W_hh  # (B, H)
        return dh_prev, None


# ---------------------------------------------------------------- calculator equations
def _forward_values(tape: Tape, s: int) -> dict[str, Array]:
    r, z, n = split_gates(tape.gates[s, 0], tape.h.shape[2])
    return {"zx": tape.zx[s, 0], "zh": tape.zh[s, 0], "pre": tape.z[s, 0], "r": r, "z": z, "n": n}


def _backward_values(tape: Tape, s: int, nonlinearity: str) -> dict[str, Array]:
    return {"delta": tape.delta[s, 0], "delta_h": tape.delta_h[s, 0]}


def _forward(r: Result, step: Step) -> list[Eq]:
    t, h_prev = step["t"], previous(r, step, "h")
    zxr, zxz, zxn = parts(step["zx"], 3)
    zhr, zhz, zhn = parts(step["zh"], 3)
    return [
        Eq(f"zx_{t}", f"W_xh x_{t} + b_ih", [], step["zx"]),
        Eq(f"zh_{t}", f"W_hh h_{t - 1} + b_hh", [], step["zh"]),
        Eq(f"r_{t}", f"σ(zx^r_{t} + zh^r_{t})", ["σ(", zxr, " + ", zhr, ")"], step["r"]),
        Eq(f"z_{t}", f"σ(zx^z_{t} + zh^z_{t})", ["σ(", zxz, " + ", zhz, ")"], step["z"]),
        Eq(
            f"n_{t}",
            f"tanh(zx^n_{t} + r_{t} ⊙ zh^n_{t})",
            ["tanh(", zxn, " + ", step["r"], " ⊙ ", zhn, ")"],
            step["n"],
        ),
        Eq(
            f"h_{t}",
            f"(1 - z_{t}) ⊙ n_{t} + z_{t} ⊙ h_{t - 1}",
            ["(1 - ", step["z"], ") ⊙ ", step["n"], " + ", step["z"], " ⊙ ", h_prev],
            step["h"],
        ),
    ]


def _backward(r: Result, step: Step) -> list[Eq]:
    t, fwd, dh = step["t"], forward_of(r, step), step["dh"]
    d_r, d_z, d_n = parts(step["delta"], 3)
    h_prev, z, n, r_gate = previous(r, step, "h"), fwd["z"], fwd["n"], fwd["r"]
    zh_n = parts(fwd["zh"], 3)[2]
    return [
        Eq(
            f"δ^n_{t}",
            f"∂L/∂h_{t} ⊙ (1 - z_{t}) ⊙ (1 - n_{t}²)",
            [dh, " ⊙ (1 - ", z, ") ⊙ (1 - ", n, "²)"],
            d_n,
        ),
        Eq(
            f"δ^z_{t}",
            f"∂L/∂h_{t} ⊙ (h_{t - 1} - n_{t}) ⊙ z_{t} ⊙ (1 - z_{t})",
            [dh, " ⊙ (", h_prev, " - ", n, ") ⊙ ", z, " ⊙ (1 - ", z, ")"],
            d_z,
        ),
        Eq(
            f"δ^r_{t}",
            f"δ^n_{t} ⊙ zh^n_{t} ⊙ r_{t} ⊙ (1 - r_{t})",
            [d_n, " ⊙ ", zh_n, " ⊙ ", r_gate, " ⊙ (1 - ", r_gate, ")"],
            d_r,
        ),
        Eq(f"δʰ_{t}", f"[δ^r_{t}; δ^z_{t}; r_{t} ⊙ δ^n_{t}]", [], step["delta_h"]),
    ]


# The reset gate multiplies only the hidden-side bias of n: one merged bias cannot say it.
_NO_MERGED_BIAS = (
    "a GRU needs b_ih and b_hh (or per-gate biases): "
    "its reset gate multiplies only the hidden-side bias of n"
)

EQUATIONS = hooks(
    forward_values=_forward_values,
    backward_values=_backward_values,
    forward=_forward,
    backward=_backward,
    dh_from_next=lambda k: f"z_{k} ⊙ ∂L/∂h_{k} + W_hhᵀ δʰ_{k}",
    gradients=lambda r: layout_gradients(r, "δʰ_t"),
    spelling=dataclasses.replace(
        TORCH_SPELLING,
        merged=None,
        refused={name: _NO_MERGED_BIAS for name in ("b_h", "b_r", "b_z", "b_n")},
    ),
)

CELL = CellType(
    name="gru",
    display_name="GRU",
    summary="gated recurrent unit: reset and update gates, no separate cell state",
    gates=(
        Gate("r", "reset gate r"),
        Gate("z", "update gate z"),
        Gate("n", "candidate n", "tanh"),
    ),
    blocks=3,
    has_cell_state=False,
    params=torch_layout(3),
    reference=lambda nonlinearity: GatedRecurrence(GRUCell()),
    torch_native="GRU",
    explicit_kernel="gru",
    equations=EQUATIONS,
)
