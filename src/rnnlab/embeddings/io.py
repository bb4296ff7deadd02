"""Reading and writing embedding files (never pickle), chosen by the file's suffix.

    .txt .vec   text (GloVe, word2vec, fastText): ``word x_1 ... x_d`` per line, fields
                separated by spaces or tabs, with an optional first line ``V d``
    .bin        word2vec binary: ``V d\\n``, then per word the UTF-8 word, a space, d
                little-endian float32 and optionally a newline
    .npy        a NumPy (V, d) array, with its words in ``<stem>.vocab.json`` next to it:
                ``{"format": "rnnlab-embedding-words", "version": 1, "words": [...],
                "meta": {...}}`` (meta optional), or an rnnlab Vocab JSON

Every error names the file, the line (text), the word number (binary) or the row (npy),
and what was expected. Writes are atomic (``rnnlab.spec.files``: a temporary file in the
same folder, fsync, rename), into a folder that exists. A loaded matrix's ``meta``
records ``source`` (the path) and ``format``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from rnnlab.data.checks import check_output_path
from rnnlab.data.vocab import FORMAT as VOCAB_FORMAT
from rnnlab.data.vocab import Vocab
from rnnlab.embeddings.matrix import EmbeddingMatrix
from rnnlab.embeddings.npyfile import read_npy_matrix
from rnnlab.embeddings.textvec import (
    check_header_fits,
    check_words_writable,
    read_text_vectors,
    text_vector_lines,
)
from rnnlab.errors import ConfigError, DataError, ShapeError
from rnnlab.spec.files import atomic_write, atomic_write_bytes, atomic_write_text
from rnnlab.spec.io import parse_json_data

WORDS_FORMAT = "rnnlab-embedding-words"
WORDS_VERSION = 1
MAX_WORD_BYTES = 4096  # a binary word longer than this means the file is not what it claims
SUFFIXES: dict[str, str] = {
    ".txt": "text",
    ".vec": "text",
    ".bin": "word2vec-binary",
    ".npy": "npy",
}

__all__ = [
    "SUFFIXES",
    "check_embedding_output",
    "load_embedding",
    "read_npy_pair",
    "read_text_vectors",
    "read_word2vec_binary",
    "save_embedding",
    "words_path",
    "write_npy_pair",
    "write_text_vectors",
    "write_word2vec_binary",
]


# ---- dispatch ------------------------------------------------------------------------------


def load_embedding(path: str | Path, max_words: int | None = None) -> EmbeddingMatrix:
    """Read an embedding file, its format chosen by the suffix (.txt .vec .bin .npy).

    max_words: keep only the first rows (files usually list words by frequency).
    """
    path = Path(path)
    fmt = _format_of(path)
    if fmt == "text":
        return read_text_vectors(path, max_words)
    if fmt == "word2vec-binary":
        return read_word2vec_binary(path, max_words)
    matrix = read_npy_pair(path)
    if max_words is not None and max_words < len(matrix):
        _check_max_words(max_words)
        words, vectors = matrix.words[:max_words], matrix.vectors[:max_words]
        return EmbeddingMatrix(words, vectors, {**matrix.meta, "max_words": max_words})
    return matrix


def save_embedding(matrix: EmbeddingMatrix, path: str | Path, header: bool = True) -> None:
    """Write `matrix` in the format of the suffix; `header` is for the text format."""
    path = Path(path)
    fmt = _format_of(path)
    if fmt == "text":
        write_text_vectors(matrix, path, header)
    elif fmt == "word2vec-binary":
        write_word2vec_binary(matrix, path)
    else:
        write_npy_pair(matrix, path)


def check_embedding_output(path: str | Path) -> Path:
    """`path` as a Path when an embedding can be saved there: a known suffix, in a folder
    that exists (ConfigError/DataError naming it otherwise); checked before any building."""
    path = Path(path)
    _format_of(path)
    return check_output_path(path, "embedding file")


def _format_of(path: Path) -> str:
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise DataError(
            f"{path}: cannot tell the embedding format from the suffix "
            f"{path.suffix or '(none)'!r}; supported: .txt and .vec (text: a word and its "
            "numbers per line), .bin (word2vec binary), .npy (NumPy array + .vocab.json)"
        )
    return fmt


# ---- text ----------------------------------------------------------------------------------


def write_text_vectors(
    matrix: EmbeddingMatrix, path: str | Path, header: bool = True, precision: int = 6
) -> None:
    """Write ``word x_1 ... x_d`` lines (`precision` significant digits), atomically.

    header: start with the line ``V d`` (word2vec/fastText); without it, GloVe's layout.
    """
    path = check_output_path(path, "embedding file")
    check_words_writable(matrix.words, path)
    lines = text_vector_lines(matrix, precision)
    if header:
        lines.insert(0, f"{len(matrix)} {matrix.dim}")
    atomic_write_text(path, "\n".join(lines) + "\n")


# ---- word2vec binary -----------------------------------------------------------------------


def read_word2vec_binary(path: str | Path, max_words: int | None = None) -> EmbeddingMatrix:
    """Read the word2vec C tool's binary format (see the module doc)."""
    path = Path(path)
    data = _read_bytes(path, "a word2vec binary file")
    V, d, pos = _binary_header(data, path)
    check_header_fits(path, V, d, 0, len(data))  # d; a lying V ends as 'truncated'
    n = V if max_words is None else min(V, _check_max_words(max_words))
    words: list[str] = []
    rows: list[np.ndarray] = []  # grown row by row: a lying header cannot demand memory
    first: dict[str, int] = {}
    for i in range(n):
        word, pos = _binary_word(data, pos, path, i, V)
        if word in first:
            raise DataError(
                f"{path}: word {i + 1} of {V}: {word!r} appears again (first as word "
                f"{first[word] + 1}); expected each word once"
            )
        first[word] = i
        stop = pos + 4 * d
        if stop > len(data):
            raise DataError(
                f"{path}: word {i + 1} of {V} ({word!r}): the file is truncated: expected "
                f"{d} float32 values ({4 * d} bytes) after the word, found {len(data) - pos}"
            )
        rows.append(np.frombuffer(data, dtype="<f4", count=d, offset=pos))
        words.append(word)
        pos = stop
    extra = len(data[pos:].lstrip(b"\r\n"))
    if n == V and extra:
        raise DataError(
            f"{path}: line 1: the header says V={V} words of d={d}, but {extra} more bytes "
            "follow the last one; the header disagrees with the content (is V or d wrong?)"
        )
    vectors = np.stack(rows).astype(np.float32)  # (V, d)
    _check_rows_finite(vectors, words, lambda i: f"{path}: word {i + 1} ({words[i]!r})")
    meta = {"source": str(path), "format": "word2vec-binary", "max_words": max_words}
    return _matrix(words, vectors, meta, path)


