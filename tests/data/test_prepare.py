"""prepare(config): formats per task, vocab from the training split, errors naming the file."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from rnnlab.data.classify import ClassifyData
from rnnlab.data.forecast import SeriesData
from rnnlab.data.lm import LMData
from rnnlab.data.prepare import prepare
from rnnlab.data.vocab import UNK_ID
from rnnlab.errors import ConfigError, DataError
from rnnlab.spec.run import RunConfig


def config(task: str, path, batch_size: int = 4, **data) -> RunConfig:
    return RunConfig.model_validate(
        {"task": task, "data": {"path": str(path), **data}, "train": {"batch_size": batch_size}}
    )


def test_lm_vocab_from_training_part_only(write) -> None:
    # 96 tokens; the last 10 (val) hold a word never seen in training
    text = "a b\n" * 30 + "zebra zebra zebra zebra zebra\n"
    path = write("c.txt", text)
    prepared = prepare(config("language-model", path, tokenizer="word", val_fraction=0.1))
    assert isinstance(prepared.data, LMData)
    assert "zebra" not in prepared.vocab
    assert (prepared.data.val_ids == UNK_ID).sum() == 5
    assert prepared.summary["val_unk_tokens"] == 5 and prepared.summary["tokens"] == 96
    assert prepared.data_hash == hashlib.sha256(text.encode()).hexdigest()
    json.dumps(prepared.summary)  # JSON-able


def test_lm_word_level_uses_eos(write) -> None:
    path = write("c.txt", "one two\nthree four\n" * 20)
    prepared = prepare(config("language-model", path, tokenizer="word"))
    assert prepared.vocab.has_eos and (prepared.data.train_ids == prepared.vocab.eos_id).any()


def test_lm_corpus_shorter_than_one_window(write) -> None:
    path = write("short.txt", "abcdef")  # 6 chars, val 10% -> 1: 5 training tokens
    with pytest.raises(
        DataError,
        match=r"short\.txt: the training text has 5 tokens; 8 parallel streams .*at least 9",
    ):
        prepare(config("language-model", path, batch_size=8))


def test_classify_reads_a_table(write) -> None:
    rows = "".join(f"nice thing {i}\t1\nawful thing {i}\t0\n" for i in range(10))
    prepared = prepare(config("classify", write("r.tsv", "text\tlabel\n" + rows), tokenizer="word"))
    assert isinstance(prepared.data, ClassifyData) and prepared.classes == ["0", "1"]
    assert prepared.summary["val_class_counts"] == {"0": 1, "1": 1}
    assert prepared.summary["rows"] == 20
    json.dumps(prepared.summary)


def test_classify_csv_with_other_columns(write) -> None:
    path = write("r.csv", 'id,review,stars\n1,"good, good",5\n2,bad,1\n3,fine,5\n4,poor,1\n')
    prepared = prepare(
        config("classify", path, text_column="review", label_column="stars", val_fraction=0.0)
    )
    assert prepared.classes == ["1", "5"] and prepared.data.size("train") == 4


def test_classify_one_class(write) -> None:
    path = write("one.tsv", "text\tlabel\na\t1\nb\t1\n")
    with pytest.raises(DataError, match=r"one\.tsv: column 'label' has a single class '1'"):
        prepare(config("classify", path))


def test_classify_missing_column(write) -> None:
    path = write("m.tsv", "sentence\tlabel\na\t1\nb\t0\n")
    with pytest.raises(DataError, match=r"m\.tsv: no column 'text'; the columns are 'sentence'"):
        prepare(config("classify", path))


def test_classify_empty_text(write) -> None:
    path = write("e.tsv", "text\tlabel\na\t1\n\t0\nc\t0\n")
    with pytest.raises(DataError, match=r"e\.tsv: line 3: column 'text' has no tokens"):
        prepare(config("classify", path))


def test_classify_header_only(write) -> None:
    with pytest.raises(DataError, match=r"h\.tsv: the table has a header but no rows"):
        prepare(config("classify", write("h.tsv", "text\tlabel\n")))


def test_forecast(write) -> None:
    values = "\n".join(f"{i},{np.sin(i):.3f}" for i in range(40))
    prepared = prepare(config("forecast", write("s.csv", "t,y\n" + values + "\n"), seq_len=5))
    assert isinstance(prepared.data, SeriesData)
    assert prepared.summary["value_column"] == "y" and prepared.summary["train_values"] == 36
    json.dumps(prepared.summary)


def test_forecast_series_too_short(write) -> None:
    path = write("s.csv", "v\n" + "1\n" * 10)
    with pytest.raises(
        DataError,
        match=r"s\.csv: 9 training values .*= 10 \+ 2 \+ 1 lost to data\.transform diff = 13; "
        r"lower data\.seq_len",
    ):
        prepare(config("forecast", path, seq_len=10, horizon=2))


@pytest.mark.parametrize(
    ("task", "name", "message"),
    [
        ("language-model", "x.tsv", r"task language-model reads text, but .*x\.tsv is tsv"),
        ("classify", "x.txt", r"task classify reads tsv \| csv, but .*x\.txt is text"),
        ("forecast", "x.md", r"task forecast reads csv \| tsv, but .*x\.md is text"),
    ],
)
def test_task_and_format_must_match(write, task: str, name: str, message: str) -> None:
    with pytest.raises(ConfigError, match=rf"data\.format: {message} \(inferred from its suffix\)"):
        prepare(config(task, write(name, "a\tb\n1\t2\n")))


def test_declared_format_overrides_the_suffix(write) -> None:
    path = write("series.dat", "v\n1\n2\n3\n4\n5\n")
    prepared = prepare(config("forecast", path, format="csv", seq_len=2, val_fraction=0.2))
    assert prepared.summary["format"] == "csv"
    with pytest.raises(DataError, match=r"series\.dat: cannot tell the format"):
        prepare(config("forecast", path))


def test_missing_data_file(tmp_path) -> None:
    with pytest.raises(DataError, match=r"nope\.txt: file not found \(data\.path"):
        prepare(config("language-model", tmp_path / "nope.txt"))
