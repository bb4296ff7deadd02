"""One token at a time through a trained language model, for generation.

A sequence kernel (nn.LSTM over T = 1) pays a fixed setup cost on every call, which
dominates when each call is one token. ``TokenStepper`` runs the same weights one step
at a time: for a cell torch.nn has (``torch_native``) through PyTorch's single-step
cell (nn.LSTMCell / GRUCell / RNNCell, sharing the model's own parameter tensors), for
any other registered cell through its torch module's ``step``. So one new token costs an
embedding lookup, one cell step per layer and the head.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from rnnlab.errors import ConfigError
from rnnlab.torch_engine.cell_layer import cell_functions, nonlinearity_kwargs
from rnnlab.torch_engine.model import SequenceModel

State = list[tuple[Tensor, ...]]
Step = Callable[[Tensor, tuple[Tensor, ...]], tuple[Tensor, ...]]


def _native_step(model: SequenceModel, layer: int) -> Step:
    """nn.<torch_native>Cell of `layer`, on the layer's own parameter tensors."""
    rnn, cell_type = model.rnn, model.cell_type
    layer_in = rnn.input_size if layer == 0 else rnn.hidden_size
    # nn.RNN keeps its nonlinearity; nn.LSTM and nn.GRU have no such attribute (no choice)
    nonlinearity = getattr(rnn, "nonlinearity", cell_type.nonlinearities[0])
    kwargs = nonlinearity_kwargs(cell_type, nonlinearity)
    cell = getattr(nn, f"{cell_type.torch_native}Cell")(layer_in, rnn.hidden_size, **kwargs)
    for param in cell_type.params:  # shared tensors
        setattr(cell, param.stem, getattr(rnn, param.name(layer)))
    cell.eval()
    if cell_type.has_cell_state:
        return lambda x, state: cell(x, state)  # (h, c)
    return lambda x, state: (cell(x, state[0]),)


def _cell_step(model: SequenceModel, layer: int) -> Step:
    """The registered cell's own ``step`` on `layer`'s parameters."""
    rnn, cell_type = model.rnn, model.cell_type
    _, step = cell_functions(cell_type, rnn.nonlinearity)
    weights = {p.stem: getattr(rnn, p.name(layer)) for p in cell_type.params}
    if cell_type.has_cell_state:
        return lambda x, state: step(x, weights, state[0], state[1])
    return lambda x, state: (step(x, weights, state[0], None)[0],)


class TokenStepper:
    """logits, state = stepper.step(token_id, state), or step_batch(token_ids, state) for
    B sequences at once (state from ``from_sequence_state`` of a batch of B)."""

    def __init__(self, model: SequenceModel) -> None:
        if model.task != "language-model" or model.rnn.bidirectional:
            raise ConfigError("stepping token by token needs a unidirectional language model")
        self.model = model
        self.device = model.head.weight.device
        self.with_cell_state = model.cell_type.has_cell_state
        make = _native_step if model.cell_type.torch_native is not None else _cell_step
        self.steps = [make(model, layer) for layer in range(model.rnn.num_layers)]

    def from_sequence_state(self, state: Tensor | tuple[Tensor, Tensor]) -> State:
        """The sequence model's final state (L, B, H) (or an (h, c) pair of them) as
        per-layer step states."""
        if self.with_cell_state:
            h, c = state
            return [(h[k], c[k]) for k in range(len(self.steps))]
        return [(state[k],) for k in range(len(self.steps))]

    @torch.inference_mode()
    def step(self, token: int, state: State) -> tuple[Tensor, State]:
        logits, new_state = self.step_batch(torch.tensor([token], device=self.device), state)
        return logits[0], new_state  # (V,)

    @torch.inference_mode()
    def step_batch(self, tokens: Tensor, state: State) -> tuple[Tensor, State]:
        """One step of B sequences at once: tokens (B,) -> logits (B, V)."""
        x = self.model.embedding.weight[tokens.to(self.device)]  # (B, E)
        new_state = []
        for step, layer_state in zip(self.steps, state, strict=True):
            layer_state = step(x, layer_state)  # (h,) or (h, c), each (B, H)
            new_state.append(tuple(layer_state))
            x = layer_state[0]
        return self.model.head(x), new_state  # (B, V)