def _binary_header(data: bytes, path: Path) -> tuple[int, int, int]:
    """(V, d, offset after the header line) of a word2vec binary file."""
    end = data.find(b"\n", 0, 100)
    fields = data[: max(end, 0)].split()
    ok = end >= 0 and len(fields) == 2 and all(f.isdigit() for f in fields)
    if not ok or int(fields[0]) < 1 or int(fields[1]) < 1:
        shown = data[: end if end >= 0 else 40]
        raise DataError(
            f"{path}: line 1: expected a header 'V d' (two positive integers: the number of "
            f"words and the dimension) ending in a newline, received {shown!r}"
        )
    return int(fields[0]), int(fields[1]), end + 1


def _binary_word(data: bytes, pos: int, path: Path, i: int, V: int) -> tuple[str, int]:
    """The i-th word starting at `pos` (after an optional newline), and the offset after it."""
    while pos < len(data) and data[pos : pos + 1] in (b"\n", b"\r"):
        pos += 1
    if pos >= len(data):
        raise DataError(
            f"{path}: word {i + 1} of {V}: the file is truncated: it ends after {i} words; "
            f"the header (line 1) announces {V}"
        )
    end = data.find(b" ", pos, pos + MAX_WORD_BYTES)
    if end < 0:
        raise DataError(
            f"{path}: word {i + 1} of {V} (byte {pos}): expected a word followed by a space, "
            f"found no space in the next {MAX_WORD_BYTES} bytes (truncated, or d is wrong)"
        )
    try:
        word = data[pos:end].decode("utf-8")
    except UnicodeDecodeError:
        raise DataError(
            f"{path}: word {i + 1} of {V} (byte {pos}): the word is not UTF-8 "
            f"({data[pos:end][:40]!r}); expected UTF-8 words (or d is wrong)"
        ) from None
    if not word:
        raise DataError(f"{path}: word {i + 1} of {V} (byte {pos}): the word is empty")
    return word, end + 1


