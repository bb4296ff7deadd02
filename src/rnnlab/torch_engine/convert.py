"""Weights between the engines: the same keys, tensors <-> NumPy arrays, exactly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

from rnnlab.errors import ShapeError
from rnnlab.reference.sequence_model import SequenceModelNP
from rnnlab.spec.model import ModelSpec


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


def structure_of(model: Any) -> tuple[str, ModelSpec, dict[str, int | None]]:
    """(task, model spec without dropout, sizes) of a SequenceModel: what builds a copy of
    its structure (either engine); the copies serve evaluation, probes and export."""
    sizes = {
        "input_size": model.rnn.input_size,
        "num_outputs": model.head.out_features,
        "vocab_size": None if model.embedding is None else model.embedding.num_embeddings,
    }
    return model.task, model.spec.model_copy(update={"dropout": 0.0}), sizes


def reference_twin(model: Any, dtype: Any = np.float32) -> SequenceModelNP:
    """The reference engine's copy of a SequenceModel: same structure, same weights.

    Probes and state inspection run it on the model's own weights; the reference
    engine's forward and BPTT equal PyTorch autograd to 1e-8 in float64 (tests in
    tests/reference), so what they read is what the torch model computes.
    """
    task, spec, sizes = structure_of(model)
    twin = SequenceModelNP(task, spec, dtype=dtype, **sizes)
    twin.load_state_dict(to_numpy(model))
    return twin
