"""Bundled samples: names resolve, each loads through prepare, the series file is generated."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnlab.data.lm import LMData
from rnnlab.data.prepare import prepare
from rnnlab.data.readers import read_table, read_text
from rnnlab.data.samples import (
    format_monthly_series,
    generate_monthly_series,
    list_samples,
    resolve_path,
    sample_path,
)
from rnnlab.data.sentiment_templates import POSITIVE, generate_sentiment_sentences
from rnnlab.errors import DataError
from rnnlab.spec.run import RunConfig


def test_every_listed_sample_exists() -> None:
    names = list_samples()
    expected = {"tiny_stories", "sample_text", "sentiment", "monthly_series"}
    assert set(names) == expected | {"toy_ner", "punctuation"}
    for name, description in names.items():
        assert sample_path(name).is_file() and description


def test_resolve_path() -> None:
    assert resolve_path("sample:sentiment") == sample_path("sentiment")
    assert resolve_path("data/my.csv") == Path("data/my.csv")
    with pytest.raises(DataError, match=r"no bundled sample 'nope'; the samples are tiny_stories"):
        resolve_path("sample:nope")


def test_shipped_series_equals_the_generator() -> None:
    rows = generate_monthly_series()
    assert len(rows) == 144 and rows[0][0] == "2012-01" and rows[-1][0] == "2023-12"
    assert sample_path("monthly_series").read_text(encoding="utf-8") == format_monthly_series(rows)


def test_shipped_sentiment_ends_with_the_template_sentences() -> None:
    _, rows = read_table(sample_path("sentiment"), "tsv")
    assert [tuple(row) for row in rows[240:]] == generate_sentiment_sentences()
    texts = [text for text, _ in rows]
    assert len(set(texts)) == len(texts)  # no duplicates at all


def test_template_labels_follow_negation_and_contrast() -> None:
    for text, label in generate_sentiment_sentences(200):
        clause = text.split(" but ")[-1]
        positive_word = any(f" {w} " in f" {clause} " for w in POSITIVE)
        expected = positive_word != (" not " in f" {clause} ")
        assert label == ("1" if expected else "0"), text


def test_sample_files_are_as_described() -> None:
    stories = read_text(sample_path("tiny_stories"))
    assert 15_000 <= len(stories.encode()) <= 25_000 and stories.count("\n\n") >= 10
    lines = read_text(sample_path("sample_text")).splitlines()
    assert 40 <= len(lines) <= 80 and lines[0].startswith("Here is some sample text")
    header, rows = read_table(sample_path("sentiment"), "tsv")
    assert header == ["text", "label"] and len(rows) == 1000
    assert sum(label == "1" for _, label in rows) == 500


def config(task: str, path: str, **data) -> RunConfig:
    return RunConfig.model_validate(
        {"task": task, "data": {"path": path, **data}, "train": {"batch_size": 8}}
    )


def test_tiny_stories_char_lm() -> None:
    prepared = prepare(config("language-model", "sample:tiny_stories", seq_len=50))
    assert isinstance(prepared.data, LMData) and prepared.vocab is not None
    assert "\n" in prepared.vocab and not prepared.vocab.has_eos
    assert prepared.summary["train_batches"] > 20 and prepared.summary["format"] == "text"


def test_sample_text_word_lm() -> None:
    prepared = prepare(config("language-model", "sample:sample_text", tokenizer="word", seq_len=8))
    assert prepared.vocab is not None and prepared.vocab.eos_id == 2
    assert prepared.vocab.tokens[3] == "the"  # the most frequent word
    assert prepared.tokenizer is not None and prepared.tokenizer.kind == "word"


def test_sentiment_classify() -> None:
    prepared = prepare(config("classify", "sample:sentiment", tokenizer="word", lowercase=True))
    assert prepared.classes == ["0", "1"]
    assert prepared.summary["train_class_counts"] == {"0": 450, "1": 450}
    assert prepared.summary["val_class_counts"] == {"0": 50, "1": 50}


def test_monthly_series_forecast() -> None:
    prepared = prepare(
        config("forecast", "sample:monthly_series", seq_len=24, horizon=1, season=12)
    )
    assert prepared.vocab is None and prepared.classes is None
    baselines = prepared.summary["baselines"]
    assert baselines["seasonal_naive"]["rmse"] < baselines["naive"]["rmse"]
    assert prepared.summary["value_column"] == "value" and prepared.summary["values"] == 144


def test_tag_samples_prepare_in_their_declared_formats() -> None:
    ner = prepare(config("tag", "sample:toy_ner"))
    assert ner.summary["format"] == "conll" and ner.tags is not None
    assert ner.tags.tags == ("B-LOC", "B-PER", "I-LOC", "I-PER", "O")
    punctuation = prepare(config("tag", "sample:punctuation"))
    assert punctuation.summary["format"] == "punctuated"
    assert punctuation.summary["val_sentences"] > 0 and "，" in punctuation.tags
