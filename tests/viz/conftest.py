"""Tiny hand-made inputs for the figure functions (shapes as ``rnnlab.probes`` documents)."""

from __future__ import annotations

import math

import pytest


@pytest.fixture
def runs() -> list[dict]:
    """Two runs in the store's ``metrics()`` shape; the second has no name and no val."""
    return [
        {
            "id": "r1",
            "name": "lstm",
            "metrics": {
                "train": {
                    "loss": {"step": [1, 2, 3], "value": [4.0, 2.0, math.nan]},
                    "grad_norm": {"step": [1, 2, 3], "value": [1.0, 1.0, 1.0]},
                },
                "val": {"val_loss": {"step": [2], "value": [3.0]}},
            },
        },
        {
            "id": "r2",
            "name": None,
            "metrics": {"train": {"loss": {"step": [1, 2], "value": [5.0, 1.0]}}},
        },
    ]


@pytest.fixture
def probes() -> list[dict]:
    """Gradient-flow probes out of step order; the last one (step 20) has T = 3."""

    def probe(step: int, forward: list[float], reverse: list[float] | None = None) -> dict:
        series = [{"layer": 0, "direction": "forward", "norms": forward}]
        if reverse is not None:
            series.append({"layer": 0, "direction": "reverse", "norms": reverse})
        return {"step": step, "time_steps": len(forward), "series": series, "param_norms": {}}

    return [
        probe(20, [0.001, 0.1, 10.0], [1.0, 0.0, 0.01]),
        probe(1, [1.0, 0.0]),
        probe(10, [100.0, math.inf]),
    ]


def _rows(base: float, tokens: int = 3, units: int = 2) -> list[list[float]]:
    """Per-token rows of `units` values: row t is [base + t, base + t + 0.01, ...] / 10."""
    return [[(base + t + 0.01 * u) / 10 for u in range(units)] for t in range(tokens)]


@pytest.fixture
def lstm_states() -> dict:
    gates = {g: _rows(k) for k, g in enumerate("ifgo")}
    layer = {"layer": 0, "direction": "forward", "h": _rows(-2), "c": _rows(20), "gates": gates}
    return {"tokens": ["the", "cat", "the"], "cell": "lstm", "layers": [layer]}


@pytest.fixture
def gru_states() -> dict:
    gates = {g: _rows(k) for k, g in enumerate("rzn")}
    layers = [
        {"layer": 0, "direction": "forward", "h": _rows(1), "gates": gates},
        {"layer": 0, "direction": "reverse", "h": _rows(2), "gates": gates},
    ]
    return {"tokens": ["a", "b", "c"], "cell": "gru", "layers": layers}


@pytest.fixture
def rnn_states() -> dict:
    layer = {"layer": 0, "direction": "forward", "h": [[0.0, 3.0], [-4.0, 1.0]], "gates": {}}
    return {"tokens": ["x", "y"], "cell": "rnn", "nonlinearity": "relu", "layers": [layer]}


@pytest.fixture
def histogram_payload() -> dict:
    return {
        "step": 7,
        "params": {"w": {"edges": [-1.0, 0.0, 1.0], "counts": [3, 4]}},
        "grads": {
            "w": {"edges": [-0.5, 0.0, 0.5], "counts": [1, 2]},
            "b": {"edges": [0.0, 1.0], "counts": [5]},
        },
    }
