"""Looking at an embedding: nearest neighbours, analogies, a 2-D map, coverage, summary.

Similarity is the cosine ``cos(u, v) = u . v / (|u| |v|)``. Zero rows (words a recipe
left out, ``<pad>``) have no direction and are never offered as answers, nor are
``<pad>`` and ``<unk>``. Ties are broken by row order, so every answer is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from rnnlab.data.vocab import PAD, UNK, Vocab
from rnnlab.embeddings.matrix import EmbeddingMatrix, match_tokens
from rnnlab.embeddings.ppmi import fix_signs
from rnnlab.errors import ConfigError, DataError

ProjectionMethod = Literal["pca", "tsne"]
PROJECTIONS: tuple[str, ...] = ("pca", "tsne")
HIDDEN = (PAD, UNK)
N_EXAMPLES = 10


def neighbours(matrix: EmbeddingMatrix, word: str, k: int = 10) -> list[tuple[str, float]]:
    """The `k` words most cosine-similar to `word` (not itself), best first, with cosines."""
    _check_k(k)
    unit = matrix.normalized().vectors  # (V, d), rows of norm 1 or 0
    query = unit[_nonzero_row(matrix, unit, word)]
    scores = unit @ query  # (V,) cosines
    return _top(matrix, unit, scores, k, exclude={word})


def analogy(matrix: EmbeddingMatrix, a: str, b: str, c: str, k: int = 5) -> list[tuple[str, float]]:
    """Words closest to ``a - b + c`` (3CosAdd), e.g. king - man + woman -> queen.

    With unit vectors u: target t = u_a - u_b + u_c; the answer maximises cos(u_x, t) =
    u_x . t / |t| over the words x other than a, b, c. Returns the best `k` with cosines.
    """
    _check_k(k)
    unit = matrix.normalized().vectors
    u_a, u_b, u_c = (unit[_nonzero_row(matrix, unit, w)] for w in (a, b, c))
    target = u_a - u_b + u_c  # (d,)
    norm = float(np.linalg.norm(target))
    if norm == 0:
        raise DataError(f"analogy: {a} - {b} + {c} is the zero vector; no direction to compare")
    return _top(matrix, unit, unit @ target / norm, k, exclude={a, b, c})


def project_2d(
    matrix: EmbeddingMatrix,
    words: Sequence[str] | None = None,
    method: ProjectionMethod = "pca",
    seed: int = 0,
    max_words: int = 300,
    normalize: bool = True,
    highlight: Sequence[str] | None = None,
) -> dict[str, Any]:
    """2-D coordinates of words for a scatter plot.

    normalize: project unit-length rows (the cosine geometry that neighbours use), so
    that rare words with small norms do not all collapse near the origin.

    words: the words to place; by default the `max_words` most frequent (``meta["counts"]``)
    or else the first `max_words`, leaving out ``<pad>``, ``<unk>`` and zero rows.
    highlight: words to mark on that map (added to it when not among the placed words);
    ``highlight`` in the result flags them, one bool per placed word. The projection is
    the map's, so the marked words sit where they are among the others.
    pca: with X the (n, d) vectors and Xc = X - mean, Xc = U S V^T; the coordinates are
    Xc v_1 and Xc v_2 (each v_j's largest-magnitude entry made positive, so the picture never
    flips), and ``explained_variance`` holds the fractions s_j^2 / sum_i s_i^2 of the total
    variance. tsne: scikit-learn's t-SNE (cosine metric, PCA init, seeded).
    Returns ``{"words", "x", "y", "method"}`` (+ ``explained_variance`` for pca).
    """
    if method not in PROJECTIONS:
        raise ConfigError(f"method: expected {' | '.join(PROJECTIONS)}, received {method!r}")
    rows = _chosen_rows(matrix, words, max_words)
    marked = [matrix.index(w) for w in highlight or []]  # an unknown word: DataError
    rows += [i for i in dict.fromkeys(marked) if i not in rows]
    if len(rows) < 2:
        raise DataError(f"project_2d: expected at least 2 words to place, received {len(rows)}")
    X = matrix.vectors[rows].astype(np.float64)  # (n, d)
    if normalize:
        X = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    result: dict[str, Any] = {
        "words": [matrix.words[i] for i in rows],
        "method": method,
        "normalized": normalize,
    }
    if highlight:
        result["highlight"] = [i in set(marked) for i in rows]
    if method == "pca":
        coords, explained = pca_2d(X)
        result["explained_variance"] = explained
    else:
        coords = _tsne(X, seed)
        result["seed"] = seed
    result["x"], result["y"] = coords[:, 0].tolist(), coords[:, 1].tolist()
    return result


def pca_2d(X: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """(n, 2) coordinates on the first two principal axes, and their variance fractions."""
    Xc = X - X.mean(axis=0)  # (n, d) centred
    _, S, Vt = np.linalg.svd(Xc, full_matrices=False)
    axes = fix_signs(Vt.T)[:, :2]  # (d, <=2) principal directions, deterministic signs
    coords = np.zeros((len(X), 2))
    coords[:, : axes.shape[1]] = Xc @ axes
    total = float((S**2).sum())
    explained = [float(s**2 / total) if total > 0 else 0.0 for s in S[:2]]
    return coords, explained + [0.0] * (2 - len(explained))


def _tsne(X: np.ndarray, seed: int) -> np.ndarray:
    try:
        from sklearn.manifold import TSNE
    except ImportError:
        raise ConfigError(
            "method 'tsne' needs scikit-learn, which is not installed: "
            "pip install scikit-learn, or use method 'pca'"
        ) from None
    perplexity = min(30.0, max(1.0, (len(X) - 1) / 3.0))  # t-SNE needs perplexity < n
    tsne = TSNE(
        n_components=2, perplexity=perplexity, init="pca", learning_rate="auto",
        metric="cosine", random_state=seed,
    )  # fmt: skip
    return np.asarray(tsne.fit_transform(X), dtype=np.float64)


def coverage(matrix: EmbeddingMatrix, vocab: Vocab | Sequence[str]) -> dict[str, Any]:
    """How much of `vocab` the embedding covers: ``EmbeddingMatrix.align``'s report."""
    tokens = list(vocab.tokens) if isinstance(vocab, Vocab) else list(vocab)
    _, report = match_tokens(matrix, tokens)
    report["missing_rule"] = None
    return report


