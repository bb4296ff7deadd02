"""/api/tasks: the tasks a run can have, the one source of task hints, shapes and metric
names for the pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from rnnlab import service
from rnnlab.web.deps import Home
from rnnlab.web.schemas import TagScores, TaskInfo

router = APIRouter(prefix="/tasks", tags=["tasks"])
run_router = APIRouter(prefix="/runs/{run_id}", tags=["tasks"])


@router.get("", response_model=list[TaskInfo])
def tasks() -> Any:
    """Every task: display name, hint, the shapes of RNN it is (with what its diagram
    draws), the data formats and fields it takes, and its metrics."""
    return service.list_tasks()


@router.get("/{name}", response_model=TaskInfo)
def task(name: str) -> Any:
    """One task; 422 listing the tasks for any other name."""
    return service.describe_task(name)


@run_router.get("/tag-scores", response_model=TagScores)
def tag_scores(run_id: str, home: Home) -> Any:
    """A tag run's precision, recall and F1 per tag beside the baselines' F1; 422 for a
    run of another task."""
    return service.tag_scores(run_id, home)
