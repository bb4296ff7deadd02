"""The fast engine: one nn.Module for the three tasks, on the cell the registry names.

    language-model:  ids (T, B) -> E[ids] (T, B, E) -> recurrent (T, B, H) -> head -> (T, B, V)
    classify:        ids (T, B), lengths (B,) -> packed -> recurrent -> h_n -> head -> (B, C)
    forecast:        values (T, B, 1) -> recurrent -> h_n -> head -> (B, horizon)
    tag:             ids (T, B), lengths (B,) -> packed -> recurrent -> every step (T, B, dirs*H)
                     -> head -> (T, B, K) one tag distribution per token (padding: zeros in)

The recurrent stack is chosen by asking ``rnnlab.cells`` about ``model.cell``:
torch.nn's own module where the cell has one (``torch_native``: nn.RNN / LSTM / GRU,
cuDNN kernels on a GPU), rnnlab's explicit-BPTT layer where one is asked for and the cell
has one (``explicit_kernel``), else the generic ``CellRecurrent`` on the cell's own torch
functions. Dropout (p = model.dropout) acts on the recurrent stack's input and output and,
as nn.LSTM's own ``dropout``, between stacked layers. Parameter names are the keys the
reference engine uses too: ``embedding.weight``, ``rnn.weight_ih_l0`` ... (the cell's
``Param`` names, PyTorch's own for its cells), ``head.weight``, ``head.bias``, so weights
move between engines unchanged (see ``convert``).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import torch
from torch import nn

from rnnlab import cells
from rnnlab.cells.base import CellType, Param
from rnnlab.errors import ConfigError
from rnnlab.spec.model import ModelSpec
from rnnlab.torch_engine.cell_layer import recurrent_stack, run_over_lengths
from rnnlab.torch_engine.fast_cells import ExplicitRecurrent

# The tasks this one network (embedding -> recurrent stack -> head) serves: spec.run.Task
# but seq2seq, whose two networks torch_engine.seq2seq builds. A list of its own because it
# is a choice of this module, not the config's list (a test checks the two cover Task).
Task = Literal["language-model", "classify", "forecast", "tag"]
TASKS: tuple[str, ...] = get_args(Task)
State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


def recurrent_layer(
    cell: CellType, spec: ModelSpec, input_size: int, explicit: bool, kernel: Any
) -> nn.Module:
    """The recurrent stack for `cell`: ExplicitRecurrent (explicit and the cell has an
    explicit kernel), torch.nn's module (``torch_native``) or CellRecurrent."""
    shape = (input_size, spec.hidden_size, spec.num_layers, spec.bidirectional)
    if explicit and cell.explicit_kernel is not None:
        dropout = spec.dropout if spec.num_layers > 1 else 0.0
        return ExplicitRecurrent(cell.explicit_kernel, *shape, dropout, spec.nonlinearity, kernel)
    return recurrent_stack(cell, *shape, spec.dropout, spec.nonlinearity)


