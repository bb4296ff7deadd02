"""Another process holding the write lock: writes wait (bounded, with a notice), reads go on."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from rnnlab.errors import ConfigError
from rnnlab.store import Store
from rnnlab.store.connection import STORE_WAIT_ENV, STORE_WAIT_S, StoreBusy, store_wait_s

from ._locker import release, write_lock_held


def _store_with_run(home: Path) -> tuple[Store, str]:
    store = Store(home)
    return store, store.create_run("forecast", {"task": "forecast"}, {}, None).id


def test_a_write_gives_up_after_the_wait_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(STORE_WAIT_ENV, "1.5")
    store, run_id = _store_with_run(tmp_path)
    with store, write_lock_held(store.db_path):
        started = time.monotonic()
        with pytest.raises(StoreBusy) as caught:
            store.set_steps(run_id, 7)
        waited = time.monotonic() - started
    message = str(caught.value)
    assert str(store.db_path) in message and "is busy" in message
    assert f"set steps of run {run_id}" in message and STORE_WAIT_ENV in message
    assert 1.5 <= waited < 6
    assert f"run store {store.db_path} is busy" in capsys.readouterr().err  # said while waiting


def test_a_write_goes_through_once_the_lock_is_released(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STORE_WAIT_ENV, "30")
    store, run_id = _store_with_run(tmp_path)
    with store, write_lock_held(store.db_path) as child:
        threading.Timer(1.5, release, args=(child,)).start()
        started = time.monotonic()
        store.set_steps(run_id, 7)
        assert time.monotonic() - started >= 1.0
        assert store.get_run(run_id).steps == 7


def test_opening_reading_and_listing_need_no_write_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STORE_WAIT_ENV, "0")
    store, run_id = _store_with_run(tmp_path)
    store.close()
    with write_lock_held(store.db_path):
        started = time.monotonic()
        with Store(tmp_path) as again:
            assert [run.id for run in again.list_runs()] == [run_id]
            assert again.reap_orphans() == []
        assert time.monotonic() - started < 5


def test_a_store_that_needs_its_schema_while_locked_says_it_is_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STORE_WAIT_ENV, "0")
    sqlite3.connect(tmp_path / "rnnlab.db").close()  # an empty file: migrations to apply
    with write_lock_held(tmp_path / "rnnlab.db"), pytest.raises(StoreBusy, match="is busy"):
        Store(tmp_path)


@pytest.mark.parametrize("text", ["soon", "-1", "nan", "1e9"])
def test_the_wait_setting_must_be_seconds(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STORE_WAIT_ENV, text)
    with pytest.raises(ConfigError, match=f"{STORE_WAIT_ENV}: expected seconds .* {text!r}"):
        store_wait_s()


def test_the_wait_setting_defaults_and_reads_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STORE_WAIT_ENV, raising=False)
    assert store_wait_s() == STORE_WAIT_S
    monkeypatch.setenv(STORE_WAIT_ENV, " 2.5 ")
    assert store_wait_s() == 2.5
