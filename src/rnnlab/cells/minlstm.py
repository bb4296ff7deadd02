r"""minLSTM (Feng et al. 2024, "Were RNNs All We Needed?"): an LSTM whose gates see x_t only.

Gate order: i, f, n (LSTM's order, with no output gate; rows of W_xh stacked in that
order). There is no W_hh and no separate cell state: the normalised forget and input
gates mix h_{t-1} and the candidate, so h_t is a linear recurrence in h and training
runs as a parallel scan over time (``minlstm_torch.py``); generation steps it.

Forward (column vectors, DESIGN.md notation):

.. math::

    u_t = W_{xh} x_t + b_{ih} = [u^i_t; u^f_t; u^n_t]                (3H)
    i_t = \sigma(u^i_t)      f_t = \sigma(u^f_t)      n_t = g(u^n_t)     (n: the paper's \tilde h)
    f'_t = f_t / (f_t + i_t)       i'_t = i_t / (f_t + i_t)            (f'_t + i'_t = 1)
    h_t = f'_t \odot h_{t-1} + i'_t \odot n_t

with g(u) = u + 1/2 for u >= 0 and sigma(u) for u < 0 (``_diagonal.positive``). In the
terms of ``_diagonal.py``: a_t = f'_t, b_t = i'_t n_t. ``model.forget_bias`` is added
to the bias of f.

Backward, with dh_t = dL/dh_t (from the output above plus from step t+1) and
s_t = f_t + i_t; through f' and i', dL/df_t = e_t i_t / s_t^2 and
dL/di_t = -e_t f_t / s_t^2 where e_t = dh_t \odot (h_{t-1} - n_t):

.. math::

    \delta^i_t = -dh_t \odot (h_{t-1} - n_t) \odot f_t / s_t^2 \odot i_t (1 - i_t)
    \delta^f_t = dh_t \odot (h_{t-1} - n_t) \odot i_t / s_t^2 \odot f_t (1 - f_t)
    \delta^n_t = dh_t \odot i'_t \odot g'(u^n_t)
    dh_{t-1} \mathrel{+}= dh_t \odot f'_t

x_t is the input (D), h_t the hidden state (H); W_xh (3H x D) is stored as
``weight_ih_l{k}`` and b_ih (3H) as ``bias_ih_l{k}``. Storage is batch-major rows,
(B, 3H) per step.
"""

from __future__ import annotations

import numpy as np

from rnnlab.cells._diagonal import DiagonalRecurrence, positive, positive_grad_from_output
from rnnlab.cells.base import CellType, Gate, Param
from rnnlab.cells.functions import sigmoid, sigmoid_grad_from_output

Array = np.ndarray


def split_gates(block: Array, hidden_size: int) -> tuple[Array, Array, Array]:
    """Views i, f, n of a (..., 3H) block."""
    H = hidden_size
    return block[..., :H], block[..., H : 2 * H], block[..., 2 * H :]


class MinLSTMStep:
    """minLSTM's gates and coefficients (three gate blocks: G = 3H)."""

    gates = 3

    def activate(self, u: Array) -> Array:
        H = u.shape[-1] // 3
        gates = np.empty_like(u)  # (..., 3H) i, f, n
        sigmoid(u[..., : 2 * H], out=gates[..., : 2 * H])
        gates[..., 2 * H :] = positive(u[..., 2 * H :])
        return gates

    def coefficients(self, gates: Array) -> tuple[Array, Array]:
        i, f, n = split_gates(gates, gates.shape[-1] // 3)  # (..., H) each
        total = f + i  # s_t
        return f / total, i / total * n  # a_t = f'_t, b_t = i'_t n_t

    def gate_deltas(self, gates: Array, h_prev: Array, dh: Array) -> Array:
        i, f, n = split_gates(gates, gates.shape[-1] // 3)  # (..., H) each
        total = f + i  # s_t
        e = dh * (h_prev - n) / (total * total)  # dL/df'_t - dL/di'_t, over s_t^2
        d_i = -e * f * sigmoid_grad_from_output(i)
        d_f = e * i * sigmoid_grad_from_output(f)
        d_n = dh * (i / total) * positive_grad_from_output(n)
        return np.concatenate([d_i, d_f, d_n], axis=-1)  # (..., 3H)


CELL = CellType(
    name="minlstm",
    display_name="minLSTM",
    summary="minimal LSTM (Feng et al. 2024): normalised forget and input gates from x_t "
    "alone, h_t = f'_t h_{t-1} + i'_t n_t; trains as a parallel scan",
    gates=(
        Gate("i", "input gate i"),
        Gate("f", "forget gate f"),
        Gate("n", "candidate n", "positive"),
    ),
    blocks=3,
    has_cell_state=False,
    params=(
        Param("weight_ih", 3, "input", "W_xh"),
        Param("bias_ih", 3, None, "b_ih", bias=True),
    ),
    reference=lambda nonlinearity: DiagonalRecurrence(MinLSTMStep()),
    forget_gate="f",
    torch_module="rnnlab.cells.minlstm_torch",
    parallel_scan=True,
)
