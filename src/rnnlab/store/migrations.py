"""The run store's schema, as an ordered list of migrations.

A schema change is a new entry at the end of ``MIGRATIONS`` (never an edit of an
applied one); ``migrate`` applies the missing entries in one transaction and records
each in ``schema_version``. ``tests/store/test_migrations.py`` applies every migration
on an in-memory database, from empty and from each earlier version.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import NamedTuple

from rnnlab.errors import RnnlabError


class Migration(NamedTuple):
    """One schema step: its version number, what it does, and its SQL script."""

    version: int
    description: str
    sql: str


SCHEMA_V1 = """
CREATE TABLE runs (
    id          TEXT PRIMARY KEY,
    name        TEXT,
    task        TEXT NOT NULL,
    status      TEXT NOT NULL,
    config      TEXT NOT NULL,                -- JSON
    versions    TEXT NOT NULL,                -- JSON
    data_hash   TEXT,
    summary     TEXT,                         -- JSON
    message     TEXT,
    created_at  TEXT NOT NULL,                -- ISO-8601 UTC
    finished_at TEXT,
    steps       INTEGER DEFAULT 0,
    parent_id   TEXT REFERENCES runs(id) ON DELETE SET NULL
);
CREATE INDEX runs_created_at ON runs(created_at);
CREATE INDEX runs_name ON runs(name);

CREATE TABLE metrics (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step   INTEGER NOT NULL,
    split  TEXT NOT NULL,                     -- train | val
    name   TEXT NOT NULL,
    value  REAL,                              -- NULL stands for NaN (SQLite stores no NaN)
    PRIMARY KEY (run_id, split, name, step)
);

CREATE TABLE artifacts (
    run_id     TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    path       TEXT NOT NULL,                 -- relative to the run folder, '/'-separated
    step       INTEGER,
    created_at TEXT NOT NULL,
    PRIMARY KEY (run_id, path)
);
"""

SCHEMA_V2 = """
CREATE TABLE probes (
    run_id  TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step    INTEGER NOT NULL,
    kind    TEXT NOT NULL,                    -- gradient_flow | histograms | states
    payload TEXT NOT NULL,                    -- JSON, see rnnlab/probes.py
    PRIMARY KEY (run_id, kind, step)
);
"""

SCHEMA_V3 = """
ALTER TABLE runs ADD COLUMN owner TEXT;       -- host:pid of the process training it
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "runs, metrics and artifacts", SCHEMA_V1),
    Migration(
        2, "probes: gradient flow, histograms and states recorded during training", SCHEMA_V2
    ),
    Migration(3, "runs.owner: the process training a running run", SCHEMA_V3),
)

LATEST_VERSION = MIGRATIONS[-1].version

_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at  TEXT NOT NULL
)
"""


def current_version(conn: sqlite3.Connection) -> int:
    """The highest applied migration, 0 for an empty database."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Apply the missing migrations up to `target` (default: all) in one transaction.

    The connection must not be inside a transaction. Safe to call from several
    processes at once: the version is read again under the write lock. Returns the
    schema version afterwards.
    """
    target = LATEST_VERSION if target is None else target
    if not 0 <= target <= LATEST_VERSION:
        raise RnnlabError(f"schema version {target}: expected 0 to {LATEST_VERSION}")
    if conn.in_transaction:
        raise RnnlabError("migrate: the connection is inside a transaction; commit it first")
    if 0 < target == current_version(conn):
        return target  # up to date: no write lock (another process may hold it for long)
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = current_version(conn)
        if version > LATEST_VERSION:
            raise RnnlabError(
                f"the run store has schema version {version}, newer than this rnnlab knows "
                f"({LATEST_VERSION}); upgrade rnnlab to use it"
            )
        conn.execute(_VERSION_TABLE)
        for migration in MIGRATIONS:
            if version < migration.version <= target:
                _apply(conn, migration)
                version = migration.version
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return version


def _apply(conn: sqlite3.Connection, migration: Migration) -> None:
    for statement in split_statements(migration.sql):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
        (migration.version, migration.description, datetime.now(UTC).isoformat()),
    )


def split_statements(sql: str) -> list[str]:
    """The complete statements of a script (``executescript`` would commit midway)."""
    statements, pending = [], ""
    for piece in sql.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n\t;"):
                statements.append(pending.strip())
            pending = ""
    if pending.strip(" \n\t;"):
        raise RnnlabError(f"migration SQL ends with an incomplete statement: {pending.strip()!r}")
    return statements
