"""Metrics recorded during training: one row per (run, step, split, name), values as REAL
(NaN stored as NULL, since SQLite has no NaN, and read back as NaN)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from rnnlab.errors import ConfigError
from rnnlab.store.connection import Database
from rnnlab.store.records import check_split, whole_number

MetricRow = tuple[str, int, str, str, float]  # (run_id, step, split, name, value)


class MetricRows:
    """Mixed into Store, which provides the database and the check that a run exists."""

    _db: Database
    _require: Callable[[str], None]  # RunNotFound unless the run exists

    def log_metrics(
        self, run_id: str, step: int, values: dict[str, float], split: str = "train"
    ) -> None:
        """Record metric values at one step (a repeated step replaces its values)."""
        self.log_metrics_many((run_id, step, split, name, v) for name, v in values.items())

    def log_metrics_many(self, rows: Iterable[MetricRow]) -> int:
        """Record many ``(run_id, step, split, name, value)`` rows in one transaction.

        NaN is stored as NULL (SQLite has no NaN) and read back as NaN. Returns the count.
        """
        checked = [_metric_row(row) for row in rows]
        if not checked:
            return 0
        runs = sorted({row[0] for row in checked})
        with self._db.write(f"log metrics of run {', '.join(runs)}") as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO metrics (run_id, step, split, name, value) "
                "VALUES (?, ?, ?, ?, ?)",
                checked,
            )
        return len(checked)

    def metrics(
        self, run_id: str, split: str | None = None, names: Iterable[str] | None = None
    ) -> dict[str, dict[str, dict[str, list]]]:
        """``{split: {name: {"step": [...], "value": [...]}}}`` in step order."""
        self._require(run_id)
        sql, params = "SELECT split, name, step, value FROM metrics WHERE run_id = ?", [run_id]
        if split is not None:
            check_split(split)
            sql += " AND split = ?"
            params.append(split)
        if names is not None:
            names = list(names)
            sql += f" AND name IN ({', '.join('?' * len(names))})"
            params.extend(names)
        result: dict[str, dict[str, dict[str, list]]] = {}
        for row_split, name, step, value in self._db.read(
            sql + " ORDER BY split, name, step", params
        ):
            series = result.setdefault(row_split, {}).setdefault(name, {"step": [], "value": []})
            series["step"].append(step)
            series["value"].append(math.nan if value is None else value)
        return result

    def last_metrics(self, run_id: str, split: str = "train") -> dict[str, float]:
        """The values at the latest step of `split`, with that ``"step"``; {} if none."""
        check_split(split)
        self._require(run_id)
        rows = self._db.read(
            "SELECT MAX(step) FROM metrics WHERE run_id = ? AND split = ?", (run_id, split)
        )
        step = rows[0][0]
        return {} if step is None else self._metrics_at(run_id, split, step)

    def best_metrics(self, run_id: str) -> dict[str, float]:
        """The val values at the step of the lowest ``val_loss``, with that ``"step"``;
        {} for a run without validation. Ties go to the earliest step."""
        self._require(run_id)
        rows = self._db.read(
            "SELECT step FROM metrics WHERE run_id = ? AND split = 'val' AND name = 'val_loss' "
            "AND value IS NOT NULL ORDER BY value ASC, step ASC LIMIT 1",
            (run_id,),
        )
        return self._metrics_at(run_id, "val", rows[0][0]) if rows else {}

    def _metrics_at(self, run_id: str, split: str, step: int) -> dict[str, float]:
        rows = self._db.read(
            "SELECT name, value FROM metrics WHERE run_id = ? AND split = ? AND step = ? "
            "ORDER BY name",
            (run_id, split, step),
        )
        values: dict[str, float] = {"step": step}
        values.update({name: math.nan if v is None else v for name, v in rows})
        return values


def _metric_row(row: MetricRow) -> MetricRow:
    """Check one metric row; NaN becomes None."""
    try:
        run_id, step, split, name, value = row
    except (TypeError, ValueError):
        raise ConfigError(
            f"metric row {row!r}: expected (run_id, step, split, name, value)"
        ) from None
    check_split(split)
    step = whole_number(step, f"metric {name!r}: step")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"metric {name!r}: expected a number, received {value!r}") from None
    return (run_id, step, split, str(name), None if math.isnan(number) else number)
