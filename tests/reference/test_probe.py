"""The states probe of the reference engine: gates named and split as the registry says."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab import cells
from rnnlab.errors import ConfigError
from rnnlab.reference.probe import states
from rnnlab.reference.sequence_model import SequenceModelNP
from rnnlab.spec.model import ModelSpec

H = 3


def _model(cell: str, bidirectional: bool = False) -> SequenceModelNP:
    spec = ModelSpec(cell=cell, hidden_size=H, bidirectional=bidirectional)
    return SequenceModelNP("forecast", spec, 1, 1, dtype=np.float64, seed=1)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_gates_are_the_cells_own_in_storage_order(cell: str) -> None:
    model = _model(cell, bidirectional=True)
    x = np.linspace(-1.0, 1.0, 4).reshape(4, 1, 1)
    payload = states(model, x, list("abcd"), cell)
    record = cells.get(cell)
    assert payload["cell"] == cell and payload["tokens"] == list("abcd")
    for entry, tape in zip(payload["layers"], model.rnn.tapes, strict=True):
        assert tuple(entry["gates"]) == record.gate_names
        assert ("c" in entry) is record.has_cell_state
        order = slice(None, None, -1) if tape.reverse else slice(None)
        for k, name in enumerate(record.gate_names):
            block = tape.gates[order, 0, k * H : (k + 1) * H]  # (T, H) in token order
            np.testing.assert_allclose(entry["gates"][name], block)
        np.testing.assert_allclose(entry["h"], tape.h[1:, 0][order])
    assert [e["direction"] for e in payload["layers"]] == ["forward", "backward"]


def test_an_unregistered_cell_name_is_refused_by_the_registry() -> None:
    model = _model("gru")
    with pytest.raises(ConfigError, match=r"cell: expected one of rnn \| .*'grue'"):
        states(model, np.zeros((2, 1, 1)), ["a", "b"], "grue")
