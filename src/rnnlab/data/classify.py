"""Sequence-classification data: token-id sequences with a class each, padded batches.

Classes are the distinct strings of the label column, in natural order (numeric
labels numerically: "2" before "10"); a label's class index is its position there.
A batch is time-major and padded with ``PAD_ID`` to its longest sequence::

    x       int64 (T, B)   token ids, PAD_ID after each sequence's end
    lengths int64 (B,)     true lengths (for packing, or to read h at the last real step)
    y       int64 (B,)     class indices
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from rnnlab.data.batches import Batch, ExampleLists, Split
from rnnlab.data.split import stratified_split
from rnnlab.data.tokenize import Tokenizer
from rnnlab.data.vocab import PAD_ID, UNK_ID, Vocab, check_unknown_share
from rnnlab.errors import ConfigError, DataError

MAX_NUMERIC_CLASSES = 10  # more distinct non-integer numbers than this: not classes
Example = tuple[np.ndarray, int]


class ClassifyData(ExampleLists[Example]):
    """Train and validation examples (ids int64 (T_i,), class index) with one vocabulary.

    tokenizer: the one that made the ids; needed by ``encode_texts``.
    carry_state: False, every example starts from a zero hidden state (TrainingData).
    """

    carry_state = False

    def __init__(
        self,
        vocab: Vocab,
        classes: list[str],
        train: Sequence[Example],
        val: Sequence[Example],
        *,
        tokenizer: Tokenizer | None = None,
        source: str = "data",
    ) -> None:
        if len(classes) < 2 or len(set(classes)) != len(classes):
            raise DataError(f"{source}: expected at least 2 distinct classes, received {classes}")
        self.vocab = vocab
        self.classes = list(classes)
        self.tokenizer = tokenizer
        self.source = source
        self.warnings: list[str] = []  # about the labels, for people (build_classify's)
        self._examples = {
            "train": [self._check(e, "train", i) for i, e in enumerate(train)],
            "val": [self._check(e, "val", i) for i, e in enumerate(val)],
        }

    def _check(self, example: Example, split: str, i: int) -> Example:
        ids, label = np.asarray(example[0]), example[1]
        if ids.ndim != 1 or len(ids) == 0 or not np.issubdtype(ids.dtype, np.integer):
            raise DataError(
                f"{self.source}: {split} example {i}: expected a non-empty 1-D array "
                f"of token ids, received shape {ids.shape} dtype {ids.dtype}"
            )
        if ids.min() < 0 or ids.max() >= len(self.vocab):
            raise DataError(
                f"{self.source}: {split} example {i}: a token id is outside the "
                f"vocabulary (ids 0..{len(self.vocab) - 1})"
            )
        if isinstance(label, bool) or not isinstance(label, int | np.integer):
            raise DataError(
                f"{self.source}: {split} example {i}: expected a class index, received {label!r}"
            )
        if not 0 <= label < len(self.classes):
            raise DataError(
                f"{self.source}: {split} example {i}: class index {label} is outside "
                f"0..{len(self.classes) - 1}"
            )
        return ids.astype(np.int64, copy=False), int(label)

    def _pad(self, chosen: list[Example]) -> Batch:
        """Padded batches (ExampleLists): an example is a whole sequence of its own length."""
        return pad_batch([ids for ids, _ in chosen], [label for _, label in chosen])

    def encode_texts(self, texts: Sequence[str]) -> Batch:
        """A batch of new texts for prediction (y is -1 for every text)."""
        if self.tokenizer is None:
            raise ConfigError("encode_texts: this ClassifyData was made without its tokenizer")
        if not texts:
            raise DataError("encode_texts: expected at least one text, received none")
        sequences = []
        for i, text in enumerate(texts):
            ids = self.vocab.encode(self.tokenizer.tokenize(text))
            if len(ids) == 0:
                raise DataError(
                    f"text {i + 1}: no tokens after tokenizing {text!r}; expected some text"
                )
            sequences.append(ids)
        return pad_batch(sequences, [-1] * len(sequences))

    def class_counts(self, split: Split) -> dict[str, int]:
        """Examples per class in `split`, in class order."""
        counts = np.bincount(
            [label for _, label in self.examples(split)], minlength=len(self.classes)
        )
        return {name: int(n) for name, n in zip(self.classes, counts, strict=True)}

    def summary(self) -> dict[str, Any]:
        """Sizes for people and run records (JSON-able)."""
        out: dict[str, Any] = {"vocab_size": len(self.vocab), "classes": list(self.classes)}
        for split in ("train", "val"):
            lengths = [len(ids) for ids, _ in self.examples(split)]
            out[f"{split}_examples"] = len(lengths)
            out[f"{split}_class_counts"] = self.class_counts(split)
            out[f"{split}_max_length"] = max(lengths, default=0)
            out[f"{split}_mean_length"] = round(float(np.mean(lengths)), 2) if lengths else 0.0
        val_ids = self._examples["val"]
        out["val_unk_tokens"] = int(sum(np.count_nonzero(ids == UNK_ID) for ids, _ in val_ids))
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


def pad_batch(sequences: Sequence[np.ndarray], labels: Sequence[int]) -> Batch:
    """Time-major padded batch: x (T, B) with PAD_ID, lengths (B,), y (B,)."""
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)  # (B,)
    x = np.full((int(lengths.max()), len(sequences)), PAD_ID, dtype=np.int64)  # (T, B)
    for b, ids in enumerate(sequences):
        x[: len(ids), b] = ids
    return Batch(x=x, y=np.asarray(labels, dtype=np.int64), lengths=lengths)


def sort_classes(labels: Sequence[str]) -> list[str]:
    """Distinct labels in natural order: numbers numerically first, then text."""
    return sorted(set(labels), key=_natural_key)


def _natural_key(label: str) -> tuple[int, float, str]:
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)


def build_classify(
    texts: Sequence[str],
    labels: Sequence[str],
    tokenizer: Tokenizer,
    *,
    val_fraction: float,
    seed: int,
    min_freq: int = 1,
    max_vocab: int | None = None,
    lines: Sequence[int] | None = None,
    source: str = "data",
    text_column: str = "text",
    label_column: str = "label",
) -> ClassifyData:
    """Tokenize, check, split (stratified) and encode; the vocab sees only the training split.

    lines: the file line of each row, for error messages (default: row number + 1).
    """
    if text_column == label_column:
        raise ConfigError(
            f"data.text_column and data.label_column are both {text_column!r}: the text would "
            "be its own label; expected two different columns"
        )
    lines = list(lines) if lines is not None else list(range(2, len(texts) + 2))
    labels = [label.strip() for label in labels]
    classes = _classes(labels, lines, source, label_column)
    warnings = check_labels_are_classes(labels, classes, source, label_column)
    token_lists = _token_lists(texts, tokenizer, lines, source, text_column)
    index = {name: i for i, name in enumerate(classes)}
    y = np.array([index[label] for label in labels], dtype=np.int64)  # (N,)
    train_idx, val_idx = stratified_split(y, val_fraction, seed)
    vocab = Vocab.build((token_lists[i] for i in train_idx), min_freq=min_freq, max_size=max_vocab)

    def encode(indices: np.ndarray) -> list[Example]:
        return [(vocab.encode(token_lists[i]), int(y[i])) for i in indices]

    train = encode(train_idx)
    unknown = sum(int(np.count_nonzero(ids == UNK_ID)) for ids, _ in train)
    total = sum(len(ids) for ids, _ in train)
    warnings += check_unknown_share(unknown, total, min_freq, max_vocab, source)
    data = ClassifyData(vocab, classes, train, encode(val_idx), tokenizer=tokenizer, source=source)
    data.warnings = warnings
    return data


def _classes(labels: list[str], lines: list[int], source: str, label_column: str) -> list[str]:
    """The sorted classes; DataError for an empty label or a single class."""
    for line, label in zip(lines, labels, strict=True):
        if not label:
            raise DataError(
                f"{source}: line {line}: column {label_column!r} is empty; expected a class label"
            )
    classes = sort_classes(labels)
    if len(classes) < 2:
        raise DataError(
            f"{source}: column {label_column!r} has a single class "
            f"{classes[0] if classes else None!r}; classification needs at least 2"
        )
    return classes


def check_labels_are_classes(
    labels: list[str], classes: list[str], source: str, label_column: str
) -> list[str]:
    """DataError when the label column does not hold classes (continuous numbers, or mostly
    one example per label); the warnings about single-example classes otherwise."""
    counts = Counter(labels)
    single = [name for name in classes if counts[name] == 1]
    numbers = [_number(label) for label in classes]
    continuous = len(classes) > MAX_NUMERIC_CLASSES and all(n is not None for n in numbers)
    continuous = continuous and any(n is not None and not n.is_integer() for n in numbers)
    if continuous:
        what = "looks like continuous numbers"
    elif len(single) == len(classes):
        what = "has one row per label"
    elif len(classes) >= 5 and 2 * len(single) > len(classes):
        what = "is mostly one row per label"
    else:
        what = ""
    if what:
        shown = ", ".join(repr(name) for name in (single or classes)[:3])
        raise DataError(
            f"{source}: column {label_column!r} {what}: {len(classes)} distinct labels in "
            f"{len(labels)} rows, {len(single)} of them with a single example (e.g. {shown}); "
            "a classifier needs several examples of each class. To predict numbers use "
            "task: forecast; otherwise check data.label_column"
        )
    if not single:
        return []
    shown = ", ".join(repr(name) for name in single[:5]) + (" ..." if len(single) > 5 else "")
    return [
        f"{source}: column {label_column!r}: {len(single)} class(es) with a single example "
        f"({shown}): each lands in one split only and cannot be learnt or measured"
    ]


def _number(label: str) -> float | None:
    try:
        value = float(label)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _token_lists(
    texts: Sequence[str], tokenizer: Tokenizer, lines: list[int], source: str, text_column: str
) -> list[list[str]]:
    """The tokens of every text; DataError naming the line of an empty one."""
    token_lists = [tokenizer.tokenize(text) for text in texts]
    for line, tokens in zip(lines, token_lists, strict=True):
        if not tokens:
            raise DataError(
                f"{source}: line {line}: column {text_column!r} has no tokens "
                "(empty text); fill it in or drop the row"
            )
    return token_lists
