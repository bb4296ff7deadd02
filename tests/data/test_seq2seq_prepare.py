"""prepare() of task: seq2seq: a generated task or a TSV, as a TrainingData, its hash and
summary, and bad input named by file, line and field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnlab.data import prepare
from rnnlab.data.batches import TrainingData
from rnnlab.data.seq2seq import Seq2SeqBatch
from rnnlab.data.seq2seq_tasks import task_hash
from rnnlab.errors import DataError
from rnnlab.spec.run import parse_run_config

ROWS = "source\ttarget\n" + "".join(f"{w}\t{w[::-1]}\n" for w in ("abc", "ba", "cab", "ccc", "a"))


def config(path: str | Path, **data: object):
    return parse_run_config({"task": "seq2seq", "data": {"path": str(path), **data}})


def write(tmp_path: Path, text: str, name: str = "pairs.tsv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_generated_task_is_training_data_with_its_hash() -> None:
    prepared = prepare(config("seq2seq:reverse?size=4&n=50&val=10", seed=3))
    data = prepared.data
    assert isinstance(data, TrainingData) and data.carry_state is False
    assert prepared.data_hash == task_hash("reverse", {"size": 4, "n": 50, "val": 10}, 3)
    assert prepared.vocab is data.source_vocab and prepared.target_vocab is data.target_vocab
    assert prepared.summary["train_examples"] == 50 and prepared.summary["val_examples"] == 10
    batches = list(data.batches("train", 16, seq_len=64, seed=0, epoch=1))
    assert [b.size for b in batches] == [16, 16, 16, 2]
    first = batches[0]
    assert isinstance(first, Seq2SeqBatch) and first.x is first.src
    np.testing.assert_array_equal(first.y, first.decoder_targets)
    assert first.n_tokens == 16 * 5  # 4 letters and <eos> each
    again = next(iter(data.batches("train", 16, seq_len=64, seed=0, epoch=1)))
    np.testing.assert_array_equal(again.src, first.src)  # order: (seed, epoch)


def test_a_tsv_is_read_split_and_hashed(tmp_path: Path) -> None:
    path = write(tmp_path, ROWS)
    prepared = prepare(config(path, val_fraction=0.2))
    assert prepared.summary["train_examples"] == 4 and prepared.summary["val_examples"] == 1
    assert prepared.summary["source_column"] == "source" and prepared.summary["format"] == "tsv"
    assert len(prepared.data_hash) == 64
    assert prepare(config(path, val_fraction=0.2)).data_hash == prepared.data_hash


def test_named_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "en\tfr\nab\tba\nbc\tcb\n")
    prepared = prepare(config(path, source_column="en", target_column="fr", val_fraction=0.0))
    assert prepared.summary["train_examples"] == 2


def test_an_empty_source_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "source\ttarget\nab\tba\n\tx\n")
    with pytest.raises(DataError, match=r"pairs\.tsv: line 3: column 'source' has no tokens"):
        prepare(config(path))


def test_a_target_over_max_target_len_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, ROWS)
    with pytest.raises(DataError, match=r"line 2: column 'target' has 3 tokens.*max_target_len 2"):
        prepare(config(path, max_target_len=2))


def test_a_generated_target_over_max_target_len_names_the_field() -> None:
    with pytest.raises(DataError, match=r"train pair 0: the target has 6 tokens.*max_target_len 5"):
        prepare(config("seq2seq:reverse?size=6&n=5&val=2", max_target_len=5))


def test_a_ragged_row_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "source\ttarget\nab\tba\nabc\n")
    with pytest.raises(DataError, match=r"pairs\.tsv.*line 3"):
        prepare(config(path))


def test_a_missing_column_names_it(tmp_path: Path) -> None:
    path = write(tmp_path, "src\ttarget\nab\tba\n")
    with pytest.raises(DataError, match="source"):
        prepare(config(path))


def test_a_missing_file_names_data_path(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"file not found \(data\.path"):
        prepare(config(tmp_path / "nope.tsv"))


def test_an_unknown_generated_task_names_the_path() -> None:
    with pytest.raises(DataError, match="unknown task 'nope'"):
        prepare(config("seq2seq:nope"))
