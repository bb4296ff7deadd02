"""Tagged-sentence readers (conll, tsv), their errors, and the tag vocabulary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rnnlab.data.samples import sample_path
from rnnlab.data.tagging import (
    TaggedSentence,
    TagVocab,
    infer_tag_format,
    read_conll,
    read_tag_table,
    read_tagged,
)
from rnnlab.errors import ConfigError, DataError

Write = Callable[[str, "str | bytes"], Path]

CONLL = "Anna\tB-PER\nsings  O\n\n\nBo B-PER\nChen I-PER\n"
TSV = "id\ttokens\ttags\n1\tAnna sings\tB-PER O\n\n2\tBo  Chen\tB-PER I-PER\n"


def test_conll_sentences_tokens_tags_and_lines(write: Write) -> None:
    sentences = read_conll(write("a.conll", CONLL))
    assert sentences == [
        TaggedSentence(("Anna", "sings"), ("B-PER", "O"), 1),
        TaggedSentence(("Bo", "Chen"), ("B-PER", "I-PER"), 5),
    ]


def test_conll_crlf_bom_and_no_final_newline(write: Write) -> None:
    path = write("a.conll", b"\xef\xbb\xbfa X\r\nb Y\r\n\r\nc Z")
    assert [(s.tokens, s.tags) for s in read_conll(path)] == [
        (("a", "b"), ("X", "Y")),
        (("c",), ("Z",)),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "a X\nb\n",
            r"a\.conll: line 2: expected 2 fields .* received 1: 'b' \(is the tag missing",
        ),
        ("a X\n\nb Y Z\n", r"a\.conll: line 3: expected 2 fields .* received 3: 'b Y Z'$"),
        ("", r"a\.conll: the file is empty"),
        ("\n \n\t\n", r"a\.conll: the file contains only whitespace"),
        (b"a X\nb\0 Y\n", r"a\.conll: line 2: a NUL byte"),
        (b"a X\n\xff Y\n", r"a\.conll: line 2: not UTF-8 text \(byte 0xff at column 1\)"),
    ],
)
def test_conll_errors_name_file_and_line(write: Write, content: str | bytes, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_conll(write("a.conll", content))


def test_tsv_rows_with_other_columns_and_blank_lines(write: Write) -> None:
    sentences = read_tag_table(write("a.tsv", TSV))
    assert sentences == [
        TaggedSentence(("Anna", "sings"), ("B-PER", "O"), 2),
        TaggedSentence(("Bo", "Chen"), ("B-PER", "I-PER"), 4),
    ]
    named = write("b.tsv", "words\tlabels\nx y\tA B\n")
    assert read_tag_table(named, tokens_column="words", tags_column="labels")[0].tags == ("A", "B")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "tokens\ttags\na b c\tX Y\n",
            r"a\.tsv: line 2: column 'tags' has 2 tags but column 'tokens' has 3 tokens",
        ),
        ("tokens\ttags\na\tX\n \tY\n", r"a\.tsv: line 3: column 'tokens' is empty"),
        ("tokens\ttags\na\t \n", r"a\.tsv: line 2: column 'tags' is empty"),
        ("tokens\ttags\na\tX\textra\n", r"a\.tsv: line 2: expected 2 fields .* received 3"),
        ("tokens\ttags\n", r"a\.tsv: a header but no rows"),
        ("words\ttags\na\tX\n", r"a\.tsv: no column 'tokens'; the columns are 'words', 'tags'"),
        ("", r"a\.tsv: the file is empty"),
        (b"tokens\ttags\n\xc3\x28\tX\n", r"a\.tsv: line 2: not UTF-8 text"),
        (b"tokens\ttags\na\0\tX\n", r"a\.tsv: line 2: a NUL byte"),
    ],
)
def test_tsv_errors_name_file_line_and_column(
    write: Write, content: str | bytes, message: str
) -> None:
    with pytest.raises(DataError, match=message):
        read_tag_table(write("a.tsv", content))


def test_tsv_same_column_twice_is_a_config_error(write: Write) -> None:
    with pytest.raises(ConfigError, match="both 'x'; expected two different columns"):
        read_tag_table(write("a.tsv", TSV), tokens_column="x", tags_column="x")


def test_format_from_suffix_or_declared(write: Write) -> None:
    assert infer_tag_format("x.CoNLL") == "conll" and infer_tag_format("x.tsv") == "tsv"
    assert infer_tag_format("x.tsv", "conll") == "conll"
    with pytest.raises(DataError, match=r"x\.csv: cannot tell the format from the suffix '\.csv'"):
        infer_tag_format("x.csv")
    with pytest.raises(ConfigError, match=r"data.format: a tagged file is conll \| tsv"):
        infer_tag_format("x.tsv", "csv")
    assert read_tagged(write("a.txt", CONLL))[1].tokens == ("Bo", "Chen")
    assert read_tagged(write("a.tsv", TSV))[0].line == 2


def test_sentence_checks_its_lengths() -> None:
    with pytest.raises(DataError, match="line 7: 2 tokens but 1 tags; expected one tag per"):
        TaggedSentence(("a", "b"), ("X",), 7)
    with pytest.raises(DataError, match="line 3: an empty sentence"):
        TaggedSentence((), (), 3)


def test_toy_ner_sample() -> None:
    sentences = read_tagged(sample_path("toy_ner"))
    assert len(sentences) == 10 and sentences[0].tokens == ("Anna", "lives", "in", "Paris", ".")
    assert TagVocab.build(s.tags for s in sentences).tags == (
        "B-LOC",
        "B-PER",
        "I-LOC",
        "I-PER",
        "O",
    )


# ---- TagVocab ---------------------------------------------------------------------------


def test_vocab_is_sorted_whatever_the_order_of_the_data() -> None:
    one = TagVocab.build([["O", "B-PER"], ["I-PER", "O"]])
    two = TagVocab.build([["I-PER"], ["B-PER", "O"]])
    assert one == two and one.tags == ("B-PER", "I-PER", "O") and len(one) == 3
    assert one.encode(["O", "B-PER"]) == [2, 0] and one.decode([1, 2]) == ["I-PER", "O"]
    assert "O" in one and "X" not in one


def test_unknown_tag_names_where_and_the_known_tags() -> None:
    vocab = TagVocab(["B-PER", "O"])
    with pytest.raises(
        DataError, match=r"new\.tsv: line 4: unknown tag 'B-ORG'; .* 2 tags: B-PER, O"
    ):
        vocab.encode(["O", "B-ORG"], "new.tsv: line 4")
    with pytest.raises(DataError, match=r"tag id 2 is outside 0\.\.1"):
        vocab.decode([0, 2])
    many = TagVocab([f"T{i:02d}" for i in range(20)])
    with pytest.raises(DataError, match=r"20 tags: T00, .*T11 \.\.\.$"):
        many.id("x")


def test_vocab_round_trips_through_its_dict() -> None:
    vocab = TagVocab(["B-PER", "O"])
    assert TagVocab.from_dict(vocab.to_dict()) == vocab
    with pytest.raises(DataError, match="expected a 'rnnlab-tags' mapping"):
        TagVocab.from_dict({"tags": ["O"]})
    with pytest.raises(DataError, match="field 'tags': expected a list"):
        TagVocab.from_dict({"format": "rnnlab-tags", "tags": "O"})


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ([], "no tags"),
        (["O", "B"], "expected distinct tags in sorted order"),
        (["O", "O"], "expected distinct tags in sorted order"),
        (["", "O"], "tag 0: expected a non-empty string without spaces, received ''"),
        (["A B"], "tag 0: expected a non-empty string without spaces"),
    ],
)
def test_vocab_refuses_bad_tag_lists(tags: list[str], message: str) -> None:
    with pytest.raises(DataError, match=message):
        TagVocab(tags)
