"""Readers: text, tables and series, and every kind of bad file they must name."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from rnnlab.data.readers import (
    column,
    file_hash,
    infer_format,
    read_series,
    read_table,
    read_table_lines,
    read_text,
    series_column,
)
from rnnlab.errors import ConfigError, DataError

# ---- text -----------------------------------------------------------------------------------


def test_read_text_strips_bom_and_normalises_newlines(write) -> None:
    path = write("a.txt", b"\xef\xbb\xbfline one\r\nline two\rthree\n")
    assert read_text(path) == "line one\nline two\nthree\n"


def test_read_text_keeps_chinese(write) -> None:
    assert read_text(write("c.txt", "卷一・周文\n")) == "卷一・周文\n"


def test_read_text_missing_file(tmp_path) -> None:
    with pytest.raises(DataError, match=r"nothere\.txt: file not found"):
        read_text(tmp_path / "nothere.txt")


def test_read_text_folder(tmp_path) -> None:
    with pytest.raises(DataError, match=r"is a folder"):
        read_text(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"  \n\t\n", "contains only whitespace"),
        (b"\xef\xbb\xbf", "empty"),
    ],
)
def test_read_text_empty(write, content: bytes, message: str) -> None:
    with pytest.raises(DataError, match=rf"e\.txt: .*{message}"):
        read_text(write("e.txt", content))


def test_read_text_not_utf8_names_the_line(write) -> None:
    path = write("latin1.txt", "first line\nsecond\ncaf\u00e9 au lait\n".encode("latin-1"))
    with pytest.raises(
        DataError, match=r"latin1\.txt: line 3: not UTF-8 text \(byte 0xe9 at column 4\)"
    ):
        read_text(path)


# ---- tables -----------------------------------------------------------------------------


def test_tsv_keeps_quotes_as_text(write) -> None:
    path = write("q.tsv", 'text\tlabel\n"Great" film\t1\nA "so-so" one\t0\n')
    header, rows = read_table(path, "tsv")
    assert header == ["text", "label"]
    assert rows == [['"Great" film', "1"], ['A "so-so" one', "0"]]


def test_tsv_with_unbalanced_quote_does_not_merge_rows(write) -> None:
    # With quote handling, the lone " would swallow the next lines into one field.
    _, rows = read_table(write("u.tsv", 'text\tlabel\nhe said "no\t0\nfine\t1\n'), "tsv")
    assert rows == [['he said "no', "0"], ["fine", "1"]]


def test_csv_default_dialect_handles_quoted_commas(write) -> None:
    header, rows, lines = read_table_lines(
        write("t.csv", 'text,label\n"good, really",1\n\nplain,0\n'), "csv"
    )
    assert header == ["text", "label"]
    assert rows == [["good, really", "1"], ["plain", "0"]]
    assert lines == [2, 4]  # the blank line 3 is skipped; lines are file lines


def test_header_names_are_stripped_and_bom_dropped(write) -> None:
    header, _ = read_table(write("b.csv", b"\xef\xbb\xbf month , value\n1,2\n"), "csv")
    assert header == ["month", "value"]


@pytest.mark.parametrize("fmt", ["tsv", "csv"])
def test_table_empty_file(write, fmt: str) -> None:
    with pytest.raises(DataError, match=rf"e\.{fmt}: the file is empty"):
        read_table(write(f"e.{fmt}", ""), fmt)


def test_table_no_header(write) -> None:
    with pytest.raises(DataError, match=r"h\.csv: no header line"):
        read_table(write("h.csv", ",\n1,2\n"), "csv")


def test_table_duplicate_and_empty_header_names(write) -> None:
    with pytest.raises(DataError, match=r"d\.csv: line 1: column 'a' appears twice"):
        read_table(write("d.csv", "a,b,a\n1,2,3\n"), "csv")
    with pytest.raises(DataError, match=r"n\.csv: line 1: column 2 of the header has no name"):
        read_table(write("n.csv", "a,,c\n1,2,3\n"), "csv")


def test_tsv_wrong_field_count_names_line_and_counts(write) -> None:
    path = write("w.tsv", "text\tlabel\nfine\t1\nthis has\ta tab\t0\n")
    with pytest.raises(
        DataError, match=r"w\.tsv: line 3: expected 2 fields \(as in the header\), received 3 .*tab"
    ):
        read_table(path, "tsv")


def test_csv_too_few_fields(write) -> None:
    with pytest.raises(DataError, match=r"f\.csv: line 4: expected 3 fields .*received 2$"):
        read_table(write("f.csv", "a,b,c\n1,2,3\n4,5,6\n7,8\n"), "csv")


def test_csv_broken_quotes_name_the_line(write) -> None:
    with pytest.raises(DataError, match=r"q\.csv: line 3: cannot read the row"):
        read_table(write("q.csv", 'a,b\n1,2\n3,"x"y\n'), "csv")


def test_table_not_utf8(write) -> None:
    with pytest.raises(DataError, match=r"l\.tsv: line 2: not UTF-8 text"):
        read_table(write("l.tsv", "text\tlabel\nna\xefve\t1\n".encode("cp1252")), "tsv")


def test_table_format_must_be_a_table() -> None:
    with pytest.raises(ConfigError, match=r"data\.format: a table is tsv \| csv, received 'text'"):
        read_table("x.txt", "text")  # type: ignore[arg-type]


def test_column_and_missing_column(write) -> None:
    header, rows = ["text", "label"], [["a", "1"], ["b", "0"]]
    assert column(header, rows, "label", "f.tsv") == ["1", "0"]
    with pytest.raises(
        DataError, match=r"f\.tsv: no column 'sentiment'; the columns are 'text', 'label'"
    ):
        column(header, rows, "sentiment", "f.tsv")


# ---- series -----------------------------------------------------------------------------


def test_series_default_is_the_last_column(write) -> None:
    path = write("s.csv", "month,low,high\n2020-01,1,10.5\n2020-02,2,-3e2\n")
    values = read_series(path, "csv")
    assert values.dtype == np.float64 and values.tolist() == [10.5, -300.0]
    assert read_series(path, "csv", "low").tolist() == [1.0, 2.0]


def test_series_one_column_tsv(write) -> None:
    assert read_series(write("v.tsv", "value\n1\n2\n3\n"), "tsv").tolist() == [1.0, 2.0, 3.0]


def test_series_non_numeric_names_file_line_column_and_value(write) -> None:
    path = write("n.csv", "month,value\n2020-01,1.5\n2020-02,12 kg\n")
    with pytest.raises(
        DataError, match=r"n\.csv: line 3: column 'value': expected a number, received '12 kg'"
    ):
        read_series(path, "csv")


def test_series_infinite_value(write) -> None:
    with pytest.raises(DataError, match=r"line 3: column 'v': expected a finite number"):
        read_series(write("i.csv", "v\n1\n1e999\n"), "csv")


@pytest.mark.parametrize("literal", ["1_000", "inf", "-Infinity", "0x10", "1e", "１２", "+-1"])
def test_series_python_only_literals_are_not_numbers(write, literal: str) -> None:
    path = write("p.csv", f"t,v\n1,5\n2,6\n3,{literal}\n")
    with pytest.raises(
        DataError,
        match=rf"p\.csv: line 4: column 'v': expected a number, received '{re.escape(literal)}' "
        r"\(a plain decimal such as 12, -3\.5 or 1e-3\)",
    ):
        read_series(path, "csv")


@pytest.mark.parametrize("number", ["12", "-3.5", "+.5", "7.", "1E-3", " 4 "])
def test_series_plain_decimals_are_numbers(write, number: str) -> None:
    path = write("d.csv", f"v\n{number}\n0\n")
    assert read_series(path, "csv")[0] == float(number)


@pytest.mark.parametrize("missing", ["", "NA", "nan", " "])
def test_series_missing_values_give_advice(write, missing: str) -> None:
    path = write("m.csv", f"date,co2\n1958-03-29,316.1\n1958-04-05,{missing}\n1958-04-12,\n")
    with pytest.raises(
        DataError,
        match=r"m\.csv: line 3: column 'co2' has no value \(2 missing value\(s\) in all\); "
        r"fill or drop the missing values \(data\.missing: interpolate \| ffill \| drop\)",
    ):
        read_series(path, "csv")


GAPPY = "t,v\n1,\n2,2\n3,NA\n4,\n5,8\n6,\n"  # lines 2..7: -, 2, -, -, 8, -


def test_missing_interpolate_is_linear_inside_and_nearest_at_the_ends(write) -> None:
    header, rows, lines = read_table_lines(write("g.csv", GAPPY), "csv")
    series = series_column(header, rows, lines, "g.csv", missing="interpolate")
    assert series.values.tolist() == [2.0, 2.0, 4.0, 6.0, 8.0, 8.0]
    assert (series.missing, series.filled, series.dropped) == (4, 4, 0)
    assert series.lines == [2, 3, 4, 5, 6, 7]


def test_missing_ffill_carries_the_last_value_and_drops_leading_gaps(write) -> None:
    header, rows, lines = read_table_lines(write("g.csv", GAPPY), "csv")
    series = series_column(header, rows, lines, "g.csv", missing="ffill")
    assert series.values.tolist() == [2.0, 2.0, 2.0, 8.0, 8.0]
    assert (series.missing, series.filled, series.dropped) == (4, 3, 1)
    assert series.lines == [3, 4, 5, 6, 7]
    assert series.report("ffill") == {"mode": "ffill", "missing": 4, "filled": 3, "dropped": 1}


def test_missing_drop_leaves_the_gaps_out(write) -> None:
    header, rows, lines = read_table_lines(write("g.csv", GAPPY), "csv")
    series = series_column(header, rows, lines, "g.csv", missing="drop")
    assert series.values.tolist() == [2.0, 8.0] and series.lines == [3, 6]
    assert (series.missing, series.filled, series.dropped) == (4, 0, 4)


def test_missing_modes_still_refuse_an_empty_column_and_bad_numbers(write) -> None:
    header, rows, lines = read_table_lines(write("e.csv", "v\nNA\n\n"), "csv")
    with pytest.raises(DataError, match=r"e\.csv: line 2: column 'v' has no value .*every value"):
        series_column(header, rows, lines, "e.csv", missing="interpolate")
    header, rows, lines = read_table_lines(write("b.csv", "v\n1\n\n1_0\n"), "csv")
    with pytest.raises(DataError, match=r"line 4: column 'v': expected a number, received '1_0'"):
        series_column(header, rows, lines, "b.csv", missing="drop")
    with pytest.raises(ConfigError, match=r"data\.missing: expected error \| interpolate"):
        series_column(header, rows, lines, "b.csv", missing="zero")


def test_series_blank_line_in_one_column_table_is_missing(write) -> None:
    with pytest.raises(DataError, match=r"line 3: column 'v' has no value"):
        read_series(write("b.csv", "v\n1\n\n2\n"), "csv")


def test_series_needs_two_values(write) -> None:
    with pytest.raises(DataError, match=r"o\.csv: column 'v' has 1 value\(s\); .*at least 2"):
        read_series(write("o.csv", "v\n1\n"), "csv")
    with pytest.raises(DataError, match=r"column 'v' has 0 value"):
        read_series(write("z.csv", "v\n"), "csv")


def test_series_missing_column(write) -> None:
    with pytest.raises(DataError, match=r"no column 'value'; the columns are 'v'"):
        read_series(write("c.csv", "v\n1\n2\n"), "csv", "value")


# ---- format and hash --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.txt", "text"), ("a.TEXT", "text"), ("r.md", "text"), ("a.tsv", "tsv"), ("A.CSV", "csv")],
)
def test_infer_format_from_suffix(name: str, fmt: str) -> None:
    assert infer_format(name, None) == fmt


def test_declared_format_wins() -> None:
    assert infer_format("data.dat", "csv") == "csv"


def test_unknown_suffix_asks_for_data_format() -> None:
    with pytest.raises(
        DataError, match=r"data\.json: cannot tell the format .*'\.json'.*data\.format"
    ):
        infer_format("data.json", None)
    with pytest.raises(DataError, match=r"'\(none\)'"):
        infer_format("README", None)


def test_file_hash_is_sha256_of_the_bytes(write) -> None:
    path = write("h.txt", b"abc\n")
    assert file_hash(path) == hashlib.sha256(b"abc\n").hexdigest()
    with pytest.raises(DataError, match="file not found"):
        file_hash(path.with_name("other.txt"))
