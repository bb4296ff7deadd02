"""The text format of word vectors (GloVe .txt, word2vec/fastText .txt/.vec).

One word and its d numbers per line, separated by spaces (or tabs)::

    3 4                       <- optional header "V d": two integers, first line only
    the 0.418 0.24968 -0.41242 0.1217
    , 0.013441 0.23682 -0.16899 0.40951
    ...

A word is any run of non-whitespace characters (whitespace here is ASCII: space, tab,
CR, LF, VT, FF; a no-break space belongs to the word). Blank lines are skipped. A first
line of exactly two integers is read as the header (so a 1-dimensional file whose first
word is a number needs a header). The file is UTF-8 (a byte-order mark is dropped).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rnnlab.embeddings.matrix import EmbeddingMatrix
from rnnlab.errors import ConfigError, DataError

BOM = b"\xef\xbb\xbf"
CHUNK = 8192  # rows parsed per NumPy call
_ASCII_SPACE = frozenset(" \t\r\n\x0b\x0c")
MAX_DIM = 100_000  # an embedding file wider than this has a lying header, not a matrix


class _Rows:
    """Rows read so far: words, the line of each word, and parsed (n, d) float32 chunks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.words: list[str] = []
        self.line_of: dict[str, int] = {}
        self.chunks: list[np.ndarray] = []
        self.pending: list[list[bytes]] = []
        self.pending_lines: list[int] = []
        self.d: int | None = None
        self.first_line = 0

    def add(
        self, word: str, values: list[bytes], line: int, header: tuple[int, int, int] | None
    ) -> None:
        if self.d is None:
            self._first_row(word, values, line, header)
        elif len(values) != self.d:
            where = f"line {self.first_line}" + (" and the header" if header else "")
            raise DataError(
                f"{self.path}: line {line}: word {word!r} has {len(values)} values; expected "
                f"d={self.d} as on {where} (the dimension changes mid-file)"
            )
        if word in self.line_of:
            raise DataError(
                f"{self.path}: line {line}: the word {word!r} appears again (first on line "
                f"{self.line_of[word]}); expected each word once"
            )
        self.line_of[word] = line
        self.words.append(word)
        self.pending.append(values)
        self.pending_lines.append(line)
        if len(self.pending) >= CHUNK:
            self.flush()

    def _first_row(
        self, word: str, values: list[bytes], line: int, header: tuple[int, int, int] | None
    ) -> None:
        if not values:
            raise DataError(
                f"{self.path}: line {line}: the word {word!r} has no numbers after it; "
                "expected a word followed by d numbers"
            )
        if header is not None and header[1] != len(values):
            raise DataError(
                f"{self.path}: line {line}: the header (line {header[2]}) says d={header[1]}, "
                f"but this row has {len(values)} values; the header disagrees with the content"
            )
        self.d, self.first_line = len(values), line

    def flush(self) -> None:
        if self.pending:
            self.chunks.append(_parse_chunk(self.pending, self.pending_lines, self.path))
            self.pending, self.pending_lines = [], []


def read_text_vectors(path: str | Path, max_words: int | None = None) -> EmbeddingMatrix:
    """Read a text embedding file (module doc); `max_words` keeps the first rows only."""
    path = Path(path)
    _check_path(path)
    if max_words is not None and (
        isinstance(max_words, bool) or not isinstance(max_words, int) or max_words < 1
    ):
        raise ConfigError(f"max_words: expected an integer >= 1 or None, received {max_words!r}")
    rows = _Rows(path)
    size = path.stat().st_size
    header: tuple[int, int, int] | None = None  # (V, d, line)
    seen_content = complete = False
    with path.open("rb") as handle:
        for line, raw in enumerate(handle, start=1):
            parts = _split(raw, line, path)
            if not parts:
                continue
            if not seen_content and _is_header(parts):
                header, seen_content = (int(parts[0]), int(parts[1]), line), True
                check_header_fits(path, header[0], header[1], 0, size, line)
                continue
            seen_content = True
            if max_words is not None and len(rows.words) >= max_words:
                break
            rows.add(parts[0].decode("utf-8"), parts[1:], line, header)
            if header is not None and len(rows.words) == 1:  # d agrees: can V rows fit?
                check_header_fits(path, header[0], header[1], 2 * header[1] + 2, size, header[2])
        else:
            complete = True
    rows.flush()
    _check_counts(rows, header, path, complete)
    vectors = np.concatenate(rows.chunks)  # (V, d)
    meta = {"source": str(path), "format": "text", "header": header is not None}
    if max_words is not None:
        meta["max_words"] = max_words
    return EmbeddingMatrix(rows.words, vectors, meta)


