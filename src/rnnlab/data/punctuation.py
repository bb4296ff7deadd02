"""Punctuation restoration as sequence labelling (classical Chinese).

From punctuated text, ``tag_line`` keeps the characters and tags each one with the mark
that follows it, or ``NONE`` when the next character follows directly::

    tag_line("學而時習之，不亦說乎？")  ->  學 而 時 習 之 不 亦 說 乎
                                          O  O  O  O  ， O  O  O  ？

``restore(chars, tags)`` is the inverse: the characters with the marks put back.

The marks (the tags besides ``NONE``) are the seven pause marks of the text,
``，。：；？！、``, the ones a reader of unpunctuated classical Chinese must supply. The
rest of the punctuation is normalised as follows (counts: guwenguanzhi.txt, 145,498
characters):

- ASCII and other variants become the full-width mark: ``, . ． : ∶ ; ? !`` (about 80
  in all); an ellipsis ``…`` becomes ``。`` and a dash ``—`` becomes ``，`` (a pause).
- Quotation marks (“”‘’「」『』"), title brackets 《》〈〉, middle dots (``・·``, inside
  titles such as 《禮記·檀弓》), spaces, enclosed numbers (a footnote ⒅), control and
  format characters (a zero-width space) and any other punctuation are dropped: they
  are not tagged and ``restore`` does not put them back.
  Quotes and brackets come in pairs that open *before* a character, which a "mark after
  the character" tag cannot say; they carry no pause of their own (a closing quote
  follows a pause mark: ``。”``).
- Editorial notes in parentheses or square brackets, ``(泰山 一作：太山)``,
  ``（地名）``, ``[通“事”]``, ``(bēi)``, are removed with their contents (about 170).
- A run of several marks after one character keeps its first mark (``。……`` -> ``。``;
  quotes in between are dropped first, so ``。”`` -> ``。``): 8 marks in all, the second
  of ``。……`` and dashes after a comma. Marks before a line's first character have no
  character to belong to and are dropped (none in guwenguanzhi.txt's paragraphs).

So ``restore(*tag_line(text))`` gives the text in this normal form (``normalise``), and
text already in normal form comes back unchanged.

Files: ``parse_anthology`` reads the layout of guwenguanzhi.txt: blocks separated by blank
lines; a one-line block starting with 卷 is a volume heading; otherwise a block of two
lines (the essay's title and its source/author line) followed by a block of paragraphs,
one per line. Only the paragraphs are tagged: titles and source lines are names, not
running text (a source line's ``：`` separates a dynasty from an author). A plain file of
one paragraph per line is read by ``read_punctuated``'s ``lines`` layout.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rnnlab.data.readers import read_text
from rnnlab.data.tag_data import TagData, build_tag_data
from rnnlab.data.tagging import OUTSIDE, TaggedSentence, TagVocab
from rnnlab.errors import ConfigError, DataError

NONE = OUTSIDE  # the tag of a character followed directly by the next one
MARKS = ("，", "。", "：", "；", "？", "！", "、")
SENTENCE_ENDS = frozenset("。？！")
ALIASES = {
    ",": "，",
    ".": "。",
    "．": "。",
    "…": "。",
    ":": "：",
    "∶": "：",
    ";": "；",
    "?": "？",
    "!": "！",
    "—": "，",
}
VOLUME_PREFIX = "卷"
Layout = Literal["anthology", "lines"]

_NOTE = re.compile(r"[(（\[][^()（）\[\]]*[)）\]]")
_MARK_OF = {**{m: m for m in MARKS}, **ALIASES}
_ENCLOSED = range(0x2460, 0x2500)  # ① ⑴ ⒅ ...: note numbers


def punctuation_tags() -> TagVocab:
    """The tag vocabulary of punctuation restoration: NONE and the seven marks."""
    return TagVocab(sorted((NONE, *MARKS)))


def strip_notes(line: str) -> str:
    """`line` without its editorial notes: ``(...)``, ``（...）``, ``[...]``."""
    return _NOTE.sub("", line)


def _kind(ch: str) -> str:
    """The mark `ch` stands for, "" when it is dropped, or "char" for a text character."""
    if ch in _MARK_OF:
        return _MARK_OF[ch]
    category = unicodedata.category(ch)
    if category[0] in "PZ" or category in ("Cc", "Cf") or ord(ch) in _ENCLOSED:
        return ""
    return "char"


def tag_line(line: str) -> tuple[list[str], list[str]]:
    """(characters, tags) of one punctuated line (see the module's rules)."""
    chars: list[str] = []
    tags: list[str] = []
    for ch in strip_notes(line):
        kind = _kind(ch)
        if kind == "char":
            chars.append(ch)
            tags.append(NONE)
        elif kind and chars and tags[-1] == NONE:
            tags[-1] = kind  # the first mark after a character is its tag
    return chars, tags


def strip_punctuation(text: str) -> str:
    """The characters a model reads: `text` (one line) without notes and punctuation."""
    return "".join(tag_line(text)[0])


def restore(chars: Sequence[str], tags: Sequence[str]) -> str:
    """The characters with the marks of `tags` put back after them."""
    if len(chars) != len(tags):
        raise DataError(
            f"restore: {len(chars)} characters but {len(tags)} tags; expected one tag each"
        )
    parts = []
    for i, (ch, tag) in enumerate(zip(chars, tags, strict=True)):
        if tag != NONE and tag not in MARKS:
            raise DataError(
                f"restore: tag {i + 1} is {tag!r}; expected {NONE} or one of {' '.join(MARKS)}"
            )
        parts.append(ch if tag == NONE else ch + tag)
    return "".join(parts)


def normalise(line: str) -> str:
    """`line` in the normal form of the tags: ``restore(*tag_line(line))``."""
    return restore(*tag_line(line))


# ---- files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Essay:
    """One essay of an anthology: its heading lines and its paragraphs (line, text)."""

    volume: str
    title: str
    source: str
    paragraphs: tuple[tuple[int, str], ...]


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """Runs of non-blank lines as [(1-based line, text), ...]."""
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            blocks[-1].append((number, line.strip()))
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def parse_anthology(text: str, source: str = "text") -> list[Essay]:
    """The essays of a text in the anthology layout (see the module's docstring)."""
    essays: list[Essay] = []
    volume = ""
    blocks = _blocks(text)
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if len(block) == 1 and block[0][1].startswith(VOLUME_PREFIX):
            volume, i = block[0][1], i + 1
            continue
        line = block[0][0]
        if len(block) != 2:
            raise DataError(
                f"{source}: line {line}: expected an essay heading of 2 lines (title, then "
                f"source) followed by a blank line, received a block of {len(block)} lines; "
                "for one paragraph per line use the lines layout"
            )
        if i + 1 == len(blocks):
            raise DataError(
                f"{source}: line {line}: the essay {block[0][1]!r} has no paragraphs; "
                "expected a block of paragraphs after its heading"
            )
        essays.append(Essay(volume, block[0][1], block[1][1], tuple(blocks[i + 1])))
        i += 2
    if not essays:
        raise DataError(f"{source}: no essays; expected a title, a source line and paragraphs")
    return essays


def sentences_of(numbered_lines: Sequence[tuple[int, str]]) -> list[TaggedSentence]:
    """Tagged sentences of (line, text) pairs; lines left without characters are skipped."""
    out = []
    for number, line in numbered_lines:
        chars, tags = tag_line(line)
        if chars:
            out.append(TaggedSentence(tuple(chars), tuple(tags), number))
    return out


def read_punctuated(
    path: str | Path, layout: str = "anthology"
) -> tuple[list[TaggedSentence], list[int]]:
    """(tagged paragraphs, the group of each: its essay's index, or its own index in the
    lines layout) of a punctuated text file."""
    if layout not in ("anthology", "lines"):
        raise ConfigError(f"data.layout: expected anthology | lines, received {layout!r}")
    text = read_text(path)
    if layout == "lines":
        numbered = [(n, line) for n, line in enumerate(text.split("\n"), start=1)]
        sentences = sentences_of([(n, line) for n, line in numbered if line.strip()])
        groups = list(range(len(sentences)))
    else:
        sentences, groups = [], []
        for index, essay in enumerate(parse_anthology(text, str(path))):
            tagged = sentences_of(essay.paragraphs)
            sentences += tagged
            groups += [index] * len(tagged)
    if not sentences:
        raise DataError(f"{path}: no characters to tag; expected punctuated text")
    unpunctuated = sum(all(t == NONE for t in s.tags) for s in sentences)
    if unpunctuated == len(sentences):
        raise DataError(
            f"{path}: no punctuation marks ({' '.join(MARKS)}) in the text; "
            "expected punctuated text to learn from"
        )
    return sentences, groups


def split_long(sentence: TaggedSentence, max_length: int) -> list[TaggedSentence]:
    """`sentence` cut into pieces of at most `max_length` characters, each after the last
    sentence end (。？！) that fits, else after the last mark, else at max_length."""
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
        raise ConfigError(f"data.max_length: expected an integer >= 1, received {max_length!r}")
    pieces = []
    tokens, tags = sentence.tokens, sentence.tags
    while len(tokens) > max_length:
        window = tags[:max_length]
        ends = [i for i, t in enumerate(window) if t in SENTENCE_ENDS]
        marks = [i for i, t in enumerate(window) if t != NONE]
        cut = (ends or marks or [max_length - 1])[-1] + 1
        pieces.append(TaggedSentence(tokens[:cut], tags[:cut], sentence.line))
        tokens, tags = tokens[cut:], tags[cut:]
    pieces.append(TaggedSentence(tokens, tags, sentence.line))
    return pieces


def build_punctuation_data(
    path: str | Path,
    *,
    val_fraction: float,
    seed: int,
    layout: str = "anthology",
    max_length: int | None = None,
    min_freq: int = 1,
    max_vocab: int | None = None,
) -> TagData:
    """TagData of a punctuated text: its paragraphs as character sequences tagged with
    ``punctuation_tags()``, split by essay (anthology) or by line, paragraphs longer than
    `max_length` cut by ``split_long`` (the pieces stay with their essay)."""
    sentences, groups = read_punctuated(path, layout)
    if max_length is not None:
        pairs = zip(sentences, groups, strict=True)
        pieces = [(piece, g) for s, g in pairs for piece in split_long(s, max_length)]
        sentences, groups = [p for p, _ in pieces], [g for _, g in pieces]
    return build_tag_data(
        sentences,
        val_fraction=val_fraction,
        seed=seed,
        groups=groups,
        min_freq=min_freq,
        max_vocab=max_vocab,
        tags=punctuation_tags(),
        source=str(path),
    )


def characters_to_punctuate(text: str) -> list[list[str]]:
    """The characters of each line of `text` that has some (marks and notes dropped):
    what ``TagData.encode_tokens`` takes to predict the marks."""
    lines = [list(strip_punctuation(line)) for line in text.split("\n")]
    lines = [chars for chars in lines if chars]
    if not lines:
        raise DataError(f"text: no characters to punctuate in {text[:40]!r}")
    return lines


def restore_lines(char_lists: Sequence[Sequence[str]], tag_lists: Sequence[Sequence[str]]) -> str:
    """The lines of ``restore`` joined by newlines: the predicted text."""
    if len(char_lists) != len(tag_lists):
        raise DataError(
            f"restore: {len(char_lists)} lines of characters but {len(tag_lists)} of tags"
        )
    return "\n".join(restore(c, t) for c, t in zip(char_lists, tag_lists, strict=True))
