"""Reading data files: plain text, TSV/CSV tables, numeric series.

Every error names the file and, where there is one, the 1-based line, what was
expected and what was received. Files are UTF-8; a UTF-8 byte-order mark is
dropped and line endings become ``\\n``.

TSV is read with no quote handling (``csv.QUOTE_NONE``): review sentences contain
``"`` characters, and quote handling would silently merge rows. CSV uses the csv
module's default dialect (``"`` quotes fields that contain commas).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from rnnlab.errors import ConfigError, DataError
from rnnlab.spec.run import DataSpec

Format = Literal["text", "tsv", "csv"]
TableFormat = Literal["tsv", "csv"]

BOM = b"\xef\xbb\xbf"
SUFFIXES: dict[str, Format] = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".tsv": "tsv",
    ".csv": "csv",
}
MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "-"})


def read_text(path: str | Path) -> str:
    """The text of a UTF-8 file (BOM dropped, ``\\r\\n`` and ``\\r`` turned into ``\\n``)."""
    path = Path(path)
    text = _decode(path)
    if not text:
        raise DataError(f"{path}: the file is empty; expected some text")
    if not text.strip():
        raise DataError(f"{path}: the file contains only whitespace; expected some text")
    return text


def read_table_lines(
    path: str | Path, fmt: TableFormat
) -> tuple[list[str], list[list[str]], list[int]]:
    """Like ``read_table``, with the 1-based file line of each row as a third item."""
    path = Path(path)
    if fmt not in ("tsv", "csv"):
        raise ConfigError(f"data.format: a table is tsv | csv, received {fmt!r}")
    text = _decode(path)
    if not text.strip():
        raise DataError(f"{path}: the file is empty; expected a header line and rows")
    if fmt == "tsv":
        reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    else:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header, records = _records(reader, path)
    rows, lines = _check_rows(header, records, path, fmt)
    return header, rows, lines


def read_table(path: str | Path, fmt: TableFormat) -> tuple[list[str], list[list[str]]]:
    """The header (column names) and the rows of a TSV or CSV file.

    Blank lines are skipped (in a one-column table an inner blank line is an empty
    value). Every row must have as many fields as the header.
    """
    header, rows, _ = read_table_lines(path, fmt)
    return header, rows


def _records(reader: Any, path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line, row), ...]) with csv errors turned into DataErrors."""
    records: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            records.append((reader.line_num, row))
    except csv.Error as err:
        raise DataError(
            f"{path}: line {reader.line_num}: cannot read the row ({err}); "
            'check the "double quotes" on this line and the ones before'
        ) from None
    while records and not records[0][1]:
        records.pop(0)  # blank lines before the header
    if not records or not any(f.strip() for f in records[0][1]):
        raise DataError(f"{path}: no header line; expected column names on the first line")
    line, header = records[0]
    header = [name.strip() for name in header]
    for i, name in enumerate(header):
        if not name:
            raise DataError(f"{path}: line {line}: column {i + 1} of the header has no name")
        if name in header[:i]:
            raise DataError(f"{path}: line {line}: column {name!r} appears twice in the header")
    return header, records[1:]


def _check_rows(
    header: list[str], records: list[tuple[int, list[str]]], path: Path, fmt: str
) -> tuple[list[list[str]], list[int]]:
    while records and not records[-1][1]:
        records.pop()  # blank lines at the end
    rows: list[list[str]] = []
    lines: list[int] = []
    for line, row in records:
        if not row:
            if len(header) > 1:
                continue  # a blank line in a table of several columns holds nothing
            row = [""]  # in a one-column table it is an empty value
        if len(row) != len(header):
            raise DataError(
                f"{path}: line {line}: expected {len(header)} fields (as in the header), "
                f"received {len(row)}{_field_hint(fmt, len(row) > len(header))}"
            )
        rows.append(row)
        lines.append(line)
    return rows, lines


