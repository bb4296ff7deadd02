"""Fixtures of the torch engine's tests."""

from __future__ import annotations

import pytest

from rnnlab import cells
from tests.torch_engine.cell_fixtures import register_toy_cells


@pytest.fixture
def toy_cells(monkeypatch: pytest.MonkeyPatch) -> dict[str, cells.CellType]:
    """Test-only copies of rnn and lstm without torch.nn's form (see cell_fixtures)."""
    return register_toy_cells(monkeypatch)
