"""DataSpec: where a run's data is and how it becomes sequences (the ``data:`` section).

Part of the run config (``rnnlab.spec.run``); a field only some tasks read says which
in its description ("forecast: ...", "tag, tsv: ...", "token tasks: ..." for every task
that reads tokens), and ``service.tasks`` reads those descriptions for the web pages; a
field without such a head (path, format, val_fraction, seed) is every task's.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from rnnlab.spec.model import Strict as _Strict
from rnnlab.spec.seq2seq import SOURCE_COLUMN, TARGET_COLUMN

MAX_VOCAB = 10_000_000
TOKENS_COLUMN, TAGS_COLUMN = "tokens", "tags"  # task tag, tsv: the default column names
TRANSFORM_STEPS = ("log", "diff", "seasonal-diff")  # forecast: data.transform, chained with +


def transform_steps(text: object) -> tuple[str, ...]:
    """The steps of data.transform: "log+diff" -> ("log", "diff"), "none" -> (); a
    ValueError starting "transform:" for anything else (log, if present, comes first)."""
    if not isinstance(text, str):
        raise ValueError(f"transform: expected a string such as log+diff, received {text!r}")
    if text.strip() == "none":
        return ()
    steps = tuple(part.strip() for part in text.split("+"))
    for step in steps:
        if step not in TRANSFORM_STEPS:
            allowed = " | ".join(TRANSFORM_STEPS)
            raise ValueError(
                f"transform: expected none, or {allowed} joined by '+' (e.g. log+diff), "
                f"received {text!r} ({step!r} is not a transform)"
            )
    if "log" in steps[1:]:
        raise ValueError(
            "transform: log applies to the values themselves, so it comes first "
            f"(e.g. log+diff), received {text!r}"
        )
    return steps


class DataSpec(_Strict):
    """Where the data is, and how it becomes sequences."""

    path: str = Field(description="a file, or sample:NAME for a bundled sample")
    format: Literal["text", "tsv", "csv", "conll", "punctuated"] | None = Field(
        None,
        description="inferred from the file suffix when omitted; task tag: conll | tsv | "
        "punctuated (punctuated text in the anthology layout: each character tagged with "
        "the mark after it)",
    )
    tokenizer: Literal["char", "word"] = Field(
        "char", description="language-model, classify, seq2seq: a token per character or word"
    )
    lowercase: bool = Field(False, description="token tasks: lowercase the text first")
    text_column: str = Field("text", description="classify: the texts' column")
    label_column: str = Field("label", description="classify: the labels' column")
    label_names: list[str] | None = Field(
        None,
        min_length=2,
        max_length=10_000,
        description="classify: a name per class, in the classes' sorted order "
        "(e.g. [negative, positive] for labels 0, 1), shown by predict and the figures",
    )
    value_column: str | None = Field(None, description="forecast: default the last column")
    tokens_column: str = Field(
        TOKENS_COLUMN, min_length=1, description="tag, tsv: the space-separated tokens"
    )
    tags_column: str = Field(
        TAGS_COLUMN, min_length=1, description="tag, tsv: one tag per token, space-separated"
    )
    max_length: int | None = Field(
        None,
        ge=1,
        le=100_000,
        description="tag: tokens per sentence at most; punctuated paragraphs are cut after "
        "a sentence end to fit, a longer conll/tsv sentence is an error naming its line",
    )
    source_column: str = Field(
        SOURCE_COLUMN, min_length=1, description="seq2seq, tsv: the source texts' column"
    )
    target_column: str = Field(
        TARGET_COLUMN, min_length=1, description="seq2seq, tsv: the target texts' column"
    )
    max_target_len: int | None = Field(
        None,
        ge=1,
        le=100_000,
        description="seq2seq: target tokens per row at most (a longer one is an error naming "
        "its line); also the decoding limit of predict (+1 for <eos>)",
    )
    seq_len: int = Field(
        64,
        ge=1,
        le=10_000,
        description="language-model, forecast: steps per training window T (also the "
        "length of a synthetic:TASK sequence)",
    )
    horizon: int = Field(1, ge=1, le=1_000, description="forecast: values predicted per window")
    season: int | None = Field(
        None, ge=2, le=100_000, description="forecast: period of seasonal-naive"
    )
    missing: Literal["error", "interpolate", "ffill", "drop"] = Field(
        "error", description="forecast: what to do with missing values in the column"
    )
    transform: str = Field(
        "diff",
        description="forecast: none | " + " | ".join(TRANSFORM_STEPS) + ", chained with + "
        "(e.g. log+diff), applied in order and inverted for every prediction; the default "
        "diff lets a forecast follow a trend out of the training range",
    )
    target: Literal["value", "change"] = Field(
        "value",
        description="forecast: predict the next (transformed) value, or its change from the "
        "last input",
    )
    val_fraction: float = Field(0.1, ge=0.0, lt=1.0)
    min_freq: int = Field(
        1, ge=1, le=1_000_000_000, description="token tasks: tokens rarer than this become <unk>"
    )
    max_vocab: int | None = Field(
        None, ge=3, le=MAX_VOCAB, description="token tasks: vocabulary entries at most"
    )
    seed: int = Field(0, ge=0, lt=2**32)

    @model_validator(mode="after")
    def _distinct_label_names(self) -> DataSpec:
        names = self.label_names or []
        if len(set(names)) != len(names) or not all(name.strip() for name in names):
            raise ValueError(f"label_names: expected distinct non-empty names, received {names}")
        return self

    @model_validator(mode="after")
    def _distinct_tag_columns(self) -> DataSpec:
        if self.tokens_column == self.tags_column:
            raise ValueError(
                f"tags_column: expected a column other than tokens_column "
                f"{self.tokens_column!r}, received the same"
            )
        return self

    @model_validator(mode="after")
    def _known_transform(self) -> DataSpec:
        steps = transform_steps(self.transform)
        if "seasonal-diff" in steps and self.season is None:
            raise ValueError("transform: seasonal-diff needs data.season (e.g. 12 for months)")
        return self
