"""A rough estimate of the memory a training run needs, checked before any work.

    parameters P = embedding (V x d) + per layer and direction the cell's parameters
                   (rnnlab.cells: G H (input + H) + 2 G H for torch.nn's layout)
                   + head (H_out x O + O)       G = the cell's gate blocks (rnn 1, lstm 4)
    parameter memory = 16 P bytes: float32 weights, gradients and two Adam moments
    activations = B x T x H x layers x directions x (G + 2) x 4 bytes
                  (the gate pre-activations, h_t and c_t kept for backpropagation)
                  + B x T x V x 8 bytes of logits for a language model

The vocabulary size V is known only once the data is read: it counts here when
data.max_vocab (or the onehot embedding) bounds it, and is 0 otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rnnlab import cells

if TYPE_CHECKING:
    from rnnlab.spec.run import RunConfig

GIB = 2**30
MAX_TRAINING_BYTES = 32 * GIB  # estimates above this are refused as a mistake
FLOAT_BYTES = 4
PARAMETER_COPIES = 4  # weights, gradients, Adam's two moments


@dataclass(frozen=True)
class MemoryEstimate:
    parameters: int
    parameter_bytes: int
    activation_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.parameter_bytes + self.activation_bytes


def estimate_training_memory(config: RunConfig) -> MemoryEstimate:
    """Parameters and bytes of one training step of `config` (see the module docstring)."""
    m, data = config.model, config.data
    cell, directions = cells.get(m.cell), 2 if m.bidirectional else 1
    gates = cell.blocks
    vocab = data.max_vocab or 0
    tokens = config.task != "forecast"
    first_input = (
        (vocab if config.embedding.init == "onehot" else config.embedding.dim) if tokens else 1
    )
    parameters = vocab * first_input if tokens else 0
    for layer in range(m.num_layers):
        width = first_input if layer == 0 else m.hidden_size * directions
        parameters += directions * cell.count_params(width, m.hidden_size)
    outputs = {"language-model": vocab, "forecast": data.horizon}.get(config.task, 0)
    parameters += (m.hidden_size * directions + 1) * outputs
    steps = config.train.batch_size * data.seq_len
    activations = steps * m.hidden_size * m.num_layers * directions * (gates + 2) * FLOAT_BYTES
    if config.task == "language-model":
        activations += steps * vocab * 2 * FLOAT_BYTES  # logits and their gradient
    return MemoryEstimate(parameters, parameters * FLOAT_BYTES * PARAMETER_COPIES, activations)


def memory_problem(config: RunConfig, limit: int = MAX_TRAINING_BYTES) -> str | None:
    """A sentence naming the estimate, its parts and the limit, or None when it fits."""
    estimate = estimate_training_memory(config)
    if estimate.total_bytes <= limit:
        return None
    m, data, train = config.model, config.data, config.train
    return (
        f"model: training needs about {estimate.total_bytes / GIB:.1f} GiB, above the limit "
        f"of {limit / GIB:.0f} GiB ({estimate.parameters:,} parameters x 16 bytes = "
        f"{estimate.parameter_bytes / GIB:.1f} GiB for model.hidden_size {m.hidden_size} x "
        f"model.num_layers {m.num_layers}; activations {estimate.activation_bytes / GIB:.1f} "
        f"GiB for train.batch_size {train.batch_size} x data.seq_len {data.seq_len}); "
        "lower these sizes"
    )
