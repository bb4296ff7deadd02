"""A run whose training process is alive can be neither removed nor resumed (CLI and service),
and the refusal names the run, the owner process and what to do."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnlab import service
from rnnlab.cli.main import app
from rnnlab.errors import RnnlabError
from rnnlab.store import Store
from tests.store._writer import writer_process


def refusal_parts(run_id: str, pid: int) -> list[str]:
    return [f"run {run_id} is being trained by process {socket.gethostname()}:{pid}",
            "still running", f"kill {pid}", "then try again"]  # fmt: skip


def test_a_live_owners_run_is_refused_then_removable_once_it_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RNNLAB_HOME", str(tmp_path))
    with writer_process() as child:
        run_id = child.queue.get(timeout=60)
        pid = child.process.pid
        with pytest.raises(RnnlabError) as removing:
            service.remove_run(run_id)
        assert all(part in str(removing.value) for part in refusal_parts(run_id, pid))
        assert "cannot be removed now" in str(removing.value)
        for resume_call in (service.resume, service.check_resume):
            with pytest.raises(RnnlabError) as resuming:
                resume_call(run_id)
            assert all(part in str(resuming.value) for part in refusal_parts(run_id, pid))
            assert "cannot be resumed now" in str(resuming.value)

        cli = CliRunner()
        removed = cli.invoke(app, ["runs", "rm", run_id, "--yes"])
        assert removed.exit_code == 1 and "cannot be removed now" in removed.stderr
        assert "Traceback" not in removed.output
        resumed = cli.invoke(app, ["train", "--resume", run_id])
        assert resumed.exit_code == 1 and "cannot be resumed now" in resumed.stderr
        with Store() as store:
            assert store.get_run(run_id).status == "running"  # untouched, still writing
        child.stop.set()
        assert child.queue.get(timeout=60) > 0  # the child wrote on and ended its run
    assert cli.invoke(app, ["runs", "rm", run_id, "--yes"]).stdout == f"removed {run_id}\n"


def test_the_web_answers_409_for_a_run_another_process_trains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from rnnlab.web.app import create_app

    monkeypatch.setenv("RNNLAB_HOME", str(tmp_path))
    with writer_process() as child:
        run_id = child.queue.get(timeout=60)
        pid = child.process.pid
        with TestClient(create_app(home=tmp_path), base_url="http://127.0.0.1") as client:
            deleted = client.delete(f"/api/runs/{run_id}")
            resumed = client.post(f"/api/runs/{run_id}/resume")
        for answer, action in ((deleted, "removed"), (resumed, "resumed")):
            assert answer.status_code == 409, answer.text
            detail = answer.json()["detail"]
            assert all(part in detail for part in refusal_parts(run_id, pid)), detail
            assert f"cannot be {action} now" in detail
        child.stop.set()
        assert child.queue.get(timeout=60) > 0


def test_a_store_locked_too_long_is_503_on_the_web() -> None:
    from rnnlab.store.connection import StoreBusy
    from rnnlab.web.errors import status_of

    assert status_of(StoreBusy("the run store is busy")) == 503
