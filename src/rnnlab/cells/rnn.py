r"""Vanilla (Elman) RNN cell: one time step forward, and its BPTT step right under it.

Forward (column vectors, DESIGN.md notation):

.. math::

    z_t = W_{xh} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}        (b_h = b_{ih} + b_{hh})
    h_t = f(z_t),            f = \tanh \mid \mathrm{relu}

Backward, with dh_t = dL/dh_t (from the output above plus from step t+1):

.. math::

    \delta_t  = dL/dz_t = dh_t \odot f'(z_t),   f' = 1 - h_t^2 (tanh) | [h_t > 0] (relu)
    dh_{t-1} \mathrel{+}= W_{hh}^T \delta_t
    dW_{xh} = \sum_t \delta_t x_t^T,    dW_{hh} = \sum_t \delta_t h_{t-1}^T,
    db_{ih} = db_{hh} = \sum_t \delta_t

where x_t is the input (D), h_t the hidden state (H), W_xh (H x D) PyTorch's
``weight_ih_l{k}``, W_hh (H x H) ``weight_hh_l{k}``. Storage is batch-major rows:
x_t is (B, D) and W_xh x_t is computed as ``x_t @ W_xh.T``. The input side
``W_xh x_t + b_ih`` of every step is computed by the layer in one GEMM before the
loop (tape field ``zx``); the weight sums are GEMMs over the deltas after it.
"""

from __future__ import annotations

import numpy as np

from rnnlab.cells._gated import GatedRecurrence
from rnnlab.cells.base import CellType, torch_layout
from rnnlab.cells.equation import (
    TORCH_SPELLING,
    Eq,
    Result,
    Step,
    hooks,
    layout_gradients,
    preactivation,
)
from rnnlab.cells.functions import activation
from rnnlab.cells.tape import Tape

Array = np.ndarray


class RNNCell:
    """Elman cell with a tanh or ReLU non-linearity (one gate block: G = H)."""

    name = "rnn"
    gates = 1
    has_cell_state = False
    same_delta = True  # delta_h = delta: W_hh h_{t-1} enters z_t ungated

    def __init__(self, nonlinearity: str = "tanh") -> None:
        self.f, self.f_grad = activation(nonlinearity)
        self.nonlinearity = nonlinearity

    def step_forward(self, tape: Tape, s: int, W_hh: Array, b_hh: Array) -> None:
        h_prev = tape.h[s]  # (B, H)
        zh = np.matmul(h_prev, W_hh.T, out=tape.zh[s])  # (B, H)  W_hh h_{t-1}
        zh += b_hh  # (B, H)  ... + b_hh
        z = np.add(tape.zx[s], zh, out=tape.z[s])  # (B, H)  z_t
        self.f(z, out=tape.h[s + 1])  # (B, H)  h_t = f(z_t)
        tape.gates[s] = tape.h[s + 1]  # (B, H)  RNN: the "gate" is h_t

    def step_backward(
        self, tape: Tape, s: int, dh: Array, dc: Array | None, W_hh: Array
    ) -> tuple[Array, None]:
        delta = np.multiply(dh, self.f_grad(tape.h[s + 1]), out=tape.delta[s])  # (B, H)
        dh_prev = delta @ W_hh  # (B, H)  W_hh^T delta_t
        return dh_prev, None


# ---------------------------------------------------------------- calculator equations
def _forward_values(tape: Tape, s: int) -> dict[str, Array]:
    return {"zx": tape.zx[s, 0], "zh": tape.zh[s, 0], "z": tape.z[s, 0]}


def _backward_values(tape: Tape, s: int, nonlinearity: str) -> dict[str, Array]:
    f_grad = activation(nonlinearity)[1]  # the engine's own f'
    return {"delta": tape.delta[s, 0], "fprime": f_grad(tape.h[s + 1, 0])}


def _forward(r: Result, step: Step) -> list[Eq]:
    t, f = step["t"], r["nonlinearity"]
    h = Eq(f"h_{t}", f"{f}(z_{t})", [f"{f}(", step["z"], ")"], step["h"])
    return [preactivation(r, step), h]


def _backward(r: Result, step: Step) -> list[Eq]:
    t = step["t"]
    deriv = f"(1 - h_{t}²)" if r["nonlinearity"] == "tanh" else f"[h_{t} > 0]"
    rule = f"∂L/∂h_{t} ⊙ {deriv}"
    return [Eq(f"δ_{t}", rule, [step["dh"], " ⊙ ", step["fprime"]], step["delta"])]


EQUATIONS = hooks(
    forward_values=_forward_values,
    backward_values=_backward_values,
    forward=_forward,
    backward=_backward,
    dh_from_next=lambda k: f"W_hhᵀ δ_{k}",
    gradients=layout_gradients,
    spelling=TORCH_SPELLING,
    network_name=lambda nonlinearity: f"{nonlinearity} RNN",
)

CELL = CellType(
    name="rnn",
    display_name="vanilla RNN",
    summary="Elman RNN: h_t = f(W_xh x_t + W_hh h_{t-1} + b), f = tanh or relu",
    gates=(),
    blocks=1,
    has_cell_state=False,
    params=torch_layout(1),
    reference=lambda nonlinearity: GatedRecurrence(RNNCell(nonlinearity)),
    nonlinearities=("tanh", "relu"),
    identity_init=True,
    torch_native="RNN",
    explicit_kernel="rnn",
    equations=EQUATIONS,
)
