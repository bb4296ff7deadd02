"""Hidden-state and gate heatmaps of one sequence (units x tokens)."""

from __future__ import annotations

import json

import pytest

from rnnlab.errors import DataError
from rnnlab.viz import gates, hidden_states


def test_hidden_states_units_by_tokens_with_distinct_positions(lstm_states):
    figure = hidden_states(lstm_states)
    assert figure["kind"] == "heatmap"
    assert figure["x"] == [0, 1, 2]  # "the" twice stays two columns
    assert figure["xticklabels"] == ["the", "cat", "the"]
    assert figure["y"] == [0, 1]
    # rows per token [-0.2, -0.199], [-0.1, -0.099], [0.0, 0.001] -> rows per unit
    assert figure["z"] == [
        [pytest.approx(-0.2), pytest.approx(-0.1), pytest.approx(0.0)],
        [pytest.approx(-0.199), pytest.approx(-0.099), pytest.approx(0.001)],
    ]
    assert (figure["zmin"], figure["zmax"]) == (-1.0, 1.0)
    json.dumps(figure)


def test_hidden_states_of_a_relu_rnn_use_symmetric_data_bounds(rnn_states):
    figure = hidden_states(rnn_states)
    assert figure["z"] == [[0.0, -4.0], [3.0, 1.0]]
    assert (figure["zmin"], figure["zmax"]) == (-4.0, 4.0)


def test_hidden_states_picks_the_direction_and_lists_the_available_ones(gru_states):
    assert hidden_states(gru_states, direction="reverse")["z"][0][0] == pytest.approx(0.2)
    with pytest.raises(
        DataError, match=r"available \(layer, direction\): \(0, forward\), \(0, reverse\)"
    ):
        hidden_states(gru_states, layer=2)


def test_hidden_states_rows_must_match_the_tokens(lstm_states):
    lstm_states["tokens"] = ["only", "two"]
    with pytest.raises(DataError, match="expected 2 rows"):
        hidden_states(lstm_states)


def test_lstm_gates_four_panels_and_the_cell_state(lstm_states):
    figure = gates(lstm_states)
    assert figure["kind"] == "heatmaps"
    panels = figure["panels"]
    assert [p["title"] for p in panels] == [
        "input gate i",
        "forget gate f",
        "candidate g",
        "output gate o",
        "cell state c",
    ]
    assert [(p["zmin"], p["zmax"]) for p in panels[:4]] == [
        (0.0, 1.0),
        (0.0, 1.0),
        (-1.0, 1.0),
        (0.0, 1.0),
    ]
    assert panels[4]["zmax"] == pytest.approx(2.201) and panels[4]["zmin"] == -panels[4]["zmax"]
    forget = panels[1]
    assert forget["z"] == [
        [pytest.approx(0.1), pytest.approx(0.2), pytest.approx(0.3)],
        [pytest.approx(0.101), pytest.approx(0.201), pytest.approx(0.301)],
    ]
    assert forget["x"] == [0, 1, 2] and forget["y"] == [0, 1]
    assert forget["xticklabels"] == ["the", "cat", "the"]
    json.dumps(figure)


def test_gru_gates_three_panels(gru_states):
    panels = gates(gru_states)["panels"]
    assert [p["title"] for p in panels] == ["reset gate r", "update gate z", "candidate n"]
    assert [(p["zmin"], p["zmax"]) for p in panels] == [(0.0, 1.0), (0.0, 1.0), (-1.0, 1.0)]


def test_an_rnn_has_no_gates(rnn_states):
    with pytest.raises(DataError, match=r"an RNN has no gates.*hidden_states"):
        gates(rnn_states)


def test_missing_gate_is_named(gru_states):
    del gru_states["layers"][0]["gates"]["z"]
    with pytest.raises(DataError, match="lack gate"):
        gates(gru_states)
