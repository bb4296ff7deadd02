"""`rnnlab serve`: options, the printed URL, RNNLAB_TOKEN, and the uvicorn factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from rnnlab.cli.main import app as cli
from rnnlab.web.app import app_from_env
from rnnlab.web.sandbox import Limits

SERVE_ENV = (
    "RNNLAB_TOKEN",
    "RNNLAB_SERVE_HOST",
    "RNNLAB_MAX_UPLOAD_MB",
    "RNNLAB_HOME",
    "RNNLAB_TRAIN_THREADS",
    "RNNLAB_MAX_JOBS",
    "RNNLAB_JOB_SECONDS",
    "RNNLAB_JOB_MEMORY_MB",
)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple, dict]]:
    """uvicorn.run replaced by a recorder; the serve variables restored afterwards."""
    for name in SERVE_ENV:  # setenv first, so that undo removes what serve() sets
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    recorded: list[tuple[tuple, dict]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: recorded.append((a, k)))
    return recorded


def test_serve_prints_the_url_and_runs_the_factory(calls: list) -> None:
    options = ["--port", "8123", "--max-upload-mb", "5", "--train-threads", "1"]
    result = CliRunner().invoke(cli, ["serve", *options])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.stdout and "token" not in result.stdout
    (args, kwargs) = calls[0]
    assert args == ("rnnlab.web.app:app_from_env",)
    assert kwargs["factory"] is True and (kwargs["host"], kwargs["port"]) == ("127.0.0.1", 8123)
    settings = app_from_env().state.settings  # what the factory makes of the options
    assert settings.max_upload_bytes == 5 * 2**20 and settings.token is None
    assert app_from_env().state.jobs.threads == 1


def test_a_token_from_the_environment(calls: list, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RNNLAB_TOKEN", "envtoken")
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8000/?token=envtoken" in result.stdout
    assert calls[0][1]["host"] == "0.0.0.0"


def test_a_public_host_without_a_token_is_refused(calls: list) -> None:
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 1 and calls == []
    assert "error: --host 0.0.0.0 needs --token or RNNLAB_TOKEN" in result.stderr


def test_help_has_examples() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "rnnlab serve --host" in result.stdout


def test_the_factory_reads_the_environment(
    calls: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RNNLAB_HOME", str(tmp_path))
    monkeypatch.setenv("RNNLAB_SERVE_HOST", "10.0.0.7")
    monkeypatch.setenv("RNNLAB_TOKEN", "abc")
    monkeypatch.setenv("RNNLAB_MAX_UPLOAD_MB", "3")
    settings = app_from_env().state.settings
    assert (settings.home, settings.host, settings.token) == (tmp_path, "10.0.0.7", "abc")
    assert settings.max_upload_bytes == 3 * 2**20


def test_job_limits_reach_the_app(calls: list) -> None:
    options = ["--max-jobs", "3", "--job-seconds", "30", "--job-memory-mb", "512"]
    result = CliRunner().invoke(cli, ["serve", *options])
    assert result.exit_code == 0, result.output
    app = app_from_env()
    assert app.state.heavy.limits == Limits(max_jobs=3, seconds=30.0, memory_mb=512)
    assert app.state.jobs.max_jobs == 3


def test_job_limits_have_defaults_and_read_the_environment(
    calls: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert CliRunner().invoke(cli, ["serve"]).exit_code == 0
    assert app_from_env().state.heavy.limits == Limits()
    monkeypatch.setenv("RNNLAB_MAX_JOBS", "5")
    assert CliRunner().invoke(cli, ["serve"]).exit_code == 0
    assert app_from_env().state.jobs.max_jobs == 5


@pytest.mark.parametrize(
    ("option", "value"),
    [("--max-jobs", "0"), ("--job-seconds", "nan"), ("--job-seconds", "inf"),
     ("--job-memory-mb", "1")],
)  # fmt: skip
def test_bad_job_limits_are_refused(calls: list, option: str, value: str) -> None:
    result = CliRunner().invoke(cli, ["serve", option, value])
    assert result.exit_code == 2 and calls == []
    assert f"Invalid value for '{option}'" in result.output
