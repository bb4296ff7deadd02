"""The tape: every number one layer-direction computes over a sequence.

A forward pass fills the forward fields, a backward pass the backward ones. The
backward pass reads nothing else, and the calculator (`rnnlab.trace`) and the
probes read the same arrays, so no formula is written twice.

Indexing: step `s` (0-based) of the tape is the `s`-th step *processed*. For a
forward direction it is time step t = s + 1 of the maths; a reverse direction
processes the sequence back to front, and its tape is in that processing order.
`h[0]` is the initial state h_0 and `h[s + 1]` the state after step s.

Shapes, with G = gates * H (RNN 1, GRU 3, LSTM 4):

    x        (T, B, D)     the inputs, in processing order
    mask     (T, B, 1)     1.0 where the step is inside the sequence's length, else 0.0
    zx       (T, B, G)     W_xh x_t + b_ih          (all steps in one GEMM, before the loop)
    zh       (T, B, G)     W_hh h_{t-1} + b_hh
    z        (T, B, G)     gate pre-activations: zx + zh (GRU's n: zx_n + r * zh_n)
    gates    (T, B, G)     activated gates (LSTM i f g o, GRU r z n); RNN: h_t itself
    h        (T+1, B, H)   hidden states
    c        (T+1, B, H)   LSTM cell states (None for RNN and GRU)
    tanh_c   (T, B, H)     LSTM tanh(c_t)

    dh       (T, B, H)     dL/dh_t in total: from the layer's output and from step t+1
    dh_next  (T, B, H)     the part of dh that came back from step t+1
    dc       (T, B, H)     LSTM dL/dc_t in total
    dc_next  (T, B, H)     LSTM: the part of dc that came back from step t+1 (dc_{t+1} * f_{t+1})
    delta    (T, B, G)     dL/dzx_t (= dL/dz_t): the deltas of DESIGN.md
    delta_h  (T, B, G)     dL/dzh_t (equal to delta except GRU's n: delta_n * r)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass
class Tape:
    x: Array
    mask: Array | None
    zx: Array
    zh: Array
    z: Array
    gates: Array
    h: Array
    c: Array | None
    tanh_c: Array | None
    reverse: bool = False
    dh: Array | None = None
    dh_next: Array | None = None
    dc: Array | None = None
    dc_next: Array | None = None
    delta: Array | None = None
    delta_h: Array | None = None

    @classmethod
    def allocate(
        cls,
        x: Array,
        mask: Array | None,
        hidden_size: int,
        gates: int,
        with_cell_state: bool,
        reverse: bool,
    ) -> Tape:
        T, B, _ = x.shape
        H, G = hidden_size, gates * hidden_size
        dtype = x.dtype
        return cls(
            x=x,
            mask=mask,
            zx=np.empty((T, B, G), dtype),
            zh=np.empty((T, B, G), dtype),
            z=np.empty((T, B, G), dtype),
            gates=np.empty((T, B, G), dtype),
            h=np.empty((T + 1, B, H), dtype),
            c=np.empty((T + 1, B, H), dtype) if with_cell_state else None,
            tanh_c=np.empty((T, B, H), dtype) if with_cell_state else None,
            reverse=reverse,
        )

    def allocate_backward(self, same_delta: bool = False) -> None:
        """Buffers of the backward pass; `same_delta`: delta_h is delta (one array), for
        the cells whose hidden-side delta equals the input-side one (RNN, LSTM)."""
        T, B, H = self.h.shape[0] - 1, self.h.shape[1], self.h.shape[2]
        dtype = self.h.dtype
        self.dh = np.empty((T, B, H), dtype)
        self.dh_next = np.empty((T, B, H), dtype)
        self.dc = np.empty((T, B, H), dtype) if self.c is not None else None
        self.dc_next = np.empty((T, B, H), dtype) if self.c is not None else None
        self.delta = np.empty_like(self.z)
        self.delta_h = self.delta if same_delta else np.empty_like(self.z)

    @property
    def steps(self) -> int:
        return self.x.shape[0]
