"""Classification data: natural class order, stratified split, padding, epoch order."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.data.classify import ClassifyData, build_classify, pad_batch, sort_classes
from rnnlab.data.split import stratified_split
from rnnlab.data.tokenize import Tokenizer
from rnnlab.data.vocab import PAD_ID, UNK_ID, Vocab
from rnnlab.errors import ConfigError, DataError

WORD = Tokenizer("word", lowercase=True)


def corpus(n_pos: int = 30, n_neg: int = 10) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for i in range(max(n_pos, n_neg)):
        if i < n_pos:
            texts.append(f"good film number {i}" + " really" * (i % 4))
            labels.append("1")
        if i < n_neg:
            texts.append(f"bad film {i}")
            labels.append("0")
    return texts, labels


def build(val_fraction: float = 0.2, seed: int = 0, **kw) -> ClassifyData:
    texts, labels = corpus(**kw)
    return build_classify(texts, labels, WORD, val_fraction=val_fraction, seed=seed)


def test_classes_sort_naturally() -> None:
    assert sort_classes(["10", "2", "1", "2"]) == ["1", "2", "10"]
    assert sort_classes(["pos", "neg", "-1", "0.5"]) == ["-1", "0.5", "neg", "pos"]


def test_stratified_split_keeps_proportions_and_is_deterministic() -> None:
    data = build(val_fraction=0.2)
    assert data.classes == ["0", "1"]
    assert data.class_counts("val") == {"0": 2, "1": 6}
    assert data.class_counts("train") == {"0": 8, "1": 24}
    again = build(val_fraction=0.2)
    for split in ("train", "val"):
        for (a, la), (b, lb) in zip(data.examples(split), again.examples(split), strict=True):
            np.testing.assert_array_equal(a, b)
            assert la == lb


def test_split_depends_on_the_seed_and_every_class_keeps_one_in_each_part() -> None:
    labels = np.array([0] * 50 + [1] * 50 + [2] * 3)
    tr0, va0 = stratified_split(labels, 0.1, seed=0)
    _, va1 = stratified_split(labels, 0.1, seed=1)
    assert not np.array_equal(va0, va1)
    assert np.bincount(labels[va0]).tolist() == [5, 5, 1]  # round(0.3) = 0 -> at least 1
    assert sorted(np.concatenate([tr0, va0]).tolist()) == list(range(len(labels)))
    assert np.all(np.diff(tr0) > 0) and np.all(np.diff(va0) > 0)  # file order within a part
    assert stratified_split([0, 1, 1], 0.5, 0)[1].tolist() in ([1], [2])  # lone class 0 trains
    assert len(stratified_split(labels, 0.0, 0)[1]) == 0


def test_vocab_is_built_from_training_texts_only() -> None:
    texts = ["alpha beta", "alpha gamma", "delta x", "delta y", "alpha beta", "delta y"]
    labels = ["a", "a", "b", "b", "a", "b"]
    data = build_classify(texts, labels, WORD, val_fraction=0.34, seed=3)
    train_tokens = {t for ids, _ in data.examples("train") for t in data.vocab.decode(ids)}
    assert set(data.vocab.tokens[2:]) == train_tokens


def test_batches_pad_time_major_with_lengths() -> None:
    vocab = Vocab(["<pad>", "<unk>", "a", "b", "c"])
    train = [(np.array([2, 3, 4]), 0), (np.array([4]), 1), (np.array([3, 3]), 1)]
    data = ClassifyData(vocab, ["neg", "pos"], train, [])
    (batch,) = list(data.batches("train", 8))
    assert batch.x.dtype == batch.y.dtype == batch.lengths.dtype == np.int64
    np.testing.assert_array_equal(batch.x, [[2, 4, 3], [3, PAD_ID, 3], [4, PAD_ID, PAD_ID]])
    assert batch.lengths.tolist() == [3, 1, 2] and batch.y.tolist() == [0, 1, 1]
    assert batch.n_tokens == 6
    assert [b.size for b in data.batches("train", 2)] == [2, 1]
    assert data.num_batches("train", 2) == 2
    assert list(data.batches("val", 2)) == []
    direct = pad_batch([np.array([5, 6]), np.array([7])], [1, 0])
    assert direct.x.tolist() == [[5, 7], [6, PAD_ID]] and direct.lengths.tolist() == [2, 1]


def test_order_is_a_pure_function_of_seed_and_epoch() -> None:
    data = build(val_fraction=0.0)

    def order(seed: int | None, epoch: int) -> list[list[int]]:
        return [
            b.lengths.tolist() + b.x[0].tolist()
            for b in data.batches("train", 5, seed=seed, epoch=epoch)
        ]

    assert order(7, 0) == order(7, 0)
    assert order(7, 0) != order(7, 1)
    assert order(7, 1) != order(8, 1)
    n = data.size("train")
    first = [data.examples("train")[i][0] for i in np.random.default_rng([7, 3]).permutation(n)[:5]]
    batch = next(data.batches("train", 5, seed=7, epoch=3))
    for b, ids in enumerate(first):
        np.testing.assert_array_equal(batch.x[: len(ids), b], ids)
    file_order = next(data.batches("train", 5))
    np.testing.assert_array_equal(file_order.x[:, 0][:4], data.examples("train")[0][0][:4])


def test_one_class_label_column() -> None:
    with pytest.raises(DataError, match=r"r\.tsv: column 'stars' has a single class '5'"):
        build_classify(["a", "b"], ["5", "5"], WORD, val_fraction=0.1, seed=0,
                       source="r.tsv", label_column="stars")  # fmt: skip


def test_empty_text_names_the_line() -> None:
    with pytest.raises(DataError, match=r"r\.tsv: line 3: column 'text' has no tokens"):
        build_classify(["fine", "  ", "ok"], ["0", "1", "1"], WORD, val_fraction=0.1, seed=0,
                       lines=[2, 3, 4], source="r.tsv")  # fmt: skip


def test_empty_label_names_the_line() -> None:
    with pytest.raises(DataError, match=r"line 4: column 'label' is empty"):
        build_classify(["a", "b", "c"], ["0", "1", " "], WORD, val_fraction=0.1, seed=0)


def test_encode_texts_for_prediction() -> None:
    data = build()
    batch = data.encode_texts(["Good film", "never seen words here"])
    assert batch.y.tolist() == [-1, -1] and batch.lengths.tolist() == [2, 4]
    assert batch.x[:, 1].tolist() == [UNK_ID] * 4
    assert data.vocab.decode(batch.x[:2, 0]) == ["good", "film"]
    with pytest.raises(DataError, match=r"text 2: no tokens"):
        data.encode_texts(["good", "   "])
    with pytest.raises(ConfigError, match="without its tokenizer"):
        ClassifyData(data.vocab, data.classes, data.examples("train"), []).encode_texts(["a"])


def test_bad_examples_and_seeds() -> None:
    vocab = Vocab(["<pad>", "<unk>", "a"])
    with pytest.raises(DataError, match=r"train example 0: class index 2 is outside 0\.\.1"):
        ClassifyData(vocab, ["x", "y"], [(np.array([2]), 2)], [])
    with pytest.raises(DataError, match=r"val example 0: expected a non-empty 1-D array"):
        ClassifyData(vocab, ["x", "y"], [], [(np.array([], dtype=np.int64), 0)])
    data = ClassifyData(vocab, ["x", "y"], [(np.array([2]), 1)], [])
    with pytest.raises(ConfigError, match=r"seed: expected an integer >= 0, received -1"):
        list(data.batches("train", 1, seed=-1))


# ---- labels that are not classes, columns that are the same, text lost to <unk> -------------


def test_text_and_label_the_same_column_is_refused() -> None:
    texts, labels = corpus()
    with pytest.raises(ConfigError, match=r"data\.text_column and data\.label_column are both 'x'"):
        build_classify(texts, labels, WORD, val_fraction=0.2, seed=0, text_column="x",
                       label_column="x")  # fmt: skip


@pytest.mark.parametrize(
    ("labels", "parts"),
    [
        ([f"{0.37 * i:.2f}" for i in range(50)], "looks like continuous numbers: 50 distinct"),
        ([f"{1.5 * i}" for i in range(11)] * 3, "looks like continuous numbers: 11 distinct"),
        ([f"class{i}" for i in range(50)], "has one row per label: 50 distinct labels"),
        (["a", "b"], "has one row per label: 2 distinct labels in 2 rows"),
        (["a", "a", "b", "b", "c", "d", "e"], "is mostly one row per label: 5 distinct"),
    ],
)
def test_labels_that_are_not_classes_are_refused(labels: list[str], parts: str) -> None:
    texts = [f"some text {i}" for i in range(len(labels))]
    with pytest.raises(DataError, match=r"^r\.csv: column 'y' " + parts + ".*task: forecast"):
        build_classify(texts, labels, WORD, val_fraction=0.2, seed=0, source="r.csv",
                       label_column="y")  # fmt: skip


def test_few_numeric_classes_and_integers_are_classes() -> None:
    stars = [str(1 + i % 5) for i in range(40)]  # 1..5 stars
    halves = [f"{0.5 * (i % 4)}" for i in range(40)]  # 0.0 0.5 1.0 1.5: few classes
    for labels in (stars, halves):
        data = build_classify([f"w {i}" for i in range(40)], labels, WORD, val_fraction=0.2,
                              seed=0)  # fmt: skip
        assert len(data.classes) in (4, 5) and data.warnings == []


def test_a_class_with_a_single_example_is_warned() -> None:
    texts, labels = corpus()
    data = build_classify([*texts, "odd"], [*labels, "rare"], WORD, val_fraction=0.2, seed=0,
                          source="r.tsv")  # fmt: skip
    assert data.classes == ["0", "1", "rare"]
    (warning,) = data.summary()["warnings"]
    assert warning.startswith("r.tsv: column 'label': 1 class(es) with a single example ('rare')")
    assert "warnings" not in build().summary()


def test_min_freq_that_leaves_only_unk_is_refused_and_a_high_share_warned() -> None:
    texts, labels = corpus()
    with pytest.raises(DataError, match=r"^r\.tsv: data\.min_freq 1000 turns (\d+) of the \1 "):
        build_classify(texts, labels, WORD, val_fraction=0.2, seed=0, min_freq=1000,
                       source="r.tsv")  # fmt: skip
    data = build_classify(texts, labels, WORD, val_fraction=0.2, seed=0, min_freq=30)
    (warning,) = data.warnings
    assert "data.min_freq 30 turns" in warning and "(57%) into <unk>" in warning
    train_tokens = sum(len(ids) for ids, _ in data.examples("train"))
    unknown = sum(int((ids == UNK_ID).sum()) for ids, _ in data.examples("train"))
    assert f"turns {unknown:,} of the {train_tokens:,} training tokens" in warning
