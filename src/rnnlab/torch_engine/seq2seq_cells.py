r"""The recurrent parts of the encoder-decoder, for every registered cell.

A cell with a torch.nn form (``torch_native``: RNN, LSTM, GRU) runs on torch.nn's own
modules: the encoder on nn.RNN / nn.LSTM / nn.GRU (packed by the source lengths), the
decoder on the single-step nn.RNNCell / nn.LSTMCell / nn.GRUCell. Any other registered
cell (``torch_module``: lstm-ln, mingru, minlstm ...) runs on its own torch functions:
the encoder on ``cell_layer.CellRecurrent`` (its ``sequence``, lengths by masking), the
decoder on ``CellStep``, one layer of the cell's parameters (named by stem, as
nn.LSTMCell names its weight_ih ...) stepped with the cell's ``step``.

Both encoders have nn.LSTM's interface, forward -> (y (S, B, D H), state_n) with
state_n = h_n or (h_n, c_n), (L D, B, H) each; ``decoder_step`` gives both decoders
one interface: (x (B, E), h (B, H), c (B, H) | None) -> (h_t, c_t | None).
"""

from __future__ import annotations

from torch import Tensor, nn

from rnnlab import cells
from rnnlab.cells.base import CellType
from rnnlab.errors import ConfigError
from rnnlab.torch_engine.cell_layer import (
    CellRecurrent,
    cell_functions,
    cell_parameter,
    nonlinearity_kwargs,
)


def checked_cell(cell: str, nonlinearity: str) -> CellType:
    """The registered cell `cell` (ConfigError listing the names when unknown), with
    `nonlinearity` one it allows."""
    cell_type = cells.get(cell)
    if nonlinearity not in cell_type.nonlinearities:
        raise ConfigError(
            f"model.nonlinearity: cell {cell} allows {' | '.join(cell_type.nonlinearities)}, "
            f"received {nonlinearity!r}"
        )
    return cell_type


class CellStep(nn.Module):
    """One layer of a registered cell without a torch.nn form, one step at a time:
    forward(x (B, D), h (B, H), c (B, H) | None) -> (h_t, c_t | None). Its parameters
    are named by stem (weight_ih, bias_ih ...) and initialised as CellRecurrent's."""

    def __init__(
        self, cell: CellType, input_size: int, hidden_size: int, nonlinearity: str = "tanh"
    ) -> None:
        super().__init__()
        if cell.torch_module is None:
            raise ConfigError(f"cell {cell.name}: no torch_module; it runs on torch.nn")
        self.cell, self.input_size, self.hidden_size = cell, input_size, hidden_size
        self.nonlinearity = nonlinearity
        for param in cell.params:
            self.register_parameter(param.stem, cell_parameter(param, input_size, hidden_size))

    def weights(self) -> dict[str, Tensor]:
        """The parameters keyed by stem (what the cell's ``step`` takes)."""
        return {p.stem: getattr(self, p.stem) for p in self.cell.params}

    def forward(self, x: Tensor, h: Tensor, c: Tensor | None) -> tuple[Tensor, Tensor | None]:
        _, step = cell_functions(self.cell, self.nonlinearity)
        return step(x, self.weights(), h, c)


def decoder_cell(cell: CellType, input_size: int, hidden_size: int, nonlinearity: str) -> nn.Module:
    """The decoder's single-step cell: nn.<X>Cell of `cell`, else its CellStep."""
    if cell.torch_native is None:
        return CellStep(cell, input_size, hidden_size, nonlinearity)
    native = getattr(nn, cell.torch_native + "Cell")
    return native(input_size, hidden_size, **nonlinearity_kwargs(cell, nonlinearity))


def decoder_step(
    module: nn.Module, x: Tensor, h: Tensor, c: Tensor | None
) -> tuple[Tensor, Tensor | None]:
    """One step of a decoder cell made by ``decoder_cell``: x (B, E), h (B, H), c | None
    (c given exactly when the cell has a cell state) -> (h_t, c_t | None)."""
    if isinstance(module, CellStep):
        return module(x, h, c)
    if c is not None:
        return module(x, (h, c))  # nn.LSTMCell: (B, H) each
    return module(x, h), None


def layer_states(rnn: nn.Module, x: Tensor, layer: int, direction: int) -> Tensor:
    """h_1 .. h_S (S, 1, H) of one layer and direction of the encoder's `rnn` over one
    source x (S, 1, D) (no padding): torch.nn's module as a one-layer copy on that layer's
    weights, a CellRecurrent through its cell's ``sequence``."""
    xs = x.flip(0) if direction else x
    if isinstance(rnn, CellRecurrent):
        sequence, _ = cell_functions(rnn.cell, rnn.nonlinearity)
        h0 = x.new_zeros(x.shape[1], rnn.hidden_size)  # (1, H)
        c0 = h0 if rnn.cell.has_cell_state else None
        out = sequence(xs, None, rnn.weights(layer, direction), h0, c0)[0]  # (S, 1, H)
    else:
        sfx = f"_l{layer}" + ("_reverse" if direction else "")
        extra = {"nonlinearity": rnn.nonlinearity} if hasattr(rnn, "nonlinearity") else {}
        single = type(rnn)(x.shape[2], rnn.hidden_size, **extra).to(x.device, x.dtype)
        state = rnn.state_dict()
        single.load_state_dict(
            {k.replace(sfx, "_l0"): v for k, v in state.items() if k.endswith(sfx)}
        )
        out = single(xs)[0]
    return out.flip(0) if direction else out
