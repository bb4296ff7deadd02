r"""minLSTM (Feng et al. 2024, "Were RNNs All We Needed?"): an LSTM whose gates see x_t only.

Gate order: i, f, n (LSTM's order, with no output gate; rows of W_xh stacked in that
order). There is no W_hh and no separate cell state: the normalised forget and input
gates mix h_{t-1} and the candidate, so h_t is a linear recurrence in h and training
runs as a parallel scan over time (``minlstm_torch.py``); generation steps it.

Forward (column vectors, DESIGN.md notation):

.. math::

    zx_t = W_{xh} x_t + b_{ih} = [zx^i_t; zx^f_t; zx^n_t]              (3H)
    i_t = \sigma(zx^i_t)    f_t = \sigma(zx^f_t)    n_t = g(zx^n_t)    (n: the paper's \tilde h)
    f'_t = f_t / (f_t + i_t)       i'_t = i_t / (f_t + i_t)            (f'_t + i'_t = 1)
    h_t = f'_t \odot h_{t-1} + i'_t \odot n_t

with g(u) = u + 1/2 for u >= 0 and sigma(u) for u < 0 (``_diagonal.positive``). In the
terms of ``_diagonal.py``: a_t = f'_t, b_t = i'_t n_t. ``model.forget_bias`` is added
to the bias of f.

f'_t and i'_t are computed from the pre-activations as sigma(d_t) and sigma(-d_t), with
d_t = log f_t - log i_t = softplus(-zx^i_t) - softplus(-zx^f_t): the quotient of the
gates is 0/0 where both round to 0 (sigma(u) below u ~ -17 in float32).

Backward, with dh_t = dL/dh_t (from the output above plus from step t+1) and
s_t = f_t + i_t; through f' and i', dL/df_t = e_t i_t / s_t^2 and
dL/di_t = -e_t f_t / s_t^2 where e_t = dh_t \odot (h_{t-1} - n_t). With
f_t i_t / s_t^2 = f'_t i'_t and sigma'(u) = sigma(u) (1 - sigma(u)):

.. math::

    \delta^i_t = -dh_t \odot (h_{t-1} - n_t) \odot f'_t \odot i'_t \odot (1 - i_t)
    \delta^f_t = dh_t \odot (h_{t-1} - n_t) \odot f'_t \odot i'_t \odot (1 - f_t)
    \delta^n_t = dh_t \odot i'_t \odot g'(zx^n_t)
    dh_{t-1} \mathrel{+}= dh_t \odot f'_t

x_t is the input (D), h_t the hidden state (H); W_xh (3H x D) is stored as
``weight_ih_l{k}`` and b_ih (3H) as ``bias_ih_l{k}``. Storage is batch-major rows,
(B, 3H) per step.
"""

from __future__ import annotations

import numpy as np

from rnnlab.cells._diagonal import positive, positive_grad_from_output, scan_cell
from rnnlab.cells.base import Gate
from rnnlab.cells.equation import Eq, Result, Step, forward_of, parts, previous
from rnnlab.cells.functions import sigmoid
from rnnlab.cells.tape import Tape

Array = np.ndarray


def split_gates(block: Array, hidden_size: int) -> tuple[Array, Array, Array]:
    """Views i, f, n of a (..., 3H) block."""
    H = hidden_size
    return block[..., :H], block[..., H : 2 * H], block[..., 2 * H :]


