"""Tokenizers: characters and words, English and Chinese, <eos> at line ends, round trips."""

from __future__ import annotations

import pytest

from rnnlab.data.tokenize import EOS, Tokenizer
from rnnlab.errors import ConfigError

CHAR = Tokenizer("char")
WORD = Tokenizer("word")


def test_char_every_character_is_a_token_newlines_included() -> None:
    assert CHAR.tokenize("ab c\nd") == ["a", "b", " ", "c", "\n", "d"]
    assert CHAR.tokenize("學而時習之\n") == ["學", "而", "時", "習", "之", "\n"]
    assert CHAR.tokenize("naïve 🙂") == ["n", "a", "ï", "v", "e", " ", "🙂"]


@pytest.mark.parametrize(
    "text", ["Hello, world!\n\nSecond line.", "古文觀止：鄭伯克段於鄢。\n", " spaces  \t kept "]
)
def test_char_round_trip_is_exact(text: str) -> None:
    assert CHAR.detokenize(CHAR.tokenize(text)) == text


def test_char_tokenize_lines_is_tokenize() -> None:
    assert CHAR.tokenize_lines("ab\ncd\n") == list("ab\ncd\n")


def test_word_words_punctuation_and_apostrophes() -> None:
    tokens = WORD.tokenize("Don't stop, it's rock'n'roll! (Really?) Students' work...")
    assert tokens == [
        "Don't", "stop", ",", "it's", "rock'n'roll", "!", "(", "Really", "?", ")",
        "Students", "'", "work", ".", ".", ".",
    ]  # fmt: skip


def test_word_curly_apostrophe_numbers_and_underscores() -> None:
    assert WORD.tokenize("I can’t pay 3.50 for snake_case") == [
        "I", "can’t", "pay", "3", ".", "50", "for", "snake_case",
    ]  # fmt: skip


def test_word_chinese_every_ideograph_is_a_token() -> None:
    assert WORD.tokenize("學而時習之，不亦說乎？") == [
        "學", "而", "時", "習", "之", "，", "不", "亦", "說", "乎", "？",
    ]  # fmt: skip


def test_word_classical_chinese_with_book_title_marks() -> None:
    tokens = WORD.tokenize("《左傳》 先秦：左丘明")
    assert tokens == ["《", "左", "傳", "》", "先", "秦", "：", "左", "丘", "明"]


def test_word_mixed_scripts_and_combining_marks() -> None:
    assert WORD.tokenize("I use Python写代码。") == ["I", "use", "Python", "写", "代", "码", "。"]
    assert WORD.tokenize("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]  # vowel signs stay in the word
    assert WORD.tokenize("cafe\u0301 ok") == ["cafe\u0301", "ok"]  # decomposed accent


def test_lowercase_folds_case_for_both_kinds() -> None:
    assert Tokenizer("word", lowercase=True).tokenize("The CAT") == ["the", "cat"]
    assert Tokenizer("char", lowercase=True).tokenize("Ab") == ["a", "b"]


def test_word_tokenize_lines_marks_each_line_end() -> None:
    assert WORD.tokenize_lines("The cat sat.\nIt slept.\n") == [
        "The", "cat", "sat", ".", EOS, "It", "slept", ".", EOS,
    ]  # fmt: skip


def test_word_tokenize_lines_blank_lines_crlf_and_no_final_newline() -> None:
    assert WORD.tokenize_lines("a b\r\n\r\nc") == ["a", "b", EOS, EOS, "c", EOS]
    assert WORD.tokenize_lines("a\n") == WORD.tokenize_lines("a") == ["a", EOS]


def test_word_tokenize_has_no_eos() -> None:
    assert EOS not in WORD.tokenize("a b\nc d\n")


@pytest.mark.parametrize(
    "text",
    [
        "Hello, world! Don't panic (really).",
        'He said "hi there" and left.',
        "Well-known facts cost $5 and/or more... Yes: 10%.",
        "學而時習之，不亦說乎？有朋自遠方來，不亦樂乎？",
        "The cat sat on the mat.\nThe dog sat on the rug.\n\nEnd.",
    ],
)
def test_word_round_trip_on_ordinary_text(text: str) -> None:
    assert WORD.detokenize(WORD.tokenize_lines(text)) == text + "\n"


def test_word_detokenize_turns_eos_into_newline() -> None:
    assert WORD.detokenize(["a", "b", EOS, "c", ".", EOS]) == "a b\nc.\n"


def test_unknown_kind_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"data\.tokenizer: expected char \| word.*'bpe'"):
        Tokenizer("bpe")  # type: ignore[arg-type]
