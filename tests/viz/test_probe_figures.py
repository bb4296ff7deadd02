"""Probe figures: gradient flow (heatmap and last-probe lines) and histograms."""

from __future__ import annotations

import json
import re

import pytest

from rnnlab.errors import ConfigError, DataError
from rnnlab.viz import gradient_flow, gradient_flow_last, histograms


def test_gradient_flow_rows_in_step_order_log10_none_for_zero_and_padding(probes):
    figure = gradient_flow(probes)
    assert figure["kind"] == "heatmap"
    assert figure["x"] == [1, 2, 3]
    assert figure["y"] == [1, 10, 20]
    assert figure["z"] == [
        [0.0, None, None],  # norm 0 -> None; T = 2 padded to 3
        [2.0, None, None],  # inf -> None
        [pytest.approx(-3.0), pytest.approx(-1.0), pytest.approx(1.0)],
    ]
    assert figure["colorbar"] == "log10 ||dL/dh_t||"
    assert (figure["xlabel"], figure["ylabel"]) == ("time step t", "training step")
    json.dumps(figure)


def test_gradient_flow_linear_values_and_other_direction(probes):
    figure = gradient_flow(probes, log10=False)
    assert figure["z"] == [[1.0, 0.0, None], [100.0, None, None], [0.001, 0.1, 10.0]]
    assert figure["colorbar"] == "||dL/dh_t||"
    reverse = gradient_flow(probes, direction="reverse")
    assert reverse["y"] == [20]
    assert reverse["z"] == [[0.0, None, pytest.approx(-2.0)]]


def test_gradient_flow_missing_series_lists_the_pairs(probes):
    with pytest.raises(
        DataError, match=r"layer 1.*available \(layer, direction\): \(0, forward\), \(0, reverse\)"
    ):
        gradient_flow(probes, layer=1)
    with pytest.raises(DataError, match="no probes"):
        gradient_flow([])


def test_gradient_flow_last_draws_the_latest_probe(probes):
    figure = gradient_flow_last(probes)
    assert figure["kind"] == "lines" and figure["logy"] is True
    assert "step 20" in figure["title"]
    assert [(s["name"], s["x"], s["y"]) for s in figure["series"]] == [
        ("layer 0 forward", [1, 2, 3], [0.001, 0.1, 10.0]),
        ("layer 0 reverse", [1, 2, 3], [1.0, None, 0.01]),  # a log axis cannot show 0
    ]
    json.dumps(figure)
    with pytest.raises(DataError, match="no probes"):
        gradient_flow_last([])


def test_histograms_panels_in_payload_order(histogram_payload):
    figure = histograms(histogram_payload)
    assert figure["kind"] == "histograms"
    assert figure["panels"] == [
        {"title": "w", "edges": [-0.5, 0.0, 0.5], "counts": [1, 2]},
        {"title": "b", "edges": [0.0, 1.0], "counts": [5]},
    ]
    assert [p["title"] for p in histograms(histogram_payload, names=["b"])["panels"]] == ["b"]
    params = histograms(histogram_payload, which="params")
    assert params["panels"] == [{"title": "w", "edges": [-1.0, 0.0, 1.0], "counts": [3, 4]}]
    json.dumps(figure)


def test_histograms_errors_name_the_problem(histogram_payload):
    with pytest.raises(DataError, match=r"unknown parameter\(s\) v; available: w, b"):
        histograms(histogram_payload, names=["w", "v"])
    with pytest.raises(
        ConfigError, match=re.escape("which: expected one of grads | params, received 'x'")
    ):
        histograms(histogram_payload, which="x")
    with pytest.raises(DataError, match="no grads"):
        histograms({"step": 1, "params": {}, "grads": {}})
