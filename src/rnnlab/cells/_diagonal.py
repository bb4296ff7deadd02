r"""The NumPy loop minGRU and minLSTM share: a diagonal linear recurrence and its BPTT.

Both cells of Feng et al. 2024 ("Were RNNs All We Needed?") compute their gates from
x_t alone, then mix the old state and a candidate with per-unit coefficients:

.. math::

    zx_t = W_{xh} x_t + b_{ih}                         (all gate pre-activations, G = k H)
    h_t = a_t \odot h_{t-1} + b_t                     a_t, b_t (H) functions of zx_t only

so the only sequential part is that elementwise recurrence. A cell (``ScanStep``) says
how its gates come from zx_t (``activate``), which a_t and b_t they give
(``coefficients``), and how dL/da_t and dL/db_t go back to the pre-activations
(``gate_deltas``); ``DiagonalRecurrence`` owns the rest. Backward, with dh_t = dL/dh_t
in total (from the layer above plus from step t+1):

.. math::

    dL/da_t = dh_t \odot h_{t-1}      dL/db_t = dh_t      dh_{t-1} \mathrel{+}= a_t \odot dh_t
    \delta_t = dL/dzx_t \ (\text{the cell's } gate\_deltas)
    dW_{xh} = \sum_t \delta_t x_t^T      db_{ih} = \sum_t \delta_t      dx_t = W_{xh}^T \delta_t

Past a sequence's length (mask 0) the state is carried unchanged (a_t = 1, b_t = 0) and
no gradient enters the gates: PackedSequence semantics, as in ``_gated.py``.

Tape (``rnnlab.cells.tape``): ``zx`` and ``z`` both hold zx_t (T, B, G) (no hidden side:
``zh``, ``delta_h``, ``c`` are None), ``gates`` the activated gates in storage order,
``h`` (T+1, B, H), and after backward ``dh``, ``dh_next`` (a_{t+1} dh_{t+1}) and ``delta``.

Also here: the paper's positive activation ``g``, which keeps b_t > 0 so that the torch
engine's log-space scan (``_scan.py``) can take log b_t:

.. math::

    g(u) = u + 1/2 \ (u \ge 0),\qquad \sigma(u) \ (u < 0);
    \qquad g'(u) = 1 \ (g \ge 1/2),\qquad g (1 - g) \ (g < 1/2)

and what the two cells' calculator hooks share (``rnnlab.cells.equation``): the words for
g, the spelling of W_xh and b_ih in a trace file, the gradients of both, the backward
values (the candidate n is the last gate block of both). ``scan_cell`` makes the
``CellType`` of such a cell from its own parts (gates, ``ScanStep``, forward and backward
equations), so a new scan cell is its file plus its ``<name>_torch.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

import numpy as np

from rnnlab.cells.base import CellType, Gate, Param
from rnnlab.cells.equation import Eq, Result, Spelling, Step, hooks
from rnnlab.cells.functions import sigmoid
from rnnlab.cells.tape import Tape

Array = np.ndarray


def positive(u: Array) -> Array:
    """g(u): u + 1/2 where u >= 0, sigmoid(u) below; continuous, always > 0."""
    return np.where(u >= 0, u + 0.5, sigmoid(np.minimum(u, 0.0)))


def positive_grad_from_output(g: Array) -> Array:
    """g'(u) from g = g(u): 1 on the linear branch (g >= 1/2), g (1 - g) below."""
    return np.where(g >= 0.5, 1.0, g * (1.0 - g)).astype(g.dtype, copy=False)


G_RULE = "g(a) = a + ½ for a ≥ 0, σ(a) for a < 0"  # the calculator's words for g


def scan_spelling(display_name: str, gate_names: tuple[str, ...]) -> Spelling:
    """How a trace file writes a scan cell's two parameters: stacked (W_xh, b_ih) or per
    gate (W_xz, b_z ...); the hidden-to-hidden names of the classic cells are refused."""
    reason = (
        f"a {display_name} has no hidden-to-hidden weights (its gates see x_t only): give "
        f"W_xh and b_ih, or {' '.join(f'W_x{g}' for g in gate_names)} and "
        f"{' '.join(f'b_{g}' for g in gate_names)}"
    )
    refused = ("W_hh", "b_hh", "b_h", *(f"W_h{g}" for g in gate_names))
    return Spelling(
        per_gate={"W_xh": "W_x{g}", "b_ih": "b_{g}"},
        refused={name: reason for name in refused},
        meanings={"W_xh": "input → gates", "b_ih": "gate bias"},
    )


def scan_gradients(r: Result) -> list[Eq]:
    """The calculator's gradients of W_xh and b_ih: sums over time of the deltas."""
    g = r["backward"]["grads"]
    return [Eq("∂L/∂W_xh", "Σ_t δ_t x_tᵀ", [], g["W_xh"]), Eq("∂L/∂b_ih", "Σ_t δ_t", [], g["b_ih"])]


class ScanStep(Protocol):
    gates: int  # blocks of H rows in W_xh

    def activate(self, zx: Array) -> Array:
        """Activated gates (..., G) from the pre-activations zx (..., G)."""
        ...

    def coefficients(self, zx: Array, gates: Array) -> tuple[Array, Array]:
        """a_t and b_t (..., H) each from the pre-activations and activated gates (..., G)
        (a ratio of gates is taken from zx: a gate that rounds to 0 loses what it was)."""
        ...

    def gate_deltas(self, zx: Array, gates: Array, h_prev: Array, dh: Array) -> Array:
        """delta = dL/du (..., G) from dL/dh_t (only the part through a_t and b_t)."""
        ...


