"""Checkpoints: safetensors arrays + JSON meta; validated on read; crash-safe on rewrite."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rnnlab.errors import ConfigError, DataError, RnnlabError
from rnnlab.store import (
    checkpoints,
    list_checkpoints,
    read_checkpoint,
    read_run_checkpoint,
    write_checkpoint,
)

META = {"step": 10, "epoch": 1, "config": {"model": {"cell": "gru"}}, "vocab": ["<pad>", "a"]}


def arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "model.weight_ih_l0": rng.standard_normal((6, 3)).astype(np.float32),
        "model.weight_hh_l0": rng.standard_normal((6, 2)),
        "optim.step": np.array(10, dtype=np.int64),  # 0-d
        "optim.lr": np.array(0.002),  # 0-d float64
        "rng.state": rng.integers(0, 256, size=37, dtype=np.uint8),
        "carry.mask": np.array([True, False]),
        "carry.h": rng.standard_normal((4, 3)).T,  # not contiguous
        "empty": np.zeros((0, 3), dtype=np.float32),
    }


def test_round_trip_keeps_dtypes_shapes_and_values(tmp_path: Path) -> None:
    original = arrays()
    path = write_checkpoint(tmp_path, "last", original, META)
    assert path == tmp_path / "last.json"
    loaded, meta = read_checkpoint(tmp_path, "last")
    assert meta == META
    assert sorted(loaded) == sorted(original)
    for key, value in original.items():
        assert loaded[key].dtype == value.dtype, key
        assert loaded[key].shape == value.shape, key
        np.testing.assert_array_equal(loaded[key], value)
    assert loaded["optim.step"].ndim == 0 and loaded["rng.state"].dtype == np.uint8


def test_files_on_disk(tmp_path: Path) -> None:
    write_checkpoint(tmp_path, "last", arrays(), META)
    write_checkpoint(tmp_path, "best", {}, {})
    document = json.loads((tmp_path / "last.json").read_text())
    arrays_file = tmp_path / document["arrays_file"]
    assert arrays_file.name.startswith("last.") and arrays_file.suffix == ".safetensors"
    assert len(document["arrays_sha256"]) == 64 and document["meta"] == META
    assert list_checkpoints(tmp_path) == ["best", "last"]
    assert list_checkpoints(tmp_path / "missing") == []
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_json_is_written_after_the_arrays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []

    def recording(real: Any) -> Any:
        def write(path: Path, *args: Any, **kwargs: Any) -> Path:
            order.append(Path(path).suffix)
            return real(path, *args, **kwargs)

        return write

    monkeypatch.setattr(
        checkpoints, "atomic_write_bytes", recording(checkpoints.atomic_write_bytes)
    )
    monkeypatch.setattr(checkpoints, "atomic_write_json", recording(checkpoints.atomic_write_json))
    write_checkpoint(tmp_path, "last", arrays(), META)
    assert order == [".safetensors", ".json"]


def test_a_crash_while_rewriting_keeps_the_previous_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_checkpoint(tmp_path, "last", {"w": np.ones(3)}, {"step": 1})

    def killed(*args: Any, **kwargs: Any) -> None:
        raise RnnlabError("killed before the JSON was written")

    monkeypatch.setattr(checkpoints, "atomic_write_json", killed)
    with pytest.raises(RnnlabError, match="killed"):
        write_checkpoint(tmp_path, "last", {"w": np.zeros(3)}, {"step": 2})
    loaded, meta = read_checkpoint(tmp_path, "last")
    assert meta == {"step": 1} and loaded["w"].tolist() == [1.0, 1.0, 1.0]
    monkeypatch.undo()
    write_checkpoint(tmp_path, "last", {"w": np.full(3, 2.0)}, {"step": 3})
    assert read_checkpoint(tmp_path, "last")[1] == {"step": 3}
    assert len(list(tmp_path.glob("last.*.safetensors"))) == 1  # stale arrays removed


def test_missing_json_names_the_file_and_the_tags(tmp_path: Path) -> None:
    write_checkpoint(tmp_path, "best", {}, {})
    with pytest.raises(
        DataError, match=r"last\.json: no checkpoint 'last' here \(checkpoints: best"
    ):
        read_checkpoint(tmp_path, "last")


def test_missing_arrays_say_incomplete(tmp_path: Path) -> None:
    write_checkpoint(tmp_path, "last", arrays(), META)
    next(tmp_path.glob("*.safetensors")).unlink()
    with pytest.raises(DataError, match=r"missing; checkpoint 'last' .* is incomplete"):
        read_checkpoint(tmp_path, "last")


def test_corrupted_arrays_say_incomplete_or_corrupted(tmp_path: Path) -> None:
    write_checkpoint(tmp_path, "last", arrays(), META)
    target = next(tmp_path.glob("*.safetensors"))
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"sha256 does not match .* incomplete or corrupted"):
        read_checkpoint(tmp_path, "last")
    target.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(DataError, match="incomplete or corrupted"):
        read_checkpoint(tmp_path, "last")


def test_broken_json_names_line_and_column(tmp_path: Path) -> None:
    write_checkpoint(tmp_path, "last", arrays(), META)
    (tmp_path / "last.json").write_text('{\n  "format": "rnnlab-checkpoint",\n  "meta": }\n')
    with pytest.raises(DataError, match=r"last\.json: line 3, column 11"):
        read_checkpoint(tmp_path, "last")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("format", "pickle", "format/version"),
        ("arrays_file", "../outside.safetensors", "arrays_file: expected"),
        ("arrays_sha256", "abc", "arrays_sha256: expected 64 hex"),
        ("meta", [], "meta: expected a JSON object"),
    ],
)
def test_invalid_json_fields_are_named(
    tmp_path: Path, field: str, value: Any, message: str
) -> None:
    write_checkpoint(tmp_path, "last", arrays(), META)
    document = json.loads((tmp_path / "last.json").read_text())
    document[field] = value
    (tmp_path / "last.json").write_text(json.dumps(document))
    with pytest.raises(DataError, match=message):
        read_checkpoint(tmp_path, "last")


def test_not_safetensors_is_reported(tmp_path: Path) -> None:
    write_checkpoint(tmp_path, "last", {}, {})
    document = json.loads((tmp_path / "last.json").read_text())
    garbage = b"\xff" * 64
    (tmp_path / document["arrays_file"]).write_bytes(garbage)
    document["arrays_sha256"] = hashlib.sha256(garbage).hexdigest()
    (tmp_path / "last.json").write_text(json.dumps(document))
    with pytest.raises(DataError, match="not a valid safetensors file"):
        read_checkpoint(tmp_path, "last")


def test_bad_tags_and_arrays_are_refused(tmp_path: Path) -> None:
    for tag in ["", "../x", "a/b", "a.b", "x" * 65]:
        with pytest.raises(ConfigError, match="checkpoint tag"):
            write_checkpoint(tmp_path, tag, {}, {})
    with pytest.raises(DataError, match="'w': expected a bool, integer or float dtype"):
        write_checkpoint(tmp_path, "last", {"w": np.array(["a"], dtype=object)}, {})
    with pytest.raises(DataError, match="'w': expected a str key and a NumPy array"):
        write_checkpoint(tmp_path, "last", {"w": [1.0]}, {})  # type: ignore[dict-item]
    with pytest.raises(DataError, match="meta is not JSON-able"):
        write_checkpoint(tmp_path, "last", {}, {"path": Path("x")})
    assert list(tmp_path.iterdir()) == []


# ---- a training run's checkpoint: the meta resuming and predicting read ----------------------

RUN_META = {
    "config": {"task": "classify"},
    "progress": {"step": 3, "epoch": 0, "batch_index": 3},
    "vocab": {"format": "rnnlab-vocab"},
    "classes": ["neg", "pos"],
}


def _with_meta(tmp_path: Path, meta: dict[str, Any], arrays: dict | None = None) -> None:
    write_checkpoint(tmp_path, "last", arrays or {}, meta)


def test_run_checkpoint_reads_a_whole_one(tmp_path: Path) -> None:
    params = {"model.w": np.ones((2, 3)), "optim.exp_avg.w": np.zeros((2, 3))}
    _with_meta(tmp_path, RUN_META, {**params, "optim.step.w": np.array(3)})
    loaded, meta = read_run_checkpoint(tmp_path, "last")
    assert meta == RUN_META and sorted(loaded) == ["model.w", "optim.exp_avg.w", "optim.step.w"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"config": None}, "missing 'config' in meta"),
        ({"progress": None}, "missing 'progress' in meta"),
        ({"config": "gru"}, "'config': expected a JSON object, received 'gru'"),
        ({"progress": [3]}, r"'progress': expected a JSON object, received \[3\]"),
        ({"classes": "ab"}, "'classes': expected a JSON array, received 'ab'"),
        ({"vocab": ["a"]}, "'vocab': expected a JSON object"),
        ({"progress": {"step": 3, "epoch": 0}}, "progress.batch_index: expected an integer >= 0"),
        ({"progress": {"step": -1, "epoch": 0, "batch_index": 0}}, "progress.step: .*received -1"),
        ({"progress": {"step": True, "epoch": 0, "batch_index": 0}}, "progress.step"),
        ({"progress": {"step": "x" * 500, "epoch": 0, "batch_index": 0}}, r"'xxx+\.\.\.$"),
    ],
)
def test_run_checkpoint_meta_errors_name_file_and_field(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    meta = {key: value for key, value in {**RUN_META, **change}.items() if value is not None}
    _with_meta(tmp_path, meta)
    pattern = r"^corrupt checkpoint: .*last\.json: .*" + message
    with pytest.raises(DataError, match=pattern):
        read_run_checkpoint(tmp_path, "last")


def test_run_checkpoint_optimiser_shapes_follow_their_parameter(tmp_path: Path) -> None:
    params = {"model.w": np.ones((2, 3)), "optim.exp_avg.w": np.zeros((3, 2))}
    _with_meta(tmp_path, RUN_META, params)
    with pytest.raises(DataError, match=r"'optim.exp_avg.w' has shape \(3, 2\), .* \(2, 3\)"):
        read_run_checkpoint(tmp_path, "last")


@pytest.mark.parametrize(
    "garbage",
    [
        b"",  # empty
        (2**62).to_bytes(8, "little") + b"{}",  # a header claiming 4 EiB
        (10).to_bytes(8, "little") + b'{"w": 1}',  # truncated header
        (30).to_bytes(8, "little") + b'{"w":{"dtype":"F32","shape":[9],"data_offsets":[0,36]}}',
    ],
)
def test_garbage_safetensors_is_a_corrupt_checkpoint(tmp_path: Path, garbage: bytes) -> None:
    write_checkpoint(tmp_path, "last", {}, RUN_META)
    document = json.loads((tmp_path / "last.json").read_text())
    (tmp_path / document["arrays_file"]).write_bytes(garbage)
    document["arrays_sha256"] = hashlib.sha256(garbage).hexdigest()
    (tmp_path / "last.json").write_text(json.dumps(document))
    with pytest.raises(DataError, match=r"^corrupt checkpoint: .*not a valid safetensors file"):
        read_run_checkpoint(tmp_path, "last")


def test_run_checkpoint_shapes_follow_the_config_and_vocab(tmp_path: Path) -> None:
    meta = {**RUN_META, "config": {"model": {"hidden_size": 4}}, "vocab": {"tokens": ["a", "b"]}}
    good = {
        "model.rnn.weight_hh_l0": np.zeros((12, 4)),  # GRU: 3 gates
        "model.rnn.weight_hh_l1_reverse": np.zeros((16, 4)),  # LSTM: 4 gates
        "model.embedding.weight": np.zeros((2, 3)),
    }
    _with_meta(tmp_path, meta, good)
    assert sorted(read_run_checkpoint(tmp_path, "last")[0]) == sorted(good)
    for key, bad, message in [
        ("model.rnn.weight_hh_l0", np.zeros((3, 3)), r"\(3, 3\), but config model.hidden_size"),
        ("model.rnn.weight_hh_l1_reverse", np.zeros((10, 4)), r"expected \(gates\*4, 4\)"),
        ("model.embedding.weight", np.zeros((5, 3)), "has 5 rows, but the vocab in meta has 2"),
    ]:
        _with_meta(tmp_path, meta, {**good, key: bad})
        with pytest.raises(DataError, match=rf"^corrupt checkpoint: .*'{key}' .*{message}"):
            read_run_checkpoint(tmp_path, "last")
