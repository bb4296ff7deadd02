"""Tokenizers: text -> tokens -> text, at character or word level.

char: every Unicode character is a token, newlines included, so a character-level
      language model learns line ends like any other character.
word: runs of word characters (letters, digits, ``_`` and combining marks), with
      apostrophes inside a word kept (``don't``, ``rock'n'roll``); every other
      visible character (punctuation, symbols) is a token of its own; every CJK
      ideograph (and kana) is a token of its own, because Chinese and Japanese do
      not put spaces between words. Whitespace only separates tokens.

A word-level language model marks line ends with the ``<eos>`` token
(``tokenize_lines``); ``detokenize`` turns it back into a newline.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rnnlab.errors import ConfigError

EOS = "<eos>"

TokenizerKind = Literal["char", "word"]

# CJK ideographs (URO, extension A, compatibility, extensions B-G), iteration marks,
# Hangzhou numerals, and kana: one token per character at word level.
_CJK = (
    "\u3005-\u3007\u3021-\u3029\u3038-\u303b\u3040-\u309f\u30a0-\u30ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
)
_CJK_RE = re.compile(f"[{_CJK}]")
# CJK and full-width punctuation: written without spaces around it.
_CJK_PUNCT_RE = re.compile("[\u3000-\u3004\u3008-\u3020\u30fb\uff00-\uffef]")
_APOSTROPHES = "'\u2019"

# No space before these (closing punctuation), none after those (opening punctuation).
_CLOSERS = frozenset(".,!?;:%)]}»\u201d\u2019\u2026'")
_OPENERS = frozenset("([{«\u201c\u2018¿¡$£€#")
_JOINERS = frozenset("-/")  # no space on either side: well-known, and/or


@functools.cache
def _word_pattern() -> re.Pattern[str]:
    """Tokens at word level; built once, on first use (the mark ranges take ~50 ms)."""
    marks = _mark_ranges()
    word_char = f"(?:[^\\W{_CJK}]|[{marks}])"
    word = f"{word_char}+(?:[{_APOSTROPHES}]{word_char}+)*"
    return re.compile(f"[{_CJK}]|{word}|\\S")


def _mark_ranges() -> str:
    """A regex class body of every combining mark (Unicode category M*).

    Python's ``\\w`` leaves them out, which would split words in Hindi, Arabic or
    decomposed accented Latin text at every vowel sign or accent.
    """
    ranges: list[str] = []
    start = prev = -2
    for code in range(0x300, 0x20000):  # marks past the SMP: only variation selectors
        if unicodedata.category(chr(code))[0] != "M":
            continue
        if code != prev + 1:
            if start >= 0:
                ranges.append(_range(start, prev))
            start = code
        prev = code
    ranges.append(_range(start, prev))
    ranges.append(_range(0xE0100, 0xE01EF))  # variation selectors supplement
    return "".join(ranges)


def _range(start: int, end: int) -> str:
    first, last = re.escape(chr(start)), re.escape(chr(end))
    return first if start == end else f"{first}-{last}"


@dataclass(frozen=True)
class Tokenizer:
    """Cut text into tokens and join tokens back into text.

    kind: ``"char"`` or ``"word"``; lowercase: fold case before cutting.
    """

    kind: TokenizerKind = "char"
    lowercase: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ("char", "word"):
            raise ConfigError(f"data.tokenizer: expected char | word, received {self.kind!r}")

    def tokenize(self, text: str) -> list[str]:
        """The tokens of `text` (no ``<eos>``: see ``tokenize_lines``)."""
        if self.lowercase:
            text = text.lower()
        if self.kind == "char":
            return list(text)
        return _word_pattern().findall(text)

    def tokenize_lines(self, text: str) -> list[str]:
        """Tokens for language modelling, with line ends marked.

        word: the tokens of each line followed by ``<eos>`` (a blank line is a lone
        ``<eos>``; a final line without a newline still ends with ``<eos>``).
        char: the same as ``tokenize``: the newline character is itself a token.
        """
        if self.kind == "char":
            return self.tokenize(text)
        lines = text.replace("\r\n", "\n").split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # the newline ending the last line does not start a new one
        tokens: list[str] = []
        for line in lines:
            tokens.extend(self.tokenize(line))
            tokens.append(EOS)
        return tokens

    def detokenize(self, tokens: Iterable[str]) -> str:
        """Join tokens into text: char joins as they are; word joins with spaces,
        attaching punctuation, keeping CJK text unspaced, and turning ``<eos>`` into
        a newline."""
        if self.kind == "char":
            return "".join("\n" if t == EOS else t for t in tokens)
        return _join_words(tokens)


def _join_words(tokens: Iterable[str]) -> str:
    parts: list[str] = []
    prev: str | None = None
    quote_open = False  # straight double quotes alternate: opening, closing
    for token in tokens:
        if token == EOS:
            parts.append("\n")
            prev, quote_open = None, False
            continue
        if token == '"':
            space = prev is not None and not quote_open and not _no_space_after(prev)
            quote_open = not quote_open
        else:
            space = prev is not None and _space_between(prev, token)
        if space:
            parts.append(" ")
        parts.append(token)
        prev = token
        if token == '"' and quote_open:
            prev = "("  # an opening quote: nothing attaches a space after it
    return "".join(parts)


def _space_between(prev: str, token: str) -> bool:
    if _no_space_after(prev) or token in _CLOSERS or token in _JOINERS:
        return False
    return not (_is_tight(prev) or _is_tight(token))


def _no_space_after(token: str) -> bool:
    return token in _OPENERS or token in _JOINERS


def _is_tight(token: str) -> bool:
    """CJK characters and CJK punctuation: written without spaces."""
    return len(token) == 1 and bool(_CJK_RE.match(token) or _CJK_PUNCT_RE.match(token))
