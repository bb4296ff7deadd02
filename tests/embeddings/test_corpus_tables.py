"""A classification table as a corpus: only its text column is read (no header, no labels)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnlab import service
from rnnlab.data import resolve_path
from rnnlab.embeddings import build_embedding
from rnnlab.embeddings.build import read_corpus
from rnnlab.errors import DataError

TSV = "text\tlabel\nA fantastic film\t1\na dull film\t0\n"
CSV = 'id,text,label\n7,"a fantastic, warm film",1\n8,a dull film,0\n'


def test_a_tsv_corpus_is_its_text_column(tmp_path: Path) -> None:
    path = tmp_path / "reviews.tsv"
    path.write_text(TSV)
    assert read_corpus(path) == [["a", "fantastic", "film"], ["a", "dull", "film"]]


def test_a_csv_corpus_is_its_text_column(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(CSV)
    words = build_embedding("random", dim=2, corpus=path).words
    assert set(words) >= {"fantastic", "warm", "dull", "film"}
    assert not {"1", "0", "7", "text", "label", "id"} & set(words)


def test_a_table_without_a_text_column_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "reviews.tsv"
    path.write_text("sentence\tlabel\ngood\t1\n")
    with pytest.raises(DataError, match=r"reviews.tsv: no column 'text'; the columns are"):
        read_corpus(path)


def test_a_text_file_is_still_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text("text\tlabel\none 1\n")
    assert read_corpus(path) == [["text", "label"], ["one", "1"]]


def test_embed_build_on_the_sentiment_sample_has_no_label_words(tmp_path: Path) -> None:
    out = tmp_path / "emb.txt"
    service.embed_build("ppmi-svd", out, corpus=resolve_path("sample:sentiment"), dim=4)
    words = {line.split(" ", 1)[0] for line in out.read_text().splitlines()[1:]}
    assert "battery" in words and not {"1", "0", "text", "label"} & words


def test_coverage_of_a_table_counts_its_text_words_only(tmp_path: Path) -> None:
    data = tmp_path / "reviews.tsv"
    data.write_text(TSV)
    glove = tmp_path / "glove.txt"
    glove.write_text("a 1 0\nfantastic 0 1\nfilm 1 1\ndull 0 0.5\n")
    covered = service.embed_coverage(glove, data)
    assert covered["coverage"] == 1.0 and covered["missing"] == 0, covered
