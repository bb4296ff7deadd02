"""The batch every dataset yields and every engine consumes (time-major, DESIGN.md), and
``TrainingData``: what the trainer asks of a task's dataset."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

import numpy as np

from rnnlab.data.checks import check_int
from rnnlab.data.split import epoch_order
from rnnlab.errors import ConfigError

Split = Literal["train", "val"]
V = TypeVar("V")
E = TypeVar("E")


@dataclass(frozen=True)
class Batch:
    """One batch.

    language-model: x int64 (T, B) token ids, y int64 (T, B) the next ids.
    classify:       x int64 (T, B) padded with PAD_ID, lengths int64 (B,), y int64 (B,) class.
    forecast:       x float64 (T, B, 1) scaled values, y float64 (B, horizon) scaled targets.
    """

    x: np.ndarray
    y: np.ndarray
    lengths: np.ndarray | None = None

    @property
    def size(self) -> int:
        return int(self.x.shape[1])

    @property
    def n_tokens(self) -> int:
        """Predictions scored (LM: T*B), tokens read (classify), or steps read (forecast)."""
        if self.lengths is not None:
            return int(self.lengths.sum())
        return int(self.x.shape[0] * self.x.shape[1])


@runtime_checkable
class TrainingData(Protocol):
    """What the trainer asks of every dataset (LMData, ClassifyData, SeriesData and the
    synthetic tasks' SyntheticSequences and SyntheticAdding).

    carry_state: each training batch continues the one before (the windows of one token
    stream), so the trainer carries the hidden state across them; False when batches
    hold independent sequences, which start from a zero state.
    batches: one epoch of `split` in batches of `batch_size`. `seq_len` (data.seq_len) is
    the window length of a stream; a dataset of whole sequences checks it against its
    own length or does not need it. `seed` None keeps the data's order; a seed gives the
    order ``default_rng([seed, epoch])`` (a stream's windows always keep their time order,
    each continuing the last).
    """

    @property
    def carry_state(self) -> bool: ...

    def batches(
        self,
        split: Split,
        batch_size: int,
        *,
        seq_len: int,
        seed: int | None = None,
        epoch: int = 0,
    ) -> Iterator[Batch]: ...


def check_split(split: str, splits: Mapping[str, V]) -> V:
    """What `splits` holds for `split`; an unknown split is a ConfigError."""
    if split not in splits:
        raise ConfigError(f"split: expected train | val, received {split!r}")
    return splits[split]


class EpochBatches:
    """The batching every dataset of whole examples shares: ``num_batches`` and ``batches``
    (``TrainingData``), one epoch in batches of `batch_size` in ``epoch_order``.

    A subclass gives ``size(split)`` and ``_batcher(split)``: a function from the chosen
    example indices (int64 (B,)) to one batch; ``_check_seq_len`` refuses a `seq_len` the
    data cannot honour (by default any is accepted: an example is a whole sequence).
    """

    carry_state = False

    def size(self, split: Split) -> int:
        raise NotImplementedError

    def _batcher(self, split: Split) -> Callable[[np.ndarray], Any]:
        raise NotImplementedError

    def _check_seq_len(self, seq_len: int | None) -> None:
        """Whole examples: `seq_len` is not needed."""

    def num_batches(self, split: Split, batch_size: int, seq_len: int | None = None) -> int:
        """ceil(examples / batch_size): the last batch may be smaller."""
        check_int(batch_size, "train.batch_size", 1)
        self._check_seq_len(seq_len)
        return -(-self.size(split) // batch_size)

    def batches(
        self,
        split: Split,
        batch_size: int,
        seq_len: int | None = None,
        *,
        seed: int | None = None,
        epoch: int = 0,
    ) -> Iterator[Any]:
        """The data's order, or ``default_rng([seed, epoch]).permutation(n)`` when `seed`
        is given."""
        check_int(batch_size, "train.batch_size", 1)
        self._check_seq_len(seq_len)
        batch = self._batcher(split)
        order = epoch_order(self.size(split), seed, epoch)
        for start in range(0, len(order), batch_size):
            yield batch(order[start : start + batch_size])


class ExampleLists(EpochBatches, Generic[E]):
    """Datasets that keep a list of checked examples per split; ``_pad`` makes a batch of
    the chosen examples (in their order)."""

    _examples: dict[str, list[E]]

    def examples(self, split: Split) -> list[E]:
        """The examples of `split`, in file order."""
        return check_split(split, self._examples)

    def size(self, split: Split) -> int:
        return len(self.examples(split))

    def _pad(self, chosen: list[E]) -> Any:
        raise NotImplementedError

    def _batcher(self, split: Split) -> Callable[[np.ndarray], Any]:
        examples = self.examples(split)
        return lambda idx: self._pad([examples[i] for i in idx])