def info(matrix: EmbeddingMatrix) -> dict[str, Any]:
    """A summary: size, dimension, origin, row norms, zero rows, example words."""
    norms = np.linalg.norm(matrix.vectors.astype(np.float64), axis=1)  # (V,)
    meta = matrix.meta
    return {
        "V": len(matrix),
        "d": matrix.dim,
        "method": meta.get("method"),
        "source": meta.get("source"),
        "format": meta.get("format"),
        "norm_mean": float(norms.mean()),
        "norm_min": float(norms.min()),
        "norm_max": float(norms.max()),
        "zero_rows": int((norms == 0).sum()),
        "examples": matrix.words[:N_EXAMPLES],
        "parameters": {k: v for k, v in meta.items() if isinstance(v, str | int | float | bool)},
    }


def _top(
    matrix: EmbeddingMatrix, unit: np.ndarray, scores: np.ndarray, k: int, exclude: set[str]
) -> list[tuple[str, float]]:
    """The `k` best-scoring rows among the usable ones, ties by row order."""
    usable = np.abs(unit).sum(axis=1) > 0  # zero rows have no direction
    for word in (*exclude, *HIDDEN):
        if word in matrix:
            usable[matrix.index(word)] = False
    rows = np.flatnonzero(usable)
    best = np.lexsort((rows, -scores[rows]))[:k]
    return [(matrix.words[rows[j]], float(scores[rows[j]])) for j in best]


def _nonzero_row(matrix: EmbeddingMatrix, unit: np.ndarray, word: str) -> int:
    row = matrix.index(word)
    if not unit[row].any():
        raise DataError(f"word {word!r} has a zero vector; it has no cosine similarity")
    return row


def _chosen_rows(matrix: EmbeddingMatrix, words: Sequence[str] | None, max_words: int) -> list[int]:
    if words is not None:
        return [matrix.index(w) for w in words]
    _check_k(max_words, "max_words")
    hidden = {matrix.index(w) for w in HIDDEN if w in matrix}
    nonzero = np.abs(matrix.vectors).sum(axis=1) > 0
    rows = [i for i in range(len(matrix)) if nonzero[i] and i not in hidden]
    counts = matrix.meta.get("counts")
    if isinstance(counts, list) and len(counts) == len(matrix):
        rows.sort(key=lambda i: -counts[i])  # stable: ties keep row order
    return rows[:max_words]


def _check_k(k: int, name: str = "k") -> None:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ConfigError(f"{name}: expected an integer >= 1, received {k!r}")
