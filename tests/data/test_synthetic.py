"""Synthetic memory tasks: generators checked by hand, paths, baselines, memoryless scores."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnlab.data.synthetic import (
    BLANK_ID,
    COPY_TOKENS,
    DELIM_ID,
    ORDER_CLASSES,
    ORDER_TOKENS,
    SYNTHETIC_TRAIN,
    SYNTHETIC_VAL,
    TASKS,
    baseline,
    input_size_for,
    make_adding,
    make_copy,
    make_order,
    order_windows,
    parse_synthetic_path,
)
from rnnlab.data.vocab import Vocab
from rnnlab.errors import ConfigError, DataError


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---- paths --------------------------------------------------------------------------------


def test_parse_defaults_and_parameters() -> None:
    assert TASKS == ("adding", "copy", "order")
    assert parse_synthetic_path("synthetic:adding") == (
        "adding",
        {"n": SYNTHETIC_TRAIN, "val": SYNTHETIC_VAL},
    )
    assert (SYNTHETIC_TRAIN, SYNTHETIC_VAL) == (10_000, 1_000)
    assert parse_synthetic_path("synthetic:adding?n=2000&val=500") == (
        "adding",
        {"n": 2000, "val": 500},
    )
    assert parse_synthetic_path(" synthetic:copy?val=0 ") == ("copy", {"n": 10_000, "val": 0})
    assert parse_synthetic_path("synthetic:order?") == ("order", {"n": 10_000, "val": 1_000})


@pytest.mark.parametrize("path", ["synthetic:", "synthetic:add", "synthetic:Adding", "adding"])
def test_unknown_task_lists_the_tasks(path: str) -> None:
    with pytest.raises(DataError, match=r"adding, copy, order|adding \| copy \| order"):
        parse_synthetic_path(path)


@pytest.mark.parametrize(
    ("path", "names"),
    [
        ("synthetic:adding?size=5", ["'size'", "n (training sequences)", "val (validation"]),
        ("synthetic:adding?n=0", ["parameter n", "integer from 1 to"]),
        ("synthetic:adding?n=abc", ["parameter n", "'abc'"]),
        ("synthetic:adding?n=2.5", ["parameter n", "'2.5'"]),
        ("synthetic:adding?val=-1", ["parameter val", "integer from 0 to"]),
        ("synthetic:adding?n", ["parameter n", "no value"]),
        ("synthetic:adding?n=5&n=6", ["parameter n", "twice"]),
        ("synthetic:adding?n=99999999", ["parameter n", "1000000"]),
    ],
)
def test_bad_parameters_name_the_parameter_and_allowed_values(path: str, names: list[str]) -> None:
    with pytest.raises(DataError) as err:
        parse_synthetic_path(path)
    for name in names:
        assert name in str(err.value)


def test_input_size_for() -> None:
    assert input_size_for("synthetic:adding?n=5") == 2
    assert input_size_for("synthetic:copy") == 1
    assert input_size_for("sample:monthly_series") == 1


# ---- generators by hand -------------------------------------------------------------------


@pytest.mark.parametrize("T", [2, 3, 7, 50])
def test_adding_markers_one_per_half_and_target_is_their_sum(T: int) -> None:
    x, y = make_adding(300, T, rng())
    assert x.shape == (300, T, 2) and y.shape == (300, 1)
    assert x.dtype == np.float64 and y.dtype == np.float64
    values, marks = x[:, :, 0], x[:, :, 1]
    assert ((values >= 0) & (values < 1)).all()
    assert set(np.unique(marks)) <= {0.0, 1.0}
    assert (marks[:, : T // 2].sum(axis=1) == 1).all()
    assert (marks[:, T // 2 :].sum(axis=1) == 1).all()
    for i in range(300):
        first, second = np.flatnonzero(marks[i])
        assert y[i, 0] == values[i, first] + values[i, second]


def test_adding_two_steps_marks_both() -> None:
    x, y = make_adding(5, 2, rng(3))
    assert (x[:, :, 1] == 1).all()
    np.testing.assert_array_equal(y[:, 0], x[:, 0, 0] + x[:, 1, 0])


def test_adding_marker_positions_cover_each_half() -> None:
    x, _ = make_adding(2000, 8, rng())
    positions = np.flatnonzero(x[:, :, 1].sum(axis=0))
    assert positions.tolist() == list(range(8))


@pytest.mark.parametrize("T", [1, 2, 5, 30])
def test_copy_layout(T: int) -> None:
    x, y = make_copy(40, T, rng())
    L = T + 20
    assert x.shape == y.shape == (40, L) and x.dtype == y.dtype == np.int64
    assert ((x[:, :10] >= 2) & (x[:, :10] <= 9)).all()  # the symbols a..h
    assert (x[:, 10 : T + 9] == BLANK_ID).all()  # T - 1 blanks
    assert (x[:, T + 9] == DELIM_ID).all()  # the delimiter at T + 10 - 1
    assert (x[:, T + 10 :] == BLANK_ID).all() and x[:, T + 10 :].shape[1] == 10
    assert (y[:, : T + 10] == BLANK_ID).all()
    np.testing.assert_array_equal(y[:, T + 10 :], x[:, :10])


def test_copy_reads_as_text() -> None:
    vocab = Vocab(COPY_TOKENS)
    assert vocab.tokens[2:] == (*"abcdefgh", "_", ":")
    assert (vocab.token_to_id("_"), vocab.token_to_id(":")) == (BLANK_ID, DELIM_ID)
    x, y = make_copy(1, 3, rng(1))
    symbols = "".join(vocab.decode(x[0, :10]))
    assert "".join(vocab.decode(x[0])) == symbols + "__:" + "_" * 10
    assert "".join(vocab.decode(y[0])) == "_" * 13 + symbols


def test_order_windows_by_hand() -> None:
    assert order_windows(100) == ((10, 20), (50, 60))  # Hochreiter & Schmidhuber's 6a
    assert order_windows(10) == ((1, 2), (5, 6))
    assert order_windows(5) == ((1, 1), (3, 3))  # 0.5 -> 1, 2.5 -> 3: halves up
    assert order_windows(4) == ((1, 1), (2, 2))
    with pytest.raises(ConfigError, match="T: expected an integer >= 4"):
        order_windows(3)


@pytest.mark.parametrize("T", [4, 5, 10, 100])
def test_order_relevant_symbols_in_their_windows_and_class_matches(T: int) -> None:
    vocab = Vocab(ORDER_TOKENS)
    x, y = make_order(400, T, rng())
    assert x.shape == (400, T) and y.shape == (400,)
    assert x.dtype == np.int64 and y.dtype == np.int64
    (lo1, hi1), (lo2, hi2) = order_windows(T)
    for ids, label in zip(x, y, strict=True):
        tokens = vocab.decode(ids)
        assert tokens[0] == "B" and tokens[-1] == "E"
        relevant = [t for t, tok in enumerate(tokens) if tok in "XY"]
        assert len(relevant) == 2
        assert lo1 <= relevant[0] <= hi1 and lo2 <= relevant[1] <= hi2
        assert set(tokens[1:-1]) - {"X", "Y"} <= set("abcd")
        assert ORDER_CLASSES[label] == tokens[relevant[0]] + tokens[relevant[1]]
    assert sorted(set(y.tolist())) == [0, 1, 2, 3]


def test_order_uses_the_whole_windows() -> None:
    x, _ = make_order(3000, 100, rng())
    relevant = np.isin(x, [6, 7])
    assert np.flatnonzero(relevant.any(axis=0)).tolist() == [*range(10, 21), *range(50, 61)]


@pytest.mark.parametrize("make", [make_adding, make_copy, make_order])
def test_generators_are_deterministic(make) -> None:
    a, b, c = make(20, 10, rng(5)), make(20, 10, rng(5)), make(20, 10, rng(6))
    for left, right in zip(a, b, strict=True):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize(("make", "low"), [(make_adding, 2), (make_copy, 1), (make_order, 4)])
def test_generators_reject_short_sequences(make, low: int) -> None:
    with pytest.raises(ConfigError, match=f"T: expected an integer >= {low}"):
        make(3, low - 1, rng())
    assert len(make(0, low, rng())[0]) == 0


# ---- baselines ----------------------------------------------------------------------------


def test_baseline_numbers() -> None:
    adding = baseline("adding", 100)
    assert adding["metric"] == "mse" and adding["value"] == pytest.approx(1 / 6)
    assert adding["description"] == "predict the mean 1.0 (MSE 1/6)"
    assert adding["metrics"]["rmse"] == pytest.approx(math.sqrt(1 / 6))
    assert adding["metrics"]["mae"] == pytest.approx(1 / 3)
    for T in (1, 100, 1000):
        copy = baseline("copy", T)
        assert copy["metric"] == "cross_entropy"
        assert copy["value"] == pytest.approx(10 * math.log(8) / (T + 20))
    order = baseline("order", 50)
    assert order["metric"] == "accuracy" and order["value"] == 0.25
    assert order["metrics"]["cross_entropy"] == pytest.approx(math.log(4))
    with pytest.raises(DataError, match="adding, copy, order"):
        baseline("parity", 10)
    with pytest.raises(ConfigError, match="T"):
        baseline("order", 2)


def test_adding_baseline_is_what_predicting_one_scores() -> None:
    _, y = make_adding(20_000, 10, rng(1))
    mse = float(np.mean((y - 1.0) ** 2))
    assert mse == pytest.approx(1 / 6, rel=0.03)
    assert float(np.mean(np.abs(y - 1.0))) == pytest.approx(1 / 3, rel=0.03)


def test_copy_baseline_is_what_a_position_only_predictor_scores() -> None:
    # No memory of the symbols: the best guess is the distribution of y at each position,
    # estimated on one set and scored on another.
    T = 15
    _, y_train = make_copy(4000, T, rng(1))
    _, y_val = make_copy(1000, T, rng(2))
    counts = np.stack([np.bincount(col, minlength=12) for col in y_train.T]) + 1e-9  # (L, V)
    probs = counts / counts.sum(axis=1, keepdims=True)
    cross_entropy = -np.log(probs[np.arange(T + 20), y_val]).mean()
    assert cross_entropy == pytest.approx(baseline("copy", T)["value"], rel=0.02)


def test_order_baseline_is_what_a_class_frequency_predictor_scores() -> None:
    _, y_train = make_order(8000, 20, rng(1))
    _, y_val = make_order(8000, 20, rng(2))
    freq = np.bincount(y_train, minlength=4) / len(y_train)
    accuracy = float(np.mean(y_val == np.argmax(freq)))
    assert accuracy == pytest.approx(0.25, abs=0.02)
    assert -np.log(freq[y_val]).mean() == pytest.approx(math.log(4), rel=0.01)
