"""Hidden-state and gate heatmaps of one sequence (units x tokens)."""

from __future__ import annotations

import json

import pytest

from rnnlab.errors import DataError
from rnnlab.viz import gates, hidden_states
from tests.toy_cells import register


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
    with pytest.raises(DataError, match=r"rnn \(vanilla RNN\) has no gates.*\(figure states\)"):
        gates(rnn_states)


def test_a_cell_the_registry_lacks_is_named(gru_states):
    gru_states["cell"] = "transformer"
    with pytest.raises(DataError, match=r"states: cell: expected one of rnn \| .*'transformer'"):
        gates(gru_states)
    with pytest.raises(DataError, match="'transformer'"):
        hidden_states(gru_states)


def test_any_registered_cell_draws_its_own_gates_and_cell_state(monkeypatch, lstm_states):
    """A cell added later (other gate names, a cell state) needs no change here."""
    toy = register(monkeypatch)
    lstm_candidate = gates(lstm_states)["panels"][2]["z"]
    layer = lstm_states["layers"][0]
    layer["gates"] = {"a": layer["gates"]["i"], "b": layer["gates"]["g"]}
    states = {**lstm_states, "cell": toy.name}
    figure = gates(states)
    assert figure["title"] == "Toy cell gates: layer 0, forward"
    panels = figure["panels"]
    assert [p["title"] for p in panels] == ["alpha gate a", "beta candidate b", "cell state c"]
    assert [(p["zmin"], p["zmax"]) for p in panels[:2]] == [(0.0, 1.0), (-1.0, 1.0)]
    assert panels[1]["z"] == lstm_candidate  # the toy's b holds lstm's g
    assert hidden_states(states)["subtitle"] == "Toy cell, 3 tokens"
    del layer["gates"]["b"]
    with pytest.raises(DataError, match=r"the Toy cell states lack gate\(s\) b"):
        gates(states)


def test_missing_gate_is_named(gru_states):
    del gru_states["layers"][0]["gates"]["z"]
    with pytest.raises(DataError, match=r"lack gate\(s\) z: .*hidden states .*figure states"):
        gates(gru_states)
