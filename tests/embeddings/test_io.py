"""Embedding files: round trips in every format, and a named error for every bad file."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from rnnlab.data.vocab import Vocab
from rnnlab.embeddings import (
    EmbeddingMatrix,
    load_embedding,
    random_embedding,
    read_npy_pair,
    read_text_vectors,
    read_word2vec_binary,
    save_embedding,
    words_path,
    write_npy_pair,
    write_text_vectors,
    write_word2vec_binary,
)
from rnnlab.errors import ConfigError, DataError

Write = Callable[[str, str | bytes], Path]


def _raises(path: Path, *parts: str) -> pytest.RaisesContext:
    """pytest.raises(DataError) whose message starts with the file and contains `parts`."""
    pattern = "^" + re.escape(str(path)) + ": .*" + ".*".join(re.escape(p) for p in parts)
    return pytest.raises(DataError, match=re.compile(pattern, re.S))


@pytest.fixture
def rand() -> EmbeddingMatrix:
    words = ["the", ",", "naïve", "Ünïcode", "x-ray!", "<unk>", "日本"]
    return random_embedding(words, 5, "normal", scale=3.0, seed=0)


# ---- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("header", [True, False])
def test_text_round_trip(rand: EmbeddingMatrix, tmp_path: Path, header: bool) -> None:
    path = tmp_path / "vectors.txt"
    write_text_vectors(rand, path, header=header)
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert (first == "7 5") is header
    back = read_text_vectors(path)
    assert back.words == rand.words
    np.testing.assert_allclose(back.vectors, rand.vectors, rtol=1e-5)
    assert back.meta == {"source": str(path), "format": "text", "header": header}


def test_binary_and_npy_round_trips_are_exact(rand: EmbeddingMatrix, tmp_path: Path) -> None:
    for name in ("v.bin", "v.npy"):
        save_embedding(rand, tmp_path / name)
        back = load_embedding(tmp_path / name)
        assert back.words == rand.words
        np.testing.assert_array_equal(back.vectors, rand.vectors)
        assert back.meta["source"] == str(tmp_path / name)
    assert load_embedding(tmp_path / "v.bin").meta["format"] == "word2vec-binary"
    npy = load_embedding(tmp_path / "v.npy")
    assert npy.meta["format"] == "npy" and npy.meta["method"] == "random"  # meta kept
    assert npy.meta["seed"] == 0 and (tmp_path / "v.vocab.json").is_file()


def test_load_dispatch_max_words_and_unknown_suffix(rand: EmbeddingMatrix, tmp_path: Path) -> None:
    for name in ("a.vec", "a.txt", "a.bin", "a.npy"):
        save_embedding(rand, tmp_path / name)
        assert load_embedding(tmp_path / name, max_words=3).words == rand.words[:3]
    with _raises(tmp_path / "a.pkl", "suffix '.pkl'", ".txt and .vec", ".bin", ".npy"):
        load_embedding(tmp_path / "a.pkl")
    with pytest.raises(DataError, match="supported"):
        save_embedding(rand, tmp_path / "a.json")
    with pytest.raises(ConfigError, match="max_words"):
        load_embedding(tmp_path / "a.txt", max_words=0)


def test_text_reader_accepts_common_variants(write: Write) -> None:
    text = "\ufeffthe 1 2 3 \r\n\n\tcafé\u00a0noir -1e-3 2.5E2 0 \r\nnan 4 5 6\n"
    m = read_text_vectors(write("v.txt", text))
    assert m.words == ["the", "café\u00a0noir", "nan"]  # a no-break space is part of a word
    np.testing.assert_allclose(m.vectors[1], [-0.001, 250.0, 0.0])


def test_gensim_reads_our_files(rand: EmbeddingMatrix, tmp_path: Path) -> None:
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    write_word2vec_binary(rand, tmp_path / "v.bin")
    write_text_vectors(rand, tmp_path / "v.txt")
    for name, binary in (("v.bin", True), ("v.txt", False)):
        kv = gensim_kv.KeyedVectors.load_word2vec_format(tmp_path / name, binary=binary)
        assert list(kv.index_to_key) == rand.words
        np.testing.assert_allclose(kv.vectors, rand.vectors, rtol=1e-5)


def test_writers_refuse_words_with_spaces(tmp_path: Path) -> None:
    m = EmbeddingMatrix(["new york", "a"], np.ones((2, 2)))
    for name in ("v.txt", "v.bin"):
        with _raises(tmp_path / name, "word 0 ('new york')", "whitespace"):
            save_embedding(m, tmp_path / name)
    save_embedding(m, tmp_path / "v.npy")  # the npy pair keeps any word
    assert load_embedding(tmp_path / "v.npy").words == ["new york", "a"]


# ---- bad text files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "parts"),
    [
        ("", ["the file is empty"]),
        ("\n  \n", ["the file is empty"]),
        (b"a 1 2\nb 3 4\nc\xff 5 6\n", ["line 3: not UTF-8", "0xff"]),
        ("a 1 2\nb 3 abc\n", ["line 2, column 3", "expected a number, received 'abc'"]),
        ("a 1 2 3\nb 4 5 6\nc 7 8\n", ["line 3", "2 values; expected d=3", "changes mid-file"]),
        ("a 1 2\nb 3 4\nc 5 6\nb 7 8\n", ["line 4", "'b' appears again (first on line 2)"]),
        ("3 2\na 1.5 2.5\nb 3.5 4.5\n", ["line 1: the header says V=3 words", "has 2"]),
        ("5 2\na 1 2\nb 3 4\n", ["line 1: the header says V=5 words of d=2", "needs at least"]),
        ("\n1000000000000 3\na 1 2 3\n", ["line 2: the header says V=1000000000000", "file has"]),
        ("1 100000000000\na 1 2 3\n", ["line 1: the header says d=100000000000", "limit of"]),
        ("2 4\na 1 2\nb 3 4\n", ["line 2: the header (line 1) says d=4", "2 values"]),
        ("2 2\n", ["line 1: a header 'V d' but no vectors"]),
        ("a 1 2\nb nan 4\n", ["line 2, column 2", "finite", "'nan'"]),
        ("a 1 2\nb 1e39 4\n", ["line 2, column 2", "finite float32", "'1e39'"]),
        ("a\nb 1 2\n", ["line 1: the word 'a' has no numbers after it"]),
    ],
)
def test_bad_text_files(write: Write, content: str | bytes, parts: list[str]) -> None:
    path = write("bad.vec", content)
    with _raises(path, *parts):
        read_text_vectors(path)


def test_missing_files(tmp_path: Path) -> None:
    for name in ("nope.txt", "nope.bin", "nope.npy"):
        with _raises(tmp_path / name, "file not found"):
            load_embedding(tmp_path / name)
    with _raises(tmp_path, "is a folder"):
        read_text_vectors(tmp_path)


# ---- bad binary files ----------------------------------------------------------------------


def _binary(tmp_path: Path, words: list[str], d: int = 2) -> bytes:
    m = EmbeddingMatrix(words, np.arange(len(words) * d).reshape(len(words), d))
    write_word2vec_binary(m, tmp_path / "ok.bin")
    return (tmp_path / "ok.bin").read_bytes()


def test_bad_binary_files(tmp_path: Path, write: Write) -> None:
    data = _binary(tmp_path, ["a", "b", "c"])  # header 4 bytes, then 11 bytes per word
    cases = [
        (data[:-5], ["word 3 of 3 ('c')", "truncated", "expected 2 float32 values (8 bytes)"]),
        (data[:-11], ["word 3 of 3", "truncated", "ends after 2 words"]),
        (b"3 x\n" + data[4:], ["line 1: expected a header 'V d'", "b'3 x'"]),
        (b"three words", ["line 1: expected a header 'V d'"]),
        (b"2 2\n" + data[4:], ["line 1: the header says V=2", "11 more bytes"]),
        (data.replace(b"c ", b"a "), ["word 3 of 3", "'a' appears again (first as word 1)"]),
        (b"", ["the file is empty"]),
        (b"100000000000 2\n" + data[4:], ["word 4 of 100000000000", "ends after 3 words"]),
        (b"3 1000000000\n" + data[4:], ["line 1: the header says d=1000000000", "limit of"]),
    ]
    for content, parts in cases:
        path = write("bad.bin", content)
        with _raises(path, *parts):
            read_word2vec_binary(path)


def test_binary_without_newlines_is_read(tmp_path: Path, write: Write) -> None:
    data = b"2 1\n" + b"a " + np.float32(1.5).tobytes() + b"b " + np.float32(-2).tobytes()
    m = read_word2vec_binary(write("g.bin", data))  # gensim writes no newline after vectors
    assert m.words == ["a", "b"] and m.vectors.ravel().tolist() == [1.5, -2.0]


# ---- bad npy pairs -------------------------------------------------------------------------


def _sidecar(path: Path, words: list[str]) -> None:
    doc = {"format": "rnnlab-embedding-words", "version": 1, "words": words}
    words_path(path).write_text(json.dumps(doc), encoding="utf-8")


def test_bad_npy_pairs(tmp_path: Path, write: Write) -> None:
    path = tmp_path / "E.npy"
    np.save(path, np.ones((3, 2), dtype=np.float32))
    with _raises(path, "the word list E.vocab.json is missing", str(words_path(path))):
        read_npy_pair(path)
    _sidecar(path, ["a", "b"])
    with _raises(path, "the array has 3 rows but", "lists 2 words"):
        read_npy_pair(path)
    np.save(path, np.ones(2))
    with _raises(path, "expected a 2-D array (V, d), received shape (2,)"):
        read_npy_pair(path)
    np.save(path, np.array([["a", 1], ["b", 2]], dtype=object), allow_pickle=True)
    with _raises(path, "object dtype", "pickle"):
        read_npy_pair(path)
    np.save(path, np.array([[1.0, np.inf], [0.0, 0.0]]))
    with _raises(path, "row 0 (word 'a')", "nan or inf"):
        read_npy_pair(path)
    write("E.npy", b"not an array")
    with _raises(path, "not a readable .npy file"):
        read_npy_pair(path)


def test_bad_sidecars_and_vocab_sidecar(tmp_path: Path) -> None:
    path = tmp_path / "E.npy"
    np.save(path, np.ones((3, 2)))
    sidecar = words_path(path)
    sidecar.write_text('{"format": "rnnlab-embedding-words",\n "words": [1, }', encoding="utf-8")
    with _raises(sidecar, "line 2, column", "not valid JSON"):
        read_npy_pair(path)
    sidecar.write_text('{"format": "glove"}', encoding="utf-8")
    with _raises(sidecar, "field 'format'", "'rnnlab-embedding-words' or 'rnnlab-vocab'"):
        read_npy_pair(path)
    _sidecar(path, ["a", "b", "a"])
    with _raises(sidecar, "field 'words'", "'a' appears twice (items 0 and 2)"):
        read_npy_pair(path)
    Vocab(["<pad>", "<unk>", "cat"], counts=[0, 0, 7]).save(sidecar)
    m = read_npy_pair(path)
    assert m.words == ["<pad>", "<unk>", "cat"] and m.meta["counts"] == [0, 0, 7]


def test_npy_writer_is_atomic_and_leaves_no_temporaries(
    rand: EmbeddingMatrix, tmp_path: Path
) -> None:
    write_npy_pair(rand, tmp_path / "E.npy")
    write_npy_pair(rand, tmp_path / "E.npy")  # overwrite
    assert sorted(p.name for p in tmp_path.iterdir()) == ["E.npy", "E.vocab.json"]


def _npy_header_only(path: Path, shape: tuple[int, ...], descr: str, data: bytes = b"") -> None:
    """An .npy file whose header claims `shape` of `descr`, followed by `data` only."""
    with path.open("wb") as handle:
        header = {"descr": descr, "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_1_0(handle, header)
        handle.write(data)


@pytest.mark.parametrize(
    ("shape", "descr", "data", "parts"),
    [
        ((10, 10**11), "<f4", b"\0" * 64, ["shape (10, 100000000000)", "limit of 100000"]),
        ((10**11, 10), "<f4", b"\0" * 64, ["shape (100000000000, 10)", "4,000,000,000,000"]),
        ((3, 2), "<f8", b"\0" * 47, ["(48 bytes)", "holds 47 bytes", "truncated"]),
        ((3, 2), "<f8", b"\0" * 49, ["(48 bytes)", "holds 49 bytes"]),
        ((3, 2), "|O", b"\0" * 48, ["object dtype", "pickle"]),
        ((3, 2), "<c16", b"\0" * 96, ["expected real numbers, received dtype complex128"]),
        ((3, 2), "|S4", b"\0" * 24, ["expected real numbers, received dtype |S4"]),
        ((-3, 2), "<f4", b"", ["expected a 2-D array (V, d), received shape (-3, 2)"]),
    ],
)
def test_npy_headers_are_checked_before_reading(
    tmp_path: Path, shape: tuple[int, ...], descr: str, data: bytes, parts: list[str]
) -> None:
    path = tmp_path / "E.npy"
    _npy_header_only(path, shape, descr, data)
    _sidecar(path, ["a", "b", "c"])
    with _raises(path, *parts):
        load_embedding(path)


def test_npy_fortran_order_and_integers_are_read(tmp_path: Path) -> None:
    path = tmp_path / "E.npy"
    array = np.asfortranarray(np.arange(6, dtype=np.int16).reshape(3, 2))
    np.save(path, array)
    _sidecar(path, ["a", "b", "c"])
    m = read_npy_pair(path)
    assert m.vectors.dtype == np.float32 and m.vectors.tolist() == array.tolist()
