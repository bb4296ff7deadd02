"""A SequenceModel's structure from a RunConfig (weights come from initialise or a checkpoint)."""

from __future__ import annotations

from typing import Any

from rnnlab.data.synthetic import input_size_for
from rnnlab.spec.run import RunConfig
from rnnlab.torch_engine.model import SequenceModel


def model_sizes(
    config: RunConfig, vocab_size: int | None, num_classes: int | None
) -> dict[str, int | None]:
    """input_size, num_outputs and vocab_size that the task implies."""
    if config.task == "forecast":
        input_size = input_size_for(config.data.path)  # 2 for the adding problem
        return {"input_size": input_size, "num_outputs": config.data.horizon, "vocab_size": None}
    input_size = vocab_size if config.embedding.init == "onehot" else config.embedding.dim
    outputs = vocab_size if config.task == "language-model" else num_classes
    return {"input_size": input_size, "num_outputs": outputs, "vocab_size": vocab_size}


def model_from_config(
    config: RunConfig,
    vocab_size: int | None = None,
    num_classes: int | None = None,
    explicit: bool = False,
    kernel: Any = None,
    sizes: dict[str, int | None] | None = None,
) -> SequenceModel:
    """The model's structure (config.model); `explicit` chooses rnnlab's explicit-BPTT
    layer where the cell has one (same names); `sizes` replaces the sizes `model_sizes`
    derives (input_size, num_outputs, vocab_size)."""
    return SequenceModel(
        config.task,
        config.model,
        explicit=explicit,
        kernel=kernel,
        **(sizes or model_sizes(config, vocab_size, num_classes)),
    )
