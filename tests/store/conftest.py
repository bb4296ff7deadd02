"""Fixtures of the run-store tests: an in-memory store with its run folders in tmp_path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rnnlab.store import RunRecord, Store

CONFIG: dict[str, Any] = {
    "task": "classify",
    "data": {"path": "sample:reviews", "seq_len": 64, "val_fraction": 0.1},
    "model": {"cell": "lstm", "hidden_size": 32},
    "train": {"lr": 2e-3, "epochs": 2, "max_steps": None},
}
VERSIONS = {"rnnlab": "0.1.0", "python": "3.11", "numpy": "2.4"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A store with an in-memory database; run folders under tmp_path/home."""
    with Store.in_memory(tmp_path / "home") as opened:
        yield opened


@pytest.fixture
def make_run(store: Store) -> Callable[..., RunRecord]:
    """Create a run with a default config; keyword arguments override create_run's."""

    def make(**kwargs: Any) -> RunRecord:
        args: dict[str, Any] = {
            "task": "classify",
            "config": CONFIG,
            "versions": VERSIONS,
            "data_hash": "sha256:abc",
        }
        args.update(kwargs)
        return store.create_run(**args)

    return make
