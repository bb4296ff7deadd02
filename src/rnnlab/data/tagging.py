"""Sequence-labelling files and the tag vocabulary (``task: tag``).

Two file formats, each a list of ``TaggedSentence`` (tokens and one tag per token):

conll  one token per line with its tag: exactly two fields separated by whitespace
       (tabs or spaces), token first, tag second; a blank line between sentences::

           Anna   B-PER
           sings  O
                            <- blank line: the next sentence starts
           Bo     B-PER

tsv    a header line and one sentence per row; a tokens column and a tags column
       (default names ``tokens`` and ``tags``) hold space-separated sequences of
       equal length::

           tokens<TAB>tags
           Anna sings<TAB>B-PER O

Files are UTF-8 (read by ``readers``: BOM dropped, NUL bytes and other encodings refused).
Every error names the file, the 1-based line and the field at fault.

Tags are numbered by ``TagVocab``: the distinct tags in sorted (code point) order, so the
same set of tags always gets the same ids whatever the order of the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rnnlab.data.readers import column_pair, read_text
from rnnlab.errors import ConfigError, DataError
from rnnlab.spec.data import TAGS_COLUMN, TOKENS_COLUMN  # the config's defaults, once

TagFormat = Literal["conll", "tsv"]
TAG_SUFFIXES: dict[str, TagFormat] = {
    ".conll": "conll",
    ".bio": "conll",
    ".iob": "conll",
    ".txt": "conll",
    ".tsv": "tsv",
}
TAG_VOCAB_FORMAT = "rnnlab-tags"
OUTSIDE = "O"  # the tag of "nothing here": outside any BIO span, no punctuation mark
SHOWN_TAGS = 12  # tags listed in an error message before "..."


@dataclass(frozen=True)
class TaggedSentence:
    """One sentence: its tokens, one tag per token, and the file line it starts on."""

    tokens: tuple[str, ...]
    tags: tuple[str, ...]
    line: int = 0

    def __post_init__(self) -> None:
        if len(self.tokens) != len(self.tags):
            raise DataError(
                f"line {self.line}: {len(self.tokens)} tokens but {len(self.tags)} tags; "
                "expected one tag per token"
            )
        if not self.tokens:
            raise DataError(f"line {self.line}: an empty sentence; expected at least one token")


# ---- readers ----------------------------------------------------------------------------


def infer_tag_format(path: str | Path, declared: str | None = None) -> TagFormat:
    """`declared` (conll | tsv) if given, else the format of the file suffix."""
    if declared is not None:
        if declared not in ("conll", "tsv"):
            raise ConfigError(f"data.format: a tagged file is conll | tsv, received {declared!r}")
        return "conll" if declared == "conll" else "tsv"
    suffix = Path(path).suffix.lower()
    if suffix not in TAG_SUFFIXES:
        raise DataError(
            f"{path}: cannot tell the format from the suffix {suffix or '(none)'!r} "
            f"(known: {', '.join(TAG_SUFFIXES)}); set data.format to conll or tsv"
        )
    return TAG_SUFFIXES[suffix]


def read_tagged(
    path: str | Path,
    fmt: str | None = None,
    *,
    tokens_column: str = TOKENS_COLUMN,
    tags_column: str = TAGS_COLUMN,
) -> list[TaggedSentence]:
    """The sentences of a conll or tsv file (format from the suffix unless `fmt` is given)."""
    if infer_tag_format(path, fmt) == "conll":
        return read_conll(path)
    return read_tag_table(path, tokens_column=tokens_column, tags_column=tags_column)


def read_conll(path: str | Path) -> list[TaggedSentence]:
    """Sentences of a CoNLL-style file: ``token tag`` per line, blank lines between."""
    text = read_text(path)
    sentences: list[TaggedSentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        fields = line.split()
        if not fields:
            if tokens:
                sentences.append(TaggedSentence(tuple(tokens), tuple(tags), start))
                tokens, tags = [], []
            continue
        if len(fields) != 2:
            raise DataError(
                f"{path}: line {number}: expected 2 fields (token and tag, separated by "
                f"whitespace), received {len(fields)}: {line.strip()!r}"
                + (" (is the tag missing?)" if len(fields) == 1 else "")
            )
        if not tokens:
            start = number
        tokens.append(fields[0])
        tags.append(fields[1])
    if tokens:
        sentences.append(TaggedSentence(tuple(tokens), tuple(tags), start))
    return sentences  # read_text refused an empty or blank file, so there is one at least


def read_tag_table(
    path: str | Path, *, tokens_column: str = TOKENS_COLUMN, tags_column: str = TAGS_COLUMN
) -> list[TaggedSentence]:
    """Sentences of a TSV file: one row each, tokens and tags space-separated."""
    token_cells, tag_cells, lines = column_pair(
        path, ("tokens_column", tokens_column), ("tags_column", tags_column)
    )
    if not token_cells:
        raise DataError(f"{path}: a header but no rows; expected one sentence per row")
    sentences = []
    for line, token_cell, tag_cell in zip(lines, token_cells, tag_cells, strict=True):
        tokens, tags = token_cell.split(), tag_cell.split()
        for name, values in ((tokens_column, tokens), (tags_column, tags)):
            if not values:
                raise DataError(
                    f"{path}: line {line}: column {name!r} is empty; expected a "
                    "space-separated sequence"
                )
        if len(tokens) != len(tags):
            raise DataError(
                f"{path}: line {line}: column {tags_column!r} has {len(tags)} tags but column "
                f"{tokens_column!r} has {len(tokens)} tokens; expected one tag per token"
            )
        sentences.append(TaggedSentence(tuple(tokens), tuple(tags), line))
    return sentences


# ---- tag vocabulary ---------------------------------------------------------------------


class TagVocab:
    """Tags <-> ids: the distinct tags in sorted order (id = position)."""

    def __init__(self, tags: Sequence[str]) -> None:
        tags = list(tags)
        if not tags:
            raise DataError("TagVocab: no tags; expected at least one")
        for i, tag in enumerate(tags):
            if not isinstance(tag, str) or not tag or tag != tag.strip() or " " in tag:
                raise DataError(
                    f"TagVocab: tag {i}: expected a non-empty string without spaces, "
                    f"received {tag!r}"
                )
        if len(set(tags)) != len(tags) or tags != sorted(tags):
            raise DataError(f"TagVocab: expected distinct tags in sorted order, received {tags}")
        self.tags: tuple[str, ...] = tuple(tags)
        self._ids = {tag: i for i, tag in enumerate(self.tags)}

    @classmethod
    def build(cls, tag_sequences: Iterable[Sequence[str]]) -> TagVocab:
        """The vocabulary of every tag seen in `tag_sequences`."""
        return cls(sorted({tag for tags in tag_sequences for tag in tags}))

    def __len__(self) -> int:
        return len(self.tags)

    def __contains__(self, tag: object) -> bool:
        return tag in self._ids

    def id(self, tag: str, where: str = "tags") -> int:
        """The id of `tag`; DataError naming `where` and the known tags when it is unknown."""
        if tag not in self._ids:
            shown = ", ".join(self.tags[:SHOWN_TAGS]) + (
                " ..." if len(self.tags) > SHOWN_TAGS else ""
            )
            raise DataError(
                f"{where}: unknown tag {tag!r}; the model knows {len(self.tags)} tags: {shown}"
            )
        return self._ids[tag]

    def encode(self, tags: Sequence[str], where: str = "tags") -> list[int]:
        return [self.id(tag, where) for tag in tags]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tags of `ids`; DataError for an id outside 0..len-1."""
        out = []
        for i in ids:
            if isinstance(i, bool) or not 0 <= int(i) < len(self.tags):
                raise DataError(f"tag id {i!r} is outside 0..{len(self.tags) - 1}")
            out.append(self.tags[int(i)])
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (saved with a model)."""
        return {"format": TAG_VOCAB_FORMAT, "version": 1, "tags": list(self.tags)}

    @classmethod
    def from_dict(cls, data: Any, source: str = "tags") -> TagVocab:
        if not isinstance(data, dict) or data.get("format") != TAG_VOCAB_FORMAT:
            raise DataError(f"{source}: expected a {TAG_VOCAB_FORMAT!r} mapping, received {data!r}")
        tags = data.get("tags")
        if not isinstance(tags, list):
            raise DataError(f"{source}: field 'tags': expected a list, received {tags!r}")
        return cls(tags)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TagVocab) and other.tags == self.tags

    def __hash__(self) -> int:
        return hash(self.tags)

    def __repr__(self) -> str:
        return f"TagVocab({list(self.tags)!r})"