def _field_hint(fmt: str, too_many: bool) -> str:
    if not too_many:
        return ""
    if fmt == "tsv":
        return " (is there a tab inside a text?)"
    return ' (is there a comma inside a value that is not in "double quotes"?)'


def column(header: list[str], rows: list[list[str]], name: str, path: str | Path) -> list[str]:
    """The values of column `name`; DataError naming the available columns if it is absent."""
    if name not in header:
        raise DataError(
            f"{path}: no column {name!r}; the columns are {', '.join(map(repr, header))}"
        )
    index = header.index(name)
    return [row[index] for row in rows]


def column_pair(
    path: str | Path, first: tuple[str, str], second: tuple[str, str]
) -> tuple[list[str], list[str], list[int]]:
    """Two columns of a TSV with a header, each given as (config field, column name), and
    the 1-based file line of each row; the same column named for both is a ConfigError
    naming the two fields (e.g. data.tokens_column and data.tags_column)."""
    (first_field, first_name), (second_field, second_name) = first, second
    if first_name == second_name:
        raise ConfigError(
            f"data.{first_field} and data.{second_field} are both {first_name!r}; "
            "expected two different columns"
        )
    header, rows, lines = read_table_lines(path, "tsv")
    return column(header, rows, first_name, path), column(header, rows, second_name, path), lines


def read_series(
    path: str | Path, fmt: TableFormat, column_name: str | None = None, missing: str = "error"
) -> np.ndarray:
    """One numeric column of a table as float64 (N,); the last column by default."""
    header, rows, lines = read_table_lines(path, fmt)
    return series_column(header, rows, lines, path, column_name, missing).values


def series_from_table(
    header: list[str],
    rows: list[list[str]],
    lines: list[int],
    path: str | Path,
    column_name: str | None = None,
) -> tuple[str, np.ndarray]:
    """(column name, float64 values (N,)) of a table read by ``read_table_lines``."""
    column_read = series_column(header, rows, lines, path, column_name)
    return column_read.name, column_read.values


@dataclass
class SeriesColumn:
    """A numeric column after its missing values were handled (``data.missing``)."""

    name: str
    values: np.ndarray  # float64 (N,)
    missing: int = 0  # missing values in the file
    filled: int = 0  # of which filled (interpolate, ffill)
    dropped: int = 0  # of which dropped (drop; ffill before the first value)
    rows: np.ndarray | None = None  # index of the table row of each value (None: all rows)
    lines: list[int] | None = None  # 1-based file line of each value

    def report(self, mode: str) -> dict[str, Any]:
        return {
            "mode": mode,
            "missing": self.missing,
            "filled": self.filled,
            "dropped": self.dropped,
        }


def series_column(
    header: list[str],
    rows: list[list[str]],
    lines: list[int],
    path: str | Path,
    column_name: str | None = None,
    missing: str = "error",
) -> SeriesColumn:
    """A numeric column of a table, its missing values handled as `missing` says:

    error (refuse, naming the first line) | interpolate (linear in the row index; before
    the first or after the last value, the nearest value) | ffill (the last value before;
    leading missing values are dropped) | drop (left out: the rows after close up).
    """
    if missing not in MISSING_MODES:
        raise ConfigError(
            f"data.missing: expected {' | '.join(MISSING_MODES)}, received {missing!r}"
        )
    name = header[-1] if column_name is None else column_name
    raw = column(header, rows, name, path)
    absent = np.array([_is_missing(value) for value in raw], dtype=bool)
    _check_missing(absent, missing, lines, path, name)
    values = np.full(len(raw), np.nan, dtype=np.float64)
    for i, (line, value) in enumerate(zip(lines, raw, strict=True)):
        if not absent[i]:
            values[i] = _number(value, path, line, name)
    result = _fill(name, values, absent, missing)
    result.lines = lines if result.rows is None else [lines[i] for i in result.rows]
    if len(result.values) < 2:
        raise DataError(
            f"{path}: column {name!r} has {len(result.values)} value(s); a series needs at least 2"
        )
    return result


