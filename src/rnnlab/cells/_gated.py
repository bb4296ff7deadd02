"""The sequence loop the classic cells share (RNN, LSTM, GRU): PyTorch's four tensors.

A classic cell is written as one time step forward and its BPTT step (``step_forward``,
``step_backward`` on a ``Tape``); ``GatedRecurrence`` runs those steps over one
layer-direction and owns what they share:

- the input side ``zx = W_xh x_t + b_ih`` of every step in one GEMM before the loop;
- PackedSequence semantics by masking: past a sequence's length the state is carried
  unchanged and no gradient enters;
- the weight gradients as GEMMs over all steps after the loop:
  ``dW_xh = sum_t delta_t x_t^T``, ``dW_hh = sum_t delta^h_t h_{t-1}^T``, the biases'
  as sums of the deltas.

Parameters are passed by stem (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np

from rnnlab.cells.tape import Tape

Array = np.ndarray


class StepCell(Protocol):
    gates: int
    has_cell_state: bool
    same_delta: bool

    def step_forward(self, tape: Tape, s: int, W_hh: Array, b_hh: Array) -> None: ...

    def step_backward(
        self, tape: Tape, s: int, dh: Array, dc: Array | None, W_hh: Array
    ) -> tuple[Array, Array | None]: ...


def _biases(p: Mapping[str, Array], rows: int, dtype: np.dtype) -> tuple[Array, Array]:
    zero = np.zeros(rows, dtype)
    return p.get("bias_ih", zero), p.get("bias_hh", zero)


class GatedRecurrence:
    """A ``ReferenceCell`` (rnnlab.cells.base) from a step cell with PyTorch's layout."""

    def __init__(self, step: StepCell) -> None:
        self.step = step

    def forward(
        self, xs: Array, mask: Array | None, p: Mapping[str, Array], h0: Array, c0: Array | None
    ) -> Tape:
        W_ih, W_hh = p["weight_ih"], p["weight_hh"]  # (G, D), (G, H)
        b_ih, b_hh = _biases(p, W_ih.shape[0], xs.dtype)  # (G,) each
        H = W_hh.shape[1]
        tape = Tape.allocate(xs, mask, H, self.step.gates, c0 is not None, False)
        T, B, D = xs.shape
        zx = tape.zx.reshape(T * B, -1)  # (T*B, G)
        np.matmul(xs.reshape(T * B, D), W_ih.T, out=zx)  # all input projections at once
        zx += b_ih
        tape.h[0] = h0
        if tape.c is not None:
            tape.c[0] = c0
        # The same matrix stored column-major, so that the cells' h_{t-1} W_hh^T reads a
        # C-contiguous W_hh^T: OpenBLAS runs that GEMM ~1.5x faster than on a transposed view.
        W_hh = np.asfortranarray(W_hh)  # (G, H)
        for s in range(T):
            self.step.step_forward(tape, s, W_hh, b_hh)
            if mask is not None:  # past the length: carry state
                past = mask[s] == 0  # (B, 1)
                np.copyto(tape.h[s + 1], tape.h[s], where=past)
                if tape.c is not None:
                    np.copyto(tape.c[s + 1], tape.c[s], where=past)
        return tape

    def backward(
        self, tape: Tape, p: Mapping[str, Array], dy: Array, dh_n: Array, dc_n: Array | None
    ) -> tuple[Array, Array, Array | None, dict[str, Array]]:
        W_ih, W_hh = p["weight_ih"], p["weight_hh"]  # (G, D), (G, H)
        tape.allocate_backward(same_delta=self.step.same_delta)
        dh_carry, dc_carry = dh_n.copy(), (None if dc_n is None else dc_n.copy())  # (B, H)
        for s in reversed(range(tape.steps)):
            tape.dh_next[s] = dh_carry
            if dc_carry is not None:
                tape.dc_next[s] = dc_carry
            dh = np.add(dy[s], dh_carry, out=tape.dh[s])  # (B, H) dL/dh_t in total
            if tape.mask is None:
                dh_carry, dc_carry = self.step.step_backward(tape, s, dh, dc_carry, W_hh)
                continue
            inside = tape.mask[s]  # (B, 1) 1 inside, 0 past
            dc_in = None if dc_carry is None else dc_carry * inside
            dh_prev, dc_prev = self.step.step_backward(tape, s, dh * inside, dc_in, W_hh)
            dh_carry = dh_prev + dh * (1.0 - inside)  # past the length: pass through
            if dc_carry is not None:
                dc_carry = dc_prev + dc_carry * (1.0 - inside)
        grads = self._weight_grads(tape, "bias_ih" in p)
        T, B, D = tape.x.shape
        dxs = (tape.delta.reshape(T * B, -1) @ W_ih).reshape(T, B, D)  # (T, B, D)
        return dxs, dh_carry, dc_carry, grads

    @staticmethod
    def _weight_grads(tape: Tape, bias: bool) -> dict[str, Array]:
        T, B, D = tape.x.shape
        delta = tape.delta.reshape(T * B, -1)  # (T*B, G)
        delta_h = tape.delta_h.reshape(T * B, -1)  # (T*B, G)
        grads = {
            "weight_ih": delta.T @ tape.x.reshape(T * B, D),  # sum_t delta x^T
            "weight_hh": delta_h.T @ tape.h[:-1].reshape(T * B, -1),  # sum_t delta^h h^T
        }
        if bias:
            ones = np.ones(T * B, tape.x.dtype)  # sums over rows as a GEMV: faster than .sum(0)
            grads["bias_ih"] = ones @ delta  # sum_t delta_t
            grads["bias_hh"] = ones @ delta_h
        return grads
