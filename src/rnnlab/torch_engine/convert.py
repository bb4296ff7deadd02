"""Weights between the engines: the same keys, tensors <-> NumPy arrays, exactly."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from rnnlab.errors import ShapeError


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
