"""model_summary and parameter_symbol read a cell's symbols, gates and state from the registry."""

from __future__ import annotations

import dataclasses

import pytest

from rnnlab import cells, service
from rnnlab.cells.base import Param
from rnnlab.errors import ConfigError
from tests.toy_cells import TOY, register


def test_symbols_come_from_the_cells_parameter_records(monkeypatch: pytest.MonkeyPatch) -> None:
    toy = register(
        monkeypatch, dataclasses.replace(TOY, params=(Param("weight_xz", 1, "input", "W_xz"),))
    )
    assert service.parameter_symbol("rnn.weight_xz_l2_reverse") == "W_xz (layer 2, backward)"
    assert service.parameter_symbol("rnn.weight_xz_l0", toy.name) == "W_xz (layer 0)"
    # a stem the named cell lacks, or no cell has, stays its PyTorch name
    assert service.parameter_symbol("rnn.weight_xz_l0", "lstm") == "rnn.weight_xz_l0"
    assert service.parameter_symbol("rnn.weight_qq_l0") == "rnn.weight_qq_l0"
    assert service.parameter_symbol("head.weight") == "W_hy"


def test_an_unknown_cell_of_parameter_symbol_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"cell: expected one of rnn \| .*'lsmt'"):
        service.parameter_symbol("rnn.weight_ih_l0", "lsmt")


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_gates_and_the_diagrams_cell_state_follow_the_registry(cell: str) -> None:
    record = cells.get(cell)
    summary = service.model_summary("forecast", {"cell": cell, "hidden_size": 2}, horizon=1)
    recurrent = [p for p in summary["parameters"] if p["name"].startswith("rnn.")]
    assert {p["gates"] for p in recurrent} == {" ".join(record.gate_names) or None}
    assert {p["symbol"].split(" ")[0] for p in recurrent} == {p.symbol for p in record.params}
    diagram = summary["diagram"]
    assert ("c" in diagram["labels"]) is record.has_cell_state
    assert (diagram["cell"], diagram["display_name"]) == (cell, record.display_name)
