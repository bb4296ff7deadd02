r"""LSTM cell: one time step forward, and its BPTT step right under it.

Gate order is PyTorch's: i, f, g, o (rows of W_xh and W_hh stacked in that order).

Forward (column vectors, DESIGN.md notation; z_t stacks the four pre-activations):

.. math::

    z_t = W_{xh} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}   = [z^i; z^f; z^g; z^o]   (4H)
    i_t = \sigma(z^i_t)   f_t = \sigma(z^f_t)   g_t = \tanh(z^g_t)   o_t = \sigma(z^o_t)
    c_t = f_t \odot c_{t-1} + i_t \odot g_t
    h_t = o_t \odot \tanh(c_t)

Backward, with dh_t = dL/dh_t and dc_{t+1 \to t} = dL/dc_t arriving from step t+1:

.. math::

    dc_t      = dc_{t+1 \to t} + dh_t \odot o_t \odot (1 - \tanh^2 c_t)
    \delta^i_t = dc_t \odot g_t \odot i_t (1 - i_t)
    \delta^f_t = dc_t \odot c_{t-1} \odot f_t (1 - f_t)
    \delta^g_t = dc_t \odot i_t \odot (1 - g_t^2)
    \delta^o_t = dh_t \odot \tanh(c_t) \odot o_t (1 - o_t)
    dh_{t-1} \mathrel{+}= W_{hh}^T \delta_t          dc_{t-1} = dc_t \odot f_t

x_t is the input (D); h_t, c_t the hidden and cell states (H); W_xh (4H x D) is
PyTorch's ``weight_ih_l{k}`` and W_hh (4H x H) ``weight_hh_l{k}``. Storage is
batch-major rows, (B, 4H) per step; see ``rnn.py`` for how the layer hoists the
input projections and the weight sums out of the time loop.
"""

from __future__ import annotations

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
    preactivation,
    previous,
)
from rnnlab.cells.functions import sigmoid, sigmoid_grad_from_output, tanh_grad_from_output
from rnnlab.cells.tape import Tape

Array = np.ndarray


def split_gates(block: Array, hidden_size: int) -> tuple[Array, Array, Array, Array]:
    """Views i, f, g, o of a (..., 4H) block."""
    H = hidden_size
    return block[..., :H], block[..., H : 2 * H], block[..., 2 * H : 3 * H], block[..., 3 * H :]


class LSTMCell:
    """Long short-term memory cell (four gate blocks: G = 4H)."""

    name = "lstm"
    gates = 4
    has_cell_state = True
    same_delta = True  # delta_h = delta: W_hh h_{t-1} enters z_t ungated

    def step_forward(self, tape: Tape, s: int, W_hh: Array, b_hh: Array) -> None:
        H = tape.h.shape[2]
        c_prev = tape.c[s]  # (B, H)
        zh = np.matmul(tape.h[s], W_hh.T, out=tape.zh[s])  # (B, 4H) W_hh h_{t-1}
        zh += b_hh  # (B, 4H)
        z = np.add(tape.zx[s], zh, out=tape.z[s])  # (B, 4H) z_t
        act = sigmoid(z, out=tape.gates[s])  # (B, 4H) i f . o
        i, f, g, o = split_gates(act, H)  # (B, H) each
        np.tanh(z[:, 2 * H : 3 * H], out=g)  # (B, H)  g_t = tanh(z^g_t)
        c = np.multiply(f, c_prev, out=tape.c[s + 1])  # (B, H)  f_t * c_{t-1}
        c += i * g  # (B, H)  + i_t * g_t
        tanh_c = np.tanh(c, out=tape.tanh_c[s])  # (B, H)
        np.multiply(o, tanh_c, out=tape.h[s + 1])  # (B, H)  h_t

    def step_backward(
        self, tape: Tape, s: int, dh: Array, dc: Array | None, W_hh: Array
    ) -> tuple[Array, Array]:
        H = tape.h.shape[2]
        act = tape.gates[s]  # (B, 4H) i f g o
        _, f, _, o = split_gates(act, H)  # (B, H) each
        tanh_c = tape.tanh_c[s]  # (B, H)
        dc_t = np.multiply(dh, o, out=tape.dc[s])  # (B, H)
        dc_t *= tanh_grad_from_output(tanh_c)  # through h_t
        if dc is not None:
            dc_t += dc  # (B, H)  from step t+1
        delta = tape.delta[s]  # (B, 4H), also delta_h: the same both sides (one array)
        fill_gate_deltas(delta, act, dc_t, tape.c[s], dh, tanh_c)
        dh_prev = delta @ W_hh  # (B, H)  W_hh^T delta_t
        dc_prev = dc_t * f  # (B, H)
        return dh_prev, dc_prev


def fill_gate_deltas(
    delta: Array, act: Array, dc_t: Array, c_prev: Array, dh: Array, tanh_c: Array
) -> None:
    """Write dL/dz_t into delta (B, 4H) from the gates act (B, 4H) i f g o, dL/dc_t,
    c_{t-1}, dL/dh_t and the tanh that makes h_t (all (B, H)); LN-LSTM's too.

    delta = [dc g, dc c_{t-1}, dc i, dh tanh(c_t)] * [i', f', g', o'], the derivatives
    from the outputs: s (1 - s) for the sigmoid gates, 1 - g^2 for g.
    """
    H = act.shape[-1] // 4
    i, _, g, _ = split_gates(act, H)  # (B, H) each
    d_i, d_f, d_g, d_o = split_gates(delta, H)  # (B, H) views to fill
    np.multiply(dc_t, g, out=d_i)
    np.multiply(dc_t, c_prev, out=d_f)
    np.multiply(dc_t, i, out=d_g)
    np.multiply(dh, tanh_c, out=d_o)
    derivative = sigmoid_grad_from_output(act)  # (B, 4H), g's block replaced below
    derivative[:, 2 * H : 3 * H] = tanh_grad_from_output(g)
    delta *= derivative  # (B, 4H)


