"""The token sampler of generation (rnnlab.predict.sample_tokens): rows at once draw what
rows one by one would, greedy and top-k/top-p keep their meaning, and <pad>/<unk> never come
out. The draws are checked against an inverse-CDF draw written out here on one row."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.data.vocab import PAD_ID, UNK_ID
from rnnlab.predict import sample_token, sample_tokens


def logits_rows(n: int, vocab: int = 9, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 2.0, (n, vocab)).astype(np.float32)


def one_draw(row: np.ndarray, u: float, temperature: float) -> int:
    """The smallest id whose cumulative probability exceeds u (pad and unk excluded)."""
    z = row.astype(np.float64) / temperature
    z[[PAD_ID, UNK_ID]] = -np.inf
    probs = np.exp(z - z.max())
    cumulative = np.cumsum(probs) / probs.sum()
    return int(np.argmax(cumulative > u))


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_each_row_is_an_inverse_cdf_draw_with_its_own_uniform_number(temperature):
    rows = logits_rows(64)
    drawn = sample_tokens(rows, np.random.default_rng(3), temperature)
    uniforms = np.random.default_rng(3).random(64)  # the same stream, one number per row
    assert drawn == [one_draw(r, u, temperature) for r, u in zip(rows, uniforms, strict=True)]


@pytest.mark.parametrize(("top_k", "top_p"), [(None, None), (3, None), (None, 0.6), (4, 0.8)])
def test_rows_at_once_draw_what_rows_one_by_one_draw(top_k, top_p):
    rows = logits_rows(32, seed=1)
    together = sample_tokens(rows, np.random.default_rng(7), 1.3, top_k, top_p)
    rng = np.random.default_rng(7)
    alone = [sample_token(row, rng, 1.3, top_k, top_p) for row in rows]
    assert together == alone


def test_greedy_takes_each_rows_largest_logit_other_than_pad_and_unk():
    rows = logits_rows(16, seed=2)
    rows[:5, PAD_ID] = rows[5:10, UNK_ID] = 100.0  # the largest, but never produced
    expected = [int(np.argmax(np.where(np.arange(9) >= 2, r, -np.inf))) for r in rows]
    assert sample_tokens(rows, np.random.default_rng(0), temperature=0) == expected


def test_top_k_keeps_only_the_k_likeliest_ids():
    rows = logits_rows(200, seed=4)
    drawn = sample_tokens(rows, np.random.default_rng(5), 1.0, top_k=2)
    for row, token in zip(rows, drawn, strict=True):
        ranked = [i for i in np.argsort(-row, kind="stable") if i not in (PAD_ID, UNK_ID)]
        assert token in ranked[:2]


def test_top_p_keeps_the_smallest_set_reaching_the_mass():
    row = np.array([0.0, 0.0, 3.0, 2.9, 0.0, -1.0], dtype=np.float32)  # mass: id 2 0.51, +id 3 0.97
    drawn = sample_tokens(np.repeat(row[None], 300, 0), np.random.default_rng(6), 1.0, top_p=0.8)
    assert set(drawn) == {2, 3}


def test_pad_and_unk_never_come_out_even_when_likeliest():
    rows = np.zeros((500, 5), dtype=np.float32)
    rows[:, [PAD_ID, UNK_ID]] = 50.0
    assert not {PAD_ID, UNK_ID} & set(sample_tokens(rows, np.random.default_rng(8), 1.0))
