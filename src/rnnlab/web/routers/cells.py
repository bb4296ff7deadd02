"""/api/cells: the registered cell types, the one source of cell names and gates for the pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from rnnlab import service
from rnnlab.web.schemas import CellInfo

router = APIRouter(prefix="/cells", tags=["cells"])


@router.get("", response_model=list[CellInfo])
def cells() -> Any:
    """Every registered cell: name, display name, gates (storage order, activation), whether
    it has a cell state, the options it takes and its parameters per layer and direction."""
    return service.list_cells()


@router.get("/{name}", response_model=CellInfo)
def cell(name: str) -> Any:
    """One registered cell; 422 listing the registered names for any other."""
    return service.describe_cell(name)