def _split(raw: bytes, line: int, path: Path) -> list[bytes]:
    """The whitespace-separated fields of one line, after checking that it is UTF-8."""
    if line == 1 and raw.startswith(BOM):
        raw = raw[len(BOM) :]
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataError(
            f"{path}: line {line}: not UTF-8 text (byte 0x{raw[err.start]:02x} at byte "
            f"{err.start + 1} of the line); expected UTF-8 word vectors"
        ) from None
    return raw.split()  # bytes.split() splits on ASCII whitespace only


def _is_header(parts: list[bytes]) -> bool:
    return len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit()


def check_header_fits(path: Path, V: int, d: int, row_bytes: int, size: int, line: int = 1) -> None:
    """DataError unless a header's V words of d numbers (at least `row_bytes` bytes each)
    can be in a file of `size` bytes and d is at most MAX_DIM: refused before reading rows."""
    if d > MAX_DIM:
        raise DataError(
            f"{path}: line {line}: the header says d={d}, over the limit of {MAX_DIM} dimensions; "
            "expected 'V d' with the real number of words and dimensions"
        )
    if V * row_bytes > size:
        raise DataError(
            f"{path}: line {line}: the header says V={V} words of d={d}, which needs at least "
            f"{V * row_bytes:,} bytes, but the file has {size:,}; the header is wrong or the "
            "file is truncated"
        )


def _check_counts(
    rows: _Rows, header: tuple[int, int, int] | None, path: Path, complete: bool
) -> None:
    if not rows.words:
        if header is not None:
            raise DataError(
                f"{path}: line {header[2]}: a header 'V d' but no vectors after it; expected "
                f"{header[0]} lines of a word and {header[1]} numbers"
            )
        raise DataError(
            f"{path}: the file is empty; expected word vectors (a word and d numbers per line)"
        )
    if header is not None and complete and header[0] != len(rows.words):
        raise DataError(
            f"{path}: line {header[2]}: the header says V={header[0]} words, but the file has "
            f"{len(rows.words)}; the header disagrees with the content"
        )


def _parse_chunk(values: list[list[bytes]], lines: list[int], path: Path) -> np.ndarray:
    """(n, d) float32 from the number fields; errors name line, column and value."""
    try:
        with np.errstate(over="ignore"):
            array = np.array(values, dtype=np.float32)
    except ValueError:
        for row, line in zip(values, lines, strict=True):
            for j, value in enumerate(row):
                try:
                    float(value)
                except ValueError:
                    raise DataError(
                        f"{path}: line {line}, column {j + 2} (number {j + 1} of the vector): "
                        f"expected a number, received {value.decode('utf-8')!r}"
                    ) from None
        raise DataError(
            f"{path}: lines {lines[0]}-{lines[-1]}: cannot read the numbers; expected numbers"
        ) from None
    bad = np.argwhere(~np.isfinite(array))
    if len(bad):
        i, j = (int(n) for n in bad[0])
        raise DataError(
            f"{path}: line {lines[i]}, column {j + 2} (number {j + 1} of the vector): expected "
            f"a finite float32 number, received {values[i][j].decode('utf-8')!r}"
        )
    return array


def text_vector_lines(matrix: EmbeddingMatrix, precision: int = 6) -> list[str]:
    """``word x_1 ... x_d`` for each row, numbers with `precision` significant digits."""
    if not isinstance(precision, int) or not 1 <= precision <= 17:
        raise ConfigError(f"precision: expected an integer 1..17, received {precision!r}")
    row_format = " ".join([f"%.{precision}g"] * matrix.dim)
    return [
        f"{word} {row_format % tuple(row)}"
        for word, row in zip(matrix.words, matrix.vectors.tolist(), strict=True)
    ]


def check_words_writable(words: Sequence[str], path: Path) -> None:
    """DataError unless every word is a run of non-whitespace characters."""
    for i, word in enumerate(words):
        if any(ch in _ASCII_SPACE for ch in word):
            raise DataError(
                f"{path}: cannot write word {i} ({word!r}): it contains whitespace, which "
                "separates the fields of this format; use .npy for such words"
            )


def _check_path(path: Path) -> None:
    if path.is_dir():
        raise DataError(f"{path}: is a folder; expected a word-vector text file")
    if not path.is_file():
        raise DataError(f"{path}: file not found; expected a word-vector text file")
