"""Helpers for the embedding tests: small files and a synthetic two-topic corpus."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from rnnlab.embeddings import EmbeddingMatrix

GROUP_A = ["apple", "banana", "cherry", "grape", "lemon"]
GROUP_B = ["car", "bus", "train", "plane", "boat"]


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """write(name, content) -> path of a new file in tmp_path (str as UTF-8, bytes as is)."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    return _write


def two_topic_sentences(n: int = 400, length: int = 8, seed: int = 0) -> list[list[str]]:
    """Sentences drawn only from GROUP_A's words or only from GROUP_B's, alternately."""
    rng = np.random.default_rng(seed)
    groups = (GROUP_A, GROUP_B)
    return [list(rng.choice(groups[i % 2], size=length)) for i in range(n)]


def nearest_in_own_group(matrix: EmbeddingMatrix) -> dict[str, str]:
    """For every topic word, its nearest neighbour (by cosine) among the topic words."""
    words = GROUP_A + GROUP_B
    unit = matrix.normalized()
    X = np.stack([unit.vector(w) for w in words])  # (10, d)
    sims = X @ X.T
    np.fill_diagonal(sims, -np.inf)
    return {w: words[int(np.argmax(sims[i]))] for i, w in enumerate(words)}


def same_group(a: str, b: str) -> bool:
    return (a in GROUP_A) == (b in GROUP_A)


@pytest.fixture
def small() -> EmbeddingMatrix:
    """Four words in 3-D with exactly representable values."""
    vectors = np.array(
        [[0.5, -1.25, 2.0], [1.0, 0.0, -0.5], [-3.0, 0.125, 0.25], [0.0, 4.0, 1.5]],
        dtype=np.float32,
    )
    return EmbeddingMatrix(["the", "Cat", "naïve", "x-ray!"], vectors, {"method": "test"})
