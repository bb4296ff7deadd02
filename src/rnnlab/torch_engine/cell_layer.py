r"""The torch layer for a cell torch.nn lacks: a registered cell's ``sequence`` and ``step``
stacked into layers and directions, shaped like nn.LSTM / nn.GRU.

A cell of ``rnnlab.cells`` with ``torch_module`` set brings two functions for ONE
layer-direction (``rnnlab/cells/<name>_torch.py``):

    sequence(x (T, B, D), mask (T, B, 1) | None, p {stem: Tensor}, h0 (B, H), c0 | None)
        -> hs (T, B, H), h_T (B, H), c_T (B, H) | None          autograd-differentiable
    step(x (B, D), p, h (B, H), c | None) -> (h, c | None)      one step, for generation

(a cell offering more than one ``nonlinearities`` also takes ``nonlinearity=`` by
keyword). ``CellRecurrent`` owns the parameters, named ``{stem}_l{k}`` and
``{stem}_l{k}_reverse`` as nn.LSTM names its own and as the reference engine's state_dict
keys them, so weights move between the engines unchanged (``convert``). Around the
cell it does what nn.LSTM does around its kernel:

- stacking: layer k > 0 reads the (T, B, dirs*H) outputs of layer k - 1;
- directions: the reverse direction runs on the input reversed *within each length*
  (step t of a sequence of length L reads x_{L-1-t}), so it starts at the sequence's
  own last step and the mask the cell sees is always 1 then 0 (trailing padding);
- lengths: PackedSequence semantics through ``mask``: past a sequence's length the cell
  carries its state unchanged (so h_T is the state at the last step inside), and the
  layer's outputs there are zero;
- dropout between stacked layers (p = ``dropout``), while training.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from rnnlab.cells.base import CellType, Param
from rnnlab.errors import ConfigError, ShapeError

State = Tensor | tuple[Tensor, Tensor]


def cell_functions(cell: CellType, nonlinearity: str = "tanh") -> tuple[Callable, Callable]:
    """(sequence, step) of `cell`'s torch module, with `nonlinearity` bound where the
    cell offers a choice (``len(cell.nonlinearities) > 1``)."""
    module = cell.torch()
    if len(cell.nonlinearities) > 1:
        return (
            functools.partial(module.sequence, nonlinearity=nonlinearity),
            functools.partial(module.step, nonlinearity=nonlinearity),
        )
    return module.sequence, module.step


def init_cell_parameter(param: Param, tensor: Tensor, hidden_size: int) -> None:
    """Fill `tensor` in place with `param`'s init: U(-1/sqrt(H), 1/sqrt(H)) (PyTorch's
    default), ones or zeros."""
    with torch.no_grad():
        if param.init == "ones":
            tensor.fill_(1.0)
        elif param.init == "zeros":
            tensor.zero_()
        else:
            bound = hidden_size**-0.5
            tensor.uniform_(-bound, bound)


def cell_parameter(param: Param, input_size: int, hidden_size: int) -> nn.Parameter:
    """One layer-direction's tensor of `param` (shape from D = input_size, H), initialised."""
    tensor = nn.Parameter(torch.empty(param.shape(input_size, hidden_size)))
    init_cell_parameter(param, tensor, hidden_size)
    return tensor


def length_mask(lengths: Tensor | None, T: int, like: Tensor) -> Tensor | None:
    """(T, B, 1) of `like`'s dtype: 1.0 at steps inside each sequence's length, else 0.0."""
    if lengths is None:
        return None
    steps = torch.arange(T, device=like.device)[:, None]  # (T, 1)
    return (steps < lengths.to(like.device)[None, :]).to(like.dtype)[:, :, None]  # (T, B, 1)


def reverse_index(lengths: Tensor | None, T: int, device: torch.device) -> Tensor | None:
    """(T, B) step indices that reverse each sequence within its length (steps past it stay
    put); None without lengths (a plain flip). The map is its own inverse."""
    if lengths is None:
        return None
    steps = torch.arange(T, device=device)[:, None]  # (T, 1)
    lengths = lengths.to(device)[None, :]  # (1, B)
    return torch.where(steps < lengths, lengths - 1 - steps, steps)  # (T, B)


def reverse_in_length(x: Tensor, index: Tensor | None) -> Tensor:
    """x (T, B, F) reversed along time within each length (see ``reverse_index``)."""
    if index is None:
        return x.flip(0)
    return torch.gather(x, 0, index[:, :, None].expand_as(x))


