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

from rnnlab import cells
from rnnlab.cells.base import CellType, ReferenceCell
from rnnlab.cells.tape import Tape
from rnnlab.errors import ConfigError, ShapeError, expect_shape

Array = np.ndarray
State = Array | tuple[Array, Array]


def make_cell(cell: str, nonlinearity: str = "tanh") -> ReferenceCell:
    """The NumPy implementation of the registered cell `cell` (rnnlab.cells)."""
    cell_type = cells.get(cell)
    if nonlinearity not in cell_type.nonlinearities:
        allowed = " | ".join(cell_type.nonlinearities)
        raise ConfigError(
            f"nonlinearity: expected {allowed} for cell {cell}, received {nonlinearity!r}"
        )
    return cell_type.reference(nonlinearity)


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
        self.cell_type: CellType = cells.get(cell)
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
        """Parameter names and shapes, in PyTorch's order (the cell's, per layer-direction)."""
        shapes: dict[str, tuple[int, ...]] = {}
        for layer in range(self.num_layers):
            layer_in = self.input_size if layer == 0 else self.output_size
            for direction in range(self.num_directions):
                for param in self.cell_type.params:
                    if param.bias and not self.bias:
                        continue
                    shape = param.shape(layer_in, self.hidden_size)
                    shapes[param.name(layer, bool(direction))] = shape
        return shapes

    def _init_params(self, rng: np.random.Generator) -> dict[str, Array]:
        """PyTorch's default U(-1/sqrt(H), 1/sqrt(H)); norm gains 1 and shifts 0."""
        bound = 1.0 / np.sqrt(self.hidden_size)
        fixed = {"ones": 1.0, "zeros": 0.0}
        inits = {
            p.name(layer, bool(d)): p.init
            for layer in range(self.num_layers)
            for d in range(self.num_directions)
            for p in self.cell_type.params
        }
        return {
            name: (
                np.full(shape, fixed[inits[name]], self.dtype)
                if inits[name] in fixed
                else rng.uniform(-bound, bound, size=shape).astype(self.dtype)
            )
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

    def _weights(self, layer: int, direction: int) -> dict[str, Array]:
        """One layer-direction's parameters keyed by stem (``weight_ih`` ...)."""
        return {
            p.stem: self.params[p.name(layer, bool(direction))]
            for p in self.cell_type.params
            if p.name(layer, bool(direction)) in self.params
        }

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
            drop = self._dropout_mask(layer, layer_input.shape)  # (T, B, dirs*H) or None
            self._dropout_masks.append(drop)
            if drop is not None:
                layer_input = layer_input * drop  # inter-layer dropout, as nn.LSTM's
        h_n = np.stack([tape.h[-1] for tape in self.tapes])  # (L*dirs, B, H)
        if self.cell_type.has_cell_state:
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
        xs = np.ascontiguousarray(x[::-1] if direction else x)  # (T, B, D) processing order
        ms = None if mask is None else np.ascontiguousarray(mask[::-1] if direction else mask)
        tape = self.cell.forward(xs, ms, self._weights(layer, direction), h0, c0)
        tape.reverse = bool(direction)
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
        dc0 = np.zeros_like(dh0) if self.cell_type.has_cell_state else None
        mask = self._lengths_mask
        for layer in reversed(range(self.num_layers)):
            drop = self._dropout_masks[layer] if layer < len(self._dropout_masks) else None
            if drop is not None:
                d_out = d_out * drop  # the dropped units passed no gradient
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
        p = self._weights(layer, direction)
        dxs, dh0, dc0, stem_grads = self.cell.backward(tape, p, dy, dh_n, dc_n)
        for stem, grad in stem_grads.items():
            grads[f"{stem}_l{layer}" + ("_reverse" if direction else "")] += grad
        return dxs, dh0, dc0

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
        if not self.cell_type.has_cell_state:
            if isinstance(h0, tuple):
                raise ShapeError(
                    f"h0: a {self.cell_type.display_name} takes one state array, not a pair"
                )
            return (zeros if h0 is None else self._state_array("h0", h0, shape)), None
        if h0 is None:
            return zeros, zeros.copy()
        if not isinstance(h0, tuple) or len(h0) != 2:
            raise ShapeError(f"h0: a {self.cell_type.display_name} takes an (h0, c0) pair")
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
        if not self.cell_type.has_cell_state:
            return (zeros if dh_n is None else self._state_array("dh_n", dh_n, shape)), None
        if dh_n is None:
            return zeros, zeros.copy()
        dh, dc = dh_n
        dh = zeros if dh is None else self._state_array("dh_n", dh, shape)
        dc = zeros.copy() if dc is None else self._state_array("dc_n", dc, shape)
        return dh, dc
