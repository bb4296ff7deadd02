"""Train/validation splits: contiguous for streams and series, stratified for classes.

Counts are rounded half up (``round_half_up(2.5) == 3``), not to even as Python's
``round`` does, so "10 % of 25 examples" is 3, as a person would count.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from rnnlab.data.checks import check_seed
from rnnlab.errors import ConfigError

T = TypeVar("T")


def round_half_up(value: float) -> int:
    """The nearest integer, halves rounded up."""
    return math.floor(value + 0.5)


def val_count(n: int, val_fraction: float) -> int:
    """How many of `n` items the validation part gets: ``round_half_up(val_fraction * n)``."""
    if not 0.0 <= val_fraction < 1.0:
        raise ConfigError(f"data.val_fraction: expected 0 <= value < 1, received {val_fraction}")
    return round_half_up(val_fraction * n)


def split_stream(items: Sequence[T], val_fraction: float) -> tuple[Sequence[T], Sequence[T]]:
    """(train, val): the last `val_fraction` of `items` is validation, in order."""
    n_train = len(items) - val_count(len(items), val_fraction)
    return items[:n_train], items[n_train:]


def stratified_split(
    labels: Sequence[int] | np.ndarray, val_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, val indices), each sorted (file order), class proportions kept.

    Per class c (in index order) with n_c examples: shuffle its indices with one
    ``np.random.default_rng(seed)`` and put ``round_half_up(val_fraction * n_c)`` of
    them in validation; at least 1 when ``val_fraction > 0`` and ``n_c >= 2``, and
    never all of them, so every class keeps a training example.
    """
    labels = np.asarray(labels, dtype=np.int64)
    rng = np.random.default_rng(check_seed(seed, "data.seed"))
    train: list[np.ndarray] = []
    val: list[np.ndarray] = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        n_val = _class_val_count(len(idx), val_fraction)
        shuffled = rng.permutation(idx)
        val.append(shuffled[:n_val])
        train.append(shuffled[n_val:])
    empty = np.zeros(0, dtype=np.int64)
    return (
        np.sort(np.concatenate(train)) if train else empty,
        np.sort(np.concatenate(val)) if val else empty,
    )


def _class_val_count(n_class: int, val_fraction: float) -> int:
    n_val = val_count(n_class, val_fraction)
    if val_fraction == 0 or n_class < 2:
        return 0  # a lone example stays in training
    return min(max(n_val, 1), n_class - 1)


def epoch_order(n: int, seed: int | None, epoch: int) -> np.ndarray:
    """The visiting order of `n` items: file order without a seed, else
    ``np.random.default_rng([seed, epoch]).permutation(n)``, a pure function of
    (seed, epoch), so a resumed run visits the items in the same order."""
    if seed is None:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng([check_seed(seed, "seed"), check_seed(epoch, "epoch")])
    return rng.permutation(n).astype(np.int64)
