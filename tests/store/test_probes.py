"""Probes: stored per run, kind and step, JSON-safe, read back in step order."""

from __future__ import annotations

import math

import pytest

from rnnlab.errors import ConfigError, DataError, RunNotFound
from rnnlab.events import ProbeTaken
from rnnlab.store import RunRecorder, Store


def flow(step: int, norm: float = 1.0) -> dict:
    return {
        "step": step,
        "time_steps": 2,
        "series": [{"layer": 0, "direction": "forward", "norms": [norm, math.nan]}],
        "param_norms": {"rnn.weight_hh_l0": math.inf},
    }


def test_probes_round_trip_in_step_order_with_non_finite_values_as_null(tmp_path):
    with Store(tmp_path) as store:
        run = store.create_run("classify", {}, {}, None)
        for step in (20, 1, 10):
            store.log_probe(run.id, step, "gradient_flow", flow(step))
        store.log_probe(run.id, 10, "gradient_flow", flow(10, norm=5.0))  # replaces step 10
        payloads = store.probes(run.id, "gradient_flow")
        assert [p["step"] for p in payloads] == [1, 10, 20]
        assert payloads[1]["series"][0]["norms"] == [5.0, None]
        assert payloads[0]["param_norms"]["rnn.weight_hh_l0"] is None
        assert [p["step"] for p in store.probes(run.id, "gradient_flow", last=2)] == [10, 20]
        assert store.probes(run.id, "states") == []


def test_bad_probes_are_refused(tmp_path):
    with Store(tmp_path) as store:
        run = store.create_run("classify", {}, {}, None)
        with pytest.raises(DataError, match="missing fields"):
            store.log_probe(run.id, 1, "gradient_flow", {"step": 1})
        with pytest.raises(DataError, match="probe kind"):
            store.log_probe(run.id, 1, "pictures", {})
        with pytest.raises(ConfigError, match="probe kind"):
            store.probes(run.id, "pictures")
        with pytest.raises(RunNotFound):
            store.probes("20260101-000000-dead", "states")


def test_the_recorder_stores_probe_events(tmp_path):
    with Store(tmp_path) as store:
        run = store.create_run("classify", {}, {}, None)
        RunRecorder(store, run.id)(ProbeTaken(3, "gradient_flow", flow(3)))
        assert store.probes(run.id, "gradient_flow")[0]["step"] == 3