class MinLSTMStep:
    """minLSTM's gates and coefficients (three gate blocks: G = 3H)."""

    gates = 3

    def activate(self, zx: Array) -> Array:
        H = zx.shape[-1] // 3
        gates = np.empty_like(zx)  # (..., 3H) i, f, n
        sigmoid(zx[..., : 2 * H], out=gates[..., : 2 * H])
        gates[..., 2 * H :] = positive(zx[..., 2 * H :])
        return gates

    @staticmethod
    def normalised(zx: Array) -> tuple[Array, Array]:
        """f'_t = f_t / (f_t + i_t) and i'_t = i_t / (f_t + i_t), (..., H) each, from the
        pre-activations: f'_t = sigma(d), i'_t = sigma(-d) with d = log f_t - log i_t =
        softplus(-zx^i_t) - softplus(-zx^f_t). The quotient of the gates themselves is 0/0
        where both round to 0 (sigma(u) is exactly 0 below u ~ -17 in float32)."""
        zx_i, zx_f, _ = split_gates(zx, zx.shape[-1] // 3)  # (..., H) each
        d = np.logaddexp(0.0, -zx_i) - np.logaddexp(0.0, -zx_f)  # (..., H) log f - log i
        return sigmoid(d), sigmoid(-d)

    def coefficients(self, zx: Array, gates: Array) -> tuple[Array, Array]:
        f_norm, i_norm = self.normalised(zx)
        return f_norm, i_norm * split_gates(gates, gates.shape[-1] // 3)[2]  # a_t, b_t

    def gate_deltas(self, zx: Array, gates: Array, h_prev: Array, dh: Array) -> Array:
        i, f, n = split_gates(gates, gates.shape[-1] // 3)  # (..., H) each
        f_norm, i_norm = self.normalised(zx)  # f i / (f + i)^2 = f' i'
        e = dh * (h_prev - n) * f_norm * i_norm  # (..., H)
        d_i = -e * (1.0 - i)  # sigma'(zx^i) / i = 1 - i
        d_f = e * (1.0 - f)
        d_n = dh * i_norm * positive_grad_from_output(n)
        return np.concatenate([d_i, d_f, d_n], axis=-1)  # (..., 3H)


# ---------------------------------------------------------------- calculator equations
def _forward_values(tape: Tape, s: int) -> dict[str, Array]:
    gates = tape.gates[s, 0]  # (3H,)
    i, f, n = split_gates(gates, tape.h.shape[2])
    f_norm, i_norm = MinLSTMStep.normalised(tape.zx[s, 0])
    return {"zx": tape.zx[s, 0], "i": i, "f": f, "n": n, "f_norm": f_norm, "i_norm": i_norm}


def _forward(r: Result, step: Step) -> list[Eq]:
    t, h_prev, i, f, n = step["t"], previous(r, step, "h"), step["i"], step["f"], step["n"]
    zx_i, zx_f, zx_n = parts(step["zx"], 3)
    f_norm, i_norm = step["f_norm"], step["i_norm"]
    return [
        Eq(f"zx_{t}", f"W_xh x_{t} + b_ih", [], step["zx"]),
        Eq(f"i_{t}", f"σ(zx^i_{t})", ["σ(", zx_i, ")"], i),
        Eq(f"f_{t}", f"σ(zx^f_{t})", ["σ(", zx_f, ")"], f),
        Eq(f"n_{t}", f"g(zx^n_{t})", ["g(", zx_n, ")"], n),
        Eq(f"f'_{t}", f"f_{t} / (f_{t} + i_{t})", [f, " / (", f, " + ", i, ")"], f_norm),
        Eq(f"i'_{t}", f"i_{t} / (f_{t} + i_{t})", [i, " / (", f, " + ", i, ")"], i_norm),
        Eq(
            f"h_{t}",
            f"f'_{t} ⊙ h_{t - 1} + i'_{t} ⊙ n_{t}",
            [f_norm, " ⊙ ", h_prev, " + ", i_norm, " ⊙ ", n],
            step["h"],
        ),
    ]


def _backward(r: Result, step: Step) -> list[Eq]:
    t, fwd, dh = step["t"], forward_of(r, step), step["dh"]
    d_i, d_f, d_n = parts(step["delta"], 3)
    h_prev, i, f, n = previous(r, step, "h"), fwd["i"], fwd["f"], fwd["n"]
    common = f"∂L/∂h_{t} ⊙ (h_{t - 1} - n_{t}) ⊙ f'_{t} ⊙ i'_{t}"
    common_values = [dh, " ⊙ (", h_prev, " - ", n, ") ⊙ ", fwd["f_norm"], " ⊙ ", fwd["i_norm"]]
    return [
        Eq(f"δ^i_{t}", f"-{common} ⊙ (1 - i_{t})", ["-", *common_values, " ⊙ (1 - ", i, ")"], d_i),
        Eq(f"δ^f_{t}", f"{common} ⊙ (1 - f_{t})", [*common_values, " ⊙ (1 - ", f, ")"], d_f),
        Eq(
            f"δ^n_{t}",
            f"∂L/∂h_{t} ⊙ i'_{t} ⊙ g'(zx^n_{t})",
            [dh, " ⊙ ", fwd["i_norm"], " ⊙ ", step["g_prime"]],
            d_n,
        ),
    ]


CELL = scan_cell(
    name="minlstm",
    display_name="minLSTM",
    summary="minimal LSTM (Feng et al. 2024): normalised forget and input gates from x_t "
    "alone, h_t = f'_t h_{t-1} + i'_t n_t; trains as a parallel scan (a loop on the CPU)",
    gates=(
        Gate("i", "input gate i"),
        Gate("f", "forget gate f"),
        Gate("n", "candidate n", "positive"),
    ),
    step=MinLSTMStep,
    forward_values=_forward_values,
    forward=_forward,
    backward=_backward,
    dh_from_next=lambda k: f"f'_{k} ⊙ ∂L/∂h_{k}",
    forget_gate="f",
)
