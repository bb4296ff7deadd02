"""EmbeddingMatrix: a list of words and their vectors, one row per word.

An embedding matrix ``E`` (V x d) holds one row per word: the vector of word ``w`` is
``e_w = E[index(w)]``, a d-vector (stored as float32). Cosine similarity, used by the
inspection tools, is ``cos(u, v) = u . v / (|u| |v|)``; ``normalized()`` divides every
row by its L2 norm so that cosines become plain dot products.

``align`` turns an embedding (from a file or a recipe) into the ``(len(vocab), d)``
matrix a model's embedding layer starts from: row ``i`` is the vector of the vocabulary's
token ``i``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from rnnlab.data.tokenize import EOS
from rnnlab.data.vocab import PAD, UNK, Vocab
from rnnlab.errors import ConfigError, DataError, ShapeError

MissingRule = Literal["random", "zeros", "mean"]
MISSING_RULES: tuple[str, ...] = ("random", "zeros", "mean")
SPECIAL_TOKENS: tuple[str, ...] = (PAD, UNK, EOS)
MAX_EXAMPLES = 20


@dataclass(eq=False, repr=False)
class EmbeddingMatrix:
    """Words and their vectors: ``vectors[i]`` is the vector of ``words[i]``.

    words: V distinct non-empty strings.
    vectors: (V, d) finite numbers, stored as float32.
    meta: where the matrix comes from (``method`` and its parameters, or ``source`` and
    ``format`` for a file); optionally ``counts`` (V corpus frequencies).
    """

    words: list[str]
    vectors: np.ndarray  # (V, d) float32
    meta: dict[str, Any] = field(default_factory=dict)
    _ids: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.words = list(self.words)
        self.vectors = _check_vectors(self.vectors, len(self.words))
        self._ids = _index_words(self.words)
        _check_finite(self.vectors, self.words)
        self.meta = dict(self.meta)

    def __repr__(self) -> str:
        method = self.meta.get("method") or self.meta.get("format") or "?"
        return f"EmbeddingMatrix(V={len(self)}, d={self.dim}, method={method!r})"

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._ids

    @property
    def dim(self) -> int:
        """d, the length of each vector."""
        return int(self.vectors.shape[1])

    def index(self, word: str) -> int:
        """The row of `word` (DataError when the embedding does not have it)."""
        row = self._ids.get(word)
        if row is None:
            raise DataError(f"word {word!r} is not in the embedding ({len(self)} words)")
        return row

    def vector(self, word: str) -> np.ndarray:
        """A copy of the d-vector of `word`."""
        return self.vectors[self.index(word)].copy()

    def normalized(self) -> EmbeddingMatrix:
        """A new matrix with every row divided by its L2 norm (zero rows stay zero)."""
        norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)  # (V, 1)
        unit = np.divide(
            self.vectors, norms, out=np.zeros_like(self.vectors), where=norms > 0
        ).astype(np.float32)
        return EmbeddingMatrix(self.words, unit, {**self.meta, "normalized": True})

    def align(
        self,
        vocab: Vocab | Sequence[str],
        missing: MissingRule = "random",
        seed: int = 0,
        scale: float | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """The (len(vocab), d) float32 matrix for `vocab`, and a coverage report.

        Row i is the vector of the vocabulary's token i, looked up exact first, then by
        lower case (``token.lower()``, then any embedding word equal ignoring case, the
        first in the embedding's order). ``<pad>`` gets zeros. Tokens not found get
        ``missing``:

        - random: N(0, s^2) entries with s = `scale`, or else the standard deviation of
          all entries of the found vectors (1/sqrt(d) when none is found); seeded.
        - zeros: zero rows.
        - mean: the mean of the found vectors (zeros when none is found).

        ``<unk>`` and ``<eos>`` take the embedding's vector when it has that exact token
        and otherwise the missing rule; like ``<pad>`` they are not counted in the report:
        ``coverage = found / (vocab_size - specials)``.
        """
        if missing not in MISSING_RULES:
            raise ConfigError(
                f"missing: expected {' | '.join(MISSING_RULES)}, received {missing!r}"
            )
        if scale is not None and not (np.isfinite(scale) and scale > 0):
            raise ConfigError(f"scale: expected a positive number or None, received {scale!r}")
        tokens = _tokens_of(vocab)
        rows, report = match_tokens(self, tokens)
        out = np.zeros((len(tokens), self.dim), dtype=np.float32)  # (V_vocab, d)
        have = rows >= 0
        out[have] = self.vectors[rows[have]]
        fill = ~have & (np.asarray(tokens, dtype=object) != PAD)
        found_rows = self.vectors[rows[have & ~_special_mask(tokens)]]
        out[fill], extra = _fill_rows(int(fill.sum()), found_rows, missing, seed, scale)
        report.update({"missing_rule": missing, "filled": int(fill.sum()), **extra})
        return out, report


def match_tokens(matrix: EmbeddingMatrix, tokens: Sequence[str]) -> tuple[np.ndarray, dict]:
    """For each token its embedding row (-1 when not found), and the coverage report.

    The report: ``vocab_size, specials, found, found_exact, found_lowercase, missing,
    coverage, missing_examples`` (the first 20 missing tokens); ``found`` counts both
    exact and lower-case matches; the special tokens are left out of every count.
    """
    lower = _lowercase_index(matrix.words)
    rows = np.full(len(tokens), -1, dtype=np.int64)
    exact = by_lower = specials = 0
    missing: list[str] = []
    for i, token in enumerate(tokens):
        if token in SPECIAL_TOKENS:
            specials += 1
            if token != PAD and token in matrix:
                rows[i] = matrix.index(token)
            continue
        if token in matrix:
            rows[i], exact = matrix.index(token), exact + 1
            continue
        row = _lowercase_row(matrix, lower, token)
        if row >= 0:
            rows[i], by_lower = row, by_lower + 1
        else:
            missing.append(token)
    ordinary = len(tokens) - specials
    report = {
        "vocab_size": len(tokens),
        "specials": specials,
        "found": exact + by_lower,
        "found_exact": exact,
        "found_lowercase": by_lower,
        "missing": len(missing),
        "coverage": (exact + by_lower) / ordinary if ordinary else 0.0,
        "missing_examples": missing[:MAX_EXAMPLES],
    }
    return rows, report


def _lowercase_row(matrix: EmbeddingMatrix, lower: dict[str, int], token: str) -> int:
    folded = token.lower()
    if folded in matrix:
        return matrix.index(folded)
    return lower.get(folded, -1)


def _lowercase_index(words: list[str]) -> dict[str, int]:
    """lower-cased word -> the first row whose word folds to it."""
    index: dict[str, int] = {}
    for i, word in enumerate(words):
        index.setdefault(word.lower(), i)
    return index


def _fill_rows(
    n: int, found: np.ndarray, rule: str, seed: int, scale: float | None
) -> tuple[np.ndarray, dict[str, Any]]:
    """(n, d) rows for the tokens the embedding lacks, by `rule`; and what was used."""
    d = found.shape[1]
    if rule == "zeros":
        return np.zeros((n, d), dtype=np.float32), {}
    if rule == "mean":
        mean = found.mean(axis=0) if len(found) else np.zeros(d)
        return np.tile(mean, (n, 1)).astype(np.float32), {}
    if scale is not None:
        std = float(scale)
    elif len(found) and float(found.std()) > 0:
        std = float(found.std())
    else:
        std = 1.0 / np.sqrt(d)
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, std, size=(n, d)).astype(np.float32), {"random_std": std}


def _special_mask(tokens: Sequence[str]) -> np.ndarray:
    return np.array([t in SPECIAL_TOKENS for t in tokens], dtype=bool)


def _tokens_of(vocab: Vocab | Sequence[str]) -> list[str]:
    tokens = list(vocab.tokens) if isinstance(vocab, Vocab) else list(vocab)
    if not tokens:
        raise DataError("align: the vocabulary is empty")
    return tokens


def _check_vectors(vectors: Any, n_words: int) -> np.ndarray:
    array = np.asarray(vectors)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)
    ):
        raise DataError(f"embedding vectors: expected real numbers, received dtype {array.dtype}")
    if array.ndim != 2:
        raise ShapeError(
            f"embedding vectors: expected a 2-D array (V, d), received shape {array.shape}"
        )
    if array.shape[0] != n_words:
        raise ShapeError(
            f"embedding vectors: expected {n_words} rows (one per word), received {array.shape[0]}"
        )
    if n_words == 0 or array.shape[1] == 0:
        raise DataError(
            f"embedding: expected at least one word and d >= 1, received shape {array.shape}"
        )
    return np.ascontiguousarray(array, dtype=np.float32)


def _index_words(words: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for i, word in enumerate(words):
        if not isinstance(word, str) or not word:
            raise DataError(f"embedding words: item {i}: expected a non-empty string, got {word!r}")
        if word in ids:
            raise DataError(
                f"embedding words: {word!r} appears twice (rows {ids[word]} and {i}); "
                "expected each word once"
            )
        ids[word] = i
    return ids


def _check_finite(vectors: np.ndarray, words: list[str]) -> None:
    finite = np.isfinite(vectors)
    if not finite.all():
        row = int(np.argwhere(~finite)[0][0])
        raise DataError(
            f"embedding vectors: row {row} (word {words[row]!r}) holds a non-finite value "
            "(nan or inf, or a number too large for float32); expected finite numbers"
        )
