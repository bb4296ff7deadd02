"""Training jobs through the API: each in its own spawned process, followed by its event
stream; cancel and resume; a worker that dies; the server stopping its workers."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rnnlab import service
from rnnlab.web import create_app
from rnnlab.web.sandbox import Limits

from .conftest import (
    BASE,
    TINY_CLASSIFY,
    TINY_FORECAST,
    TINY_LM,
    TestClient,
    read_events,
    wait_for,
)

GLOVE = b"good 1 0 0 0\ngreat 0.9 0.1 0 0\nbad -1 0 0 0\ndull -0.9 -0.1 0 0\n"


def long_forecast(steps: int) -> dict[str, Any]:
    """A forecaster of `steps` steps, a few ms each: time to cancel or kill it."""
    train = {"max_steps": steps, "epochs": 100_000, "eval_every": 100_000, "probe_every": None}
    return {**TINY_FORECAST, "train": train}


def check_story(events: list[tuple[str, dict[str, Any]]], total: int) -> None:
    """created, started, steps 1..total in order, evals after their step, then end."""
    names = [name for name, _ in events]
    assert names[:2] == ["created", "started"] and names[-1] == "end"
    assert names.count("end") == 1 and events[1][1]["total_steps"] == total
    steps = [data for name, data in events if name == "step"]
    assert [s["step"] for s in steps] == list(range(1, total + 1))
    for step in steps:
        assert step["total_steps"] == total and step["elapsed_s"] >= 0
        assert {"epoch", "loss", "grad_norm", "clipped", "lr", "tokens_per_s", "eta_s"} <= set(step)
    assert steps[-1]["eta_s"] == 0.0
    seen = 0
    for name, data in events:
        seen = data["step"] if name == "step" else seen
        if name in ("eval", "probe"):
            assert data["step"] == seen  # reported after the step it belongs to
    assert events[-1][1]["status"] == "finished"


def test_three_runs_end_to_end(make_client: Callable[..., TestClient], home: Path) -> None:
    client = make_client(limits=Limits(max_jobs=3))
    glove = client.post("/api/embeddings", files={"file": ("tiny.txt", GLOVE)}).json()
    classify = {**TINY_CLASSIFY, "embedding": {"init": f"embedding:{glove['id']}"}}
    ids = {}
    for config in (classify, TINY_LM, TINY_FORECAST):
        response = client.post("/api/runs", json={"config": config})
        assert response.status_code == 202, response.json()
        assert response.json()["status"] == "running"
        ids[config["task"]] = response.json()["id"]
    for task, total in (("classify", 8), ("language-model", 8), ("forecast", 12)):
        events = read_events(client, ids[task])
        check_story(events, total)
        assert [d["kind"] for n, d in events if n == "probe"][:2] == ["gradient_flow", "histograms"]
    for run in ids.values():
        wait_for(lambda run=run: client.get(f"/api/runs/{run}").json()["job"]["state"] == "exited")
        details = client.get(f"/api/runs/{run}").json()
        assert details["status"] == "finished" and details["job"]["exitcode"] == 0
        assert client.get(f"/api/runs/{run}/figures/curves").json()["kind"] == "lines"
    stored = service.show_run(ids["classify"], home)
    assert stored["config"]["embedding"]["init"].startswith(f"file:{home / 'embeddings'}")
    assert stored["summary"]["embedding"]["dim"] == 4
    metrics = client.get(f"/api/runs/{ids['forecast']}/metrics").json()
    assert metrics["train"]["loss"]["step"] == list(range(1, 13))
    texts = {"texts": ["a good film", "dull"]}
    assert len(client.post(f"/api/runs/{ids['classify']}/classify", json=texts).json()) == 2
    body = {"prompt": "The", "length": 5, "seed": 0}
    assert client.post(f"/api/runs/{ids['language-model']}/generate", json=body).json()["text"]
    forecast = client.post(f"/api/runs/{ids['forecast']}/forecast", json={"steps": 4}).json()
    assert len(forecast["forecast"]) == 4


def test_cancel_then_resume(client: TestClient, home: Path) -> None:
    run = client.post("/api/runs", json={"config": long_forecast(300)}).json()["id"]
    read_events(client, run, until="step")  # it trains
    cancelled = client.post(f"/api/runs/{run}/cancel")
    assert cancelled.status_code == 202 and cancelled.json()["id"] == run
    events = read_events(client, run)
    end = events[-1][1]
    assert end["status"] == "interrupted" and 0 < end["step"] < 300
    checkpoints = [(d["step"], d["reason"]) for n, d in events if n == "checkpoint"]
    assert checkpoints == [(end["step"], "interrupt")]
    details = client.get(f"/api/runs/{run}").json()
    assert details["status"] == "interrupted" and "last" in details["checkpoints"]
    assert (home / "runs" / run / "checkpoints" / "last.json").is_file()
    resumed = client.post(f"/api/runs/{run}/resume")  # waits for the old worker to exit
    assert resumed.status_code == 202 and resumed.json() == {"id": run, "status": "running"}
    again = read_events(client, run)
    assert again[0][0] == "started" and again[0][1]["step"] == end["step"]
    assert [d["step"] for n, d in again if n == "step"] == list(range(end["step"] + 1, 301))
    assert again[-1][1]["status"] == "finished"
    wait_for(lambda: client.get(f"/api/runs/{run}").json()["job"]["state"] == "exited")
    final = client.get(f"/api/runs/{run}").json()
    assert (final["status"], final["steps"]) == ("finished", 300)
    nothing = client.post(f"/api/runs/{run}/cancel")
    assert nothing.status_code == 409 and "not training" in nothing.json()["detail"]


def test_a_worker_that_dies_marks_its_run_failed(client: TestClient) -> None:
    run = client.post("/api/runs", json={"config": long_forecast(100_000)}).json()["id"]
    read_events(client, run, until="step")
    busy = client.delete(f"/api/runs/{run}")
    assert busy.status_code == 409 and "is training" in busy.json()["detail"]
    assert client.post(f"/api/runs/{run}/resume").status_code == 409
    job = client.get(f"/api/runs/{run}").json()["job"]
    assert job["state"] == "running"
    os.kill(job["pid"], signal.SIGKILL)
    end = read_events(client, run)[-1][1]
    assert end["status"] == "failed" and "exited with code -9" in end["message"]
    details = client.get(f"/api/runs/{run}").json()
    assert details["status"] == "failed" and "exited with code -9" in details["message"]
    assert details["job"] == {"state": "exited", "pid": job["pid"], "exitcode": -9}
    assert client.get("/api/runs").status_code == 200  # the server is fine
    assert client.post(f"/api/runs/{run}/cancel").status_code == 409
    assert client.delete(f"/api/runs/{run}").status_code == 204


def test_training_beyond_max_jobs_is_429(make_client: Callable[..., TestClient]) -> None:
    client = make_client(limits=Limits(max_jobs=1))
    run = client.post("/api/runs", json={"config": long_forecast(100_000)}).json()["id"]
    read_events(client, run, until="step")
    refused = client.post("/api/runs", json={"config": TINY_FORECAST})
    assert refused.status_code == 429
    assert refused.json()["detail"] == (
        "cannot train now: 1 training process(es) are running, the limit of this server "
        "(rnnlab serve --max-jobs 1); wait for one to finish or cancel one"
    )
    assert len(client.get("/api/runs").json()) == 1  # nothing was created
    client.post(f"/api/runs/{run}/cancel")
    wait_for(lambda: client.get(f"/api/runs/{run}").json()["job"]["state"] == "exited")
    wait_for(lambda: not client.app.state.jobs._all)  # its slot is free again
    accepted = client.post("/api/runs", json={"config": TINY_FORECAST})
    assert accepted.status_code == 202
    read_events(client, accepted.json()["id"])


def test_stopping_the_server_interrupts_its_runs_cleanly(home: Path) -> None:
    client = TestClient(create_app(home=home, train_threads=1), base_url=BASE)
    with client:
        run = client.post("/api/runs", json={"config": long_forecast(100_000)}).json()["id"]
        read_events(client, run, until="step")
        pid = client.get(f"/api/runs/{run}").json()["job"]["pid"]
    details = service.show_run(run, home)  # the lifespan's shutdown waited for the worker
    assert details["status"] == "interrupted" and "last" in details["checkpoints"]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_bad_configs_are_refused_before_any_process(client: TestClient, home: Path) -> None:
    cases = [
        ({**TINY_FORECAST, "model": {"hiden_size": 8}}, "config: model.hiden_size: unknown field"),
        ({**TINY_FORECAST, "data": {"path": "sample:nope"}}, "no bundled sample 'nope'"),
        ({**TINY_FORECAST, "data": {"path": "notes.txt"}}, "data.path: the web workbench reads"),
        ({**TINY_LM, "model": {"bidirectional": True}}, "must not see the future"),
    ]
    for config, message in cases:
        response = client.post("/api/runs", json={"config": config})
        assert response.status_code == 422 and message in response.json()["detail"], message
    missing = client.post("/api/runs", json={})
    assert missing.status_code == 422 and missing.json()["detail"] == "config: Field required"
    assert client.app.state.jobs._all == []  # no process was started
    assert service.list_runs(home=home) == []
