"""Neighbours, analogies, the 2-D map, coverage and info on hand-built matrices."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from rnnlab.data.vocab import Vocab
from rnnlab.embeddings import (
    EmbeddingMatrix,
    analogy,
    coverage,
    info,
    neighbours,
    project_2d,
    random_embedding,
)
from rnnlab.errors import ConfigError, DataError


@pytest.fixture
def royals() -> EmbeddingMatrix:
    # Unit vectors: man = e1, woman = e2, king = (0.6, 0.8); king - man + woman = (-0.4, 1.8),
    # the direction of queen exactly. <pad> is zero; <unk> points the same way as queen.
    vectors = [
        [0.0, 0.0],
        [-0.2, 0.9],
        [1.0, 0.0],
        [0.0, 1.0],
        [0.6, 0.8],
        [-0.4, 1.8],
        [1.0, -1.0],
        [0.8, 0.6],
    ]
    words = ["<pad>", "<unk>", "man", "woman", "king", "queen", "apple", "prince"]
    return EmbeddingMatrix(words, np.array(vectors))


def test_neighbours_by_cosine(royals: EmbeddingMatrix) -> None:
    result = neighbours(royals, "king", k=4)
    assert [w for w, _ in result] == ["prince", "woman", "queen", "man"]
    assert result[0][1] == pytest.approx(0.96)  # 0.6 * 0.8 + 0.8 * 0.6
    assert result[1][1] == pytest.approx(0.8)
    assert result[2][1] == pytest.approx((0.6 * -0.4 + 0.8 * 1.8) / math.hypot(0.4, 1.8))
    assert result[3][1] == pytest.approx(0.6)
    everything = [w for w, _ in neighbours(royals, "king", k=100)]
    assert "king" not in everything and "<pad>" not in everything and "<unk>" not in everything
    assert len(everything) == 5


def test_neighbour_ties_follow_row_order() -> None:
    m = EmbeddingMatrix(["q", "b", "a", "c"], [[1.0, 0.0], [0.0, 1.0], [0.0, 2.0], [1.0, 1.0]])
    assert [w for w, _ in neighbours(m, "q", k=3)] == ["c", "b", "a"]  # b and a tie at 0


def test_analogy_king_man_woman_is_queen(royals: EmbeddingMatrix) -> None:
    result = analogy(royals, "king", "man", "woman", k=2)
    assert result[0][0] == "queen"
    assert result[0][1] == pytest.approx(1.0, abs=1e-6)
    assert result[1][0] == "prince"
    assert {w for w, _ in analogy(royals, "king", "man", "woman", k=10)}.isdisjoint(
        {"king", "man", "woman", "<pad>", "<unk>"}
    )


def test_inspection_errors(royals: EmbeddingMatrix) -> None:
    with pytest.raises(DataError, match="word 'duke' is not in the embedding"):
        neighbours(royals, "duke")
    with pytest.raises(DataError, match="'<pad>' has a zero vector"):
        neighbours(royals, "<pad>")
    with pytest.raises(ConfigError, match="k: expected an integer >= 1"):
        neighbours(royals, "king", k=0)
    with pytest.raises(DataError, match="'<pad>' has a zero vector"):
        analogy(royals, "king", "man", "<pad>")


def test_pca_by_hand() -> None:
    # Points on a line: all variance on (1, 1)/sqrt 2; coordinates -1.5 sqrt 2 ... 1.5 sqrt 2.
    line = EmbeddingMatrix(["a", "b", "c", "d"], [[1, 1], [2, 2], [3, 3], [4, 4]])
    p = project_2d(line, normalize=False)
    r = math.sqrt(2)
    np.testing.assert_allclose(p["x"], [-1.5 * r, -0.5 * r, 0.5 * r, 1.5 * r])
    np.testing.assert_allclose(p["y"], 0.0, atol=1e-12)
    np.testing.assert_allclose(p["explained_variance"], [1.0, 0.0], atol=1e-12)
    assert p["words"] == ["a", "b", "c", "d"] and p["method"] == "pca"
    # A cross: variance 8/4 along e1, 2/4 along e2 -> fractions 0.8, 0.2.
    cross = EmbeddingMatrix(["a", "b", "c", "d"], [[2, 0], [-2, 0], [0, 1], [0, -1]])
    p = project_2d(cross, normalize=False)
    np.testing.assert_allclose(p["x"], [2, -2, 0, 0], atol=1e-12)
    np.testing.assert_allclose(p["y"], [0, 0, 1, -1], atol=1e-12)
    np.testing.assert_allclose(p["explained_variance"], [0.8, 0.2])
    flipped = project_2d(
        EmbeddingMatrix(cross.words, -cross.vectors), normalize=False
    )  # axes keep their sign
    np.testing.assert_allclose(flipped["x"], [-2, 2, 0, 0], atol=1e-12)


def test_pca_equals_an_eigendecomposition_of_the_covariance() -> None:
    m = random_embedding([f"w{i}" for i in range(30)], 6, seed=4)
    p = project_2d(m, normalize=False)
    X = m.vectors.astype(np.float64)
    Xc = X - X.mean(axis=0)
    values, vectors = np.linalg.eigh(Xc.T @ Xc)  # ascending
    top = vectors[:, ::-1][:, :2]
    top = top * np.sign(top[np.argmax(np.abs(top), axis=0), [0, 1]])  # the sign rule
    np.testing.assert_allclose(np.c_[p["x"], p["y"]], Xc @ top, atol=1e-5)
    np.testing.assert_allclose(p["explained_variance"], values[::-1][:2] / values.sum())


def test_default_words_most_frequent_and_explicit_words(royals: EmbeddingMatrix) -> None:
    counted = EmbeddingMatrix(royals.words, royals.vectors, {"counts": [0, 0, 5, 9, 1, 9, 3, 2]})
    assert project_2d(counted, max_words=3)["words"] == ["woman", "queen", "man"]
    assert project_2d(royals, max_words=2)["words"] == ["man", "woman"]  # no <pad>, <unk>
    assert project_2d(royals, words=["king", "apple"])["words"] == ["king", "apple"]
    with pytest.raises(DataError, match="at least 2 words"):
        project_2d(royals, words=["king"])
    with pytest.raises(ConfigError, match=r"expected pca \| tsne, received \'umap\'"):
        project_2d(royals, method="umap")  # type: ignore[arg-type]


def test_tsne_shape_and_seed() -> None:
    pytest.importorskip("sklearn")
    m = random_embedding([f"w{i}" for i in range(25)], 8, seed=0)
    p = project_2d(m, method="tsne", seed=1)
    assert len(p["x"]) == len(p["y"]) == 25 and p["method"] == "tsne"
    assert np.isfinite(p["x"]).all() and "explained_variance" not in p
    assert project_2d(m, method="tsne", seed=1)["x"] == p["x"]


def test_tsne_without_scikit_learn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.manifold", None)
    m = random_embedding(["a", "b", "c"], 2)
    with pytest.raises(ConfigError, match="pip install scikit-learn, or use method 'pca'"):
        project_2d(m, method="tsne")


def test_coverage_is_aligns_report(royals: EmbeddingMatrix) -> None:
    vocab = Vocab(["<pad>", "<unk>", "King", "queen", "duke"])
    report = coverage(royals, vocab)
    _, aligned = royals.align(vocab, missing="zeros")
    assert report["found"] == 2 and report["found_lowercase"] == 1 and report["missing"] == 1
    assert report["coverage"] == pytest.approx(2 / 3) and report["missing_examples"] == ["duke"]
    assert report["missing_rule"] is None
    assert {k: v for k, v in aligned.items() if k not in ("missing_rule", "filled")} == {
        k: v for k, v in report.items() if k != "missing_rule"
    }


def test_info(royals: EmbeddingMatrix) -> None:
    summary = info(EmbeddingMatrix(royals.words, royals.vectors, {"method": "hand", "seed": 3}))
    assert summary["V"] == 8 and summary["d"] == 2 and summary["zero_rows"] == 1
    assert summary["method"] == "hand" and summary["source"] is None
    assert summary["norm_min"] == 0.0 and summary["norm_max"] == pytest.approx(math.hypot(0.4, 1.8))
    assert summary["examples"] == royals.words and summary["parameters"]["seed"] == 3


def test_normalized_projection_ignores_each_words_length() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((6, 4)).astype(np.float32)
    words = [f"w{i}" for i in range(6)]
    scaled = vectors * np.array([[1.0], [5.0], [0.1], [2.0], [1.0], [30.0]], dtype=np.float32)
    a = project_2d(EmbeddingMatrix(words, vectors))
    b = project_2d(EmbeddingMatrix(words, scaled))
    np.testing.assert_allclose(a["x"], b["x"], atol=1e-5)
    np.testing.assert_allclose(a["y"], b["y"], atol=1e-5)
    assert a["normalized"] is True


def test_highlighted_words_sit_on_the_map_of_the_whole_vocabulary(royals: EmbeddingMatrix) -> None:
    whole = project_2d(royals, max_words=10)
    marked = project_2d(royals, max_words=10, highlight=["king", "queen"])
    assert marked["words"] == whole["words"]  # the same map, not a PCA of two points
    np.testing.assert_allclose(marked["x"], whole["x"])
    assert [w for w, m in zip(marked["words"], marked["highlight"], strict=True) if m] == [
        "king",
        "queen",
    ]
    assert marked["explained_variance"][1] > 0  # a real 2-D picture


def test_a_highlighted_word_outside_the_top_words_is_added(royals: EmbeddingMatrix) -> None:
    p = project_2d(royals, max_words=2, highlight=["prince", "prince"])
    assert p["words"] == ["man", "woman", "prince"] and p["highlight"] == [False, False, True]
    with pytest.raises(DataError, match="word 'emperor' is not in the embedding"):
        project_2d(royals, highlight=["emperor"])
