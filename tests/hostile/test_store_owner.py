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