MISSING_MODES: tuple[str, ...] = get_args(DataSpec.model_fields["missing"].annotation)


def _check_missing(
    absent: np.ndarray, mode: str, lines: list[int], path: str | Path, name: str
) -> None:
    """DataError naming the first gap when `mode` is error, or when every value is missing."""
    n_missing = int(absent.sum())
    if n_missing and (mode == "error" or n_missing == len(absent)):
        first = lines[int(np.flatnonzero(absent)[0])]
        hint = (
            "; fill or drop the missing values (data.missing: interpolate | ffill | drop)"
            if mode == "error"
            else "; every value is missing"
        )
        raise DataError(
            f"{path}: line {first}: column {name!r} has no value "
            f"({n_missing} missing value(s) in all){hint}"
        )


def _fill(name: str, values: np.ndarray, absent: np.ndarray, mode: str) -> SeriesColumn:
    n_missing = int(absent.sum())
    if n_missing == 0:
        return SeriesColumn(name, values)
    known = np.flatnonzero(~absent)
    if mode == "interpolate":
        gaps = np.flatnonzero(absent)
        values[gaps] = np.interp(gaps, known, values[known])
        return SeriesColumn(name, values, n_missing, filled=n_missing)
    if mode == "ffill":
        last_known = np.maximum.accumulate(np.where(absent, -1, np.arange(len(values))))
        keep = last_known >= 0  # nothing to carry forward before the first value
        filled = values[last_known[keep]]
        dropped = int((~keep).sum())
        rows = np.flatnonzero(keep)
        return SeriesColumn(name, filled, n_missing, n_missing - dropped, dropped, rows)
    return SeriesColumn(name, values[known], n_missing, dropped=n_missing, rows=known)  # drop


def _is_missing(value: str) -> bool:
    return value.strip().lower() in MISSING_MARKERS


# a plain decimal number: 12, -3.5, .5, 1e-3; not 1_000, inf, 0x10, or other Python literals
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _number(value: str, path: str | Path, line: int, name: str) -> float:
    text = value.strip()
    if not _NUMBER.fullmatch(text):
        raise DataError(
            f"{path}: line {line}: column {name!r}: expected a number, received {value!r} "
            "(a plain decimal such as 12, -3.5 or 1e-3)"
        )
    number = float(text)
    if not math.isfinite(number):
        raise DataError(
            f"{path}: line {line}: column {name!r}: expected a finite number, received {value!r}"
        )
    return number


def infer_format(path: str | Path, declared: Format | None) -> Format:
    """`declared` if given, else the format of the file suffix (.txt .text .md .tsv .csv)."""
    if declared is not None:
        if declared not in ("text", "tsv", "csv"):
            raise ConfigError(f"data.format: expected text | tsv | csv, received {declared!r}")
        return declared
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        known = ", ".join(SUFFIXES)
        raise DataError(
            f"{path}: cannot tell the format from the suffix {suffix or '(none)'!r} "
            f"(known: {known}); set data.format to text, tsv or csv"
        )
    return SUFFIXES[suffix]


def file_hash(path: str | Path) -> str:
    """SHA-256 hex digest of the file's bytes."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _decode(path: Path) -> str:
    """The file's text: checked to exist and to be UTF-8; BOM dropped; newlines made ``\\n``."""
    if path.is_dir():
        raise DataError(f"{path}: is a folder; expected a data file")
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    raw = path.read_bytes()
    if raw.startswith(BOM):
        raw = raw[len(BOM) :]
    nul = raw.find(b"\0")
    if nul >= 0:  # UTF-8 text never holds one; a binary file (or UTF-16) does
        line = raw[:nul].count(b"\n") + 1
        raise DataError(
            f"{path}: line {line}: a NUL byte; expected UTF-8 text, not a binary or UTF-16 file"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise DataError(
            f"{path}: line {line}: not UTF-8 text (byte 0x{raw[err.start]:02x} at column "
            f"{column}); save the file as UTF-8"
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text
