"""Sequence layers of the reference engine: stacked, optionally bidirectional, full BPTT.

``Recurrent`` has exactly the semantics of ``torch.nn.RNN/LSTM/GRU(batch_first=False)``
and PyTorch's parameter names and layouts, so a PyTorch ``state_dict`` (as NumPy
arrays) loads unchanged and gradients come back keyed the same way:

    r = Recurrent(cell="lstm", input_size=D, hidden_size=H, num_layers=2, bidirectional=True)
    r.load_state_dict({k: v.numpy() for k, v in torch_lstm.state_dict().items()})
    y, h_n = r.forward(x, h0)          # x (T, B, D); y (T, B, dirs*H); h_n (layers*dirs, B, H)
    dx, dh0, grads = r.backward(dy, dh_n)

For an LSTM, ``h0``, ``h_n``, ``dh_n`` and ``dh0`` are (h, c) pairs. With ``lengths``
the batch behaves as a PyTorch PackedSequence: steps past a sequence's length leave
its state unchanged and give zero outputs, and the reverse direction starts at the
sequence's own last step.

Every number of the pass is kept on one ``Tape`` per layer and direction
(``self.tapes[layer * dirs + direction]``), which backward, the calculator and the
probes read.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rnnlab.errors import ConfigError, ShapeError, expect_shape
from rnnlab.reference.gru import GRUCell
from rnnlab.reference.lstm import LSTMCell
from rnnlab.reference.rnn import RNNCell
from rnnlab.reference.tape import Tape

Array = np.ndarray
State = Array | tuple[Array, Array]
CELLS = ("rnn", "lstm", "gru")


def make_cell(cell: str, nonlinearity: str = "tanh") -> RNNCell | LSTMCell | GRUCell:
    """The cell object for a cell name ("rnn" uses `nonlinearity`)."""
    if cell == "rnn":
        return RNNCell(nonlinearity)
    if cell == "lstm":
        return LSTMCell()
    if cell == "gru":
        return GRUCell()
    raise ConfigError(f"cell: expected one of {' | '.join(CELLS)}, received {cell!r}")


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ConfigError(f"{name}: expected a positive integer, received {value!r}")
    return int(value)


def _dtype(value: object) -> type[np.floating]:
    try:
        dtype = np.dtype(value)  # accepts "float32", np.float32, np.dtype(...)
    except TypeError:
        dtype = None
    if dtype not in (np.float32, np.float64):
        raise ConfigError(f"dtype: expected float32 | float64, received {value!r}")
    return dtype.type


class Recurrent:
    """A stack of recurrent layers with PyTorch's semantics (see the module docstring)."""

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        nonlinearity: str = "tanh",
        bias: bool = True,
        dtype: object = np.float64,
        seed: int | None = None,
        dropout: float = 0.0,
    ) -> None:
        self.cell = make_cell(cell, nonlinearity)
        if not 0.0 <= dropout < 1.0:
            raise ConfigError(f"dropout: expected a probability in [0, 1), received {dropout!r}")
        self.dropout = float(dropout)  # between stacked layers, as nn.RNN/LSTM/GRU's dropout
        self.training = True  # dropout acts only while training
        self.rng = np.random.default_rng(seed)
        self.input_size = _positive_int("input_size", input_size)
        self.hidden_size = _positive_int("hidden_size", hidden_size)
        self.num_layers = _positive_int("num_layers", num_layers)
        self.bidirectional = bool(bidirectional)
        self.bias = bool(bias)
        self.dtype = _dtype(dtype)
        self.tapes: list[Tape] = []
        self._lengths_mask: Array | None = None
        self._dropout_masks: list[Array | None] = []
        self.params = self._init_params(np.random.default_rng(seed))

    # ----------------------------------------------------------------- parameters
    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def output_size(self) -> int:
        return self.num_directions * self.hidden_size

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """Parameter names and shapes, in PyTorch's order."""
        G, H = self.cell.gates * self.hidden_size, self.hidden_size
        shapes: dict[str, tuple[int, ...]] = {}
        for layer in range(self.num_layers):
            layer_in = self.input_size if layer == 0 else self.output_size
            for direction in range(self.num_directions):
                sfx = f"_l{layer}" + ("_reverse" if direction else "")
                shapes[f"weight_ih{sfx}"] = (G, layer_in)
                shapes[f"weight_hh{sfx}"] = (G, H)
                if self.bias:
                    shapes[f"bias_ih{sfx}"] = (G,)
                    shapes[f"bias_hh{sfx}"] = (G,)
        return shapes

    def _init_params(self, rng: np.random.Generator) -> dict[str, Array]:
        bound = 1.0 / np.sqrt(self.hidden_size)  # PyTorch's default: U(-1/sqrt(H), 1/sqrt(H))
        return {
            name: rng.uniform(-bound, bound, size=shape).astype(self.dtype)
            for name, shape in self.param_shapes().items()
        }

    def state_dict(self) -> dict[str, Array]:
        return {name: value.copy() for name, value in self.params.items()}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Load weights keyed and shaped like PyTorch's; any mismatch names the key."""
        shapes = self.param_shapes()
        missing = [k for k in shapes if k not in state]
        unexpected = [k for k in state if k not in shapes]
        if missing or unexpected:
            raise ShapeError(
                f"state_dict: missing keys {missing}, unexpected keys {unexpected}; "
                f"expected exactly {list(shapes)}"
            )
        checked = {}
        for name, shape in shapes.items():
            value = np.asarray(state[name], dtype=self.dtype)
            expect_shape(name, value.shape, shape)
            checked[name] = value
        for name, value in checked.items():  # copy in place: optimisers keep their arrays
            np.copyto(self.params[name], value)

    def _weights(self, layer: int, direction: int) -> tuple[Array, Array, Array, Array]:
        sfx = f"_l{layer}" + ("_reverse" if direction else "")
        W_ih, W_hh = self.params[f"weight_ih{sfx}"], self.params[f"weight_hh{sfx}"]
        G = W_ih.shape[0]
        zero = np.zeros(G, self.dtype)
        b_ih = self.params.get(f"bias_ih{sfx}", zero)
        b_hh = self.params.get(f"bias_hh{sfx}", zero)
        return W_ih, W_hh, b_ih, b_hh

    # ----------------------------------------------------------------- forward
    def forward(
        self, x: Array, h0: State | None = None, lengths: Array | None = None
    ) -> tuple[Array, State]:
        """Run the stack over x (T, B, D); returns y (T, B, dirs*H) and the final state."""
        x = self._check_input(x)
        T, B, _ = x.shape
        mask = self._mask(lengths, T, B)  # (T, B, 1) or None
        h_init, c_init = self._initial_state(h0, B)  # (L*dirs, B, H) each
        self.tapes, self._lengths_mask, self._dropout_masks = [], mask, []
        layer_input = x  # (T, B, D)
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                idx = layer * self.num_directions + direction
                c0 = None if c_init is None else c_init[idx]
                tape = self._forward_direction(layer_input, mask, layer, direction, h_init[idx], c0)
                self.tapes.append(tape)
                out = tape.h[1:]  # (T, B, H) processing order
                outputs.append(out[::-1] if direction else out)
            layer_input = np.concatenate(outputs, axis=2)  # (T, B, dirs*H)
            if mask is not None:
                layer_input *= mask  # zero outputs past the length
        h_n = np.stack([tape.h[-1] for tape in self.tapes])  # (L*dirs, B, H)
        if self.cell.has_cell_state:
            c_n = np.stack([tape.c[-1] for tape in self.tapes])  # (L*dirs, B, H)
            return layer_input, (h_n, c_n)
        return layer_input, h_n

    def _dropout_mask(self, layer: int, shape: tuple[int, ...]) -> Array | None:
        """Kept units scaled by 1/(1-p), on the outputs that feed another layer."""
        if not (self.training and self.dropout > 0 and layer < self.num_layers - 1):
            return None
        keep = self.rng.random(shape) >= self.dropout
        return keep.astype(self.dtype) / (1.0 - self.dropout)

    def _forward_direction(
        self, x: Array, mask: Array | None, layer: int, direction: int, h0: Array, c0: Array | None
    ) -> Tape:
        W_ih, W_hh, b_ih, b_hh = self._weights(layer, direction)
        xs = np.ascontiguousarray(x[::-1] if direction else x)  # (T, B, D) processing order
        ms = None if mask is None else (mask[::-1] if direction else mask)
        tape = Tape.allocate(
            xs, ms, self.hidden_size, self.cell.gates, c0 is not None, bool(direction)
        )
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
            self.cell.step_forward(tape, s, W_hh, b_hh)
            if ms is not None:  # past the length: carry state
                past = ms[s] == 0  # (B, 1)
                np.copyto(tape.h[s + 1], tape.h[s], where=past)
                if tape.c is not None:
                    np.copyto(tape.c[s + 1], tape.c[s], where=past)
        return tape

    # ----------------------------------------------------------------- backward
    def backward(
        self, dy: Array | None = None, dh_n: State | None = None
    ) -> tuple[Array, State, dict[str, Array]]:
        """BPTT through the last forward pass.

        dy (T, B, dirs*H) is dL/dy and dh_n is dL/dh_n (a (dh, dc) pair for an LSTM;
        either may be None for zero). Returns dx (T, B, D), dh0 shaped like h0, and
        the parameter gradients keyed like ``state_dict()``.
        """
        if not self.tapes:
            raise ConfigError("backward: call forward first; no pass is recorded")
        T, B = self.tapes[0].steps, self.tapes[0].x.shape[1]
        n_states = self.num_layers * self.num_directions
        dh_last, dc_last = self._final_state_grad(dh_n, n_states, B)
        d_out = np.zeros((T, B, self.output_size), self.dtype) if dy is None else dy
        expect_shape("dy", np.shape(d_out), (T, B, self.output_size))
        d_out = np.asarray(d_out, self.dtype)
        grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        dh0 = np.zeros((n_states, B, self.hidden_size), self.dtype)
        dc0 = np.zeros_like(dh0) if self.cell.has_cell_state else None
        mask = self._lengths_mask
        for layer in reversed(range(self.num_layers)):
            if mask is not None:
                d_out = d_out * mask  # zeroed outputs pass no gradient
            d_in = None
            for direction in range(self.num_directions):
                idx = layer * self.num_directions + direction
                H = self.hidden_size
                dy_dir = d_out[:, :, direction * H : (direction + 1) * H]  # (T, B, H)
                dy_proc = dy_dir[::-1] if direction else dy_dir
                dc_n = None if dc_last is None else dc_last[idx]
                dxs, dh0[idx], dc_first = self._backward_direction(
                    self.tapes[idx], dy_proc, dh_last[idx], dc_n, layer, direction, grads
                )
                if dc0 is not None:
                    dc0[idx] = dc_first
                dx_time = dxs[::-1] if direction else dxs  # (T, B, D_layer)
                d_in = dx_time if d_in is None else d_in + dx_time
            d_out = d_in
        return d_out, (dh0 if dc0 is None else (dh0, dc0)), grads

    def _backward_direction(
        self,
        tape: Tape,
        dy: Array,
        dh_n: Array,
        dc_n: Array | None,
        layer: int,
        direction: int,
        grads: dict[str, Array],
    ) -> tuple[Array, Array, Array | None]:
        W_ih, W_hh, _, _ = self._weights(layer, direction)
        tape.allocate_backward(same_delta=self.cell.same_delta)
        dh_carry, dc_carry = dh_n.copy(), (None if dc_n is None else dc_n.copy())  # (B, H)
        for s in reversed(range(tape.steps)):
            tape.dh_next[s] = dh_carry
            if dc_carry is not None:
                tape.dc_next[s] = dc_carry
            dh = np.add(dy[s], dh_carry, out=tape.dh[s])  # (B, H) dL/dh_t in total
            if tape.mask is None:
                dh_carry, dc_carry = self.cell.step_backward(tape, s, dh, dc_carry, W_hh)
                continue
            inside = tape.mask[s]  # (B, 1) 1 inside, 0 past
            dc_in = None if dc_carry is None else dc_carry * inside
            dh_prev, dc_prev = self.cell.step_backward(tape, s, dh * inside, dc_in, W_hh)
            dh_carry = dh_prev + dh * (1.0 - inside)  # past the length: pass through
            if dc_carry is not None:
                dc_carry = dc_prev + dc_carry * (1.0 - inside)
        self._accumulate_weight_grads(tape, W_ih, layer, direction, grads)
        T, B, D = tape.x.shape
        dxs = (tape.delta.reshape(T * B, -1) @ W_ih).reshape(T, B, D)  # (T, B, D)
        return dxs, dh_carry, dc_carry

    def _accumulate_weight_grads(
        self, tape: Tape, W_ih: Array, layer: int, direction: int, grads: dict[str, Array]
    ) -> None:
        sfx = f"_l{layer}" + ("_reverse" if direction else "")
        T, B, D = tape.x.shape
        delta = tape.delta.reshape(T * B, -1)  # (T*B, G)
        delta_h = tape.delta_h.reshape(T * B, -1)  # (T*B, G)
        grads[f"weight_ih{sfx}"] += delta.T @ tape.x.reshape(T * B, D)  # sum_t delta x^T
        grads[f"weight_hh{sfx}"] += delta_h.T @ tape.h[:-1].reshape(T * B, -1)  # sum_t delta h^T
        if self.bias:
            ones = np.ones(T * B, self.dtype)  # sums over rows as a GEMV: faster than .sum(0)
            grads[f"bias_ih{sfx}"] += ones @ delta  # sum_t delta_t
            grads[f"bias_hh{sfx}"] += ones @ delta_h

    # ----------------------------------------------------------------- checks
    def _check_input(self, x: Array) -> Array:
        x = np.asarray(x)
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ShapeError(
                f"x: expected shape (T, B, {self.input_size}) (time-major), received {x.shape}"
            )
        if x.shape[0] < 1 or x.shape[1] < 1:
            raise ShapeError(f"x: expected at least one step and one sequence, received {x.shape}")
        return x.astype(self.dtype, copy=False)

    def _mask(self, lengths: Array | None, T: int, B: int) -> Array | None:
        if lengths is None:
            return None
        lengths = np.asarray(lengths)
        expect_shape("lengths", lengths.shape, (B,))
        if lengths.min() < 1 or lengths.max() > T:
            raise ShapeError(f"lengths: expected values in 1..{T}, received {lengths.tolist()}")
        steps = np.arange(T)[:, None]  # (T, 1)
        return (steps < lengths[None, :]).astype(self.dtype)[:, :, None]  # (T, B, 1)

    def _initial_state(self, h0: State | None, B: int) -> tuple[Array, Array | None]:
        shape = (self.num_layers * self.num_directions, B, self.hidden_size)
        zeros = np.zeros(shape, self.dtype)
        if not self.cell.has_cell_state:
            if isinstance(h0, tuple):
                raise ShapeError(
                    f"h0: a {self.cell.name.upper()} takes one state array, not a pair"
                )
            return (zeros if h0 is None else self._state_array("h0", h0, shape)), None
        if h0 is None:
            return zeros, zeros.copy()
        if not isinstance(h0, tuple) or len(h0) != 2:
            raise ShapeError("h0: an LSTM takes an (h0, c0) pair")
        h, c = h0
        h = zeros if h is None else self._state_array("h0", h, shape)
        c = zeros.copy() if c is None else self._state_array("c0", c, shape)
        return h, c

    def _state_array(self, name: str, value: object, shape: tuple[int, ...]) -> Array:
        array = np.asarray(value, dtype=self.dtype)
        expect_shape(name, array.shape, shape)
        return array

    def _final_state_grad(
        self, dh_n: State | None, n_states: int, B: int
    ) -> tuple[Array, Array | None]:
        shape = (n_states, B, self.hidden_size)
        zeros = np.zeros(shape, self.dtype)
        if not self.cell.has_cell_state:
            return (zeros if dh_n is None else self._state_array("dh_n", dh_n, shape)), None
        if dh_n is None:
            return zeros, zeros.copy()
        dh, dc = dh_n
        dh = zeros if dh is None else self._state_array("dh_n", dh, shape)
        dc = zeros.copy() if dc is None else self._state_array("dc_n", dc, shape)
        return dh, dc
