"""EmbeddingMatrix: validation, lookups, normalisation, alignment to a vocabulary."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.data.vocab import Vocab
from rnnlab.embeddings import EmbeddingMatrix
from rnnlab.errors import ConfigError, DataError, ShapeError


def test_lookups_and_dim(small: EmbeddingMatrix) -> None:
    assert len(small) == 4 and small.dim == 3
    assert small.index("Cat") == 1 and "naïve" in small and "cat" not in small
    np.testing.assert_array_equal(small.vector("x-ray!"), [0.0, 4.0, 1.5])
    assert small.vectors.dtype == np.float32
    with pytest.raises(DataError, match=r"word 'dog' is not in the embedding \(4 words\)"):
        small.index("dog")


@pytest.mark.parametrize(
    ("words", "vectors", "error", "message"),
    [
        (["a", "b"], np.zeros(2), ShapeError, r"2-D array \(V, d\), received shape \(2,\)"),
        (["a", "b"], np.zeros((3, 2)), ShapeError, "expected 2 rows"),
        (["a", "b", "a"], np.zeros((3, 2)), DataError, r"'a' appears twice \(rows 0 and 2\)"),
        (["a", ""], np.zeros((2, 2)), DataError, "non-empty string"),
        (["a", "b"], [[0.0, 1.0], [np.nan, 0.0]], DataError, r"row 1 \(word 'b'\).*non-finite"),
        (["a"], np.array([["x"]]), DataError, "real numbers"),
        ([], np.zeros((0, 3)), DataError, "at least one word"),
    ],
)
def test_construction_is_validated(words, vectors, error, message) -> None:
    with pytest.raises(error, match=message):
        EmbeddingMatrix(words, vectors)


def test_normalized_rows_are_unit_and_zero_rows_stay_zero() -> None:
    m = EmbeddingMatrix(["a", "b", "c"], [[3.0, 4.0], [0.0, 0.0], [0.0, -2.0]])
    n = m.normalized()
    np.testing.assert_allclose(n.vectors, [[0.6, 0.8], [0.0, 0.0], [0.0, -1.0]])
    assert n.words == m.words and n.meta["normalized"] is True
    np.testing.assert_array_equal(m.vectors[0], [3.0, 4.0])  # the original is unchanged


# ---- align ---------------------------------------------------------------------------------

EMB_WORDS = ["the", "Cat", "dog", "Dog", "apple"]
VOCAB = Vocab(["<pad>", "<unk>", "the", "cat", "dog", "Dog", "APPLE", "bird", "fish"])


@pytest.fixture
def emb() -> EmbeddingMatrix:
    vectors = np.arange(1, 11, dtype=np.float32).reshape(5, 2)  # row i = [2i+1, 2i+2]
    return EmbeddingMatrix(EMB_WORDS, vectors)


def test_align_reports_coverage_exact_then_lowercase(emb: EmbeddingMatrix) -> None:
    E, report = emb.align(VOCAB, missing="zeros")
    assert report == {
        "vocab_size": 9,
        "specials": 2,
        "found": 5,
        "found_exact": 3,  # the, dog, Dog
        "found_lowercase": 2,  # cat -> Cat (ignoring case), APPLE -> apple
        "missing": 2,
        "coverage": 5 / 7,
        "missing_examples": ["bird", "fish"],
        "missing_rule": "zeros",
        "filled": 3,  # <unk>, bird, fish
    }
    assert E.shape == (9, 2) and E.dtype == np.float32
    np.testing.assert_array_equal(E[2], emb.vector("the"))
    np.testing.assert_array_equal(E[3], emb.vector("Cat"))
    np.testing.assert_array_equal(E[4], emb.vector("dog"))  # exact match first ...
    np.testing.assert_array_equal(E[5], emb.vector("Dog"))  # ... for both spellings
    np.testing.assert_array_equal(E[6], emb.vector("apple"))
    np.testing.assert_array_equal(E[[0, 1, 7, 8]], 0.0)


def test_align_missing_rules(emb: EmbeddingMatrix) -> None:
    found = emb.vectors  # every embedding row is matched by exactly one vocab token
    E, _ = emb.align(VOCAB, missing="mean")
    np.testing.assert_allclose(E[[1, 7, 8]], np.tile(found.mean(axis=0), (3, 1)))
    np.testing.assert_array_equal(E[0], 0.0)  # <pad> stays zero

    E1, report = emb.align(VOCAB, missing="random", seed=3)
    E2, _ = emb.align(VOCAB, missing="random", seed=3)
    E3, _ = emb.align(VOCAB, missing="random", seed=4)
    np.testing.assert_array_equal(E1, E2)
    assert not np.array_equal(E1[[1, 7, 8]], E3[[1, 7, 8]])
    np.testing.assert_array_equal(E1[0], 0.0)
    assert report["random_std"] == pytest.approx(float(found.std()))
    expected = np.random.default_rng(3).normal(0.0, found.std(), size=(3, 2))
    np.testing.assert_allclose(E1[[1, 7, 8]], expected, rtol=1e-6)

    big = Vocab(["<pad>", "<unk>", *[f"w{i}" for i in range(4000)]])
    E4, report4 = emb.align(big, missing="random", scale=0.5)
    assert report4["random_std"] == 0.5 and report4["coverage"] == 0.0
    assert float(E4[1:].std()) == pytest.approx(0.5, rel=0.02)


def test_align_takes_unk_from_the_embedding_and_checks_arguments() -> None:
    emb = EmbeddingMatrix(["<unk>", "<pad>", "a"], [[1.0, 1.0], [5.0, 5.0], [2.0, 0.0]])
    E, report = emb.align(["<pad>", "<unk>", "a"], missing="zeros")
    np.testing.assert_array_equal(E, [[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    assert report["coverage"] == 1.0 and report["filled"] == 0
    with pytest.raises(ConfigError, match=r"expected random \| zeros \| mean, received 'ones'"):
        emb.align(["a"], missing="ones")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="scale"):
        emb.align(["a"], scale=-1.0)
