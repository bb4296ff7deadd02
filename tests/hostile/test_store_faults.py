"""The store under faults, as the CLI and a training run meet them: another process holding
the write lock, a damaged database file, a column that does not decode."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import ExitStack
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnlab import service
from rnnlab.cli.main import app
from rnnlab.events import StepDone
from rnnlab.store import connection as store_connection
from rnnlab.store.connection import STORE_WAIT_ENV
from tests.store._locker import release, write_lock_held
from tests.store.test_damaged import damage, filled_store

EXAMPLE = Path(__file__).parents[2] / "examples" / "configs" / "forecast.yaml"
TINY = ["model.hidden_size=8", "train.max_steps=40", "train.eval_every=10"]


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RNNLAB_HOME", str(tmp_path))
    monkeypatch.setattr(store_connection, "_CHECKED", set())


def test_training_waits_for_a_write_lock_held_meanwhile_and_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(STORE_WAIT_ENV, "60")
    with ExitStack() as stack:

        def lock_at_step_5(event: object) -> None:  # held for 2 s from step 5 on
            if isinstance(event, StepDone) and event.step == 5:
                child = stack.enter_context(write_lock_held(tmp_path / "rnnlab.db"))
                threading.Timer(2.0, release, args=(child,)).start()

        details = service.train(EXAMPLE, TINY, on_event=lock_at_step_5, home=tmp_path)
    assert (details["status"], details["steps"]) == ("finished", 40)
    assert f"run store {tmp_path / 'rnnlab.db'} is busy" in capfd.readouterr().err


def test_runs_list_says_the_store_is_busy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STORE_WAIT_ENV, "0")
    sqlite3.connect(tmp_path / "rnnlab.db").close()  # its schema still to be made
    with write_lock_held(tmp_path / "rnnlab.db"):
        result = CliRunner().invoke(app, ["runs", "list"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.stderr.startswith(f"error: run store {tmp_path / 'rnnlab.db'} is busy")


@pytest.mark.parametrize("command", [["runs", "list"], ["train", str(EXAMPLE), "--set",
                                                         "train.max_steps=2"]])  # fmt: skip
def test_a_damaged_store_is_a_clear_error_naming_the_file(
    tmp_path: Path, command: list[str]
) -> None:
    db_path = filled_store(tmp_path)
    damage(db_path, seed=3)
    store_connection._CHECKED.clear()  # as in a new process
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    message = " ".join(result.stderr.split())
    assert message.startswith(f"error: {db_path}: the run store's database is damaged")
    assert f"mv {db_path} {db_path}.damaged" in message


def test_a_column_that_does_not_decode_is_a_clear_error(tmp_path: Path) -> None:
    db_path = filled_store(tmp_path)
    with sqlite3.connect(db_path) as conn:
        (run_id,) = conn.execute("SELECT id FROM runs LIMIT 1").fetchone()
        conn.execute("UPDATE runs SET summary = 'x\x9f{' WHERE id = ?", (run_id,))
    result = CliRunner().invoke(app, ["runs", "list"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    message = " ".join(result.stderr.split())
    assert f"error: run {run_id!r}: its 'summary' in the run store is not valid JSON" in message
