"""One token at a time through a trained language model, for generation.

A sequence kernel (nn.LSTM over T = 1) pays a fixed setup cost on every call, which
dominates when each call is one token. ``TokenStepper`` runs the same weights one step
at a time: for a cell torch.nn has (``torch_native``) through PyTorch's single-step
cell function (``torch.lstm_cell``, ``gru_cell``, ``rnn_tanh_cell``/``rnn_relu_cell``:
what nn.LSTMCell and its kin call), on the model's own parameter tensors; for any other
registered cell through its torch module's ``step``. So one new token costs an
embedding lookup, one cell step per layer and the head, and nothing else: at B = 1 the
cost is per-call overhead, not arithmetic, so no nn.Module is called inside the loop
(the module wrappers took about half of a step at config a; bench/generation.py).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from rnnlab.errors import ConfigError
from rnnlab.torch_engine.cell_layer import cell_functions
from rnnlab.torch_engine.model import SequenceModel

State = list[tuple[Tensor, ...]]
Step = Callable[[Tensor, tuple[Tensor, ...]], tuple[Tensor, ...]]


def _layer_weights(model: SequenceModel, layer: int) -> dict[str, Tensor | None]:
    """`layer`'s parameter tensors by stem (None for a bias the model was built without)."""
    rnn = model.rnn
    return {p.stem: getattr(rnn, p.name(layer), None) for p in model.cell_type.params}


def _native_step(model: SequenceModel, layer: int) -> Step:
    """torch's single-step function of the cell (what nn.<torch_native>Cell calls)."""
    cell_type, weights = model.cell_type, _layer_weights(model, layer)
    args = (weights["weight_ih"], weights["weight_hh"], weights["bias_ih"], weights["bias_hh"])
    if cell_type.has_cell_state:  # LSTM
        return lambda x, state: torch.lstm_cell(x, state, *args)  # (h, c)
    name = f"{cell_type.torch_native.lower()}_cell"  # gru_cell
    if len(cell_type.nonlinearities) > 1:  # nn.RNN keeps its choice: rnn_tanh_cell, rnn_relu_cell
        nonlinearity = getattr(model.rnn, "nonlinearity", cell_type.nonlinearities[0])
        name = f"{cell_type.torch_native.lower()}_{nonlinearity}_cell"
    cell = getattr(torch, name)
    return lambda x, state: (cell(x, state[0], *args),)


def _cell_step(model: SequenceModel, layer: int) -> Step:
    """The registered cell's own ``step`` on `layer`'s parameters."""
    cell_type = model.cell_type
    _, step = cell_functions(cell_type, model.rnn.nonlinearity)
    weights = _layer_weights(model, layer)
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
        self.embedding = model.embedding.weight  # (V, E)
        self.head = (model.head.weight, model.head.bias)  # (V, H), (V,)

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
        return self.advance(tokens.tolist(), state)

    def advance(self, tokens: list[int], state: State) -> tuple[Tensor, State]:
        """``step_batch`` for a loop that already runs under torch.inference_mode: the ids
        as a list, so that one id is a slice of the embedding (a view, no index tensor to
        build and copy to the device: ~5x cheaper at B = 1)."""
        if len(tokens) == 1:
            x = self.embedding[tokens[0] : tokens[0] + 1]  # (1, E)
        else:
            x = self.embedding[torch.tensor(tokens, device=self.device)]  # (B, E)
        new_state = []
        for step, layer_state in zip(self.steps, state, strict=True):
            layer_state = step(x, layer_state)  # (h,) or (h, c), each (B, H)
            new_state.append(layer_state)
            x = layer_state[0]
        return F.linear(x, *self.head), new_state  # (B, V)
