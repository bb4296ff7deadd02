"""train.select_by bleu: a seq2seq run on sentences keeps its best checkpoint by val_bleu;
without sentences or without sacrebleu it is refused before a run exists."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from rnnlab import service
from rnnlab.errors import ConfigError
from rnnlab.train.metrics import Selection

PAIRS = [
    ("the cat sat", "le chat assis"),
    ("a dog ran", "un chien courait"),
    ("the dog sat", "le chien assis"),
    ("a cat ran", "un chat courait"),
] * 12


def config(tmp_path: Path, **data: object) -> dict:
    tsv = tmp_path / "pairs.tsv"
    tsv.write_text("source\ttarget\n" + "".join(f"{a}\t{b}\n" for a, b in PAIRS))
    return {
        "task": "seq2seq",
        "data": {"path": str(tsv), "tokenizer": "word", "val_fraction": 0.5, **data},
        "embedding": {"dim": 8},
        "model": {"cell": "gru", "hidden_size": 16},
        "train": {
            "batch_size": 8,
            "epochs": 100,
            "max_steps": 150,
            "eval_every": 15,
            "lr": 0.01,
            "select_by": "bleu",
        },
    }


def test_a_run_on_sentences_keeps_its_best_checkpoint_by_bleu(tmp_path: Path) -> None:
    assert Selection("bleu").higher_is_better
    run = service.train(config(tmp_path), home=tmp_path / "home")
    assert run["status"] == "finished"
    used = run["checkpoint_used"]
    assert "by bleu" in used["label"], used
    val = service.run_metrics(run["id"], home=tmp_path / "home")["val"]
    bleu, loss = val["val_bleu"], val["val_loss"]
    best_bleu = bleu["step"][bleu["value"].index(max(bleu["value"]))]  # the first best
    best_loss = loss["step"][loss["value"].index(min(loss["value"]))]
    assert best_bleu != best_loss  # BLEU tops out before the loss stops falling
    assert used["metrics"]["step"] == best_bleu and used["metrics"]["val_bleu"] == max(
        bleu["value"]
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tokenizer": "char"}, "expected data.tokenizer word with it, received 'char'"),
        ({"path": "seq2seq:reverse?size=4&n=40&val=20"}, "is a generated task of characters"),
    ],
)
def test_bleu_without_sentences_is_refused_before_a_run_exists(
    tmp_path: Path, data: dict, message: str
) -> None:
    home = tmp_path / "home"
    with pytest.raises(ConfigError, match=rf"train.select_by: bleu scores sentences.*{message}"):
        service.train(config(tmp_path, **data), home=home)
    assert service.list_runs(home=home) == []


def test_bleu_without_sacrebleu_is_refused_before_a_run_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sacrebleu", None)  # import fails as if not installed
    home = tmp_path / "home"
    with pytest.raises(ConfigError, match=r"bleu needs the sacrebleu package.*rnnlab\[bleu\]"):
        service.train(config(tmp_path), home=home)
    assert service.list_runs(home=home) == []
