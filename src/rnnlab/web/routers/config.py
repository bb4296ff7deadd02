"""/api/config: what a run configuration may contain."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from rnnlab import service

router = APIRouter(prefix="/config", tags=["config"])


@router.get("/schema")
def schema() -> dict[str, Any]:
    """RunConfig's JSON schema: every field with its type, default, choices and bounds."""
    return service.config_schema()