class SequenceModel(nn.Module):
    """Embedding (token tasks) -> recurrent stack -> linear head.

    ``spec`` is the run's ``model`` section; the sizes are what the task and data imply
    (``build.model_sizes``). explicit: use rnnlab's explicit-BPTT layer where the cell has
    one (kernel: its compiled recurrence, or None for the Python loop); parameters are
    named as torch.nn names them.
    """

    def __init__(
        self,
        task: Task,
        spec: ModelSpec,
        input_size: int,
        num_outputs: int,
        vocab_size: int | None = None,
        explicit: bool = False,
        kernel: Any = None,
    ) -> None:
        super().__init__()
        if task not in TASKS:
            raise ConfigError(f"task: expected {' | '.join(TASKS)}, received {task!r}")
        self.task, self.spec = task, spec
        self.cell, self.cell_type = spec.cell, cells.get(spec.cell)
        self.embedding = nn.Embedding(vocab_size, input_size) if task != "forecast" else None
        self.rnn = recurrent_layer(self.cell_type, spec, input_size, explicit, kernel)
        self.explicit = isinstance(self.rnn, ExplicitRecurrent)
        self.drop = nn.Dropout(spec.dropout)
        directions = 2 if spec.bidirectional else 1
        self.head = nn.Linear(directions * spec.hidden_size, num_outputs)

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None, state: State | None = None
    ) -> tuple[torch.Tensor, State]:
        """Outputs (LM: (T, B, V); tag: (T, B, K); classify/forecast: (B, O)) and the
        final state."""
        inputs = self.drop(self.embedding(x) if self.embedding is not None else x)  # (T, B, E)
        if self.task == "language-model":
            y, state_n = self.rnn(inputs, state)  # (T, B, H)
            return self.head(self.drop(y)), state_n  # (T, B, V)
        y, state_n = run_over_lengths(self.rnn, inputs, state, lengths)  # (T, B, dirs*H)
        if self.task == "tag":
            return self.head(self.drop(y)), state_n  # (T, B, K)
        h_n = state_n[0] if isinstance(state_n, tuple) else state_n  # (L*dirs, B, H)
        directions = 2 if self.rnn.bidirectional else 1
        features = torch.cat(list(h_n[-directions:]), dim=1)  # (B, dirs*H) top layer
        return self.head(self.drop(features)), state_n  # (B, O)


def recurrent_params(model: SequenceModel) -> list[tuple[Param, torch.Tensor]]:
    """(the cell's Param, tensor) of every layer and direction of the recurrent stack."""
    rnn, cell = model.rnn, model.cell_type
    directions = 2 if rnn.bidirectional else 1
    return [
        (param, getattr(rnn, param.name(layer, bool(direction))))
        for layer in range(rnn.num_layers)
        for direction in range(directions)
        for param in cell.params
    ]


def initialise(model: SequenceModel, scheme: str, forget_bias: float, seed: int) -> None:
    """Seeded initial weights: PyTorch's defaults, then the chosen recurrent scheme.

    Every weight starts at U(-1/sqrt(H), 1/sqrt(H)) (the head: 1/sqrt(fan_in); the
    embedding N(0, 1)), except the cell's parameters declared ``ones`` or ``zeros``.
    orthogonal: each H x H block of every recurrent Param (W_hh) is an orthogonal matrix.
    identity:   recurrent blocks = I and zero biases (IRNN, Le et al. 2015), for a cell
                with ``identity_init``.
    forget_bias is added to the forget gate's block (``cell.forget_gate``) of the cell's
    first bias (b_ih).
    """
    generator = torch.Generator().manual_seed(seed)
    fixed = {id(t): p.init for p, t in recurrent_params(model) if p.init != "uniform"}
    H = model.rnn.hidden_size
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.startswith("embedding"):
                param.normal_(0.0, 1.0, generator=generator)
            elif id(param) in fixed:
                param.fill_(1.0 if fixed[id(param)] == "ones" else 0.0)
            else:
                bound = 1.0 / param.shape[-1] ** 0.5 if name.startswith("head") else H**-0.5
                param.uniform_(-bound, bound, generator=generator)
        _recurrent_scheme(model, scheme, forget_bias, generator)


def _recurrent_scheme(
    model: SequenceModel, scheme: str, forget_bias: float, generator: torch.Generator
) -> None:
    cell, H = model.cell_type, model.rnn.hidden_size
    shift = None
    if cell.forget_gate is not None:
        gate = cell.gate_names.index(cell.forget_gate)
        shift = (gate * H, (gate + 1) * H)
    first_bias = next((p for p in cell.params if p.bias), None)
    for param, tensor in recurrent_params(model):
        if param.recurrent and scheme == "orthogonal":
            for block in tensor.split(H, dim=0):
                nn.init.orthogonal_(block, generator=generator)
        elif param.recurrent and scheme == "identity":
            for block in tensor.split(H, dim=0):
                block.copy_(torch.eye(H))
        elif param.bias and scheme == "identity":
            tensor.zero_()
        if param is first_bias and shift is not None:
            tensor[shift[0] : shift[1]] += forget_bias
