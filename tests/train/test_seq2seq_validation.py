"""Golden validation metrics of task seq2seq, over batches of different shapes, and the
trainer's evaluation of a seq2seq learner."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.data import prepare
from rnnlab.spec.run import parse_run_config
from rnnlab.train import Trainer, build_learner
from rnnlab.train.seq2seq_validation import seq2seq_validation_metrics

EOS, PAD = 2, 0


def test_golden_metrics_over_batches_of_two_shapes() -> None:
    # batch 1 (T 4, B 2): references "5 6" and "7"; predictions "5 6" (exact), "8 9"
    outputs = [np.array([[5, 8], [6, 9], [EOS, EOS], [PAD, PAD]])]
    targets = [np.array([[5, 7], [6, EOS], [EOS, PAD], [PAD, PAD]])]
    # batch 2 (T 3, B 1): reference "4 4"; prediction "4" then <eos> (stops early)
    outputs.append(np.array([[4], [EOS], [PAD]]))
    targets.append(np.array([[4], [4], [EOS]]))
    metrics = seq2seq_validation_metrics(10.0, 8, outputs, targets)
    assert metrics["val_loss"] == pytest.approx(10.0 / 8)
    assert metrics["val_exact_match"] == pytest.approx(1 / 3)
    # reference tokens 2 + 1 + 2 = 5; correct 2 + 0 + 1 = 3
    assert metrics["val_token_accuracy"] == pytest.approx(3 / 5)


def test_the_trainer_evaluates_a_seq2seq_learner() -> None:
    config = parse_run_config(
        {
            "task": "seq2seq",
            "data": {"path": "seq2seq:sort?size=3&n=64&val=16"},
            "embedding": {"dim": 8},
            "model": {"cell": "lstm", "hidden_size": 8, "decoder_cell": "gru"},
            "train": {"batch_size": 16, "max_steps": 2, "probe_every": None},
        }
    )
    prepared = prepare(config)
    learner = build_learner(config, prepared)
    trainer = Trainer(learner, prepared, config)
    metrics = trainer.evaluate()
    assert set(metrics) == {"val_loss", "val_exact_match", "val_token_accuracy"}
    assert metrics["val_loss"] > 0 and 0 <= metrics["val_token_accuracy"] <= 1
    assert trainer.steps_per_epoch == 4
    ended = trainer.fit()
    assert ended.status == "finished" and ended.step == 2
