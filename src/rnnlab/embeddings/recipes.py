"""Recipes for embedding matrices: one-hot, random initialisations, PPMI+SVD, word2vec.

Each recipe returns an ``EmbeddingMatrix`` whose ``meta`` records the method and every
parameter, so that the same call gives the same matrix again (everything is seeded).

    onehot             E = I_V: word i is the unit vector e_i (d = V)
    random_embedding   normal N(0, s^2) | uniform U(-s, s) | xavier U(-a, a),
                       a = s * sqrt(6 / (V + d)) | orthogonal (orthonormal rows or columns) * s
    ppmi_svd           positive PMI of window co-occurrences, truncated SVD (see ``ppmi.py``)
    word2vec           skip-gram with negative sampling, trained by gensim
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from rnnlab.data.vocab import Vocab
from rnnlab.embeddings.matrix import EmbeddingMatrix
from rnnlab.embeddings.ppmi import ppmi_svd
from rnnlab.errors import ConfigError, DataError

RandomKind = Literal["normal", "uniform", "xavier", "orthogonal"]
RANDOM_KINDS: tuple[str, ...] = ("normal", "uniform", "xavier", "orthogonal")
ONEHOT_MAX_WORDS = 20_000  # 20k x 20k float32 is 1.6 GB
ProgressFn = Callable[[str, float], None]

__all__ = ["RANDOM_KINDS", "onehot", "ppmi_svd", "random_embedding", "word2vec"]


def onehot(words: Sequence[str] | Vocab) -> EmbeddingMatrix:
    """The one-hot encoding: word i is e_i, so E = I_V and d = V.

    With words A, B, C: A = [1, 0, 0], B = [0, 1, 0], C = [0, 0, 1]. Every row is a unit
    vector and any two rows are orthogonal: no word is more similar to one word than to
    another. (``<pad>`` gets its own unit vector too; a model masks padding anyway.)
    """
    words = _word_list(words)
    if len(words) > ONEHOT_MAX_WORDS:
        raise ConfigError(
            f"onehot: {len(words)} words would make a {len(words)} x {len(words)} matrix; "
            f"expected at most {ONEHOT_MAX_WORDS} words (use a dense embedding instead)"
        )
    vectors = np.eye(len(words), dtype=np.float32)
    return EmbeddingMatrix(words, vectors, {"method": "onehot", "dim": len(words)})


def random_embedding(
    words: Sequence[str] | Vocab,
    dim: int,
    kind: RandomKind = "normal",
    scale: float = 1.0,
    seed: int = 0,
) -> EmbeddingMatrix:
    """A seeded random (V, dim) matrix.

    - normal: entries N(0, scale^2).
    - uniform: entries U(-scale, scale).
    - xavier (Glorot uniform): entries U(-a, a), a = scale * sqrt(6 / (V + d)); with
      scale = 1 the variance a^2 / 3 = 2 / (V + d) balances the two fan sizes.
    - orthogonal: the Q of the QR decomposition of a seeded Gaussian (max(V,d), min(V,d))
      matrix, columns multiplied by sign(diag R) (this makes Q uniformly distributed),
      transposed when V <= d; times scale. So W W^T = scale^2 I (orthonormal rows) when
      V <= d, and W^T W = scale^2 I (orthonormal columns) when V > d.
    """
    words = _word_list(words)
    _check_dim(dim)
    if kind not in RANDOM_KINDS:
        raise ConfigError(f"kind: expected {' | '.join(RANDOM_KINDS)}, received {kind!r}")
    if not (np.isfinite(scale) and scale > 0):
        raise ConfigError(f"scale: expected a positive number, received {scale!r}")
    rng = np.random.default_rng(seed)
    V = len(words)
    meta: dict[str, Any] = {"method": "random", "kind": kind, "dim": dim, "scale": scale}
    meta["seed"] = seed
    if kind == "normal":
        W = rng.normal(0.0, scale, size=(V, dim))
    elif kind == "uniform":
        W = rng.uniform(-scale, scale, size=(V, dim))
    elif kind == "xavier":
        meta["bound"] = bound = float(scale * np.sqrt(6.0 / (V + dim)))
        W = rng.uniform(-bound, bound, size=(V, dim))
    else:
        W = scale * _orthogonal(V, dim, rng)
        meta["orthonormal"] = "rows" if dim >= V else "columns"
    return EmbeddingMatrix(words, W.astype(np.float32), meta)


def _orthogonal(V: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """(V, d) float64 with orthonormal rows (V <= d) or orthonormal columns (V > d)."""
    A = rng.standard_normal((max(V, d), min(V, d)))
    Q, R = np.linalg.qr(A)  # Q (max, min) with orthonormal columns
    signs = np.sign(np.diag(R))
    signs[signs == 0] = 1.0
    Q = Q * signs  # column j times sign(R_jj): a unique, uniformly distributed Q
    return Q.T if d >= V else Q


def word2vec(
    sentences: Sequence[Sequence[str]],
    dim: int,
    window: int = 5,
    min_count: int = 1,
    negative: int = 5,
    epochs: int = 5,
    seed: int = 0,
    sg: int = 1,
    sample: float = 1e-3,
    progress: ProgressFn | None = None,
) -> EmbeddingMatrix:
    """Word vectors trained by gensim's Word2Vec (Mikolov et al. 2013).

    Skip-gram (sg=1; sg=0 is CBOW) with negative sampling: for a centre word w and a
    context word c within `window`, and `negative` words n_j drawn from the unigram
    distribution raised to 3/4, it maximises
    ``log sigma(v_c' . v_w) + sum_j log sigma(-v_{n_j}' . v_w)``; the rows are the v_w.
    `sample` downsamples frequent words (0 turns it off). One worker thread and a fixed
    seed make the result reproducible. Rows follow gensim's vocabulary order (descending
    frequency); ``meta["counts"]`` holds the frequencies. `progress(stage, fraction)` is
    called after each epoch.
    """
    _check_dim(dim)
    _check_positive(window=window, min_count=min_count, negative=negative, epochs=epochs)
    _check_word2vec(sg, sample)
    Word2Vec, callbacks = _gensim(epochs, progress)
    sentences = [list(s) for s in sentences]
    if not any(sentences):
        raise DataError("word2vec: expected sentences with words, received none")
    model = Word2Vec(
        vector_size=dim, window=window, min_count=min_count, negative=negative, hs=0,
        sg=sg, sample=sample, seed=seed, workers=1, epochs=epochs,
    )  # fmt: skip
    model.build_vocab(sentences)
    if len(model.wv) == 0:
        raise DataError(f"word2vec: no word occurs at least min_count={min_count} times")
    model.train(sentences, total_examples=model.corpus_count, epochs=epochs, callbacks=callbacks)
    wv = model.wv
    meta = {
        "method": "word2vec", "dim": dim, "window": window, "min_count": min_count,
        "negative": negative, "epochs": epochs, "seed": seed, "sg": sg, "sample": sample,
        "workers": 1, "counts": [int(wv.get_vecattr(w, "count")) for w in wv.index_to_key],
    }  # fmt: skip
    return EmbeddingMatrix(list(wv.index_to_key), np.array(wv.vectors, dtype=np.float32), meta)


def _check_word2vec(sg: int, sample: float) -> None:
    if sg not in (0, 1):
        raise ConfigError(f"sg: expected 1 (skip-gram) or 0 (CBOW), received {sg!r}")
    if not 0 <= sample < 1:
        raise ConfigError(f"sample: expected 0 <= sample < 1 (0: off), received {sample!r}")


def _gensim(epochs: int, progress: ProgressFn | None) -> tuple[Any, list[Any]]:
    """gensim's Word2Vec class and the epoch callbacks (imported here: gensim is heavy)."""
    try:
        from gensim.models import Word2Vec
        from gensim.models.callbacks import CallbackAny2Vec
    except ImportError:
        raise ConfigError(
            "word2vec needs gensim, which is not installed: pip install 'gensim>=4.3' "
            "(or use method ppmi-svd, which needs only scipy)"
        ) from None
    if progress is None:
        return Word2Vec, []

    class _Epochs(CallbackAny2Vec):  # type: ignore[misc]
        def __init__(self) -> None:
            self.done = 0

        def on_epoch_end(self, model: Any) -> None:
            self.done += 1
            progress(f"word2vec epoch {self.done}/{epochs}", self.done / epochs)

    return Word2Vec, [_Epochs()]


def _word_list(words: Sequence[str] | Vocab) -> list[str]:
    listed = list(words.tokens) if isinstance(words, Vocab) else list(words)
    if not listed:
        raise DataError("words: expected at least one word, received none")
    return listed


def _check_dim(dim: int) -> None:
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 1:
        raise ConfigError(f"dim: expected an integer >= 1, received {dim!r}")


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ConfigError(f"{name}: expected an integer >= 1, received {value!r}")
