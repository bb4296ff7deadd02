"""Recipes: one-hot and the random initialisations (shape, seeding, defining property)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.data.vocab import Vocab
from rnnlab.embeddings import onehot, random_embedding
from rnnlab.errors import ConfigError, DataError

WORDS = [f"w{i}" for i in range(12)]


def test_onehot_is_the_textbook_encoding() -> None:
    m = onehot(["A", "B", "C"])
    np.testing.assert_array_equal(m.vector("A"), [1, 0, 0])
    np.testing.assert_array_equal(m.vector("B"), [0, 1, 0])
    assert m.dim == 3 and m.meta == {"method": "onehot", "dim": 3}
    big = onehot(Vocab.build(list("abracadabra")))
    E = big.vectors
    np.testing.assert_array_equal(np.linalg.norm(E, axis=1), 1.0)  # unit rows
    np.testing.assert_array_equal(E @ E.T, np.eye(len(big)))  # mutually orthogonal
    assert big.words[:2] == ["<pad>", "<unk>"]


@pytest.mark.parametrize("kind", ["normal", "uniform", "xavier", "orthogonal"])
def test_random_kinds_are_seeded(kind: str) -> None:
    a = random_embedding(WORDS, 5, kind=kind, seed=1)  # type: ignore[arg-type]
    b = random_embedding(WORDS, 5, kind=kind, seed=1)  # type: ignore[arg-type]
    c = random_embedding(WORDS, 5, kind=kind, seed=2)  # type: ignore[arg-type]
    assert a.vectors.shape == (12, 5) and a.vectors.dtype == np.float32
    np.testing.assert_array_equal(a.vectors, b.vectors)
    assert not np.allclose(a.vectors, c.vectors)
    assert a.meta["method"] == "random" and a.meta["kind"] == kind
    assert a.meta["seed"] == 1 and a.meta["dim"] == 5 and a.meta["scale"] == 1.0


def test_normal_and_uniform_have_their_scale() -> None:
    words = [f"w{i}" for i in range(2000)]
    normal = random_embedding(words, 50, "normal", scale=0.1, seed=0).vectors
    assert float(normal.std()) == pytest.approx(0.1, rel=0.01)
    assert abs(float(normal.mean())) < 0.002
    uniform = random_embedding(words, 50, "uniform", scale=0.3, seed=0).vectors
    assert float(np.abs(uniform).max()) <= 0.3
    assert float(uniform.std()) == pytest.approx(0.3 / np.sqrt(3), rel=0.01)


def test_xavier_stays_within_its_bound() -> None:
    V, d = 300, 20
    m = random_embedding([f"w{i}" for i in range(V)], d, "xavier", seed=0)
    bound = np.sqrt(6.0 / (V + d))
    assert m.meta["bound"] == pytest.approx(bound)
    assert float(np.abs(m.vectors).max()) <= bound
    assert float(np.abs(m.vectors).max()) > 0.99 * bound  # and fills it


@pytest.mark.parametrize(("V", "d"), [(4, 10), (10, 10), (12, 5)])
@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_orthogonal_rows_or_columns_are_orthonormal(V: int, d: int, scale: float) -> None:
    W = random_embedding([f"w{i}" for i in range(V)], d, "orthogonal", scale, seed=7).vectors
    W = W.astype(np.float64)
    if d >= V:
        np.testing.assert_allclose(W @ W.T, scale**2 * np.eye(V), atol=1e-5)  # rows
    else:
        np.testing.assert_allclose(W.T @ W, scale**2 * np.eye(d), atol=1e-5)  # columns


def test_recipe_arguments_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"expected normal \| uniform \| xavier \| orthogonal"):
        random_embedding(WORDS, 4, kind="gaussian")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="dim: expected an integer >= 1, received 0"):
        random_embedding(WORDS, 0)
    with pytest.raises(ConfigError, match="scale"):
        random_embedding(WORDS, 3, scale=0.0)
    with pytest.raises(DataError, match="at least one word"):
        onehot([])
    with pytest.raises(DataError, match="appears twice"):
        random_embedding(["a", "a"], 3)
