"""Every migration, applied on an in-memory database: from empty and from each earlier version."""

from __future__ import annotations

import sqlite3

import pytest

from rnnlab.errors import RnnlabError
from rnnlab.store import migrations
from rnnlab.store.migrations import (
    LATEST_VERSION,
    MIGRATIONS,
    Migration,
    current_version,
    migrate,
    split_statements,
)

RUN_COLUMNS = [
    "id", "name", "task", "status", "config", "versions", "data_hash", "summary", "message",
    "created_at", "finished_at", "steps", "parent_id",
]  # fmt: skip
# The tables and columns after each version. A new migration must add its entry here,
# and a test of its data changes below: test_every_migration_is_covered fails until it does.
EXPECTED_SCHEMA: dict[int, dict[str, list[str]]] = {
    0: {},
    1: {
        "runs": RUN_COLUMNS,
        "metrics": ["run_id", "step", "split", "name", "value"],
        "artifacts": ["run_id", "kind", "path", "step", "created_at"],
    },
}
EXPECTED_SCHEMA[2] = {**EXPECTED_SCHEMA[1], "probes": ["run_id", "step", "kind", "payload"]}
EXPECTED_SCHEMA[3] = {**EXPECTED_SCHEMA[2], "runs": [*RUN_COLUMNS, "owner"]}


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def tables(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Every table but schema_version, with its column names in order."""
    names = [
        row[0]
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if row[0] != "schema_version"
    ]
    return {name: [col[1] for col in conn.execute(f"PRAGMA table_info({name})")] for name in names}


def full_schema(conn: sqlite3.Connection) -> list[tuple]:
    """Everything sqlite_master knows (tables, indexes with their SQL)."""
    return sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall())


def insert_run(conn: sqlite3.Connection, run_id: str = "20260101-000000-abcd") -> None:
    conn.execute(
        "INSERT INTO runs (id, task, status, config, versions, created_at) "
        "VALUES (?, 'classify', 'running', '{}', '{}', '2026-01-01T00:00:00+00:00')",
        (run_id,),
    )
    conn.execute(
        "INSERT INTO metrics (run_id, step, split, name, value) VALUES (?, 1, 'train', 'loss', 2)",
        (run_id,),
    )


def test_every_migration_is_covered() -> None:
    versions = [m.version for m in MIGRATIONS]
    assert versions == list(range(1, len(MIGRATIONS) + 1)), "versions must be 1, 2, 3 ..."
    assert versions == [1, 2, 3], (
        "a new migration: extend EXPECTED_SCHEMA and the tests of this file"
    )
    assert sorted(EXPECTED_SCHEMA) == [0, *versions]
    assert versions[-1] == LATEST_VERSION
    assert all(m.description and m.sql.strip() for m in MIGRATIONS)


@pytest.mark.parametrize("version", sorted(EXPECTED_SCHEMA))
def test_schema_after_each_version(version: int) -> None:
    conn = connect()
    assert migrate(conn, target=version) == version
    assert current_version(conn) == version
    assert tables(conn) == EXPECTED_SCHEMA[version]


@pytest.mark.parametrize("start", range(LATEST_VERSION))
def test_migrate_from_each_earlier_version(start: int) -> None:
    fresh = connect()
    migrate(fresh)
    conn = connect()
    migrate(conn, target=start)
    if start >= 1:
        insert_run(conn)
    assert migrate(conn) == LATEST_VERSION
    assert full_schema(conn) == full_schema(fresh)
    rows = conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    assert [row[0] for row in rows] == [m.version for m in MIGRATIONS]
    if start >= 1:
        assert conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0] == 1


def test_migrate_again_changes_nothing() -> None:
    conn = connect()
    migrate(conn)
    before = full_schema(conn)
    insert_run(conn)
    assert migrate(conn) == LATEST_VERSION
    assert migrate(conn) == LATEST_VERSION
    assert full_schema(conn) == before
    assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1


def test_foreign_keys_cascade_and_parent_set_null() -> None:
    conn = connect()
    migrate(conn)
    insert_run(conn, "20260101-000000-aaaa")
    insert_run(conn, "20260101-000000-bbbb")
    conn.execute("UPDATE runs SET parent_id = '20260101-000000-aaaa' WHERE id LIKE '%bbbb'")
    conn.execute("DELETE FROM runs WHERE id = '20260101-000000-aaaa'")
    assert conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0] == 1
    assert conn.execute("SELECT parent_id FROM runs").fetchone()[0] is None
    with pytest.raises(sqlite3.IntegrityError):
        insert_metrics_of_unknown_run(conn)


def insert_metrics_of_unknown_run(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO metrics VALUES ('nope', 1, 'train', 'loss', 1.0)")


def test_a_failing_migration_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = connect()
    migrate(conn)
    following = LATEST_VERSION + 1
    broken = Migration(
        following, "broken", "CREATE TABLE extra (a INTEGER); INSERT INTO nowhere VALUES (1);"
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", (*MIGRATIONS, broken))
    monkeypatch.setattr(migrations, "LATEST_VERSION", following)
    with pytest.raises(sqlite3.OperationalError, match="nowhere"):
        migrate(conn)
    assert current_version(conn) == LATEST_VERSION
    assert "extra" not in tables(conn)
    assert not conn.in_transaction


def test_a_newer_database_is_refused() -> None:
    conn = connect()
    migrate(conn)
    conn.execute("INSERT INTO schema_version VALUES (99, 'future', '2030-01-01')")
    with pytest.raises(RnnlabError, match="schema version 99, newer"):
        migrate(conn)


def test_target_out_of_range() -> None:
    with pytest.raises(RnnlabError, match="expected 0 to"):
        migrate(connect(), target=LATEST_VERSION + 1)


def test_split_statements_keeps_semicolons_inside_strings() -> None:
    sql = "CREATE TABLE t (a TEXT DEFAULT 'x;y'); -- note\nINSERT INTO t VALUES ('a;b');\n"
    assert split_statements(sql) == [
        "CREATE TABLE t (a TEXT DEFAULT 'x;y');",
        "-- note\nINSERT INTO t VALUES ('a;b');",
    ]
    with pytest.raises(RnnlabError, match="incomplete statement"):
        split_statements("CREATE TABLE t (a TEXT DEFAULT 'x;")


def test_v2_probes_keep_runs_data_and_cascade_on_delete() -> None:
    conn = connect()
    migrate(conn, target=1)
    insert_run(conn)
    migrate(conn)
    conn.execute(
        "INSERT INTO probes (run_id, step, kind, payload) VALUES "
        "('20260101-000000-abcd', 5, 'gradient_flow', '{}')"
    )
    assert conn.execute("SELECT COUNT(*) FROM metrics").fetchone()[0] == 1
    conn.execute("DELETE FROM runs")
    assert conn.execute("SELECT COUNT(*) FROM probes").fetchone()[0] == 0
