"""One SQLite connection of the run store: opening (pragmas, migrations), short write
transactions and reads, with sqlite errors turned into RnnlabError."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rnnlab.errors import RnnlabError, RunNotFound
from rnnlab.store.migrations import migrate

LIST_HINT = "`rnnlab runs list` shows the runs"


class Database:
    """A connection usable from several threads (one lock) and, through WAL, by several
    processes at once: each write is one ``BEGIN IMMEDIATE`` ... ``COMMIT``."""

    def __init__(self, path: Path | None) -> None:
        """Open `path` (None: an in-memory database) and bring its schema up to date."""
        self.where = str(path) if path is not None else ":memory:"
        self._lock = threading.RLock()
        try:
            conn = sqlite3.connect(
                self.where, timeout=30, check_same_thread=False, isolation_level=None
            )
        except sqlite3.Error as err:
            raise RnnlabError(f"{self.where}: cannot open the run store: {err}") from err
        try:
            conn.execute("PRAGMA busy_timeout=30000")
            if path is not None:
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            migrate(conn)
        except (sqlite3.Error, RnnlabError) as err:
            conn.close()
            raise RnnlabError(f"{self.where}: cannot open the run store: {err}") from err
        self._conn = conn

    def close(self) -> None:
        """Close the connection (a second close does nothing)."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def write(self, what: str) -> Iterator[sqlite3.Connection]:
        """One short write transaction; sqlite errors become RnnlabError naming `what`
        (a foreign-key failure becomes RunNotFound)."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.IntegrityError as err:
                if "FOREIGN KEY" in str(err):
                    raise RunNotFound(f"{what}: no such run; {LIST_HINT}") from err
                raise RnnlabError(f"run store {self.where}: {what} failed: {err}") from err
            except sqlite3.Error as err:
                raise RnnlabError(f"run store {self.where}: {what} failed: {err}") from err

    def read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        """All rows of one query (autocommit: sees every committed write)."""
        with self._lock:
            try:
                return self._conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as err:
                raise RnnlabError(f"run store {self.where}: reading failed: {err}") from err
