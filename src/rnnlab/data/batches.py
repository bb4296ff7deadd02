"""The batch every dataset yields and every engine consumes (time-major, DESIGN.md), and
``TrainingData``: what the trainer asks of a task's dataset."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import numpy as np

Split = Literal["train", "val"]


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
