"""Count-based word vectors: window co-occurrences, positive PMI, truncated SVD.

Co-occurrence counts (symmetric, sparse): ``C[w, c]`` is the number of times word c
occurs within `window` tokens of word w, on either side, inside one sequence (with
``distance_weighting`` a pair k tokens apart adds 1/k instead of 1, as GloVe does).
Counting is O(tokens x window) and stays sparse.

PMI with context-distribution smoothing (Levy, Goldberg & Dagan 2015)::

    D = sum_{w,c} C[w,c]     n_w = sum_c C[w,c]     P_alpha(c) = n_c^alpha / sum_c' n_c'^alpha
    PMI(w, c) = log( (C[w,c] / D) / ((n_w / D) P_alpha(c)) )
              = log C[w,c] - log n_w - log P_alpha(c)
    PPMI(w, c) = max(PMI(w, c), 0)      (0 where C[w,c] = 0)

alpha = 0.75 raises the probability of rare contexts, which tames PMI's bias towards
them; alpha = 1 is plain PMI. The word vectors are the rows of ``U_k sqrt(S_k)`` where
``PPMI ~= U_k S_k V_k^T`` is the rank-k truncated SVD (the symmetric weighting of the
singular values); each singular vector's sign is fixed so that its largest-magnitude
entry is positive, so the result does not depend on the solver's sign choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds

from rnnlab.data.vocab import PAD, UNK, Vocab
from rnnlab.embeddings.matrix import EmbeddingMatrix
from rnnlab.errors import ConfigError, DataError

DENSE_SVD_MAX = 2000  # up to this many active words a dense SVD is fast and exact


def cooccurrence(
    sequences: Sequence[np.ndarray | Sequence[int]],
    vocab_size: int,
    window: int = 5,
    distance_weighting: bool = False,
    exclude: np.ndarray | None = None,
) -> sp.csr_matrix:
    """The symmetric (V, V) co-occurrence counts C of token-id sequences (float64 CSR).

    Pairs never cross from one sequence into the next. `exclude`, a (V,) bool mask, drops
    every pair that involves an excluded id (the ids still take up their positions).
    """
    _check_int("window", window)
    ids, sentence = _concatenate(sequences, vocab_size)
    rows, cols, weights = [], [], []
    for k in range(1, min(window, max(len(ids) - 1, 0)) + 1):
        same = sentence[:-k] == sentence[k:]  # (N - k,) both ends in one sequence
        rows.append(ids[:-k][same])
        cols.append(ids[k:][same])
        weights.append(np.full(int(same.sum()), 1.0 / k if distance_weighting else 1.0))
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    w = np.concatenate(weights) if weights else np.zeros(0)
    if exclude is not None:
        keep = ~(exclude[r] | exclude[c])
        r, c, w = r[keep], c[keep], w[keep]
    forward = sp.coo_matrix((w, (r, c)), shape=(vocab_size, vocab_size)).tocsr()
    return (forward + forward.T).tocsr()  # c after w, and w before c: both directions


def ppmi_matrix(counts: sp.spmatrix, alpha: float = 0.75) -> sp.csr_matrix:
    """Positive PMI of co-occurrence counts, with context smoothing `alpha` (module doc)."""
    if not (np.isfinite(alpha) and alpha > 0):
        raise ConfigError(f"alpha: expected a positive number (0.75, or 1 for none), got {alpha!r}")
    C = sp.csr_matrix(counts, dtype=np.float64)
    row_sums = np.asarray(C.sum(axis=1)).ravel()  # n_w
    col_sums = np.asarray(C.sum(axis=0)).ravel()  # n_c
    smoothed = col_sums**alpha
    total_smoothed = smoothed.sum()
    coo = C.tocoo()
    if coo.nnz == 0:
        return sp.csr_matrix(C.shape, dtype=np.float64)
    log_p_ctx = np.log(smoothed[coo.col]) - np.log(total_smoothed)  # log P_alpha(c)
    pmi = np.log(coo.data) - np.log(row_sums[coo.row]) - log_p_ctx
    keep = pmi > 0
    shape = C.shape
    return sp.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=shape)


def ppmi_svd(
    sequences: Sequence[np.ndarray | Sequence[int]],
    words: Sequence[str] | Vocab,
    dim: int,
    window: int = 5,
    seed: int = 0,
    alpha: float = 0.75,
    min_count: int = 1,
    distance_weighting: bool = False,
) -> EmbeddingMatrix:
    """Word vectors from the truncated SVD of the PPMI matrix (module doc).

    sequences: token-id arrays (ids index `words`); pairs stay inside a sequence.
    Words seen fewer than `min_count` times, ``<pad>`` and ``<unk>`` (ids 0 and 1 of a
    Vocab; found by name) get zero rows, as do words without any positive PMI. The SVD is
    dense for up to 2000 active words, otherwise ``scipy.sparse.linalg.svds`` (ARPACK,
    seeded start vector). When `dim` exceeds the number of active words A, the result has
    A columns and ``meta["note"]`` says so.
    """
    words = list(words.tokens) if isinstance(words, Vocab) else list(words)
    _check_int("dim", dim)
    _check_int("min_count", min_count)
    M, counts = _word_ppmi(sequences, words, window, alpha, min_count, distance_weighting)
    active = np.flatnonzero(M.getnnz(axis=1) > 0)  # words with some positive PMI
    if len(active) == 0:
        raise DataError(
            "ppmi-svd: no pair of words has a positive PMI; expected a corpus where words "
            f"co-occur within window={window} (tokens: {counts.sum()}, min_count={min_count})"
        )
    k = min(dim, len(active))
    U, S, solver = truncated_svd(M[active][:, active], k, seed)
    vectors = np.zeros((len(words), k), dtype=np.float32)
    vectors[active] = (U * np.sqrt(S)).astype(np.float32)  # U_k sqrt(S_k)
    meta: dict[str, Any] = {
        "method": "ppmi-svd", "dim": k, "dim_requested": dim, "window": window,
        "alpha": alpha, "min_count": min_count, "seed": seed,
        "distance_weighting": distance_weighting, "solver": solver,
        "tokens": int(counts.sum()), "active_words": len(active), "ppmi_nonzero": int(M.nnz),
        "singular_values": [float(s) for s in S], "counts": [int(n) for n in counts],
    }  # fmt: skip
    if k < dim:
        meta["note"] = (
            f"dim {dim} was requested but only {len(active)} words have co-occurrences, so "
            f"the SVD has at most {len(active)} dimensions: dim capped at {k}"
        )
    return EmbeddingMatrix(words, vectors, meta)


def _word_ppmi(
    sequences: Sequence[np.ndarray | Sequence[int]],
    words: list[str],
    window: int,
    alpha: float,
    min_count: int,
    distance_weighting: bool,
) -> tuple[sp.csr_matrix, np.ndarray]:
    """The (V, V) PPMI matrix without rare words, <pad> and <unk>; and the (V,) counts."""
    ids, _ = _concatenate(sequences, len(words))
    counts = np.bincount(ids, minlength=len(words))  # (V,) token frequencies
    exclude = counts < min_count
    exclude[[i for i, w in enumerate(words) if w in (PAD, UNK)]] = True
    C = cooccurrence(sequences, len(words), window, distance_weighting, exclude)
    return ppmi_matrix(C, alpha), counts


def truncated_svd(M: sp.spmatrix, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, str]:
    """(U_k (n, k), S_k (k,) descending, solver) of the rank-k SVD, with fixed signs.

    Dense LAPACK for small matrices (or k close to n, which ARPACK cannot do), otherwise
    ARPACK through ``svds`` with a start vector drawn from `seed`.
    """
    n = min(M.shape)
    if n <= DENSE_SVD_MAX or k >= n - 1:
        U, S, _ = np.linalg.svd(M.toarray(), full_matrices=False)
        U, S, solver = U[:, :k], S[:k], "dense"
    else:
        v0 = np.random.default_rng(seed).uniform(-1.0, 1.0, size=n)
        U, S, _ = svds(sp.csr_matrix(M, dtype=np.float64), k=k, v0=v0, solver="arpack")
        order = np.argsort(-S, kind="stable")
        U, S, solver = U[:, order], S[order], "svds"
    return fix_signs(U), S, solver


def fix_signs(U: np.ndarray) -> np.ndarray:
    """Flip each column so that its largest-magnitude entry is positive."""
    pivot = np.argmax(np.abs(U), axis=0)  # (k,) first row of the largest |entry|
    signs = np.sign(U[pivot, np.arange(U.shape[1])])
    signs[signs == 0] = 1.0
    return U * signs


def _concatenate(
    sequences: Sequence[np.ndarray | Sequence[int]], vocab_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """All ids in one int64 array, and the index of the sequence each id came from."""
    arrays = [np.asarray(s, dtype=np.int64).reshape(-1) for s in sequences]
    ids = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)
    bad = (ids < 0) | (ids >= vocab_size)
    if bad.any():
        raise DataError(
            f"sequences: token id {int(ids[bad][0])} is outside the vocabulary "
            f"(ids 0..{vocab_size - 1})"
        )
    sentence = np.repeat(np.arange(len(arrays)), [len(a) for a in arrays])
    return ids, sentence


def _check_int(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ConfigError(f"{name}: expected an integer >= 1, received {value!r}")
