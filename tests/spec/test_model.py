"""ModelSpec asks the cell registry: which cells exist, and which options each takes."""

from __future__ import annotations

import re

import pytest

from rnnlab import cells
from rnnlab.errors import ConfigError
from rnnlab.spec.model import ModelSpec
from rnnlab.spec.run import RunConfig, parse_run_config
from tests.toy_cells import register


def _parse(**model: object) -> ModelSpec:
    return parse_run_config({"task": "classify", "data": {"path": "x"}, "model": model}).model


def test_every_registered_cell_is_accepted_and_lstm_is_the_default() -> None:
    assert ModelSpec().cell == "lstm"
    for name in cells.names():
        assert _parse(cell=name).cell == name


def test_the_schema_lists_the_registered_cells_and_nonlinearities() -> None:
    props = RunConfig.model_json_schema()["$defs"]["ModelSpec"]["properties"]
    assert props["cell"]["enum"] == list(cells.names())
    assert props["cell"]["default"] == "lstm"
    every = {n for cell in cells.all_cells() for n in cell.nonlinearities}
    assert set(props["nonlinearity"]["enum"]) == every and "relu" in every


def test_an_unknown_cell_is_refused_with_the_registered_names() -> None:
    allowed = " | ".join(cells.names())
    with pytest.raises(
        ConfigError, match=rf"model\.cell: expected one of {allowed}, received 'lst'"
    ):
        _parse(cell="lst")
    with pytest.raises(ConfigError, match=r"model\.cell: expected one of .*\(100002 chars\)"):
        _parse(cell="z" * 100_000)
    with pytest.raises(ConfigError, match=r"model\.cell: Input should be a valid string"):
        _parse(cell=3)


def _takers(test) -> str:
    """The registered cells that pass `test`, as the messages list them (the registry grows)."""
    return re.escape(" | ".join(c.name for c in cells.all_cells() if test(c)) or "none")


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (
            {"cell": "lstm", "nonlinearity": "relu"},
            r"model\.nonlinearity: expected tanh for cell lstm, received 'relu' "
            r"\(cells that take 'relu': {}\)".format(_takers(lambda c: "relu" in c.nonlinearities)),
        ),
        (
            {"cell": "rnn", "nonlinearity": "sigmoid"},
            r"model\.nonlinearity: expected tanh \| relu for cell rnn, received 'sigmoid' "
            r"\(cells that take 'sigmoid': none\)",
        ),
        (
            {"cell": "gru", "init": "identity"},
            r"model\.init: expected default \| orthogonal for cell gru, received 'identity' "
            rf"\(cells that take identity: {_takers(lambda c: c.identity_init)}\)",
        ),
        (
            {"cell": "gru", "forget_bias": 1.0},
            r"model\.forget_bias: expected 0 for cell gru, which has no forget gate, "
            rf"received 1\.0 \(cells with one: {_takers(lambda c: c.forget_gate)}\)",
        ),
    ],
)
def test_an_option_the_cell_lacks_names_the_field_the_allowed_values_and_the_cell(
    model: dict, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        _parse(**model)


def test_the_options_a_cell_takes_are_accepted() -> None:
    assert _parse(cell="rnn", nonlinearity="relu", init="identity").init == "identity"
    assert _parse(cell="gru", init="orthogonal").init == "orthogonal"
    assert _parse(cell="lstm", forget_bias=1.0).forget_bias == 1.0


def test_a_new_cell_is_checked_by_what_its_record_says(monkeypatch: pytest.MonkeyPatch) -> None:
    toy = register(monkeypatch)
    assert _parse(cell="toy", nonlinearity="softsign").nonlinearity == "softsign"
    props = RunConfig.model_json_schema()["$defs"]["ModelSpec"]["properties"]
    assert "toy" in props["cell"]["enum"] and "softsign" in props["nonlinearity"]["enum"]
    with pytest.raises(
        ConfigError, match=r"received 'softsign' \(cells that take 'softsign': toy\)"
    ):
        _parse(cell="rnn", nonlinearity="softsign")
    # no W_hh: neither orthogonal nor identity applies
    with pytest.raises(ConfigError, match=r"model\.init: expected default for cell toy"):
        _parse(cell=toy.name, init="orthogonal")
    with pytest.raises(ConfigError, match=r"forget_bias: expected 0 for cell toy"):
        _parse(cell=toy.name, forget_bias=0.5)
