"""Vocab: deterministic numbering, special ids, limits, JSON round trip, bad files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from rnnlab.data.tokenize import EOS
from rnnlab.data.vocab import PAD, PAD_ID, UNK, UNK_ID, Vocab, check_unknown_share
from rnnlab.errors import ConfigError, DataError, RnnlabError

STREAM = list("abracadabra")  # a:5 b:2 r:2 c:1 d:1


def test_order_by_frequency_then_first_appearance() -> None:
    vocab = Vocab.build(STREAM)
    assert vocab.tokens == (PAD, UNK, "a", "b", "r", "c", "d")
    assert vocab.token_to_id(PAD) == PAD_ID == 0 and vocab.token_to_id(UNK) == UNK_ID == 1
    assert vocab.counts == (0, 0, 5, 2, 2, 1, 1)


def test_build_is_deterministic_and_takes_lists_or_a_stream() -> None:
    lists = [["b", "a"], ["a", "c"], ["c"]]
    flat = [t for tokens in lists for t in tokens]
    assert Vocab.build(lists) == Vocab.build(flat) == Vocab.build(iter(flat))
    assert Vocab.build(lists).tokens == (PAD, UNK, "a", "c", "b")  # a, c tie at 2: a came first


def test_min_freq_and_max_size() -> None:
    assert Vocab.build(STREAM, min_freq=2).tokens == (PAD, UNK, "a", "b", "r")
    assert Vocab.build(STREAM, max_size=4).tokens == (PAD, UNK, "a", "b")
    assert len(Vocab.build(STREAM, min_freq=6)) == 2


def test_max_size_smaller_than_the_specials_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"data\.max_vocab: expected at least 3.*received 2"):
        Vocab.build(["a", EOS], max_size=2)
    with pytest.raises(ConfigError, match=r"data\.min_freq"):
        Vocab.build(STREAM, min_freq=0)


def test_eos_gets_id_2_when_present_and_is_kept() -> None:
    vocab = Vocab.build(["x", "y", EOS, "x", EOS], min_freq=3)
    assert vocab.tokens == (PAD, UNK, EOS)
    assert vocab.has_eos and vocab.eos_id == 2
    assert not Vocab.build(STREAM).has_eos and Vocab.build(STREAM).eos_id is None


def test_literal_special_tokens_in_the_data_are_not_duplicated() -> None:
    assert Vocab.build(["<unk>", "a", "<pad>"]).tokens == (PAD, UNK, "a")


def test_encode_decode() -> None:
    vocab = Vocab.build(STREAM)
    ids = vocab.encode(["a", "z", "d"])
    assert ids.dtype == np.int64 and ids.tolist() == [2, UNK_ID, 6]
    assert vocab.encode([]).shape == (0,)
    assert vocab.decode(ids) == ["a", UNK, "d"]
    assert vocab.decode([0, 1]) == [PAD, UNK]
    assert "a" in vocab and "z" not in vocab and vocab.token_to_id("z") == UNK_ID
    with pytest.raises(DataError, match=r"token id 7 is outside the vocabulary \(ids 0\.\.6\)"):
        vocab.decode([2, 7])


def test_json_round_trip(tmp_path: Path) -> None:
    vocab = Vocab.build(["好", "x", EOS, "好"])
    assert Vocab.from_json(json.loads(json.dumps(vocab.to_json()))) == vocab
    path = tmp_path / "sub" / "vocab.json"
    with pytest.raises(ConfigError, match=r"vocab\.json: the folder .*sub does not exist"):
        vocab.save(path)  # no folder made on the fly
    path.parent.mkdir()
    vocab.save(path)
    loaded = Vocab.load(path)
    assert loaded == vocab and loaded.counts == vocab.counts
    assert "好" in path.read_text(encoding="utf-8")  # readable, not escaped
    assert [p.name for p in path.parent.iterdir()] == ["vocab.json"]  # no temp file left


def test_save_replaces_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "vocab.json"
    Vocab.build(["a"]).save(path)
    before = path.read_bytes()

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(RnnlabError, match=r"vocab\.json: cannot write: disk full"):
        Vocab.build(["b"]).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["vocab.json"]


def good() -> dict:
    return {"format": "rnnlab-vocab", "version": 1, "tokens": [PAD, UNK, "a", "b"]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tokens": [UNK, PAD, "a"]}, r"field 'tokens', id 0: expected '<pad>', received '<unk>'"),
        ({"tokens": [PAD, "a"]}, r"id 1: expected '<unk>', received 'a'"),
        ({"tokens": [PAD]}, r"id 1: expected '<unk>', received 'nothing'"),
        ({"tokens": [PAD, UNK, "a", "a"]}, r"'a' appears twice \(ids 2 and 3\)"),
        ({"tokens": [PAD, UNK, 3]}, r"id 2: expected a non-empty string, received 3"),
        ({"tokens": [PAD, UNK, ""]}, r"id 2: expected a non-empty string"),
        ({"tokens": "abc"}, r"field 'tokens': expected a list of strings, received str"),
        ({"tokens": None}, r"expected a list of strings, received NoneType"),
        ({"format": "other"}, r"field 'format': expected 'rnnlab-vocab', received 'other'"),
        ({"version": 2}, r"field 'version': expected 1, received 2"),
        ({"extra": 1}, r"unknown field\(s\) 'extra'"),
        ({"counts": [0, 0, 1]}, r"field 'counts': expected a list of 4 integers .*received 3"),
        ({"counts": [0, 0, 1, -1]}, r"field 'counts', id 3: expected an integer >= 0"),
    ],
)
def test_bad_vocab_files(tmp_path: Path, change: dict, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**good(), **change}), encoding="utf-8")
    with pytest.raises(DataError, match=rf"bad\.json: .*{message}"):
        Vocab.load(path)


def test_missing_tokens_field(tmp_path: Path) -> None:
    path = tmp_path / "v.json"
    path.write_text('{"format": "rnnlab-vocab", "version": 1}', encoding="utf-8")
    with pytest.raises(DataError, match=r"v\.json: missing field 'tokens'"):
        Vocab.load(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"the file is empty"),
        (b'{"tokens": [\n  "<pad>",\n  oops]}', r"line 3, column 3: not valid JSON"),
        (b'{"a": 1}\n\xff\xfe', r"line 2: not UTF-8 text"),
        (b"[1, 2]", r"expected a JSON object, received list"),
    ],
)
def test_unreadable_vocab_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "v.json"
    path.write_bytes(content)
    with pytest.raises(DataError, match=rf"v\.json: .*{message}"):
        Vocab.load(path)


def test_missing_vocab_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nope\.json: vocab file not found"):
        Vocab.load(tmp_path / "nope.json")


# ---- how much of the training text data.min_freq / data.max_vocab leave known ---------------


@pytest.mark.parametrize(
    ("unknown", "total", "max_vocab", "parts"),
    [
        (100, 100, None, r"data\.min_freq 5 turns 100 of the 100 training tokens \(100%\)"),
        (96, 100, 40, r"data\.min_freq 5 with data\.max_vocab 40 turns 96 .*raise data\.max_vocab"),
        (9_600_000, 10_000_000, None, r".*turns 9,600,000 of the 10,000,000 .*\(96%\)"),
    ],
)
def test_unknown_share_over_95_percent_is_refused(
    unknown: int, total: int, max_vocab: int | None, parts: str
) -> None:
    with pytest.raises(DataError, match=r"^t\.txt: " + parts):
        check_unknown_share(unknown, total, 5, max_vocab, "t.txt")


def test_unknown_share_over_half_is_warned_and_below_is_silent() -> None:
    (warning,) = check_unknown_share(95, 100, 3, None, "t.txt")
    assert warning == (
        "t.txt: data.min_freq 3 turns 95 of the 100 training tokens (95%) into <unk>; "
        "to keep more words, lower data.min_freq"
    )
    assert check_unknown_share(50, 100, 3, None, "t.txt") == []
    assert check_unknown_share(0, 0, 3, None, "t.txt") == []
