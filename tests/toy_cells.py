"""Cell types that exist only in tests: what a future cell of the registry could look like
(other gate names, a cell state, no W_hh), registered for one test with ``register``."""

from __future__ import annotations

import pytest

from rnnlab import cells
from rnnlab.cells.base import CellType, Gate, Param

# Two gates nobody else has (a sigmoid "a", a tanh "b"), a cell state, no recurrent W_hh,
# its own nonlinearities, no forget gate: every option check must ask the record.
TOY = CellType(
    name="toy",
    display_name="Toy cell",
    summary="a test-only cell: gates a and b, a cell state, no W_hh",
    gates=(Gate("a", "alpha gate a"), Gate("b", "beta candidate b", "tanh")),
    blocks=2,
    has_cell_state=True,
    params=(
        Param("weight_ih", 2, "input", "W_xh"),
        Param("bias_ih", 2, None, "b_ih", bias=True),
    ),
    reference=lambda nonlinearity: None,  # type: ignore[arg-type,return-value]
    nonlinearities=("softsign", "tanh"),
)


def register(monkeypatch: pytest.MonkeyPatch, cell: CellType = TOY) -> CellType:
    """Add `cell` to the registry for the current test (removed again after it)."""
    cells.names()  # discover the real cells first
    monkeypatch.setitem(cells._REGISTRY, cell.name, cell)
    return cell
