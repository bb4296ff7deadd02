"""The datasets of the synthetic memory tasks (``rnnlab.data.synthetic``), from their
generated arrays. Both are TrainingData (``rnnlab.data.batches``) with independent
batches (``carry_state = False``): ``SyntheticAdding`` has SeriesData's interface (the
adding problem, task forecast) and ``SyntheticSequences`` LMData's (the copy task,
many-to-many; every batch holds whole sequences). The order task is a plain
``ClassifyData``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from rnnlab.data.batches import Batch, EpochBatches, Split, check_split
from rnnlab.data.vocab import Vocab
from rnnlab.errors import ConfigError, DataError


class SyntheticAdding(EpochBatches):
    """The adding problem with SeriesData's interface; values are not rescaled (identity)."""

    carry_state = False
    input_size = 2
    horizon = 1
    season = None
    mean = 0.0
    std = 1.0

    def __init__(
        self,
        train: tuple[np.ndarray, np.ndarray],
        val: tuple[np.ndarray, np.ndarray],
        *,
        source: str = "synthetic:adding",
    ) -> None:
        self.source = source
        self._sets = {"train": self._check(*train, "train"), "val": self._check(*val, "val")}
        self.seq_len = int(np.asarray(train[0]).shape[1])
        if np.asarray(val[0]).shape[1] != self.seq_len:
            raise DataError(f"{source}: train and val sequences differ in length")

    def _check(self, x: np.ndarray, y: np.ndarray, split: str) -> tuple[np.ndarray, ...]:
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if x.ndim != 3 or x.shape[2] != 2 or y.shape != (x.shape[0], 1):
            raise DataError(
                f"{self.source}: {split}: expected x (n, T, 2) and y (n, 1), "
                f"received {x.shape} and {y.shape}"
            )
        return x[:, :, 0].copy(), x[:, :, 1] != 0, y  # values (n, T), markers (n, T), y (n, 1)

    @property
    def values(self) -> np.ndarray:
        raise DataError(
            f"{self.source}: there is no single series to forecast from; each example is its "
            "own sequence of (value, marker) pairs, so forecasting ahead is not defined"
        )

    def scale(self, v: np.ndarray | float) -> np.ndarray:
        return np.asarray(v, dtype=np.float64)

    def unscale(self, v: np.ndarray | float) -> np.ndarray:
        return np.asarray(v, dtype=np.float64)

    def size(self, split: Split) -> int:
        return len(check_split(split, self._sets)[2])

    def arrays(self, split: Split) -> tuple[np.ndarray, np.ndarray]:
        """All of `split`: x float64 (n, T, 2) and y float64 (n, 1)."""
        values, marks, y = check_split(split, self._sets)
        return np.stack([values, marks.astype(np.float64)], axis=-1), y

    def _batcher(self, split: Split) -> Callable[[np.ndarray], Batch]:
        """x float64 (T, B, 2), y float64 (B, 1) (EpochBatches); `seq_len` is not needed:
        the sequences were generated with T steps."""
        values, marks, y = check_split(split, self._sets)

        def batch(idx: np.ndarray) -> Batch:
            x = np.stack([values[idx].T, marks[idx].T.astype(np.float64)], axis=-1)  # (T, B, 2)
            return Batch(x=x, y=y[idx])

        return batch

    def summary(self) -> dict[str, Any]:
        return {
            "train_examples": self.size("train"),
            "val_examples": self.size("val"),
            "seq_len": self.seq_len,
            "horizon": 1,
            "input_size": self.input_size,
            "scaler": {"mean": self.mean, "std": self.std},
        }


class SyntheticSequences(EpochBatches):
    """Independent many-to-many sequences with LMData's batch interface.

    Every batch holds whole sequences (x, y int64 (L, B)); nothing continues from one
    batch to the next, so a trainer starts each batch from a zero hidden state.
    """

    carry_state = False

    def __init__(
        self,
        vocab: Vocab,
        train: tuple[np.ndarray, np.ndarray],
        val: tuple[np.ndarray, np.ndarray],
        *,
        T: int,
        source: str = "synthetic",
    ) -> None:
        self.vocab, self.T, self.source = vocab, int(T), source
        self._sets = {"train": self._check(*train, "train"), "val": self._check(*val, "val")}
        self.length = int(self._sets["train"][0].shape[1])

    def _check(self, x: np.ndarray, y: np.ndarray, split: str) -> tuple[np.ndarray, np.ndarray]:
        x, y = np.asarray(x), np.asarray(y)
        if x.ndim != 2 or x.shape != y.shape or not np.issubdtype(x.dtype, np.integer):
            raise DataError(
                f"{self.source}: {split}: expected integer x and y of one shape (n, L), "
                f"received {x.shape} {x.dtype} and {y.shape} {y.dtype}"
            )
        for arr in (x, y):
            if arr.size and (arr.min() < 0 or arr.max() >= len(self.vocab)):
                raise DataError(
                    f"{self.source}: {split}: a token id is outside the vocabulary "
                    f"(ids 0..{len(self.vocab) - 1})"
                )
        small = np.min_scalar_type(len(self.vocab) - 1)  # compact storage, int64 per batch
        return x.astype(small), y.astype(small)

    def size(self, split: Split) -> int:
        return len(check_split(split, self._sets)[0])

    def inputs(self, split: Split) -> np.ndarray:
        """The input sequences of `split`, int64 (n, L) (e.g. to learn an embedding)."""
        return check_split(split, self._sets)[0].astype(np.int64)

    def targets(self, split: Split) -> np.ndarray:
        """The target sequences of `split`, int64 (n, L)."""
        return check_split(split, self._sets)[1].astype(np.int64)

    def _check_seq_len(self, seq_len: int | None) -> None:
        if seq_len is not None and seq_len != self.T:
            raise ConfigError(
                f"data.seq_len: this data was generated with T = {self.T} (sequences of "
                f"{self.length} steps); received {seq_len!r}"
            )

    def _batcher(self, split: Split) -> Callable[[np.ndarray], Batch]:
        """x, y int64 (L, B) (EpochBatches); `seq_len` must be T when given."""
        x, y = check_split(split, self._sets)
        return lambda idx: Batch(x=x[idx].T.astype(np.int64), y=y[idx].T.astype(np.int64))

    def summary(self, batch_size: int) -> dict[str, Any]:
        return {
            "vocab_size": len(self.vocab),
            "sequence_length": self.length,
            "train_examples": self.size("train"),
            "val_examples": self.size("val"),
            "train_batches": self.num_batches("train", batch_size),
            "val_batches": self.num_batches("val", batch_size),
            "carry_state": False,
        }
