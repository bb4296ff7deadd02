"""Weights between the engines: the same keys, tensors <-> NumPy arrays, exactly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from rnnlab.errors import ShapeError
from rnnlab.reference.sequence_model import SequenceModelNP


def to_numpy(module: nn.Module) -> dict[str, np.ndarray]:
    """A module's state_dict as NumPy arrays (copies), keys unchanged."""
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def load_numpy(module: nn.Module, arrays: Mapping[str, np.ndarray]) -> None:
    """Load NumPy arrays keyed like the module's state_dict; any mismatch names the key."""
    expected = module.state_dict()
    missing = sorted(set(expected) - set(arrays))
    unexpected = sorted(set(arrays) - set(expected))
    if missing or unexpected:
        raise ShapeError(f"weights: missing keys {missing}, unexpected keys {unexpected}")
    tensors = {}
    for key, target in expected.items():
        value = np.asarray(arrays[key])
        if tuple(value.shape) != tuple(target.shape):
            raise ShapeError(
                f"{key}: expected shape {tuple(target.shape)}, received {tuple(value.shape)}"
            )
        tensors[key] = torch.from_numpy(np.ascontiguousarray(value)).to(target.dtype)
    module.load_state_dict(tensors)


def structure_of(model: Any) -> dict[str, Any]:
    """The keyword arguments that build a task model (of either engine) of `model`'s
    structure, without dropout: the copies serve evaluation, probes and export."""
    rnn = model.rnn
    return {
        "task": model.task,
        "cell": model.cell,
        "input_size": rnn.input_size,
        "hidden_size": rnn.hidden_size,
        "num_outputs": model.head.out_features,
        "num_layers": rnn.num_layers,
        "bidirectional": rnn.bidirectional,
        "nonlinearity": getattr(rnn, "nonlinearity", "tanh"),
        "vocab_size": None if model.embedding is None else model.embedding.num_embeddings,
    }


def reference_twin(model: Any, dtype: Any = np.float32) -> SequenceModelNP:
    """The reference engine's copy of a SequenceModel: same structure, same weights.

    Probes and state inspection run it on the model's own weights; the reference
    engine's forward and BPTT equal PyTorch autograd to 1e-8 in float64 (tests in
    tests/reference), so what they read is what the torch model computes.
    """
    twin = SequenceModelNP(**structure_of(model), dtype=dtype)
    twin.load_state_dict(to_numpy(model))
    return twin
