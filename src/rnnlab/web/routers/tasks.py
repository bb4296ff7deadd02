"""/api/tasks: the tasks a run can have, the one source of task hints, shapes and metric
names for the pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from rnnlab import service
from rnnlab.web.schemas import TaskInfo

router = APIRouter(prefix="/tasks", tags=["tasks"])


@router.get("", response_model=list[TaskInfo])
def tasks() -> Any:
    """Every task: display name, hint, the shapes of RNN it is (with what its diagram
    draws), the data formats and fields it takes, and its metrics."""
    return service.list_tasks()


@router.get("/{name}", response_model=TaskInfo)
def task(name: str) -> Any:
    """One task; 422 listing the tasks for any other name."""
    return service.describe_task(name)
