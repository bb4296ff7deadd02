"""Golden tests of the tagging metrics: every number below is counted by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnnlab.data.tag_data import IGNORE_INDEX
from rnnlab.errors import DataError, ShapeError
from rnnlab.train.tag_metrics import (
    Score,
    bio_spans,
    is_bio,
    report_as_dict,
    score,
    span_report,
    tag_metrics,
    tag_report,
    tag_sequences,
    token_accuracy,
)

P = IGNORE_INDEX
TAGS = ("O", "W", "X", "Y", "Z")  # W occurs nowhere
O, W, X, Y, Z = range(5)
GOLD = np.array([X, X, X, Y, O, O, Z])
PRED = np.array([X, X, O, Y, Y, O, X])


def close(s: Score, precision: float, recall: float, f1: float, support: int) -> bool:
    got = (s.precision, s.recall, s.f1)
    return np.allclose(got, (precision, recall, f1)) and s.support == support


def test_score_definition() -> None:
    assert score(2, 3, 4) == Score(2 / 3, 0.5, 2 * (2 / 3) * 0.5 / (2 / 3 + 0.5), 4)
    assert score(0, 0, 0) == Score(0.0, 0.0, 0.0, 0)


def test_accuracy_ignores_padding() -> None:
    gold = np.array([[X, X], [O, Y], [Y, P], [O, P]])  # (T, B)
    pred = np.array([[X, O], [X, Y], [Y, Y], [O, X]])  # padding positions predicted anyway
    assert token_accuracy(pred, gold) == pytest.approx(4 / 6)
    assert token_accuracy(np.array([[P]]), np.array([[P]])) == 0.0


def test_per_tag_macro_and_micro_without_the_outside_tag() -> None:
    report = tag_report(PRED, GOLD, TAGS)
    per = report["per_tag"]
    assert report["accuracy"] == pytest.approx(4 / 7)
    assert close(per["X"], 2 / 3, 2 / 3, 2 / 3, 3)  # TP 2, predicted 3, gold 3
    assert close(per["Y"], 1 / 2, 1, 2 / 3, 1)  # TP 1, predicted 2, gold 1
    assert close(per["Z"], 0, 0, 0, 1)  # never predicted
    assert close(per["O"], 1 / 2, 1 / 2, 1 / 2, 2)
    assert close(per["W"], 0, 0, 0, 0)
    # macro over X, Y, Z (W is in neither gold nor predictions: left out)
    assert close(report["macro"], 7 / 18, 5 / 9, 4 / 9, 5)
    # micro: TP 2 + 1 + 0, predicted 3 + 2 + 0, gold 3 + 1 + 1
    assert close(report["micro"], 3 / 5, 3 / 5, 3 / 5, 5)


def test_scoring_every_tag() -> None:
    report = tag_report(PRED, GOLD, TAGS, outside=None)
    assert report["macro"].f1 == pytest.approx((1 / 2 + 2 / 3 + 2 / 3 + 0) / 4)
    assert report["micro"].f1 == pytest.approx(4 / 7)  # single-label: micro = accuracy


def test_report_errors() -> None:
    with pytest.raises(ShapeError, match=r"predicted: expected the shape of the target \(7,\)"):
        tag_report(PRED[:3], GOLD, TAGS)
    with pytest.raises(DataError, match=r"predicted: a tag id is outside 0\.\.4"):
        tag_report(np.array([5]), np.array([0]), TAGS)
    with pytest.raises(DataError, match=r"target: a tag id is outside 0\.\.4"):
        tag_report(np.array([0]), np.array([-1]), TAGS)


@pytest.mark.parametrize(
    ("tags", "spans"),
    [
        (["B-PER", "I-PER", "O", "B-LOC"], [("PER", 0, 2), ("LOC", 3, 4)]),
        (["I-LOC", "I-LOC"], [("LOC", 0, 2)]),  # I- without B- starts a span
        (["O", "I-PER", "O"], [("PER", 1, 2)]),
        (["B-PER", "I-LOC"], [("PER", 0, 1), ("LOC", 1, 2)]),  # another type: a new span
        (["B-PER", "B-PER"], [("PER", 0, 1), ("PER", 1, 2)]),
        (["I-PER", "B-PER", "I-PER"], [("PER", 0, 1), ("PER", 1, 3)]),
        (["O", "O"], []),
        (["B-A-B", "I-A-B"], [("A-B", 0, 2)]),
    ],
)
def test_bio_spans_conlleval_style(tags: list[str], spans: list[tuple[str, int, int]]) -> None:
    assert bio_spans(tags) == spans


def test_bio_spans_refuse_other_tags() -> None:
    with pytest.raises(DataError, match="tag 2 is 'X'; expected O, B-TYPE or I-TYPE"):
        bio_spans(["O", "X"])
    with pytest.raises(DataError, match="tag 1 is 'B-'"):
        bio_spans(["B-"])
    assert is_bio(["O", "B-A", "I-A"]) and not is_bio(["O"]) and not is_bio(["O", "，"])


def test_span_report() -> None:
    gold = [["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "I-LOC", "O", "B-PER"], ["B-LOC"]]
    pred = [["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O", "O", "I-PER"], ["I-LOC"]]
    report = span_report(pred, gold)
    # right: PER 0-2, PER 7-8, LOC 0-1 of sentence 2; LOC 3-5 is not LOC 3-6
    assert close(report["overall"], 3 / 4, 3 / 4, 3 / 4, 4)
    assert close(report["per_type"]["PER"], 1, 1, 1, 2)
    assert close(report["per_type"]["LOC"], 1 / 2, 1 / 2, 1 / 2, 2)
    # spans never run from one sentence into the next
    assert span_report([["I-A"], ["I-A"]], [["B-A"], ["B-A"]])["overall"].f1 == 1.0
    with pytest.raises(ShapeError, match="expected 2 sentences, received 1"):
        span_report(pred[:1], gold)
    with pytest.raises(ShapeError, match="sentence 2: 2 predicted tags for 1 tokens"):
        span_report([pred[0], ["O", "O"]], gold)


def test_tag_sequences_cut_padding() -> None:
    gold = np.array([[1, 0], [2, P]])  # (T, B)
    pred = np.array([[1, 2], [0, 1]])
    assert tag_sequences(pred, gold, ["O", "B-A", "I-A"]) == [["B-A", "O"], ["I-A"]]
    with pytest.raises(ShapeError, match=r"ids: expected a \(T, B\) array"):
        tag_sequences(pred[0], gold, ["O", "B-A", "I-A"])


def test_tag_metrics_for_the_trainer() -> None:
    tags = ["B-PER", "I-PER", "O"]
    gold = np.array([[0, 2], [1, 0], [2, P]])  # (T, B): [B-PER I-PER O], [O B-PER]
    pred = np.array([[0, 2], [2, 0], [2, 1]])  # [B-PER O O], [O B-PER]
    metrics = tag_metrics(2.5, pred, gold, tags)
    assert metrics["val_loss"] == pytest.approx(2.5 / 5)
    assert metrics["val_accuracy"] == pytest.approx(4 / 5)
    # B-PER: TP 2, predicted 2, gold 2 -> 1; I-PER: TP 0, gold 1 -> 0
    assert metrics["val_f1"] == pytest.approx(0.5)
    assert metrics["val_micro_f1"] == pytest.approx(2 * (2 / 2) * (2 / 3) / (1 + 2 / 3))
    # spans: gold PER 0-2 and PER 1-2; predicted PER 0-1 and PER 1-2
    assert metrics["val_span_f1"] == pytest.approx(0.5)
    plain = tag_metrics(0.0, np.array([0, 1]), np.array([0, 0]), ["O", "，"])
    assert "val_span_f1" not in plain and plain["val_f1"] == 0.0


def test_reports_as_json() -> None:
    plain = report_as_dict(tag_report(PRED, GOLD, TAGS))
    assert json.loads(json.dumps(plain)) == plain
    assert plain["per_tag"]["Y"] == {"precision": 0.5, "recall": 1.0, "f1": 2 / 3, "support": 1}
    assert plain["accuracy"] == pytest.approx(4 / 7)
    spans = report_as_dict(span_report([["B-A"]], [["B-A"]]))
    assert spans["per_type"]["A"]["f1"] == 1.0