class CellRecurrent(nn.Module):
    """A stack of layers of one registered cell (see the module docstring).

    forward(x (T, B, D), state | None, lengths (B,) | None) -> y (T, B, dirs*H), state_n;
    a state is h (L*dirs, B, H), or the pair (h, c) for a cell with a cell state.
    """

    def __init__(
        self,
        cell: CellType,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        nonlinearity: str = "tanh",
    ) -> None:
        super().__init__()
        if cell.torch_module is None:
            raise ConfigError(f"cell {cell.name}: no torch_module; it runs on torch.nn")
        self.cell = cell
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.bidirectional = num_layers, bidirectional
        self.dropout, self.nonlinearity = dropout, nonlinearity
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else directions * hidden_size
            for direction in range(directions):
                for param in cell.params:
                    shape = param.shape(layer_in, hidden_size)
                    tensor = nn.Parameter(torch.empty(shape))
                    self.register_parameter(param.name(layer, bool(direction)), tensor)
        self.reset_parameters()

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def reset_parameters(self) -> None:
        """Each Param's init: U(-1/sqrt(H), 1/sqrt(H)) (PyTorch's default), ones or zeros."""
        for param, tensor in self.named_cell_parameters():
            init_cell_parameter(param, tensor, self.hidden_size)

    def named_cell_parameters(self) -> list[tuple[Any, Tensor]]:
        """(Param, tensor) of every layer and direction, in registration order."""
        return [
            (param, getattr(self, param.name(layer, bool(direction))))
            for layer in range(self.num_layers)
            for direction in range(self.num_directions)
            for param in self.cell.params
        ]

    def weights(self, layer: int, direction: int) -> dict[str, Tensor]:
        """One layer-direction's parameters keyed by stem (what ``sequence``/``step`` take)."""
        return {p.stem: getattr(self, p.name(layer, bool(direction))) for p in self.cell.params}

    def forward(
        self, x: Tensor, state: State | None = None, lengths: Tensor | None = None
    ) -> tuple[Tensor, State]:
        """Under autocast (train.precision bf16) the recurrence runs in the weights' dtype,
        as ExplicitRecurrent's does: a log-space scan (minGRU) or a long product of gates
        would lose its precision in bfloat16."""
        if x.device.type in ("cpu", "cuda") and torch.is_autocast_enabled(x.device.type):
            dtype = next(self.parameters()).dtype
            if isinstance(state, tuple):
                state = (state[0].to(dtype), state[1].to(dtype))
            elif state is not None:
                state = state.to(dtype)
            with torch.autocast(x.device.type, enabled=False):
                return self._forward(x.to(dtype), state, lengths)
        return self._forward(x, state, lengths)

    def _forward(
        self, x: Tensor, state: State | None, lengths: Tensor | None
    ) -> tuple[Tensor, State]:
        T, B, _ = x.shape
        h0, c0 = self._initial_state(state, B, x)  # (L*dirs, B, H) each; c0 may be None
        mask = length_mask(lengths, T, x)  # (T, B, 1) or None
        index = reverse_index(lengths, T, x.device)  # (T, B) or None
        sequence, _ = cell_functions(self.cell, self.nonlinearity)
        finals_h, finals_c, layer_input = [], [], x
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                xs = reverse_in_length(layer_input, index) if direction else layer_input
                c_init = None if c0 is None else c0[k]
                hs, h_T, c_T = sequence(xs, mask, self.weights(layer, direction), h0[k], c_init)
                outputs.append(reverse_in_length(hs, index) if direction else hs)  # (T, B, H)
                finals_h.append(h_T)
                finals_c.append(c_T)
            layer_input = torch.cat(outputs, dim=2) if len(outputs) > 1 else outputs[0]
            if mask is not None:
                layer_input = layer_input * mask  # zero outputs past the lengths
            if layer < self.num_layers - 1 and self.dropout > 0:
                layer_input = nn.functional.dropout(layer_input, self.dropout, self.training)
        h_n = torch.stack(finals_h)  # (L*dirs, B, H)
        if self.cell.has_cell_state:
            return layer_input, (h_n, torch.stack(finals_c))
        return layer_input, h_n

    def _initial_state(self, state: State | None, B: int, like: Tensor) -> tuple[Tensor, Any]:
        shape = (self.num_layers * self.num_directions, B, self.hidden_size)
        if state is None:
            zeros = like.new_zeros(shape)
            return zeros, (zeros if self.cell.has_cell_state else None)
        if self.cell.has_cell_state:
            if not isinstance(state, tuple) or len(state) != 2:
                raise ShapeError(f"state: a {self.cell.display_name} takes an (h0, c0) pair")
            return state[0], state[1]
        if isinstance(state, tuple):
            raise ShapeError(f"state: a {self.cell.display_name} takes one tensor h0")
        return state, None


def nonlinearity_kwargs(cell: CellType, nonlinearity: str) -> dict[str, Any]:
    """The keyword torch.nn's module of `cell` takes: only a cell whose non-linearity is a
    choice (nn.RNN, nn.RNNCell) takes ``nonlinearity``."""
    return {"nonlinearity": nonlinearity} if len(cell.nonlinearities) > 1 else {}


def recurrent_stack(
    cell: CellType,
    input_size: int,
    hidden_size: int,
    num_layers: int,
    bidirectional: bool,
    dropout: float,
    nonlinearity: str,
) -> nn.Module:
    """A stack of `cell` with nn.LSTM's interface: torch.nn's module (``torch_native``),
    else CellRecurrent. `dropout` acts between layers, so one layer gets none."""
    dropout = dropout if num_layers > 1 else 0.0
    if cell.torch_native is None:
        return CellRecurrent(
            cell, input_size, hidden_size, num_layers, bidirectional, dropout, nonlinearity
        )
    return getattr(nn, cell.torch_native)(
        input_size,
        hidden_size,
        num_layers=num_layers,
        bidirectional=bidirectional,
        dropout=dropout,
        **nonlinearity_kwargs(cell, nonlinearity),
    )


def run_over_lengths(
    rnn: nn.Module, x: Tensor, state: Any = None, lengths: Tensor | None = None
) -> tuple[Tensor, Any]:
    """Every step's top-layer output (T, B, dirs*H), zero past each length, and the final
    state of a stack (``recurrent_stack`` or ExplicitRecurrent) over x (T, B, D), each
    sequence read over its own length: rnnlab's layers mask, torch.nn's are packed."""
    from rnnlab.torch_engine.fast_cells import ExplicitRecurrent

    if isinstance(rnn, ExplicitRecurrent | CellRecurrent):
        return rnn(x, state, lengths)  # lengths by masking
    if lengths is None:
        return rnn(x, state)
    packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), enforce_sorted=False)
    out, state_n = rnn(packed, state)
    y, _ = nn.utils.rnn.pad_packed_sequence(out, total_length=x.shape[0])  # (T, B, dirs*H)
    return y, state_n
