"""The run store: SQLite in WAL mode (runs, metrics, artifacts index) plus a folder per run.

    $RNNLAB_HOME/            (default ./.rnnlab/)
      rnnlab.db              SQLite, WAL mode: several processes read while one writes
      runs/<id>/config.yaml  the run's full config, written atomically
      runs/<id>/...          checkpoints, figures and other artifacts of the run

Each write is its own short transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``), so a run
written by one process is visible to every other process's ``Store`` as it goes.
Database failures are raised as ``RnnlabError`` naming the operation and the reason.
Metric and probe rows are Store methods from ``metric_rows.py`` and ``probe_rows.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from rnnlab.errors import ConfigError, RnnlabError, RunNotFound
from rnnlab.events import FINAL_STATUSES
from rnnlab.spec.files import atomic_write_text
from rnnlab.store.connection import LIST_HINT, Database, StoreBusy
from rnnlab.store.files import remove_stale_tmp
from rnnlab.store.metric_rows import MetricRows
from rnnlab.store.owners import orphan_message, owner_gone, this_process
from rnnlab.store.probe_rows import ProbeRows
from rnnlab.store.records import (
    RUN_COLUMNS,
    RUN_ID,
    RunRecord,
    check_status,
    check_task,
    inside_path,
    new_run_id,
    to_json_text,
    utc_now,
    whole_number,
)

DB_NAME = "rnnlab.db"
MIN_PREFIX = 4
_NEWEST_FIRST = "ORDER BY created_at DESC, rowid DESC"


def default_home() -> Path:
    """``$RNNLAB_HOME`` if set, else ``./.rnnlab`` (in the current folder)."""
    env = os.environ.get("RNNLAB_HOME", "").strip()
    return Path(env).expanduser() if env else Path.cwd() / ".rnnlab"


class Store(ProbeRows, MetricRows):
    """Runs, their metrics and their artifacts: one SQLite database and a folder per run."""

    def __init__(self, home: str | Path | None = None) -> None:
        """Open (creating if needed) the store at `home`, ``$RNNLAB_HOME`` or ``./.rnnlab``."""
        root = Path(home).expanduser() if home is not None else default_home()
        self._open(root.absolute(), root.absolute() / DB_NAME, owned_dir=None)

    @classmethod
    def in_memory(cls, home: str | Path | None = None) -> Store:
        """A store with an in-memory database (for tests); run folders go under `home`,
        or under a new temporary folder that ``close()`` removes."""
        store = cls.__new__(cls)
        owned = None if home is not None else Path(tempfile.mkdtemp(prefix="rnnlab-store-"))
        root = Path(home).expanduser() if home is not None else owned
        store._open(root.absolute(), None, owned_dir=owned)
        return store

    def _open(self, home: Path, db_path: Path | None, owned_dir: Path | None) -> None:
        self.home = home
        self.runs_root = home / "runs"
        self.db_path = db_path
        self._owned_dir = owned_dir
        try:
            self.runs_root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise RnnlabError(f"{home}: cannot create the run store: {err.strerror}") from err
        self._db = Database(db_path)

    def close(self) -> None:
        """Close the database (and remove the temporary folder of ``in_memory()``)."""
        self._db.close()
        if self._owned_dir is not None:
            shutil.rmtree(self._owned_dir, ignore_errors=True)
            self._owned_dir = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.home)!r})"

    # -- runs --------------------------------------------------------------------------

    def create_run(
        self,
        task: str,
        config: dict[str, Any],
        versions: dict[str, Any],
        data_hash: str | None,
        summary: dict[str, Any] | None = None,
        name: str | None = None,
        parent_id: str | None = None,
    ) -> RunRecord:
        """Record a new run (status "running"), create its folder and write ``config.yaml``."""
        if not isinstance(task, str) or not task:
            raise ConfigError(f"task: expected a non-empty task name, received {task!r}")
        if not isinstance(config, dict):
            raise ConfigError(f"run config: expected a mapping, received {type(config).__name__}")
        row = {
            "name": name, "task": task, "status": "running",
            "config": to_json_text(config, "run config"),
            "versions": to_json_text(versions, "versions"), "data_hash": data_hash,
            "summary": to_json_text(summary or {}, "summary"), "message": None,
            "created_at": utc_now(), "finished_at": None, "steps": 0, "parent_id": parent_id,
            "owner": this_process(),
        }  # fmt: skip
        if parent_id is not None:
            self._require(parent_id)
        run_id, folder = self._new_folder()
        try:
            atomic_write_text(
                folder / "config.yaml", yaml.safe_dump(json.loads(row["config"]), sort_keys=False)
            )
            with self._db.write(f"create run {run_id}") as conn:
                conn.execute(
                    f"INSERT INTO runs (id, {', '.join(row)}) VALUES (?{', ?' * len(row)})",
                    (run_id, *row.values()),
                )
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return self._get(run_id)

    def _new_folder(self) -> tuple[str, Path]:
        """A fresh run id and its newly created folder."""
        for _ in range(16):
            run_id = new_run_id()
            folder = self.runs_root / run_id
            if self._db.read("SELECT 1 FROM runs WHERE id = ?", (run_id,)):
                continue
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            except OSError as err:
                raise RnnlabError(
                    f"{folder}: cannot create the run folder: {err.strerror}"
                ) from err
            return run_id, folder
        raise RnnlabError(f"{self.runs_root}: could not find a free run id; try again")

    def get_run(self, ref: str) -> RunRecord:
        """The run with id `ref`, else the newest run named `ref`, else the one run whose
        id starts with `ref` (at least 4 characters)."""
        found = self._db.read(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (ref,))
        found = found or self._db.read(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE name = ? {_NEWEST_FIRST} LIMIT 1", (ref,)
        )
        if not found and len(ref) >= MIN_PREFIX:
            found = self._db.read(
                f"SELECT {RUN_COLUMNS} FROM runs WHERE substr(id, 1, ?) = ? {_NEWEST_FIRST}",
                (len(ref), ref),
            )
            if len(found) > 1:
                ids = ", ".join(row[0] for row in found[:10])
                more = f" and {len(found) - 10} more" if len(found) > 10 else ""
                raise RunNotFound(
                    f"{ref!r} matches {len(found)} runs: {ids}{more}; "
                    "give more characters of the id, or the full id"
                )
        if not found:
            raise RunNotFound(f"no run matches {ref!r}; {LIST_HINT}")
        return RunRecord.from_row(found[0])

    def _get(self, run_id: str) -> RunRecord:
        rows = self._db.read(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,))
        if not rows:
            raise RunNotFound(f"no run with id {run_id!r}; {LIST_HINT}")
        return RunRecord.from_row(rows[0])

    def _require(self, run_id: str) -> None:
        if not self._db.read("SELECT 1 FROM runs WHERE id = ?", (run_id,)):
            raise RunNotFound(f"no run with id {run_id!r}; {LIST_HINT}")

    def list_runs(
        self, task: str | None = None, status: str | None = None, limit: int | None = None
    ) -> list[RunRecord]:
        """Runs, newest first, optionally of one task and/or one status, at most `limit`."""
        where, params = [], []
        if task is not None:
            check_task(task)
            where.append("task = ?")
            params.append(task)
        if status is not None:
            check_status(status)
            where.append("status = ?")
            params.append(status)
        sql = f"SELECT {RUN_COLUMNS} FROM runs"
        sql += f" WHERE {' AND '.join(where)}" if where else ""
        sql += f" {_NEWEST_FIRST}"
        if limit is not None:
            sql += f" LIMIT {whole_number(limit, 'limit', minimum=1)}"
        return [RunRecord.from_row(row) for row in self._db.read(sql, params)]

    def set_status(self, run_id: str, status: str, message: str | None = None) -> None:
        """Set status and message; a final status sets ``finished_at``, "running" clears it
        and makes this process the run's owner (see ``owners.py``)."""
        check_status(status)
        finished_at = utc_now() if status in FINAL_STATUSES else None
        owner = this_process() if status == "running" else None
        values = (status, message, finished_at, owner)
        assignments = "status = ?, message = ?, finished_at = ?, owner = coalesce(?, owner)"
        self._update(run_id, assignments, values, "set status")

    def reap_orphans(self) -> list[str]:
        """Mark failed every running run whose owner process has died on this host without
        recording an end (killed outright); returns their ids. Left for a later call while
        another process holds the write lock."""
        rows = self._db.read("SELECT id, owner FROM runs WHERE status = 'running'")
        reaped = []
        for run_id, owner in rows:
            if not owner_gone(owner):
                continue
            message = orphan_message(run_id, owner)
            try:  # a repair for readers: skipped while another process holds the lock
                with self._db.write(f"mark run {run_id} failed", wait_s=0) as conn:
                    cursor = conn.execute(
                        "UPDATE runs SET status = 'failed', message = ?, finished_at = ? "
                        "WHERE id = ? AND status = 'running' AND owner = ?",
                        (message, utc_now(), run_id, owner),
                    )
            except StoreBusy:
                break
            if cursor.rowcount:
                reaped.append(run_id)
                self.remove_stale_tmp(run_id)
        return reaped

    def running_owner(self, run_id: str) -> str | None:
        """``host:pid`` of the process training run `run_id`; None unless it is running."""
        rows = self._db.read("SELECT status, owner FROM runs WHERE id = ?", (run_id,))
        if not rows:
            raise RunNotFound(f"no run with id {run_id!r}; {LIST_HINT}")
        status, owner = rows[0]
        return owner if status == "running" else None

    def remove_stale_tmp(self, run_id: str) -> list[Path]:
        """Remove the temporary files that killed writers left in the run's folder."""
        folder = self.runs_root / run_id
        return remove_stale_tmp(folder) if folder.is_dir() else []

    def set_summary(self, run_id: str, summary: dict[str, Any]) -> None:
        """Replace the run's summary (a JSON-able mapping)."""
        self._update(run_id, "summary = ?", (to_json_text(summary, "summary"),), "set summary")

    def set_steps(self, run_id: str, steps: int) -> None:
        """Record the number of optimiser steps taken."""
        self._update(run_id, "steps = ?", (whole_number(steps, "steps"),), "set steps")

    def _update(self, run_id: str, assignments: str, values: tuple, what: str) -> None:
        with self._db.write(f"{what} of run {run_id}") as conn:
            cursor = conn.execute(f"UPDATE runs SET {assignments} WHERE id = ?", (*values, run_id))
            if cursor.rowcount == 0:
                raise RunNotFound(f"no run with id {run_id!r}; {LIST_HINT}")

    def run_dir(self, run_id: str) -> Path:
        """The run's folder, ``home/runs/<id>/``."""
        if not RUN_ID.match(run_id):
            raise RunNotFound(f"{run_id!r} is not a run id (YYYYMMDD-HHMMSS-xxxx); {LIST_HINT}")
        self._require(run_id)
        return self.runs_root / run_id

    def delete_run(self, run_id: str) -> None:
        """Delete the run's rows (metrics and artifacts cascade) and then its folder."""
        folder = self.run_dir(run_id)
        with self._db.write(f"delete run {run_id}") as conn:
            conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))
        try:
            shutil.rmtree(folder)
        except FileNotFoundError:
            pass
        except OSError as err:
            raise RnnlabError(
                f"{folder}: run {run_id} was deleted from the store but its folder could not "
                f"be removed: {err.strerror or err}"
            ) from err

    # -- artifacts ---------------------------------------------------------------------

    def add_artifact(
        self, run_id: str, kind: str, path: Path | str, step: int | None = None
    ) -> str:
        """Index a file of the run; `path` is relative to the run folder or absolute inside
        it. Returns the stored '/'-separated relative path."""
        relative = inside_path(self.run_dir(run_id), path, run_id)
        step = None if step is None else whole_number(step, f"artifact {relative!r}: step")
        with self._db.write(f"add artifact {relative!r} of run {run_id}") as conn:
            conn.execute(
                "INSERT OR REPLACE INTO artifacts (run_id, kind, path, step, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (run_id, kind, relative, step, utc_now()),
            )
        return relative

    def artifacts(self, run_id: str) -> list[dict[str, Any]]:
        """The run's artifacts: ``{"kind", "path", "step", "created_at"}``, oldest first."""
        self._require(run_id)
        rows = self._db.read(
            "SELECT kind, path, step, created_at FROM artifacts WHERE run_id = ? "
            "ORDER BY created_at, path",
            (run_id,),
        )
        return [dict(zip(("kind", "path", "step", "created_at"), row, strict=True)) for row in rows]

    def artifact_path(self, run_id: str, relpath: str | Path) -> Path:
        """The file `relpath` of the run, checked to lie inside the run folder (the file
        need not exist). Use it to serve artifacts: it rejects '..', absolute paths
        elsewhere and symlinks leading out."""
        folder = self.run_dir(run_id)
        return folder / inside_path(folder, relpath, run_id)
