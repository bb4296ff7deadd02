"""prepare() for task: tag: formats (declared, a sample's own, from the suffix), the tsv
columns, data.max_length, the split by essay, and errors naming file, line and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rnnlab.data import prepare
from rnnlab.data.batches import Split as BatchSplit
from rnnlab.data.batches import TrainingData
from rnnlab.data.samples import sample_path
from rnnlab.data.tag_data import Split as TagSplit
from rnnlab.data.tag_data import TagData
from rnnlab.errors import ConfigError, DataError
from rnnlab.spec.run import parse_run_config


def _prepare(path: str | Path, **data: Any):
    return prepare(parse_run_config({"task": "tag", "data": {"path": str(path), **data}}))


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_tag_data_is_training_data_with_the_shared_split() -> None:
    prepared = _prepare("sample:toy_ner")
    assert isinstance(prepared.data, TagData) and isinstance(prepared.data, TrainingData)
    assert prepared.data.carry_state is False and TagSplit is BatchSplit
    batch = next(prepared.data.batches("train", 4, seq_len=64, seed=1, epoch=0))
    assert batch.x.shape == batch.y.shape and batch.lengths is not None


def test_a_conll_suffix_is_read_as_conll(tmp_path: Path) -> None:
    path = _write(tmp_path, "ner.conll", "Anna B-PER\nsings O\n\nBo B-PER\nruns O\n")
    prepared = _prepare(path, val_fraction=0.5)
    assert prepared.summary["format"] == "conll"
    assert prepared.summary["train_sentences"] + prepared.summary["val_sentences"] == 2


def test_an_unknown_suffix_asks_for_data_format(tmp_path: Path) -> None:
    path = _write(tmp_path, "ner.dat", "Anna B-PER\n")
    with pytest.raises(DataError, match=r"cannot tell the format from the suffix '.dat'"):
        _prepare(path)


def test_a_tsv_reads_the_named_columns(tmp_path: Path) -> None:
    text = "words\tlabels\nAnna sings\tB-PER O\nBo runs\tB-PER O\n"
    path = _write(tmp_path, "ner.tsv", text)
    prepared = _prepare(path, tokens_column="words", tags_column="labels", val_fraction=0.0)
    assert prepared.summary["tokens_column"] == "words" and prepared.tags.tags == ("B-PER", "O")


def test_a_tsv_row_with_more_tags_than_tokens_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "ner.tsv", "tokens\ttags\nAnna\tB-PER\nBo runs\tB-PER O O\n")
    with pytest.raises(DataError, match=r"ner.tsv: line 3: column 'tags' has 3 tags but column"):
        _prepare(path)


def test_a_missing_tsv_column_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "ner.tsv", "tokens\ttags\nAnna\tB-PER\n")
    with pytest.raises(DataError, match=r"labels"):
        _prepare(path, tags_column="labels")


def test_a_conll_sentence_longer_than_max_length_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "ner.conll", "Anna B-PER\n\nBo B-PER\nruns O\nfar O\n")
    with pytest.raises(DataError, match=r"ner.conll: line 3: a sentence of 3 tokens; data.max_"):
        _prepare(path, max_length=2)


def test_punctuated_paragraphs_are_cut_to_max_length_and_split_by_essay() -> None:
    whole = _prepare("sample:punctuation")
    cut = _prepare("sample:punctuation", max_length=20)
    assert cut.summary["train_max_length"] <= 20 and whole.summary["train_max_length"] > 20
    assert cut.summary["train_tokens"] == whole.summary["train_tokens"]  # same essays
    assert cut.summary["val_tag_counts"] == whole.summary["val_tag_counts"]
    assert len(cut.tagged["val"]) == cut.summary["val_sentences"]


def test_a_punctuated_file_without_marks_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "plain.txt", "卷一\n\n題\n某：某\n\n天地玄黃宇宙洪荒\n")
    with pytest.raises(DataError, match=r"plain.txt: no punctuation marks"):
        _prepare(path, format="punctuated")


def test_the_punctuation_sample_read_as_conll_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"punctuation.txt: line 1: expected 2 fields"):
        _prepare(sample_path("punctuation"), format="conll")


def test_a_text_format_for_tag_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"data.format: task tag reads conll \| tsv"):
        _prepare("sample:toy_ner", format="text")
