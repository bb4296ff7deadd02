"""Sequence-to-sequence metrics: golden values computed by hand, trimming, BLEU's switch."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from rnnlab.data.seq2seq import BOS_ID, EOS_ID
from rnnlab.data.vocab import PAD_ID
from rnnlab.errors import ConfigError, DataError, ShapeError
from rnnlab.train.seq2seq_metrics import (
    bleu,
    columns,
    exact_match,
    seq2seq_scores,
    token_accuracy,
    trim,
)

E, P = EOS_ID, PAD_ID

# Three examples (tokens 4..9 are ordinary):
#   1. prediction 4 5 6 <eos>      reference 4 5 6 <eos>         3 of 3 right, exact
#   2. prediction 4 9 <eos> 7 7    reference 4 5 6 <eos> <pad>   1 of 3 (stops early: 6 missing)
#   3. prediction 7 8 9 9 <eos>    reference 7 8 <eos> <pad>     2 of 2, not exact (too long)
PREDICTIONS = [[4, 5, 6, E], [4, 9, E, 7, 7], [7, 8, 9, 9, E]]
REFERENCES = [[4, 5, 6, E], [4, 5, 6, E, P], [7, 8, E, P]]


def test_golden_exact_match_and_token_accuracy() -> None:
    assert exact_match(PREDICTIONS, REFERENCES) == pytest.approx(1 / 3)
    assert token_accuracy(PREDICTIONS, REFERENCES) == pytest.approx((3 + 1 + 2) / (3 + 3 + 2))
    assert seq2seq_scores(PREDICTIONS, REFERENCES) == {
        "exact_match": pytest.approx(1 / 3),
        "token_accuracy": pytest.approx(0.75),
    }


def test_tokens_after_eos_and_padding_do_not_count() -> None:
    assert trim([BOS_ID, 4, P, 5, E, 6, 7]) == [BOS_ID, 4, 5]
    assert trim([4, 5]) == [4, 5]  # no <eos>: everything
    assert exact_match([[4, 5, E, 9, 9, 9]], [[4, 5, E]]) == 1.0
    assert token_accuracy([[4, P, 5, E]], [[4, 5, E, P, P]]) == 1.0


def test_a_shifted_prediction_scores_by_position() -> None:
    # reference 4 5 6 7; prediction 9 4 5 6 7: every position wrong
    assert token_accuracy([[9, 4, 5, 6, 7, E]], [[4, 5, 6, 7, E]]) == 0.0
    assert token_accuracy([[4, 5, E]], [[4, 5, 6, 7, E]]) == 0.5


def test_time_major_arrays_are_read_column_by_column() -> None:
    predicted = np.array([[4, 7], [5, 8], [E, E]])  # (T, B): "4 5", "7 8"
    reference = np.array([[4, 7], [5, 9], [E, E]])
    assert exact_match(columns(predicted), columns(reference)) == 0.5
    assert token_accuracy(columns(predicted), columns(reference)) == 0.75
    with pytest.raises(ShapeError, match=r"ids: expected a time-major \(T, B\) array, .*\(3,\)"):
        columns(np.array([4, 5, E]))


def test_bad_inputs_name_the_problem() -> None:
    with pytest.raises(ShapeError, match=r"predictions: expected one per reference \(2\), .* 1"):
        exact_match([[4]], [[4], [5]])
    with pytest.raises(DataError, match="references: expected at least one example"):
        token_accuracy([], [])
    with pytest.raises(DataError, match="every reference is empty"):
        token_accuracy([[4, E], [E]], [[E], [P, E]])


def test_bleu_without_sacrebleu_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sacrebleu", None)  # import fails as if not installed
    with pytest.raises(ConfigError, match=r"BLEU needs the sacrebleu package, .* pip install"):
        bleu(["a cat"], ["a cat"])


def test_bleu_passes_the_texts_to_sacrebleu_as_one_reference_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = {}

    def corpus_bleu(hypotheses: list[str], references: list[list[str]], **options) -> object:
        seen["args"] = (hypotheses, references)
        seen["options"] = options
        return types.SimpleNamespace(score=42.5)

    fake = types.ModuleType("sacrebleu")
    fake.corpus_bleu = corpus_bleu  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sacrebleu", fake)
    assert bleu(("the cat", "a dog"), ["the cat", "the dog"]) == 42.5
    assert seen["args"] == (["the cat", "a dog"], [["the cat", "the dog"]])
    assert seen["options"] == {"use_effective_order": True}
    with pytest.raises(ShapeError, match=r"hypotheses: expected one per reference \(2\)"):
        bleu(["x"], ["x", "y"])
