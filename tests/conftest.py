"""Suite-wide settings: tiny models run fastest, and steadiest on a busy machine, on one
thread (two OpenMP threads competing with another process can be 100x slower)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
