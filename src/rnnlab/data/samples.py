"""Small data sets bundled with rnnlab, written for this project.

Use one anywhere a data path is expected as ``sample:NAME``, e.g. ``data.path:
sample:tiny_stories``. ``monthly_series.csv`` is made by ``generate_monthly_series``
(a test checks that the shipped file equals its output); regenerate it with
``write_monthly_series(sample_path("monthly_series"))``.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from rnnlab.errors import DataError

SAMPLES_DIR = Path(__file__).with_name("samples")
PREFIX = "sample:"

_SAMPLES: dict[str, tuple[str, str]] = {
    "tiny_stories": (
        "tiny_stories.txt",
        "short original English stories (about 20 KB) for a character-level language model",
    ),
    "sample_text": (
        "sample_text.txt",
        "a few dozen lines of simple, repetitive sentences for a word-level language model",
    ),
    "sentiment": (
        "sentiment.tsv",
        "1000 review sentences labelled 1 (positive) or 0 (negative): 240 handwritten, then 760 "
        "from templates with negation and contrast; columns text, label",
    ),
    "monthly_series": (
        "monthly_series.csv",
        "144 monthly values: trend, yearly seasonality (period 12) and noise; columns month, value",
    ),
    "toy_ner": (
        "toy_ner.conll",
        "10 English sentences tagged BIO with PER and LOC, one token and its tag per line "
        "(task tag)",
    ),
    "punctuation": (
        "punctuation.txt",
        "4 short essays of plain classical Chinese written for rnnlab, in the layout of "
        "guwenguanzhi.txt, for punctuation restoration (task tag, data.format punctuated)",
    ),
}
# The data.format of a sample whose suffix does not say it (used when data.format is left out).
SAMPLE_FORMATS: dict[str, str] = {"toy_ner": "conll", "punctuation": "punctuated"}


def list_samples() -> dict[str, str]:
    """Every bundled sample: name -> description."""
    return {name: description for name, (_, description) in _SAMPLES.items()}


def sample_path(name: str) -> Path:
    """The file of the sample `name` (DataError listing the samples when unknown)."""
    known = _SAMPLES
    if name not in known:
        raise DataError(
            f"no bundled sample {name!r}; the samples are {', '.join(known)} "
            f"(use them as {PREFIX}NAME)"
        )
    return SAMPLES_DIR / known[name][0]


def sample_format(path_str: str | Path) -> str | None:
    """The declared data.format of ``sample:NAME`` (SAMPLE_FORMATS), None for other paths."""
    text = str(path_str)
    if not text.startswith(PREFIX):
        return None
    return SAMPLE_FORMATS.get(text[len(PREFIX) :].strip())


def resolve_path(path_str: str | Path) -> Path:
    """``sample:NAME`` -> the sample's file; anything else -> ``Path(path_str)``."""
    text = str(path_str)
    if text.startswith(PREFIX):
        return sample_path(text[len(PREFIX) :].strip())
    return Path(path_str)


# ---- the generated series ---------------------------------------------------------------


def generate_monthly_series(
    n: int = 144, start_year: int = 2012, seed: int = 7
) -> list[tuple[str, float]]:
    """(month "YYYY-MM", value) pairs: level + trend + yearly seasonality + noise.

    value_t = 200 + 0.5 t + 30 sin(2 pi t / 12) + 8 cos(4 pi t / 12) + noise_t,
    noise_t uniform in [-4, 4), rounded to one decimal. The noise comes from
    ``random.Random(seed).random()``, whose sequence Python keeps the same across
    versions, so the file can always be regenerated exactly.
    """
    rng = random.Random(seed)
    rows: list[tuple[str, float]] = []
    for t in range(n):
        year, month = start_year + t // 12, t % 12 + 1
        seasonal = 30.0 * math.sin(2 * math.pi * t / 12) + 8.0 * math.cos(4 * math.pi * t / 12)
        noise = 8.0 * rng.random() - 4.0
        rows.append((f"{year:04d}-{month:02d}", round(200.0 + 0.5 * t + seasonal + noise, 1)))
    return rows


def format_monthly_series(rows: list[tuple[str, float]]) -> str:
    """The CSV text of ``generate_monthly_series`` rows (header ``month,value``)."""
    return "month,value\n" + "".join(f"{month},{value:.1f}\n" for month, value in rows)


def write_monthly_series(path: str | Path) -> None:
    """Write the generated series as CSV to `path`."""
    Path(path).write_text(format_monthly_series(generate_monthly_series()), encoding="utf-8")
