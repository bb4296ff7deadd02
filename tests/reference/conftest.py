"""Shared PyTorch twins of the reference engine's layers, for parity tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch

TORCH_CLASSES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def torch_twin(
    cell: str,
    D: int,
    H: int,
    layers: int,
    bidirectional: bool,
    nonlinearity: str = "tanh",
    dtype: torch.dtype = torch.float64,
    bias: bool = True,
) -> torch.nn.Module:
    """A seeded torch.nn.RNN/LSTM/GRU with batch_first=False."""
    kwargs = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
    return TORCH_CLASSES[cell](
        D, H, num_layers=layers, bidirectional=bidirectional, bias=bias, **kwargs
    ).to(dtype)


def numpy_state(module: torch.nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


@pytest.fixture(autouse=True)
def _seed_torch() -> None:
    torch.manual_seed(1234)
