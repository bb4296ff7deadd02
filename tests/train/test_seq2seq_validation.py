"""Golden validation metrics of task seq2seq, over batches of different shapes, and the
trainer's evaluation of a seq2seq learner."""

from __future__ import annotations

import sys
from pathlib import Path

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


WORDS = {3: "the", 4: "cat", 5: "sat", 6: "on", 7: "a", 8: "mat"}


def decode(ids) -> str:
    return " ".join(WORDS[int(i)] for i in ids if int(i) in WORDS)  # stops nowhere: test only


def test_golden_bleu_of_sentences() -> None:
    # hypothesis "the cat sat on the mat", reference "the cat sat on a mat" (6 tokens each,
    # brevity penalty 1): clipped n-gram precisions 5/6, 3/5, 2/4, 1/3, so
    # BLEU = 100 (5/6 * 3/5 * 1/2 * 1/3)^(1/4) = 100 / 12^(1/4) = 53.7285
    outputs = [np.array([[3, 4, 5, 6, 3, 8, EOS]]).T]  # (T, B = 1)
    targets = [np.array([[3, 4, 5, 6, 7, 8, EOS]]).T]
    metrics = seq2seq_validation_metrics(1.0, 7, outputs, targets, decode)
    assert metrics["val_bleu"] == pytest.approx(100 / 12**0.25, abs=1e-3)
    assert metrics["val_exact_match"] == 0.0
    same = seq2seq_validation_metrics(1.0, 7, targets, targets, decode)
    assert same["val_bleu"] == pytest.approx(100.0)
    # two-token sentences have no 3- or 4-grams: exact copies still score 100, not 0
    short = [np.array([[3, 4, EOS], [7, 8, EOS]]).T]  # "the cat", "a mat"
    copies = seq2seq_validation_metrics(1.0, 6, short, short, decode)
    assert copies["val_bleu"] == pytest.approx(100.0)


def test_without_sacrebleu_or_for_char_data_there_is_no_bleu(monkeypatch) -> None:
    outputs = [np.array([[3, 4, EOS]]).T]
    assert "val_bleu" not in seq2seq_validation_metrics(1.0, 3, outputs, outputs)  # no decode
    monkeypatch.setitem(sys.modules, "sacrebleu", None)  # import fails as if not installed
    metrics = seq2seq_validation_metrics(1.0, 3, outputs, outputs, decode)
    assert set(metrics) == {"val_loss", "val_exact_match", "val_token_accuracy"}


def test_a_word_level_seq2seq_run_reports_bleu(tmp_path: Path) -> None:
    pairs = [("the cat", "le chat"), ("a dog", "un chien"), ("the dog", "le chien")] * 12
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("source\ttarget\n" + "".join(f"{s}\t{t}\n" for s, t in pairs))
    config = parse_run_config(
        {
            "task": "seq2seq",
            "data": {"path": str(tsv), "tokenizer": "word", "val_fraction": 0.25},
            "embedding": {"dim": 8},
            "model": {"cell": "gru", "hidden_size": 8},
            "train": {"batch_size": 8, "max_steps": 2, "probe_every": None},
        }
    )
    prepared = prepare(config)
    metrics = Trainer(build_learner(config, prepared), prepared, config).evaluate()
    assert 0.0 <= metrics["val_bleu"] <= 100.0


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
