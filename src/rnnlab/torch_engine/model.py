"""The fast engine: one nn.Module for the three tasks, on nn.RNN / nn.LSTM / nn.GRU.

    language-model:  ids (T, B) -> E[ids] (T, B, E) -> recurrent (T, B, H) -> head -> (T, B, V)
    classify:        ids (T, B), lengths (B,) -> packed -> recurrent -> h_n -> head -> (B, C)
    forecast:        values (T, B, 1) -> recurrent -> h_n -> head -> (B, horizon)

Dropout (p = model.dropout) acts on the recurrent stack's input and output and, as
nn.LSTM's own ``dropout``, between stacked layers. With a GPU the nn.* modules run
cuDNN kernels. Parameter names are the keys the reference engine uses too:
``embedding.weight``, ``rnn.weight_ih_l0`` ... (PyTorch's own), ``head.weight``,
``head.bias``, so weights move between engines unchanged (see ``convert``).
"""

from __future__ import annotations

from typing import Any, Literal

import torch
from torch import nn

from rnnlab.errors import ConfigError
from rnnlab.torch_engine.fast_cells import ExplicitRecurrent

Task = Literal["language-model", "classify", "forecast"]
State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]
RECURRENT = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class SequenceModel(nn.Module):
    """Embedding (token tasks) -> recurrent stack -> linear head."""

    def __init__(
        self,
        task: Task,
        cell: str,
        input_size: int,
        hidden_size: int,
        num_outputs: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        nonlinearity: str = "tanh",
        dropout: float = 0.0,
        vocab_size: int | None = None,
        explicit: bool = False,
        kernel: Any = None,
    ) -> None:
        """explicit: use rnnlab's ExplicitRecurrent for cell gru/rnn (kernel: its compiled
        recurrence, or None for the Python loop); parameters are named as nn.* names them."""
        super().__init__()
        if task not in ("language-model", "classify", "forecast"):
            raise ConfigError(f"task: expected language-model | classify | forecast, got {task!r}")
        self.task, self.cell = task, cell
        self.embedding = nn.Embedding(vocab_size, input_size) if task != "forecast" else None
        self.explicit = explicit and cell in ("gru", "rnn")
        if self.explicit:
            self.rnn = ExplicitRecurrent(
                cell,
                input_size,
                hidden_size,
                num_layers,
                bidirectional,
                dropout if num_layers > 1 else 0.0,
                nonlinearity,
                kernel,
            )
        else:
            kwargs = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
            self.rnn = RECURRENT[cell](
                input_size,
                hidden_size,
                num_layers=num_layers,
                bidirectional=bidirectional,
                dropout=dropout if num_layers > 1 else 0.0,
                **kwargs,
            )
        self.drop = nn.Dropout(dropout)
        directions = 2 if bidirectional else 1
        self.head = nn.Linear(directions * hidden_size, num_outputs)

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None, state: State | None = None
    ) -> tuple[torch.Tensor, State]:
        """Outputs (LM: (T, B, V); classify/forecast: (B, O)) and the final state."""
        inputs = self.drop(self.embedding(x) if self.embedding is not None else x)  # (T, B, E)
        if self.task == "language-model":
            y, state_n = self.rnn(inputs, state)  # (T, B, H)
            return self.head(self.drop(y)), state_n  # (T, B, V)
        if self.explicit:
            _, state_n = self.rnn(inputs, state, lengths)
        elif lengths is not None:
            packed = nn.utils.rnn.pack_padded_sequence(inputs, lengths.cpu(), enforce_sorted=False)
            _, state_n = self.rnn(packed, state)
        else:
            _, state_n = self.rnn(inputs, state)
        h_n = state_n[0] if isinstance(state_n, tuple) else state_n  # (L*dirs, B, H)
        directions = 2 if self.rnn.bidirectional else 1
        features = torch.cat(list(h_n[-directions:]), dim=1)  # (B, dirs*H) top layer
        return self.head(self.drop(features)), state_n  # (B, O)


def initialise(model: SequenceModel, scheme: str, forget_bias: float, seed: int) -> None:
    """Seeded initial weights: PyTorch's defaults, then the chosen recurrent scheme.

    orthogonal: each gate block of W_hh is an orthogonal H x H matrix.
    identity:   W_hh = I and zero recurrent biases (IRNN, Le et al. 2015), for cell rnn.
    forget_bias is added to the LSTM forget-gate slice of every bias_ih.
    """
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.startswith("embedding"):
                param.normal_(0.0, 1.0, generator=generator)
            else:
                bound = (
                    1.0 / param.shape[-1] ** 0.5
                    if name.startswith("head")
                    else (1.0 / model.rnn.hidden_size**0.5)
                )
                param.uniform_(-bound, bound, generator=generator)
        H = model.rnn.hidden_size
        for name, param in model.rnn.named_parameters():
            if name.startswith("weight_hh") and scheme == "orthogonal":
                for block in param.split(H, dim=0):
                    nn.init.orthogonal_(block, generator=generator)
            elif name.startswith("weight_hh") and scheme == "identity":
                param.copy_(torch.eye(H))
            elif name.startswith("bias") and scheme == "identity":
                param.zero_()
            if name.startswith("bias_ih") and model.cell == "lstm":
                param[H : 2 * H] += forget_bias
