"""One SQLite connection of the run store: opening (pragmas, integrity, migrations), short
write transactions and reads, with sqlite errors turned into RnnlabError.

Another process holding the write lock makes a write wait: SQLite retries for a short
slice, then this module retries slice after slice, with one notice on stderr, up to
``RNNLAB_STORE_WAIT_S`` seconds (default ``STORE_WAIT_S``), and then raises ``StoreBusy``.
A damaged database file is found on open by ``PRAGMA quick_check`` (once per process and
file) and raised as ``StoreDamaged``, which says what to do.
"""

from __future__ import annotations

import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from rnnlab.errors import DataError, RnnlabError, RunNotFound, StoreUnavailable
from rnnlab.spec.env import seconds_from_env
from rnnlab.store.migrations import migrate

LIST_HINT = "`rnnlab runs list` shows the runs"
STORE_WAIT_ENV = "RNNLAB_STORE_WAIT_S"
STORE_WAIT_S = 300.0  # how long a write waits for another process's write lock, in all
SLICE_S = 1.0  # SQLite's own busy wait between our retries (and between notices)
_CHECKED: set[tuple[str, int]] = set()  # (path, inode) of files quick_check found sound
T = TypeVar("T")


class StoreBusy(StoreUnavailable):
    """Another process held the run store's write lock for longer than we wait."""


class StoreDamaged(DataError):
    """The run store's database file is damaged (not a database, or fails quick_check)."""


def store_wait_s() -> float:
    """Seconds a store operation waits for another process's lock: $RNNLAB_STORE_WAIT_S
    or STORE_WAIT_S."""
    return seconds_from_env(STORE_WAIT_ENV, STORE_WAIT_S)


def damaged_message(where: str, detail: str) -> str:
    return (
        f"{where}: the run store's database is damaged ({detail}); move it away "
        f"(`mv {where} {where}.damaged`, with its -wal and -shm files) and restore it from "
        "a backup, or start a new store: run folders and checkpoints under runs/ are kept, "
        "but the new store will not list them"
    )


def busy_message(where: str, what: str, waited_s: float) -> str:
    return (
        f"run store {where} is busy: another process has held its write lock for over "
        f"{waited_s:g} s, so {what} could not be done; try again later, or wait longer with "
        f"{STORE_WAIT_ENV}=<seconds> (`fuser {where}` shows the processes using it)"
    )


def _is_busy(err: sqlite3.Error) -> bool:
    text = str(err).lower()
    return isinstance(err, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def _is_damaged(err: sqlite3.Error) -> bool:
    text = str(err).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


class Database:
    """A connection usable from several threads (one lock) and, through WAL, by several
    processes at once: each write is one ``BEGIN IMMEDIATE`` ... ``COMMIT``."""

    def __init__(self, path: Path | None) -> None:
        """Open `path` (None: an in-memory database), check it and bring its schema up to
        date; StoreDamaged when the file is damaged, StoreBusy when it stays locked."""
        self.where = str(path) if path is not None else ":memory:"
        self.wait_s = store_wait_s()
        self._lock = threading.RLock()
        try:
            conn = sqlite3.connect(
                self.where, timeout=SLICE_S, check_same_thread=False, isolation_level=None
            )
        except sqlite3.Error as err:
            raise RnnlabError(f"{self.where}: cannot open the run store: {err}") from err
        try:
            conn.execute("PRAGMA foreign_keys=ON")
            if path is not None:
                self._retry(lambda: conn.execute("PRAGMA journal_mode=WAL"), "open")
                self._check_once(conn, path)
            self._retry(lambda: migrate(conn), "open (schema check)")
        except (sqlite3.Error, RnnlabError) as err:
            conn.close()
            if isinstance(err, RnnlabError):
                raise
            if _is_damaged(err):
                raise StoreDamaged(damaged_message(self.where, str(err))) from err
            raise RnnlabError(f"{self.where}: cannot open the run store: {err}") from err
        self._conn = conn

    def _check_once(self, conn: sqlite3.Connection, path: Path) -> None:
        """PRAGMA quick_check, once per process and file (path and inode)."""
        try:
            key = (str(path.resolve()), path.stat().st_ino)
        except OSError:
            return  # a new, empty database: nothing to check
        if key in _CHECKED:
            return
        rows = self._retry(lambda: conn.execute("PRAGMA quick_check").fetchall(), "check")
        problems = [str(row[0]) for row in rows if row[0] != "ok"]
        if problems:
            more = f" and {len(problems) - 3} more problems" if len(problems) > 3 else ""
            detail = "quick_check: " + "; ".join(problems[:3]) + more
            raise StoreDamaged(damaged_message(self.where, detail))
        _CHECKED.add(key)

    def _retry(self, action: Callable[[], T], what: str, wait_s: float | None = None) -> T:
        """Run `action`, again while another process holds the lock, up to `wait_s`
        (default self.wait_s) in all; StoreBusy after."""
        wait_s = self.wait_s if wait_s is None else wait_s
        deadline = time.monotonic() + wait_s
        noticed = False
        while True:
            try:
                return action()
            except sqlite3.OperationalError as err:
                if not _is_busy(err):
                    raise
                if time.monotonic() >= deadline:
                    raise StoreBusy(busy_message(self.where, what, max(wait_s, SLICE_S))) from err
                if not noticed and wait_s > SLICE_S:
                    noticed = True
                    print(
                        f"rnnlab: run store {self.where} is busy (another process is writing); "
                        f"waiting up to {wait_s:g} s to {what}",
                        file=sys.stderr,
                        flush=True,
                    )

    def close(self) -> None:
        """Close the connection (a second close does nothing)."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def write(self, what: str, wait_s: float | None = None) -> Iterator[sqlite3.Connection]:
        """One short write transaction; sqlite errors become RnnlabError naming `what`
        (a foreign-key failure becomes RunNotFound; a lock held by another process for
        over `wait_s` seconds, default ``store_wait_s()``, StoreBusy)."""
        with self._lock:
            conn = self._conn
            try:
                self._retry(lambda: conn.execute("BEGIN IMMEDIATE"), what, wait_s)
                try:
                    yield conn
                    self._retry(lambda: conn.execute("COMMIT"), what)
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.IntegrityError as err:
                if "FOREIGN KEY" in str(err):
                    raise RunNotFound(f"{what}: no such run; {LIST_HINT}") from err
                raise RnnlabError(f"run store {self.where}: {what} failed: {err}") from err
            except sqlite3.Error as err:
                raise self._error(err, f"{what} failed") from err

    def read(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        """All rows of one query (autocommit: sees every committed write)."""
        values = tuple(params)
        with self._lock:
            try:
                return self._retry(lambda: self._conn.execute(sql, values).fetchall(), "read")
            except sqlite3.Error as err:
                raise self._error(err, "reading failed") from err

    def _error(self, err: sqlite3.Error, what: str) -> RnnlabError:
        if _is_damaged(err):
            return StoreDamaged(damaged_message(self.where, str(err)))
        return RnnlabError(f"run store {self.where}: {what}: {err}")
