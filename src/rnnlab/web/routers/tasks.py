"""/api/tasks: the tasks a run can have, the one source of task hints, shapes and metric
names for the pages; /api/runs/{id}/gradient-flow/series: what a run's probes recorded."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from rnnlab import service
from rnnlab.web.deps import Home
from rnnlab.web.schemas import FlowSeries, TaskInfo

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


@run_router.get("/gradient-flow/series", response_model=list[FlowSeries])
def gradient_flow_series(run_id: str, home: Home) -> Any:
    """The (layer, direction) pairs the run's gradient-flow probes recorded (an
    encoder-decoder's are its encoder's and its decoder's), for the page's choices."""
    return service.gradient_flow_series(run_id, home)
