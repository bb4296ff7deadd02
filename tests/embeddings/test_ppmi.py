"""PPMI + SVD: counts and PMI values by hand, the SVD's properties, topic separation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from rnnlab.data.vocab import Vocab
from rnnlab.embeddings import cooccurrence, ppmi_matrix, ppmi_svd, truncated_svd
from rnnlab.embeddings import ppmi as ppmi_module
from rnnlab.embeddings.ppmi import fix_signs
from rnnlab.errors import ConfigError, DataError
from tests.embeddings.conftest import nearest_in_own_group, same_group, two_topic_sentences


def test_cooccurrence_counts_by_hand() -> None:
    # "a b a c" and "c b" (ids a=0 b=1 c=2), window 1: pairs a-b, b-a, a-c | c-b.
    C = cooccurrence([np.array([0, 1, 0, 2]), np.array([2, 1])], 3, window=1).toarray()
    np.testing.assert_array_equal(C, [[0, 2, 1], [2, 0, 1], [1, 1, 0]])
    # window 2 adds a-a (both directions) and b-c; pairs never cross sequences.
    C2 = cooccurrence([np.array([0, 1, 0, 2]), np.array([2, 1])], 3, window=2).toarray()
    np.testing.assert_array_equal(C2, [[2, 2, 1], [2, 0, 2], [1, 2, 0]])
    weighted = cooccurrence([np.array([0, 1, 0, 2])], 3, window=2, distance_weighting=True)
    np.testing.assert_allclose(weighted.toarray(), [[1, 2, 1], [2, 0, 0.5], [1, 0.5, 0]])


def test_ppmi_values_by_hand_with_alpha_smoothing() -> None:
    # "a a a a b", window 1: C[a,a] = 6, C[a,b] = C[b,a] = 1; n_a = 7, n_b = 1.
    C = cooccurrence([np.array([0, 0, 0, 0, 1])], 2, window=1)
    np.testing.assert_array_equal(C.toarray(), [[6, 1], [1, 0]])
    M = ppmi_matrix(C, alpha=0.75).toarray()
    # P_0.75(a) = 7^0.75 / (7^0.75 + 1) = 4.30352 / 5.30352 = 0.811445
    # PMI(a, a) = log 6 - log 7 - log 0.811445 = 0.054787   (plain PMI, alpha 1: log 48/49 < 0)
    # PMI(b, a) = log 1 - log 1 - log 0.811445 = 0.208938
    # PMI(a, b) = log 1 - log 7 - log(1 / 5.30352) = -0.277540 -> 0
    assert M[0, 0] == pytest.approx(0.054787, abs=1e-6)
    assert M[1, 0] == pytest.approx(0.208938, abs=1e-6)
    assert M[0, 1] == 0.0 and M[1, 1] == 0.0
    p_a = 7**0.75 / (7**0.75 + 1)
    assert M[0, 0] == pytest.approx(math.log(6) - math.log(7) - math.log(p_a))
    plain = ppmi_matrix(C, alpha=1.0).toarray()
    assert plain[0, 0] == 0.0  # log(6 * 8 / (7 * 7)) < 0 is clipped
    assert plain[0, 1] == pytest.approx(math.log(8 / 7))


def test_two_topics_separate_and_rows_are_u_sqrt_s() -> None:
    sentences = two_topic_sentences()
    vocab = Vocab.build(sentences)
    m = ppmi_svd([vocab.encode(s) for s in sentences], vocab, dim=4, window=3, seed=0)
    assert m.vectors.shape == (len(vocab), 4) and m.words == list(vocab.tokens)
    for word, nearest in nearest_in_own_group(m).items():
        assert same_group(word, nearest), (word, nearest)
    np.testing.assert_array_equal(m.vectors[:2], 0.0)  # <pad>, <unk>
    assert m.meta["method"] == "ppmi-svd" and m.meta["solver"] == "dense"
    assert m.meta["alpha"] == 0.75 and m.meta["window"] == 3 and m.meta["min_count"] == 1
    S = np.array(m.meta["singular_values"])
    np.testing.assert_allclose(np.linalg.norm(m.vectors, axis=0) ** 2, S, rtol=1e-5)


def test_ppmi_svd_is_deterministic_and_min_count_zeroes_rare_words() -> None:
    words = ["<pad>", "<unk>", "a", "b", "c", "d", "rare"]
    rng = np.random.default_rng(0)
    seqs = [rng.integers(2, 6, size=10) for _ in range(50)] + [np.array([2, 6, 3])]
    first = ppmi_svd(seqs, words, dim=3, window=2, min_count=2)
    again = ppmi_svd(seqs, words, dim=3, window=2, min_count=2)
    np.testing.assert_array_equal(first.vectors, again.vectors)
    np.testing.assert_array_equal(first.vectors[6], 0.0)  # "rare" occurs once
    assert first.meta["counts"][6] == 1
    for j in range(3):  # signs: each column's largest |entry| is positive
        column = first.vectors[:, j]
        assert column[np.argmax(np.abs(column))] > 0


def test_dim_is_capped_with_a_note() -> None:
    m = ppmi_svd([np.array([0, 1, 2, 0, 2, 1])], ["a", "b", "c"], dim=10, window=1)
    assert m.dim == 3 and m.meta["dim_requested"] == 10
    assert "dim capped at 3" in m.meta["note"]


def test_sparse_solver_matches_dense_up_to_sign(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ppmi_module, "DENSE_SVD_MAX", 50)  # take the ARPACK path at n = 300
    rng = np.random.default_rng(1)
    A = rng.random((300, 300))
    A[A < 0.95] = 0.0
    M = sp.csr_matrix(A + A.T)
    U_sparse, S_sparse, solver = truncated_svd(M, 3, seed=0)
    assert solver == "svds"
    U_dense, S_dense, _ = np.linalg.svd(M.toarray())
    np.testing.assert_allclose(S_sparse, S_dense[:3], rtol=1e-8)
    np.testing.assert_allclose(U_sparse, fix_signs(U_dense[:, :3]), atol=1e-8)
    U_again, _, _ = truncated_svd(M, 3, seed=5)
    np.testing.assert_allclose(U_sparse, U_again, atol=1e-8)  # fixed signs, any start


def test_ppmi_svd_errors() -> None:
    with pytest.raises(DataError, match=r"token id 5 is outside the vocabulary \(ids 0..2\)"):
        ppmi_svd([np.array([0, 5])], ["a", "b", "c"], dim=2)
    with pytest.raises(DataError, match="no pair of words has a positive PMI"):
        ppmi_svd([np.array([0]), np.array([1])], ["a", "b"], dim=2)
    with pytest.raises(ConfigError, match="window"):
        ppmi_svd([np.array([0, 1])], ["a", "b"], dim=2, window=0)
    with pytest.raises(ConfigError, match="alpha"):
        ppmi_svd([np.array([0, 1])], ["a", "b"], dim=2, alpha=0.0)
