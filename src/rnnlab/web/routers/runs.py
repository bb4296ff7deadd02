"""/api/runs: stored runs, training jobs and their live events, metrics, figures, files."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import FileResponse, StreamingResponse

from rnnlab import service
from rnnlab.web.deps import Home, Jobs
from rnnlab.web.events import run_events
from rnnlab.web.schemas import RunAccepted, RunCreate

router = APIRouter(tags=["runs"])


@router.get("/runs")
def list_runs(
    home: Home,
    task: str | None = None,
    status: str | None = None,
    sweep: Annotated[str | None, Query(max_length=200)] = None,
) -> list[Any]:
    """The runs, newest first (as `rnnlab runs list --json`); `sweep`: a sweep's trials."""
    return service.list_runs(
        task=task or None, status=status or None, home=home, sweep=sweep or None
    )


@router.post("/runs", status_code=202, response_model=RunAccepted)
def start_run(body: RunCreate, jobs: Jobs) -> Any:
    """Check the config and its data (422 before any process starts), then train it in a
    separate process."""
    return {"id": jobs.start(body.config), "status": "running"}


@router.get("/runs/{run_id}")
def show_run(run_id: str, home: Home, jobs: Jobs) -> dict[str, Any]:
    """One run (as `rnnlab runs show --json`) and its job in this server, if any."""
    details = service.show_run(run_id, home)
    return {**details, "job": jobs.state(details["id"])}


@router.delete("/runs/{run_id}", status_code=204)
def delete_run(run_id: str, home: Home, jobs: Jobs) -> Response:
    """Delete a run's rows and folder (409 while it trains)."""
    found = service.show_run(run_id, home)["id"]
    jobs.require_idle(found, "delete")
    service.remove_run(found, home)
    return Response(status_code=204)


@router.post("/runs/{run_id}/cancel", status_code=202, response_model=RunAccepted)
def cancel(run_id: str, jobs: Jobs) -> Any:
    """Stop a training run cleanly: it ends `interrupted` with a checkpoint."""
    return {"id": jobs.cancel(run_id), "status": "stopping"}


@router.post("/runs/{run_id}/resume", status_code=202, response_model=RunAccepted)
def resume(run_id: str, jobs: Jobs) -> Any:
    """Continue a run from its last checkpoint in a new process."""
    return {"id": jobs.resume(run_id), "status": "running"}


@router.get("/runs/{run_id}/events")
def events(run_id: str, home: Home, jobs: Jobs) -> StreamingResponse:
    """Server-sent events: started, step, eval, checkpoint, probe, end (then it closes)."""
    found = service.show_run(run_id, home)["id"]
    job = jobs.job(found)
    stream = run_events(None if job is None else job.log, found, home)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


@router.get("/runs/{run_id}/metrics")
def metrics(run_id: str, home: Home) -> dict[str, Any]:
    """``{"train": {"loss": {"step": [], "value": []}, ...}, "val": {...}}``."""
    return service.run_metrics(run_id, home)


@router.get("/runs/{run_id}/figures/{figure}")
def figure(
    run_id: str,
    figure: str,
    home: Home,
    text: str | None = None,
    layer: Annotated[int, Query(ge=0)] = 0,
    # forward | backward, or another series a probe recorded (an encoder-decoder's encoder,
    # decoder): the figure names the pairs there are for any other; none: the run's first
    direction: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    which: Literal["grads", "params"] = "grads",
) -> dict[str, Any]:
    """One of a run's figures as data: curves | gradient-flow | gradient-flow-last | states |
    gates | confusion | forecast | histograms (drawn by the page with Plotly)."""
    options = {"text": text or None, "layer": layer, "direction": direction, "which": which}
    return service.run_figure(run_id, figure, home=home, **options)


@router.get("/compare")
def compare(
    home: Home, ids: Annotated[str, Query(description="two or more run ids, comma-separated")]
) -> dict[str, Any]:
    """Curves of several runs overlaid, with the table of config fields that differ."""
    refs = [ref.strip() for ref in ids.split(",") if ref.strip()]
    return service.compare_runs(refs, home=home)


@router.get("/runs/{run_id}/artifacts/{path:path}")
def artifact(run_id: str, path: str, home: Home) -> FileResponse:
    """A file of the run's folder (404 for anything outside it)."""
    return FileResponse(service.artifact_file(run_id, path, home))
