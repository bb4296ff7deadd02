"""Test-only registered cells for the torch engine's generic layer (CellRecurrent).

``register_toy_cells`` (the ``toy_cells`` fixture of conftest.py) registers, for one
test, copies of the ``rnn`` and ``lstm`` records without torch.nn's form
(``torch_native`` None, no explicit kernel) whose torch modules are the plain loops of
``toy_elman_torch`` / ``toy_lstm_torch``; their reference engine is the original cell's,
so every path (torch, NumPy, probes) runs on them. ``NATIVE`` names the cell each copies
and the torch.nn module its results must equal.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from torch import nn

from rnnlab import cells

NATIVE = {"elman-test": ("rnn", nn.RNN), "lstm-test": ("lstm", nn.LSTM)}
MODULES = {"elman-test": "toy_elman_torch", "lstm-test": "toy_lstm_torch"}


def register_toy_cells(monkeypatch: pytest.MonkeyPatch) -> dict[str, cells.CellType]:
    cells.names()  # discover the real cells first (an empty registry is rediscovered)
    toys = {}
    for name, (original, _) in NATIVE.items():
        toys[name] = replace(
            cells.get(original),
            name=name,
            display_name=f"test copy of {original}",
            torch_native=None,
            explicit_kernel=None,
            torch_module=f"tests.torch_engine.{MODULES[name]}",
        )
        monkeypatch.setitem(cells._REGISTRY, name, toys[name])
    return toys
