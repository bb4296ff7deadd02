"""The devices torch paths are tested on: the CPU always, CUDA where there is one.

@pytest.mark.parametrize("device", DEVICES)
def test_x(device): ...   # device is "cpu" or "cuda"
"""

from __future__ import annotations

import pytest
import torch

NO_CUDA = "no CUDA device on this machine (run bench/gpu_check.sh on one)"
DEVICES = [
    pytest.param("cpu", id="cpu"),
    pytest.param(
        "cuda",
        id="cuda",
        marks=pytest.mark.skipif(not torch.cuda.is_available(), reason=NO_CUDA),
    ),
]
