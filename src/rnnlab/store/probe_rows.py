"""Probes recorded during training (gradient flow, histograms, states): one JSON row each."""

from __future__ import annotations

import json
import math
from typing import Any

from rnnlab.errors import ConfigError
from rnnlab.probes import KINDS, check_payload


def _finite(value: Any) -> Any:
    """JSON-safe: NaN and infinities become None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


class ProbeRows:
    """Mixed into Store: needs ``self._db`` and ``self._require(run_id)``."""

    def log_probe(self, run_id: str, step: int, kind: str, payload: dict[str, Any]) -> None:
        """Record one probe (a repeated (kind, step) replaces the earlier one)."""
        check_payload(kind, payload)
        text = json.dumps(_finite(payload), allow_nan=False)
        with self._db.write(f"log {kind} probe of run {run_id}") as conn:  # type: ignore[attr-defined]
            conn.execute(
                "INSERT OR REPLACE INTO probes (run_id, step, kind, payload) VALUES (?, ?, ?, ?)",
                (run_id, int(step), kind, text),
            )

    def probes(self, run_id: str, kind: str, last: int | None = None) -> list[dict[str, Any]]:
        """The run's probes of `kind` in step order (only the `last` n when given)."""
        if kind not in KINDS:
            raise ConfigError(f"probe kind: expected one of {' | '.join(KINDS)}, received {kind!r}")
        self._require(run_id)  # type: ignore[attr-defined]
        rows = self._db.read(  # type: ignore[attr-defined]
            "SELECT payload FROM probes WHERE run_id = ? AND kind = ? ORDER BY step", (run_id, kind)
        )
        payloads = [json.loads(row[0]) for row in rows]
        return payloads[-last:] if last else payloads
