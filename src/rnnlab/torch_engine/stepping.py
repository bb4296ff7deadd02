"""One token at a time through a trained language model, for generation.

A sequence kernel (nn.LSTM over T = 1) pays a fixed setup cost on every call, which
dominates when each call is one token. ``TokenStepper`` runs the same weights through
PyTorch's single-step cells (nn.LSTMCell / GRUCell / RNNCell, which share the model's
own parameter tensors), so one new token costs an embedding lookup, one fused cell
per layer and the head.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnnlab.errors import ConfigError
from rnnlab.torch_engine.model import SequenceModel

State = list[tuple[Tensor, ...]]


class TokenStepper:
    """logits, state = stepper.step(token_id, state), or step_batch(token_ids, state) for
    B sequences at once (state from ``from_sequence_state`` of a batch of B)."""

    def __init__(self, model: SequenceModel) -> None:
        if model.task != "language-model" or model.rnn.bidirectional:
            raise ConfigError("stepping token by token needs a unidirectional language model")
        rnn, self.model = model.rnn, model
        self.device = model.head.weight.device
        self.lstm = model.cell == "lstm"
        self.cells: list[nn.Module] = []
        for layer in range(rnn.num_layers):
            layer_in = rnn.input_size if layer == 0 else rnn.hidden_size
            if model.cell == "lstm":
                cell: nn.Module = nn.LSTMCell(layer_in, rnn.hidden_size)
            elif model.cell == "gru":
                cell = nn.GRUCell(layer_in, rnn.hidden_size)
            else:
                cell = nn.RNNCell(layer_in, rnn.hidden_size, nonlinearity=rnn.nonlinearity)
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):  # shared tensors
                setattr(cell, name, getattr(rnn, f"{name}_l{layer}"))
            self.cells.append(cell.eval())

    def from_sequence_state(self, state: Tensor | tuple[Tensor, Tensor]) -> State:
        """The nn.LSTM/GRU/RNN final state (L, 1, H) as per-layer step states."""
        if self.lstm:
            h, c = state
            return [(h[k], c[k]) for k in range(len(self.cells))]
        return [(state[k],) for k in range(len(self.cells))]

    @torch.inference_mode()
    def step(self, token: int, state: State) -> tuple[Tensor, State]:
        logits, new_state = self.step_batch(torch.tensor([token], device=self.device), state)
        return logits[0], new_state  # (V,)

    @torch.inference_mode()
    def step_batch(self, tokens: Tensor, state: State) -> tuple[Tensor, State]:
        """One step of B sequences at once: tokens (B,) -> logits (B, V)."""
        x = self.model.embedding.weight[tokens.to(self.device)]  # (B, E)
        new_state = []
        for cell, layer_state in zip(self.cells, state, strict=True):
            if self.lstm:
                h, c = cell(x, layer_state)  # (1, H) each
                new_state.append((h, c))
            else:
                h = cell(x, layer_state[0])
                new_state.append((h,))
            x = h
        return self.model.head(x), new_state  # (B, V)
