"""The store's JSON writer, and the YAML writer of config.yaml (the atomic write itself:
tests/spec/test_files.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from rnnlab.errors import DataError
from rnnlab.store import Store, atomic_write_json


def test_json_is_written_atomically_with_nan_kept(tmp_path: Path) -> None:
    atomic_write_json(tmp_path / "deep" / "c.json", {"x": [1, 2], "loss": math.nan})
    text = (tmp_path / "deep" / "c.json").read_text()
    loaded = json.loads(text)
    assert loaded["x"] == [1, 2] and math.isnan(loaded["loss"]) and text.endswith("}\n")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["c.json", "deep"]


def test_json_that_cannot_be_written_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"x\.json: cannot write as JSON"):
        atomic_write_json(tmp_path / "x.json", {"a": object()})
    assert list(tmp_path.iterdir()) == []


def test_run_config_yaml_reads_back_equal(tmp_path: Path) -> None:
    config = {
        "task": "classify",
        "data": {"path": "a: b # c.tsv", "text_column": "yes", "label_column": "null"},
        "train": {"lr": 1e-05, "clip_grad_norm": None, "epochs": 3},
        "name": 'quote " and \\ backslash, é 😀',
    }
    with Store(tmp_path) as store:
        record = store.create_run("classify", config, {"rnnlab": "0"}, "hash")
        text = (store.run_dir(record.id) / "config.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(text) == config
