"""The validation pass of a tagger: golden metrics from batches of different lengths, the
tags' confusion probe, and the trainer's evaluation on the toy NER sample."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from rnnlab.data.tagging import TagVocab
from rnnlab.train import build_learner
from rnnlab.train.evaluation import Validation, evaluation_probe, validation_metrics
from rnnlab.train.tag_evaluation import per_tag_scores, side_by_side
from rnnlab.train.trainer import Trainer
from tests.train.conftest import prepared_for, small_config

X = -100  # IGNORE_INDEX: padding
TAGS = TagVocab(["B-PER", "I-PER", "O"])  # ids 0, 1, 2


def _seen() -> Validation:
    """Two batches: T=3 with 2 sentences, T=2 with 1 sentence; 7 real tokens."""
    target_a = np.array([[0, 0], [1, 2], [2, X]])  # sentences: B I O | B O
    predicted_a = np.array([[0, 0], [2, 2], [2, 1]])  #          B O O | B O (pad: I)
    target_b = np.array([[2], [0]])  #                           O B
    predicted_b = np.array([[2], [1]])  #                        O I
    return Validation(7.0, 7, [predicted_a, predicted_b], [target_a, target_b])


def test_golden_tag_metrics_over_batches_of_different_lengths() -> None:
    config = small_config("tag")
    metrics = validation_metrics(_seen(), config, SimpleNamespace(tags=TAGS))
    # real tokens (gold, predicted): (B,B) (I,O) (O,O) (B,B) (O,O) (O,O) (B,I): 5 of 7 right
    assert metrics["val_loss"] == pytest.approx(1.0)
    assert metrics["val_accuracy"] == pytest.approx(5 / 7)
    # B-PER: TP 2, predicted 2, gold 3 -> P 1, R 2/3, F1 0.8; I-PER: TP 0, predicted 1,
    # gold 1 -> F1 0; macro over B-PER and I-PER (O left out) = 0.4
    assert metrics["val_f1"] == pytest.approx(0.4)
    # micro over B, I: TP 2, predicted 3, gold 4 -> P 2/3, R 1/2, F1 4/7
    assert metrics["val_micro_f1"] == pytest.approx(4 / 7)
    # spans: gold PER[0,2) PER[0,1) PER[1,2); predicted PER[0,1) PER[0,1) PER[1,2)
    # -> right 2 (sentence 2 and 3), found 3, wanted 3 -> F1 2/3
    assert metrics["val_span_f1"] == pytest.approx(2 / 3)


def test_the_probe_is_the_tags_confusion_over_real_tokens() -> None:
    probe = evaluation_probe(_seen(), "tag", SimpleNamespace(tags=TAGS), step=5)
    assert probe.kind == "confusion" and probe.payload["classes"] == ["B-PER", "I-PER", "O"]
    assert probe.payload["counts"] == [[2, 1, 0], [0, 0, 1], [0, 0, 3]]
    scores = per_tag_scores(probe.payload["classes"], probe.payload["counts"])
    assert scores["B-PER"] == pytest.approx(
        {"precision": 1.0, "recall": 2 / 3, "f1": 0.8, "support": 3}
    )


def test_side_by_side_pads_below_and_keeps_sentences_whole() -> None:
    out = side_by_side([np.array([[1, 2]]), np.array([[3], [4]])])
    np.testing.assert_array_equal(out, [[1, 2, 3], [X, X, 4]])


@pytest.mark.parametrize("engine", ["torch", "numpy"])
def test_the_trainer_evaluates_a_tagger_on_both_engines_alike(engine: str) -> None:
    config = small_config("tag", train={"engine": engine})
    prepared = prepared_for(config)
    learner = build_learner(config, prepared, dtype="float64")
    metrics = Trainer(learner, prepared, config).evaluate()
    assert set(metrics) == {"val_loss", "val_accuracy", "val_f1", "val_micro_f1", "val_span_f1"}
    torch_config = small_config("tag")
    torch_learner = build_learner(torch_config, prepared, dtype="float64")
    expected = Trainer(torch_learner, prepared, torch_config).evaluate()
    assert metrics == pytest.approx(expected, rel=1e-9)