class DiagonalRecurrence:
    """A ``ReferenceCell`` (rnnlab.cells.base) from a ``ScanStep``: params weight_ih, bias_ih."""

    def __init__(self, step: ScanStep) -> None:
        self.step = step

    def forward(
        self, xs: Array, mask: Array | None, p: Mapping[str, Array], h0: Array, c0: Array | None
    ) -> Tape:
        T, B, D = xs.shape
        W = p["weight_ih"]  # (G, D)
        zx = (xs.reshape(T * B, D) @ W.T).reshape(T, B, -1)  # (T, B, G) all steps, one GEMM
        if "bias_ih" in p:
            zx += p["bias_ih"]
        gates = self.step.activate(zx)  # (T, B, G)
        a, b = self.step.coefficients(zx, gates)  # (T, B, H) each
        h = np.empty((T + 1, B, h0.shape[1]), xs.dtype)  # (T+1, B, H)
        h[0] = h0
        for s in range(T):
            np.multiply(a[s], h[s], out=h[s + 1])  # (B, H)  a_t h_{t-1}
            h[s + 1] += b[s]  # (B, H)  + b_t
            if mask is not None:  # past the length: carry the state
                np.copyto(h[s + 1], h[s], where=mask[s] == 0)
        return Tape(x=xs, mask=mask, zx=zx, zh=None, z=zx, gates=gates, h=h, c=None, tanh_c=None)

    def backward(
        self, tape: Tape, p: Mapping[str, Array], dy: Array, dh_n: Array, dc_n: Array | None
    ) -> tuple[Array, Array, None, dict[str, Array]]:
        a, _ = self.step.coefficients(tape.zx, tape.gates)  # (T, B, H)
        T, B, D = tape.x.shape
        tape.dh, tape.dh_next = np.empty_like(dy), np.empty_like(dy)  # (T, B, H) each
        carry = dh_n.copy()  # (B, H) dL/dh_T
        for s in reversed(range(T)):
            tape.dh_next[s] = carry
            dh = np.add(dy[s], carry, out=tape.dh[s])  # (B, H) dL/dh_t in total
            if tape.mask is None:
                carry = a[s] * dh  # (B, H) dL/dh_{t-1}
            else:  # past the length h_t = h_{t-1}: the gradient passes through whole
                inside = tape.mask[s]  # (B, 1)
                carry = a[s] * dh * inside + dh * (1.0 - inside)
        dh_gates = tape.dh if tape.mask is None else tape.dh * tape.mask  # (T, B, H)
        delta = self.step.gate_deltas(tape.zx, tape.gates, tape.h[:-1], dh_gates)  # (T, B, G)
        tape.delta = delta
        delta = tape.delta.reshape(T * B, -1)  # (T*B, G)
        grads = {"weight_ih": delta.T @ tape.x.reshape(T * B, D)}  # sum_t delta_t x_t^T
        if "bias_ih" in p:
            grads["bias_ih"] = delta.sum(axis=0)  # sum_t delta_t
        dxs = (delta @ p["weight_ih"]).reshape(T, B, D)  # (T, B, D) W_xh^T delta_t
        return dxs, carry, None, grads


def scan_backward_values(tape: Tape, s: int, nonlinearity: str) -> dict[str, Array]:
    """delta_t and g'(zx^n_t) at step s; n is the last gate block (H) of both cells."""
    n = tape.gates[s, 0, -tape.h.shape[2] :]  # (H,)
    return {"delta": tape.delta[s, 0], "g_prime": positive_grad_from_output(n)}


def scan_cell(
    *,
    name: str,
    display_name: str,
    summary: str,
    gates: tuple[Gate, ...],
    step: Callable[[], ScanStep],
    forward_values: Callable[[Tape, int], dict[str, Array]],
    forward: Callable[[Result, Step], list[Eq]],
    backward: Callable[[Result, Step], list[Eq]],
    dh_from_next: Callable[[int], str],
    forget_gate: str | None = None,
) -> CellType:
    """The ``CellType`` of a scan cell: W_xh and b_ih of one block per gate, the reference
    ``DiagonalRecurrence(step())``, the torch module ``rnnlab.cells.<name>_torch``, and the
    calculator hooks (its own forward values and equations, the shared rest)."""
    blocks = len(gates)
    return CellType(
        name=name,
        display_name=display_name,
        summary=summary,
        gates=gates,
        blocks=blocks,
        has_cell_state=False,
        params=(
            Param("weight_ih", blocks, "input", "W_xh"),
            Param("bias_ih", blocks, None, "b_ih", bias=True),
        ),
        reference=lambda nonlinearity: DiagonalRecurrence(step()),
        forget_gate=forget_gate,
        torch_module=f"rnnlab.cells.{name}_torch",
        parallel_scan=True,
        equations=hooks(
            forward_values=forward_values,
            backward_values=scan_backward_values,
            forward=forward,
            backward=backward,
            dh_from_next=dh_from_next,
            gradients=scan_gradients,
            spelling=scan_spelling(display_name, tuple(g.name for g in gates)),
            network_name=lambda nonlinearity: f"{display_name} ({G_RULE})",
        ),
    )
