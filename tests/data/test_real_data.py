"""The readers and prepare() on the team's real data sets (skipped where they are absent)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from rnnlab.data.prepare import prepare
from rnnlab.data.readers import read_series, read_table, read_text
from rnnlab.data.tokenize import Tokenizer
from rnnlab.errors import DataError
from rnnlab.spec.run import RunConfig

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"

pytestmark = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"the shared real data folder {SHARED} is absent on this machine"
)


def config(task: str, path: Path, **data) -> RunConfig:
    return RunConfig.model_validate({"task": task, "data": {"path": str(path), **data}})


@pytest.mark.parametrize("name", ["uci_amazon", "uci_imdb", "uci_yelp"])
def test_uci_sentiment_gives_1000_rows_with_quote_none(name: str) -> None:
    header, rows = read_table(SHARED / "sentiment" / f"{name}.tsv", "tsv")
    assert header == ["text", "label"] and len(rows) == 1000
    assert sum(label == "1" for _, label in rows) == 500


def test_imdb_with_quote_handling_would_lose_rows() -> None:
    with (SHARED / "sentiment" / "uci_imdb.tsv").open(encoding="utf-8", newline="") as handle:
        quoted = list(csv.reader(handle, delimiter="\t"))
    assert len(quoted) - 1 < 1000  # why readers.py reads TSV with csv.QUOTE_NONE


def test_uci_yelp_prepares_for_classification() -> None:
    path = SHARED / "sentiment" / "uci_yelp.tsv"
    prepared = prepare(config("classify", path, tokenizer="word", lowercase=True))
    assert prepared.classes == ["0", "1"]
    assert prepared.summary["val_class_counts"] == {"0": 50, "1": 50}


def test_tinyshakespeare_char_vocab() -> None:
    path = SHARED / "tinyshakespeare.txt"
    assert read_text(path).startswith("First Citizen:")
    prepared = prepare(config("language-model", path, val_fraction=0.1, seq_len=100))
    assert len(prepared.vocab) <= 65 + 2  # 65 distinct characters, some only in validation
    assert prepared.summary["tokens"] == 1_115_394


def test_guwenguanzhi_char_vocab_is_large_and_chinese() -> None:
    path = SHARED / "guwenguanzhi.txt"
    prepared = prepare(config("language-model", path, val_fraction=0.05))
    vocab = prepared.vocab
    assert len(vocab) > 3000
    assert "之" in vocab and "也" in vocab and vocab.tokens[2] in "，之。"
    assert prepared.summary["val_unk_tokens"] > 0  # rare characters seen only in validation


def test_guwenguanzhi_word_tokens_are_single_ideographs() -> None:
    text = read_text(SHARED / "guwenguanzhi.txt")[:2000]
    tokens = Tokenizer("word").tokenize(text)
    chinese = [t for t in tokens if "\u4e00" <= t[0] <= "\u9fff"]
    assert len(chinese) > 500 and all(len(t) == 1 for t in chinese)


def test_airline_passengers_series() -> None:
    values = read_series(SHARED / "timeseries" / "airline_passengers.csv", "csv")
    assert len(values) == 144 and values.sum() == 40_363 and values.min() == 104


def test_co2_weekly_missing_values_are_reported() -> None:
    with pytest.raises(DataError, match=r"co2_weekly\.csv: line 8: column 'co2' has no value "
                       r"\(59 missing value\(s\) in all\); fill or drop .*missing"):  # fmt: skip
        read_series(SHARED / "timeseries" / "co2_weekly.csv", "csv")


def test_co2_weekly_prepares_with_interpolated_gaps() -> None:
    path = SHARED / "timeseries" / "co2_weekly.csv"
    prepared = prepare(config("forecast", path, missing="interpolate", seq_len=52, season=52))
    assert prepared.summary["missing"] == {
        "mode": "interpolate", "missing": 59, "filled": 59, "dropped": 0
    }  # fmt: skip
    values = prepared.data.values
    assert len(values) == 2284 and values.min() >= 313.0 and values.max() <= 373.9
    dropped = prepare(config("forecast", path, missing="drop", seq_len=52))
    assert len(dropped.data.values) == 2284 - 59


def test_sunspots_refuse_the_log_transform_naming_the_first_zero() -> None:
    path = SHARED / "timeseries" / "sunspots_yearly.csv"
    with pytest.raises(DataError, match=r"sunspots_yearly\.csv: column 'sunspots', line \d+: "
                       r"data\.transform log needs values > 0, received 0"):  # fmt: skip
        prepare(config("forecast", path, transform="log", seq_len=11))


def test_airline_passengers_prepares_for_forecasting() -> None:
    path = SHARED / "timeseries" / "airline_passengers.csv"
    prepared = prepare(config("forecast", path, seq_len=24, horizon=12, season=12))
    baselines = prepared.summary["baselines"]
    assert baselines["seasonal_naive"]["rmse"] < baselines["naive"]["rmse"]