def write_word2vec_binary(matrix: EmbeddingMatrix, path: str | Path) -> None:
    """Write the word2vec binary format (a newline after each vector, as the C tool does)."""
    path = check_output_path(path, "embedding file")
    check_words_writable(matrix.words, path)
    rows = matrix.vectors.astype("<f4")
    parts = [f"{len(matrix)} {matrix.dim}\n".encode("ascii")]
    for word, row in zip(matrix.words, rows, strict=True):
        parts.append(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
    atomic_write_bytes(path, b"".join(parts))


# ---- NumPy pair ----------------------------------------------------------------------------


def words_path(npy_path: str | Path) -> Path:
    """The word list next to an .npy matrix: ``E.npy`` -> ``E.vocab.json``."""
    npy_path = Path(npy_path)
    return npy_path.with_name(npy_path.stem + ".vocab.json")


def read_npy_pair(path: str | Path) -> EmbeddingMatrix:
    """Read ``E.npy`` (a (V, d) real array, loaded without pickle) and ``E.vocab.json``."""
    path = Path(path)
    _read_bytes(path, "a NumPy .npy file", read=False)
    sidecar = words_path(path)
    if not sidecar.is_file():
        raise DataError(
            f"{path}: the word list {sidecar.name} is missing; expected {sidecar} next to "
            "the array, naming the word of each row (save_embedding writes both)"
        )
    array = read_npy_matrix(path)
    words, stored = _read_words_json(sidecar)
    if array.shape[0] != len(words):
        raise DataError(
            f"{path}: the array has {array.shape[0]} rows but {sidecar} lists "
            f"{len(words)} words; expected one word per row"
        )
    vectors = array.astype(np.float32)
    _check_rows_finite(vectors, words, lambda i: f"{path}: row {i} (word {words[i]!r})")
    prior = {k: stored.pop(k) for k in ("source", "format") if k in stored}
    if prior:
        stored["converted_from"] = prior
    return _matrix(words, vectors, {**stored, "source": str(path), "format": "npy"}, path)


def _read_words_json(path: Path) -> tuple[list[str], dict[str, Any]]:
    """(words, stored meta) of a word-list JSON (or an rnnlab Vocab JSON)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(f"{path}: line {line}: not UTF-8 text; expected a JSON word list") from None
    data = parse_json_data(text, str(path))
    fmt = data.get("format") if isinstance(data, dict) else None
    if fmt == VOCAB_FORMAT:
        vocab = Vocab.from_json(data, str(path))
        return list(vocab.tokens), {} if vocab.counts is None else {"counts": list(vocab.counts)}
    if fmt != WORDS_FORMAT:
        raise DataError(
            f"{path}: field 'format': expected {WORDS_FORMAT!r} or {VOCAB_FORMAT!r}, "
            f"received {fmt!r}"
        )
    if data.get("version") != WORDS_VERSION:
        raise DataError(
            f"{path}: field 'version': expected {WORDS_VERSION}, received {data.get('version')!r}"
        )
    words, meta = data.get("words"), data.get("meta", {})
    if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
        raise DataError(f"{path}: field 'words': expected a list of non-empty strings")
    first: dict[str, int] = {}
    for i, word in enumerate(words):
        if first.setdefault(word, i) != i:
            raise DataError(
                f"{path}: field 'words': {word!r} appears twice (items {first[word]} and {i}); "
                "expected each word once"
            )
    if not isinstance(meta, dict):
        raise DataError(f"{path}: field 'meta': expected an object, received {meta!r}")
    return words, dict(meta)


def write_npy_pair(matrix: EmbeddingMatrix, path: str | Path) -> None:
    """Write ``E.npy`` (float32) and ``E.vocab.json`` (words and meta), each atomically."""
    path = check_output_path(path, "embedding file")
    doc = {"format": WORDS_FORMAT, "version": WORDS_VERSION, "words": matrix.words}
    doc["meta"] = matrix.meta
    text = json.dumps(doc, ensure_ascii=False, default=_json_default) + "\n"
    atomic_write_text(words_path(path), text)
    atomic_write(path, lambda handle: np.save(handle, matrix.vectors, allow_pickle=False))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


# ---- shared --------------------------------------------------------------------------------


def _matrix(
    words: list[str], vectors: np.ndarray, meta: dict[str, Any], path: Path
) -> EmbeddingMatrix:
    """EmbeddingMatrix, with any remaining validation error naming the file."""
    try:
        return EmbeddingMatrix(words, vectors, meta)
    except (DataError, ShapeError) as err:
        raise DataError(f"{path}: {err}") from None


def _check_rows_finite(vectors: np.ndarray, words: list[str], where: Callable[[int], str]) -> None:
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise DataError(f"{where(i)}: a value is nan or inf; expected finite numbers")


def _check_max_words(max_words: int) -> int:
    if isinstance(max_words, bool) or not isinstance(max_words, int) or max_words < 1:
        raise ConfigError(f"max_words: expected an integer >= 1 or None, received {max_words!r}")
    return max_words


def _read_bytes(path: Path, what: str, read: bool = True) -> bytes:
    if path.is_dir():
        raise DataError(f"{path}: is a folder; expected {what}")
    if not path.is_file():
        raise DataError(f"{path}: file not found; expected {what}")
    if not read:
        return b""
    data = path.read_bytes()
    if not data.strip():
        raise DataError(f"{path}: the file is empty; expected {what}")
    return data
