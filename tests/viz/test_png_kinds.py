"""Every figure kind renders to a real PNG, with gaps (None), many tokens and tables."""

from __future__ import annotations

import json

import pytest

from rnnlab.viz import (
    compare,
    config_diff,
    confusion,
    curves,
    forecast,
    gates,
    gradient_flow,
    gradient_flow_last,
    hidden_states,
    histograms,
    render_png,
)
from rnnlab.viz._layout import figure_size, ticks
from rnnlab.viz.png import DRAWERS, visible

PNG = b"\x89PNG\r\n\x1a\n"
ZERO = {"layer": 0, "direction": "forward", "norms": [0.0, 0.0]}
CONFIGS = [("a", {"model": {"cell": "lstm"}}), ("b", {"model": {"cell": "gru"}})]


def _long_states() -> dict:
    """An LSTM over 75 character tokens (more than the tick labels shown)."""
    tokens = list("the cat sat on the mat. " * 4)[:75]
    rows = [[((t * 7 + u) % 11) / 11 for u in range(4)] for t in range(len(tokens))]
    layer = {
        "layer": 0,
        "direction": "forward",
        "h": rows,
        "c": rows,
        "gates": {g: rows for g in "ifgo"},
    }
    return {"tokens": tokens, "cell": "lstm", "layers": [layer]}


def _figures(runs, probes, lstm_states, gru_states, histogram_payload) -> dict[str, dict]:
    return {
        "curves": curves(runs, smooth=0.3),
        "compare": compare(runs, CONFIGS, metrics=("val_loss", "loss")),
        "forecast": forecast([1.0, 2.0, 1.5, 3.0], 2, [1.4, 2.5], [3.2, 3.1]),
        "gradient_flow": gradient_flow(probes),
        "gradient_flow_last": gradient_flow_last(probes),
        "hidden_states": hidden_states(lstm_states),
        "hidden_states_long": hidden_states(_long_states()),
        "gates_lstm": gates(_long_states()),
        "gates_gru": gates(gru_states),
        "confusion": confusion([[3, 1], [0, 0]], ["neg", "pos"]),
        "confusion_zero": confusion([[0, 0], [0, 0]], ["neg", "pos"]),
        "counts_only": {"kind": "matrix", "title": "m", "x": ["a"], "y": ["a"], "z": [[2]]},
        "all_gaps": gradient_flow([{"step": 1, "series": [ZERO], "param_norms": {}}]),
        "histograms": histograms(histogram_payload),
        "table": config_diff(CONFIGS),
        "table_empty": config_diff([("a", {"x": 1}), ("b", {"x": 1})]),
    }


@pytest.mark.filterwarnings("error")
def test_every_kind_renders_a_png(
    tmp_path, runs, probes, lstm_states, gru_states, histogram_payload
):
    figures = _figures(runs, probes, lstm_states, gru_states, histogram_payload)
    kinds = {figure["kind"] for figure in figures.values()}
    assert kinds == set(DRAWERS) - {"scatter"}
    for name, figure in figures.items():
        json.dumps(figure)
        data = render_png(figure, tmp_path / f"{name}.png").read_bytes()
        assert data[:8] == PNG and len(data) > 5000, name


def test_lines_with_a_table_is_taller_than_without(runs):
    plain = curves(runs)
    with_table = compare(runs, CONFIGS)
    assert figure_size(with_table)[1] > figure_size(plain)[1]


def test_sizes_grow_with_panels(lstm_states, gru_states):
    assert figure_size(gates(lstm_states))[1] > figure_size(gates(gru_states))[1]


def test_token_ticks_thin_out_and_blanks_show():
    assert ticks(60, 60) == list(range(60))
    assert ticks(75, 60) == list(range(0, 75, 2))
    assert visible(" ") == "␣" and visible("\n") == "↵" and visible("cat") == "cat"


@pytest.mark.parametrize("size", [(4, 3), [5, 4]])
def test_a_figure_may_set_its_own_size(tmp_path, size):
    figure = {"kind": "table", "title": "t", "columns": ["a"], "rows": [[1]], "size": size}
    assert figure_size(figure) == (float(size[0]), float(size[1]))
    assert render_png(figure, tmp_path / "t.png").read_bytes()[:8] == PNG
