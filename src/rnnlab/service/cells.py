"""The cell registry (``rnnlab.cells``) as the views see it: each registered cell as JSON.

The web page (``GET /api/cells``) and ``rnnlab cells`` show these descriptions; neither
keeps its own copy of a cell's name, gates, state or parameters.
"""

from __future__ import annotations

from typing import Any

from rnnlab import cells


def cell_names() -> tuple[str, ...]:
    """Every registered cell name (the values model.cell accepts), in registry order."""
    return cells.names()


def list_cells() -> list[dict[str, Any]]:
    """Every registered cell's description (``CellType.describe``), in registry order."""
    return [cell.describe() for cell in cells.all_cells()]


def describe_cell(name: str) -> dict[str, Any]:
    """One cell's description; ConfigError listing the registered names if there is none."""
    return cells.get(name).describe()
