"""Atomic writes, and the YAML writer of config.yaml."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
import yaml

from rnnlab.errors import DataError, RnnlabError
from rnnlab.store import Store, atomic_write_bytes, atomic_write_json, atomic_write_text


def test_atomic_writes_leave_only_the_target(tmp_path: Path) -> None:
    atomic_write_bytes(tmp_path / "a.bin", b"\x00\x01")
    atomic_write_text(tmp_path / "b.txt", "héllo\n")
    atomic_write_json(tmp_path / "deep" / "c.json", {"x": [1, 2], "loss": math.nan})
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == "héllo\n"
    loaded = json.loads((tmp_path / "deep" / "c.json").read_text())
    assert loaded["x"] == [1, 2] and math.isnan(loaded["loss"])
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.bin", "b.txt", "c.json", "deep"]


def test_overwrite_keeps_the_file_mode(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    atomic_write_text(target, "one")
    assert target.stat().st_mode & 0o777 == 0o644
    target.chmod(0o600)
    atomic_write_text(target, "two")
    assert target.read_text() == "two" and target.stat().st_mode & 0o777 == 0o600


def test_a_failed_write_keeps_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "x.txt"
    atomic_write_text(target, "old")

    def no_space(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(RnnlabError, match=r"x\.txt: cannot write: No space left"):
        atomic_write_text(target, "new")
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


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
