"""Data of ``task: tag`` from a run's ``data`` section: read, cut, split, encode.

    conll       one token and its tag per line, blank lines between sentences (``tagging``)
    tsv         a tokens column and a tags column (data.tokens_column, data.tags_column)
    punctuated  punctuated text in the anthology layout of guwenguanzhi.txt
                (``punctuation``): each character tagged with the mark after it

The format is data.format, else the declared format of a bundled sample, else the file's
suffix (``tagging.TAG_SUFFIXES``: .conll .bio .iob .txt -> conll, .tsv -> tsv).
Sentences are split by ``tag_data.split_sentences``: a punctuated text by essay (whole
essays on one side), a conll/tsv file by sentence. data.max_length cuts a punctuated
paragraph after its last sentence end that fits (``punctuation.split_long``, the pieces
stay with their essay); a longer conll/tsv sentence is a DataError naming its line.

The result keeps the split's sentences as text (``TagSplit``), which the baselines count.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnnlab.data.punctuation import punctuation_tags, read_punctuated, split_long
from rnnlab.data.samples import sample_format
from rnnlab.data.tag_data import TagData, build_tag_data, split_sentences
from rnnlab.data.tagging import TaggedSentence, infer_tag_format, read_tagged
from rnnlab.errors import DataError
from rnnlab.spec.run import DataSpec

PUNCTUATED = "punctuated"


@dataclass(frozen=True)
class TagSplit:
    """The prepared data, its format and the sentences of each split as text."""

    data: TagData
    format: str
    train: list[TaggedSentence]
    val: list[TaggedSentence]


def tag_format(spec: DataSpec, path: Path) -> str:
    """conll | tsv | punctuated: declared, a sample's own, or from the suffix."""
    declared = spec.format or sample_format(spec.path)
    if declared == PUNCTUATED:
        return PUNCTUATED
    return infer_tag_format(path, declared)


def read_tag_sentences(spec: DataSpec, path: Path, fmt: str) -> tuple[list[TaggedSentence], Any]:
    """(sentences, groups or None) of the file, cut or checked against data.max_length."""
    if fmt == PUNCTUATED:
        sentences, groups = read_punctuated(path)
        if spec.max_length is not None:
            pairs = zip(sentences, groups, strict=True)
            pieces = [(p, g) for s, g in pairs for p in split_long(s, spec.max_length)]
            sentences, groups = [p for p, _ in pieces], [g for _, g in pieces]
        return sentences, groups
    sentences = read_tagged(
        path, fmt, tokens_column=spec.tokens_column, tags_column=spec.tags_column
    )
    if spec.max_length is not None:
        for sentence in sentences:
            if len(sentence.tokens) > spec.max_length:
                raise DataError(
                    f"{path}: line {sentence.line}: a sentence of {len(sentence.tokens)} "
                    f"tokens; data.max_length is {spec.max_length}"
                )
    return sentences, None


def prepare_tag(spec: DataSpec, path: Path) -> TagSplit:
    """TagData of the file at `path` (data.path resolved) and its split as text."""
    fmt = tag_format(spec, path)
    sentences, groups = read_tag_sentences(spec, path, fmt)
    data = build_tag_data(
        sentences,
        val_fraction=spec.val_fraction,
        seed=spec.seed,
        groups=groups,
        lowercase=spec.lowercase,
        min_freq=spec.min_freq,
        max_vocab=spec.max_vocab,
        tags=punctuation_tags() if fmt == PUNCTUATED else None,
        source=str(path),
    )
    train_idx, val_idx = split_sentences(len(sentences), spec.val_fraction, spec.seed, groups)
    train = [sentences[i] for i in train_idx]
    val = [sentences[i] for i in val_idx]
    return TagSplit(data, fmt, train, val)


def tag_summary(split: TagSplit, spec: DataSpec) -> dict[str, Any]:
    """JSON-able facts of the prepared data (sizes, tags, counts, the format)."""
    summary = split.data.summary()
    if split.format == "tsv":
        summary |= {"tokens_column": spec.tokens_column, "tags_column": spec.tags_column}
    if spec.max_length is not None:
        summary["max_length"] = spec.max_length
    return summary
