"""A damaged database file is found when the store opens, and the message says what to do."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from rnnlab.errors import DataError
from rnnlab.store import Store
from rnnlab.store import connection as store_connection
from rnnlab.store.connection import StoreDamaged

PAGE = 4096  # SQLite's default page size
BTREE_PAGE_TYPES = (2, 5, 10, 13)  # the first byte of an index or table b-tree page


@pytest.fixture(autouse=True)
def _unchecked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The files this process checked, for this test only."""
    monkeypatch.setattr(store_connection, "_CHECKED", set())


def filled_store(home: Path) -> Path:
    """A real store with a few runs and metrics over several pages; its database file."""
    with Store(home) as store:
        for _ in range(3):
            run = store.create_run("forecast", {"task": "forecast", "notes": "x" * 500}, {}, None)
            store.log_metrics_many((run.id, k, "train", "loss", 1.0 / k) for k in range(1, 300))
    return home / "rnnlab.db"


def damage(db_path: Path, seed: int, count: int = 200) -> int:
    """Overwrite `count` random bytes at the start of a b-tree page beyond the first (its
    header and cell pointers): the damage quick_check must find. Returns the offset."""
    rng = random.Random(seed)
    data = db_path.read_bytes()
    btree = [p for p in range(1, len(data) // PAGE) if data[p * PAGE] in BTREE_PAGE_TYPES]
    offset = PAGE * rng.choice(btree)
    with db_path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(bytes(rng.randrange(256) for _ in range(count)))
    return offset


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_damaged_file_is_refused_on_open_naming_it_and_what_to_do(
    tmp_path: Path, seed: int
) -> None:
    db_path = filled_store(tmp_path)
    damage(db_path, seed)
    store_connection._CHECKED.clear()  # as in a new process: this one checked it already
    with pytest.raises(StoreDamaged) as caught:
        Store(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{db_path}: the run store's database is damaged")
    assert f"mv {db_path} {db_path}.damaged" in message and "backup" in message
    assert isinstance(caught.value, DataError)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    (tmp_path / "rnnlab.db").write_bytes(b"not sqlite at all " * 300)
    with pytest.raises(StoreDamaged, match=r"damaged \(file is not a database\)"):
        Store(tmp_path)


def test_a_sound_file_is_checked_once_per_process(tmp_path: Path) -> None:
    db_path = filled_store(tmp_path)
    assert {(str(db_path.resolve()), db_path.stat().st_ino)} == store_connection._CHECKED
    damage(db_path, seed=0)
    Store(tmp_path).close()  # found sound already: not checked again (opens stay cheap)
    store_connection._CHECKED.clear()
    with pytest.raises(StoreDamaged):
        Store(tmp_path)


def test_a_column_that_is_not_json_names_the_run_and_column(tmp_path: Path) -> None:
    db_path = filled_store(tmp_path)
    with sqlite3.connect(db_path) as conn:
        run_id = conn.execute("SELECT id FROM runs LIMIT 1").fetchone()[0]
        conn.execute("UPDATE runs SET config = ? WHERE id = ?", ('{"task": \x00\x91', run_id))
    with Store(tmp_path) as store, pytest.raises(DataError) as caught:
        store.list_runs()
    message = str(caught.value)
    assert f"run {run_id!r}: its 'config' in the run store is not valid JSON" in message
    assert "integrity_check" in message