# ---------------------------------------------------------------- calculator equations
def _forward_values(tape: Tape, s: int) -> dict[str, Array]:
    i, f, g, o = split_gates(tape.gates[s, 0], tape.h.shape[2])
    return {
        **{"zx": tape.zx[s, 0], "zh": tape.zh[s, 0], "z": tape.z[s, 0]},
        **{"i": i, "f": f, "g": g, "o": o},
        **{"c": tape.c[s + 1, 0], "tanh_c": tape.tanh_c[s, 0]},
    }


def _backward_values(tape: Tape, s: int, nonlinearity: str) -> dict[str, Array]:
    return {"delta": tape.delta[s, 0], "dc_next": tape.dc_next[s, 0], "dc": tape.dc[s, 0]}


def gate_equations(r: Result, step: Step) -> list[Eq]:
    """i_t, f_t, g_t, o_t from z_t, and c_t (the LSTM's and the LN-LSTM's)."""
    t = step["t"]
    zi, zf, zg, zo = parts(step["z"], 4)
    c_prev = previous(r, step, "c")
    return [
        Eq(f"i_{t}", f"σ(z^i_{t})", ["σ(", zi, ")"], step["i"]),
        Eq(f"f_{t}", f"σ(z^f_{t})", ["σ(", zf, ")"], step["f"]),
        Eq(f"g_{t}", f"tanh(z^g_{t})", ["tanh(", zg, ")"], step["g"]),
        Eq(f"o_{t}", f"σ(z^o_{t})", ["σ(", zo, ")"], step["o"]),
        Eq(
            f"c_{t}",
            f"f_{t} ⊙ c_{t - 1} + i_{t} ⊙ g_{t}",
            [step["f"], " ⊙ ", c_prev, " + ", step["i"], " ⊙ ", step["g"]],
            step["c"],
        ),
    ]


def _forward(r: Result, step: Step) -> list[Eq]:
    t = step["t"]
    return [
        preactivation(r, step),
        *gate_equations(r, step),
        Eq(f"h_{t}", f"o_{t} ⊙ tanh(c_{t})", [step["o"], " ⊙ tanh(", step["c"], ")"], step["h"]),
    ]


def dc_from_next(k: int) -> str:
    """The part of dL/dc_{k-1} that comes from step k (LSTM and LN-LSTM)."""
    return f"∂L/∂c_{k} ⊙ f_{k}"


def _backward(r: Result, step: Step) -> list[Eq]:
    t, fwd, dc, dh = step["t"], forward_of(r, step), step["dc"], step["dh"]
    d_i, d_f, d_g, d_o = parts(step["delta"], 4)
    c_prev, i, f, g, o = previous(r, step, "c"), fwd["i"], fwd["f"], fwd["g"], fwd["o"]
    through_h = [dh, " ⊙ ", o, " ⊙ (1 - tanh²(", fwd["c"], "))"]
    return [
        Eq(
            f"∂L/∂c_{t}",
            f"{dc_from_next(t + 1)} + ∂L/∂h_{t} ⊙ o_{t} ⊙ (1 - tanh²(c_{t}))",
            [step["dc_next"], " + ", *through_h],
            dc,
        ),
        Eq(
            f"δ^i_{t}",
            f"∂L/∂c_{t} ⊙ g_{t} ⊙ i_{t} ⊙ (1 - i_{t})",
            [dc, " ⊙ ", g, " ⊙ ", i, " ⊙ (1 - ", i, ")"],
            d_i,
        ),
        Eq(
            f"δ^f_{t}",
            f"∂L/∂c_{t} ⊙ c_{t - 1} ⊙ f_{t} ⊙ (1 - f_{t})",
            [dc, " ⊙ ", c_prev, " ⊙ ", f, " ⊙ (1 - ", f, ")"],
            d_f,
        ),
        Eq(
            f"δ^g_{t}",
            f"∂L/∂c_{t} ⊙ i_{t} ⊙ (1 - g_{t}²)",
            [dc, " ⊙ ", i, " ⊙ (1 - ", g, "²)"],
            d_g,
        ),
        Eq(
            f"δ^o_{t}",
            f"∂L/∂h_{t} ⊙ tanh(c_{t}) ⊙ o_{t} ⊙ (1 - o_{t})",
            [dh, " ⊙ ", fwd["tanh_c"], " ⊙ ", o, " ⊙ (1 - ", o, ")"],
            d_o,
        ),
    ]


GATES = (
    Gate("i", "input gate i"),
    Gate("f", "forget gate f"),
    Gate("g", "candidate g", "tanh"),
    Gate("o", "output gate o"),
)  # the LSTM's and the LN-LSTM's

EQUATIONS = hooks(
    forward_values=_forward_values,
    backward_values=_backward_values,
    forward=_forward,
    backward=_backward,
    dh_from_next=lambda k: f"W_hhᵀ δ_{k}",
    dc_from_next=dc_from_next,
    gradients=layout_gradients,
    spelling=TORCH_SPELLING,
)

CELL = CellType(
    name="lstm",
    display_name="LSTM",
    summary="long short-term memory: input, forget and output gates around a cell state c_t",
    gates=GATES,
    blocks=4,
    has_cell_state=True,
    params=torch_layout(4),
    reference=lambda nonlinearity: GatedRecurrence(LSTMCell()),
    forget_gate="f",
    torch_native="LSTM",
    equations=EQUATIONS,
)
