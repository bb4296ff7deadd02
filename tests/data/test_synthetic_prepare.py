"""prepare(config) on synthetic:TASK paths: data sets, batches, hashes, summaries, errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from rnnlab.data import SyntheticAdding, SyntheticSequences, prepare
from rnnlab.data.classify import ClassifyData
from rnnlab.data.prepare import Prepared
from rnnlab.errors import ConfigError, DataError
from rnnlab.spec.run import RunConfig, parse_run_config


def config(task: str, path: str, T: int, batch_size: int = 8, **data) -> RunConfig:
    return RunConfig.model_validate(
        {
            "task": task,
            "data": {"path": path, "seq_len": T, **data},
            "train": {"batch_size": batch_size},
        }
    )


def adding(T: int = 6, path: str = "synthetic:adding?n=50&val=20", **data) -> Prepared:
    return prepare(config("forecast", path, T, **data))


def copy(T: int = 4, path: str = "synthetic:copy?n=30&val=10", **data) -> Prepared:
    return prepare(config("language-model", path, T, **data))


def order(T: int = 10, path: str = "synthetic:order?n=40&val=12", **data) -> Prepared:
    return prepare(config("classify", path, T, **data))


# ---- the three data sets ------------------------------------------------------------------


def test_adding_batches_and_interface() -> None:
    prepared = adding(T=6)
    data = prepared.data
    assert isinstance(data, SyntheticAdding) and prepared.task == "forecast"
    assert prepared.vocab is None and prepared.classes is None and prepared.tokenizer is None
    assert (data.input_size, data.mean, data.std, data.seq_len) == (2, 0.0, 1.0, 6)
    np.testing.assert_array_equal(data.unscale(np.array([0.3, 1.7])), [0.3, 1.7])
    batches = list(data.batches("train", 16, seed=0, epoch=0))
    assert [b.size for b in batches] == [16, 16, 16, 2] and data.num_batches("train", 16) == 4
    first = batches[0]
    assert first.x.shape == (6, 16, 2) and first.x.dtype == np.float64
    assert first.y.shape == (16, 1) and first.y.dtype == np.float64 and first.lengths is None
    assert (first.x[:, :, 1].sum(axis=0) == 2).all()
    marked = (first.x[:, :, 0] * first.x[:, :, 1]).sum(axis=0)  # (B,)
    np.testing.assert_allclose(marked, first.y[:, 0])
    assert sum(b.size for b in data.batches("val", 16)) == 20
    with pytest.raises(DataError, match="no single series"):
        _ = data.values


def test_copy_batches_and_interface() -> None:
    prepared = copy(T=4)
    data = prepared.data
    assert isinstance(data, SyntheticSequences) and data.carry_state is False
    assert prepared.task == "language-model" and prepared.classes is None
    assert prepared.vocab is data.vocab and prepared.vocab.tokens == (
        "<pad>",
        "<unk>",
        *"abcdefgh",
        "_",
        ":",
    )
    assert prepared.tokenizer is not None and prepared.tokenizer.kind == "char"
    assert not hasattr(data, "train_ids")
    batches = list(data.batches("train", 8, 4))
    assert [b.size for b in batches] == [8, 8, 8, 6] and data.num_batches("train", 8, 4) == 4
    for b in batches:
        assert b.x.shape == b.y.shape == (24, b.size) and b.x.dtype == b.y.dtype == np.int64
        assert (b.x[13] == 11).all()  # ":" at T + 9
        np.testing.assert_array_equal(b.y[14:], b.x[:10])
    np.testing.assert_array_equal(np.concatenate([b.x.T for b in batches]), data.inputs("train"))
    with pytest.raises(ConfigError, match=r"data.seq_len"):
        next(data.batches("train", 8, 5))


def test_order_batches_and_interface() -> None:
    prepared = order(T=10)
    data = prepared.data
    assert isinstance(data, ClassifyData) and prepared.task == "classify"
    assert prepared.classes == ["XX", "XY", "YX", "YY"] == data.classes
    assert prepared.vocab.tokens[2:] == ("a", "b", "c", "d", "X", "Y", "B", "E")
    batch = next(data.batches("train", 16, seed=0, epoch=0))
    assert batch.x.shape == (10, 16) and batch.x.dtype == np.int64
    assert batch.y.shape == (16,) and batch.y.dtype == np.int64
    assert (batch.lengths == 10).all()
    ids, label = data.examples("val")[0]
    assert ids.shape == (10,) and isinstance(label, int) and data.size("val") == 12
    encoded = data.encode_texts(["BaXcbYdcaE"])
    assert encoded.x[:, 0].tolist() == prepared.vocab.encode(list("BaXcbYdcaE")).tolist()


@pytest.mark.parametrize("make", [adding, copy, order])
def test_batch_order_follows_seed_and_epoch(make) -> None:
    data = make().data

    def first_x(**kw) -> np.ndarray:
        if isinstance(data, SyntheticSequences):
            return next(data.batches("train", 8, data.T, **kw)).x
        return next(data.batches("train", 8, **kw)).x

    np.testing.assert_array_equal(first_x(seed=1, epoch=2), first_x(seed=1, epoch=2))
    assert not np.array_equal(first_x(seed=1, epoch=2), first_x(seed=1, epoch=3))
    assert not np.array_equal(first_x(), first_x(seed=1, epoch=0))


# ---- determinism, hashes, summaries -------------------------------------------------------


@pytest.mark.parametrize("make", [adding, copy, order])
def test_same_config_same_data_and_hash(make) -> None:
    a, b, c = make(), make(), make(seed=1)
    assert a.data_hash == b.data_hash != c.data_hash and len(a.data_hash) == 64
    assert a.summary["sha256"] == a.data_hash
    for split in ("train", "val"):
        left = [x.x for x in _batches(a, split)]
        right = [x.x for x in _batches(b, split)]
        other = [x.x for x in _batches(c, split)]
        assert all(np.array_equal(p, q) for p, q in zip(left, right, strict=True))
        assert not all(np.array_equal(p, q) for p, q in zip(left, other, strict=True))


def _batches(prepared: Prepared, split: str):
    if prepared.task == "language-model":
        return prepared.data.batches(split, 8, prepared.data.T)
    return prepared.data.batches(split, 8)


def test_hash_depends_on_what_decides_the_data() -> None:
    base = adding(T=6, path="synthetic:adding?n=50&val=20").data_hash
    assert adding(T=6, path="synthetic:adding?val=20&n=50").data_hash == base
    assert adding(T=7, path="synthetic:adding?n=50&val=20").data_hash != base
    assert adding(T=6, path="synthetic:adding?n=51&val=20").data_hash != base
    assert adding(T=6, val_fraction=0.5).data_hash == base  # ignored
    default = adding(T=3, path="synthetic:adding").data_hash
    assert adding(T=3, path="synthetic:adding?n=10000&val=1000").data_hash == default


def test_validation_set_does_not_depend_on_n() -> None:
    small = adding(path="synthetic:adding?n=10&val=20").data.arrays("val")
    large = adding(path="synthetic:adding?n=90&val=20").data.arrays("val")
    for left, right in zip(small, large, strict=True):
        np.testing.assert_array_equal(left, right)


def test_default_sizes() -> None:
    prepared = order(T=4, path="synthetic:order")
    assert prepared.summary["train_examples"] == 10_000 == prepared.data.size("train")
    assert prepared.summary["val_examples"] == 1_000 == prepared.data.size("val")


def test_summaries() -> None:
    summaries = [adding().summary, copy().summary, order().summary]
    for summary, task in zip(summaries, ("adding", "copy", "order"), strict=True):
        json.dumps(summary)
        assert summary["synthetic"] == task and "val_fraction is ignored" in summary["note"]
    a, c, o = summaries
    assert a["T"] == 6 and a["input_size"] == 2 and a["train_examples"] == 50
    assert a["baselines"]["no_memory"]["mse"] == pytest.approx(1 / 6)
    assert c["baselines"]["no_memory"]["cross_entropy"] == pytest.approx(10 * math.log(8) / 24)
    assert c["sequence_length"] == 24 and c["carry_state"] is False
    assert o["baselines"]["no_memory"]["accuracy"] == 0.25
    assert o["windows"] == [[1, 2], [5, 6]] and o["val_examples"] == 12


def test_adding_validation_mse_of_predicting_one() -> None:
    data = adding(T=10, path="synthetic:adding?n=1&val=20000").data
    _, y = data.arrays("val")
    assert float(np.mean((y - 1.0) ** 2)) == pytest.approx(1 / 6, rel=0.03)


# ---- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "path", "needed"),
    [
        ("classify", "synthetic:adding", "forecast"),
        ("forecast", "synthetic:copy", "language-model"),
        ("language-model", "synthetic:order?n=5", "classify"),
    ],
)
def test_task_mismatch(task: str, path: str, needed: str) -> None:
    with pytest.raises(ConfigError) as err:
        prepare(config(task, path, 10))
    message = str(err.value)
    assert f"data.path {path!r}" in message and repr(task) in message
    assert f"expected task: {needed}" in message


@pytest.mark.parametrize(
    ("task", "path", "T", "low"),
    [
        ("forecast", "synthetic:adding?n=5", 1, 2),
        ("classify", "synthetic:order?n=5", 3, 4),
    ],
)
def test_too_short(task: str, path: str, T: int, low: int) -> None:
    with pytest.raises(ConfigError, match=rf"data.seq_len: .* needs T >= {low}"):
        prepare(config(task, path, T))


def test_copy_accepts_one_step() -> None:
    assert copy(T=1).data.length == 21


def test_bad_paths_through_prepare() -> None:
    with pytest.raises(DataError, match=r"unknown synthetic task 'parity'.*adding, copy, order"):
        prepare(config("forecast", "synthetic:parity", 10))
    with pytest.raises(DataError, match="parameter n"):
        prepare(config("forecast", "synthetic:adding?n=x", 10))


def test_adding_horizon_and_seed() -> None:
    with pytest.raises(ConfigError, match=r"data.horizon: .* expected 1, received 3"):
        adding(horizon=3)
    with pytest.raises(ConfigError, match=r"data\.seed: .*greater than or equal to 0"):
        parse_run_config({"task": "forecast", "data": {"path": "synthetic:adding", "seed": -1}})
