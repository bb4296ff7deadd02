"""service.list_cells / describe_cell / cell_names: the registry as the views see it."""

from __future__ import annotations

import pytest

from rnnlab import cells, service
from rnnlab.errors import ConfigError
from tests.toy_cells import register


def test_every_registered_cell_is_described_in_registry_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    toy = register(monkeypatch)
    described = service.list_cells()
    assert [c["name"] for c in described] == list(service.cell_names()) == list(cells.names())
    assert described[-1] == toy.describe()
    assert service.describe_cell("lstm")["gates"][1] == {
        "name": "f",
        "title": "forget gate f",
        "activation": "sigmoid",
    }
    assert service.describe_cell("toy")["has_cell_state"] is True


def test_an_unknown_cell_names_the_registered_ones() -> None:
    with pytest.raises(ConfigError, match=r"cell: expected one of rnn \| lstm \| gru.*'cnn'"):
        service.describe_cell("cnn")
