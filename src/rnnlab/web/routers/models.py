"""/api/models: what a model spec builds, parameter by parameter."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from rnnlab import service
from rnnlab.web.schemas import ModelSummary, SummaryRequest

router = APIRouter(prefix="/models", tags=["models"])


@router.post("/summary", response_model=ModelSummary)
def summary(body: SummaryRequest) -> Any:
    """Every parameter (PyTorch name, symbol, shape, count, gates), totals, the diagram."""
    return service.model_summary(**body.model_dump())
