"""`rnnlab cells`: the registered cells, read from the registry (no list of its own)."""

from __future__ import annotations

import json

import pytest

from rnnlab import cells
from tests.toy_cells import register

from .conftest import invoke


def test_cells_lists_every_registered_cell_with_gates_state_and_params(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    register(monkeypatch)
    result = invoke("cells")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for name in cells.names():
        assert any(f"│ {name} " in line for line in lines), name
    lstm = next(line for line in lines if "│ lstm " in line)
    assert "LSTM" in lstm and "i f g o" in lstm and "h, c" in lstm
    assert "W_xh 4HxD, W_hh 4HxH, b_ih 4H, b_hh 4H" in lstm
    toy = next(line for line in lines if "│ toy " in line)
    assert "Toy cell" in toy and "a b" in toy and "W_xh 2HxD, b_ih 2H" in toy
    rnn = next(line for line in lines if "│ rnn " in line)
    assert "W_hh HxH" in rnn and "│ h " in rnn


def test_one_cell_in_full_and_as_json() -> None:
    text = invoke("cells", "gru").stdout
    assert "gru: GRU" in text and "r: reset gate r (sigmoid)" in text
    assert "n: candidate n (tanh)" in text and "forget gate (model.forget_bias): none" in text
    assert "init: default | orthogonal\n" in text
    assert json.loads(invoke("cells", "rnn", "--json").stdout) == cells.get("rnn").describe()
    listed = json.loads(invoke("cells", "--json").stdout)
    assert [c["name"] for c in listed] == list(cells.names())


def test_an_unknown_cell_is_an_error_listing_the_registered_ones() -> None:
    result = invoke("cells", "lsmt")
    assert result.exit_code == 1
    expected = f"error: cell: expected one of {' | '.join(cells.names())}, received 'lsmt'"
    assert expected in " ".join(result.stderr.split())


def test_help_shows_an_example() -> None:
    result = invoke("cells", "--help")
    assert result.exit_code == 0 and "Examples: rnnlab cells" in " ".join(result.stdout.split())
