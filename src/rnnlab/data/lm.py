"""Language-model data for truncated backpropagation through time (BPTT).

A split's token stream (N ids) is cut into B parallel streams of L = (N - 1) // B
steps each; stream b holds the ids ``ids[b*L : (b+1)*L]`` and their next ids::

    x = ids[:B*L].reshape(B, L).T          # (L, B)
    y = ids[1:B*L+1].reshape(B, L).T       # (L, B): y[t, b] is the id after x[t, b]

The batches are consecutive windows of ``seq_len`` steps along time (the last may be
shorter). Column b of window k continues exactly where column b of window k-1
ended, so a trainer carries the hidden state across windows (detached, so the
gradient stops at the window boundary: that is the "truncated" in truncated BPTT).
Every token is predicted exactly once per epoch, each with all the context before
it in its stream, unlike the n-gram-prefix scheme, which re-reads the same text
for each prefix and never carries state.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from rnnlab.data.batches import Batch, Split
from rnnlab.data.checks import check_int
from rnnlab.data.vocab import UNK_ID, Vocab
from rnnlab.errors import ConfigError, DataError


class LMData:
    """Train and validation token streams with one vocabulary.

    train_ids, val_ids: int64 (N,) token ids; `source` names the data in errors.
    carry_state: windows continue each other, so a trainer carries the hidden state.
    """

    carry_state = True

    def __init__(
        self, vocab: Vocab, train_ids: np.ndarray, val_ids: np.ndarray, *, source: str = "data"
    ) -> None:
        self.vocab = vocab
        self.source = source
        self.train_ids = _check_ids(train_ids, len(vocab), "train_ids")  # (N_train,)
        self.val_ids = _check_ids(val_ids, len(vocab), "val_ids")  # (N_val,)

    def ids(self, split: Split) -> np.ndarray:
        """The token ids of `split`, int64 (N,)."""
        if split == "train":
            return self.train_ids
        if split == "val":
            return self.val_ids
        raise ConfigError(f"split: expected train | val, received {split!r}")

    def num_streams(self, split: Split, batch_size: int) -> int:
        """Parallel streams B for `split`.

        train: `batch_size`; DataError when the text is too short for that many.
        val: `batch_size`, or fewer when the text is short (N - 1 of them); 0 when it
        has fewer than 2 tokens (then there are no validation batches).
        """
        check_int(batch_size, "train.batch_size", 1)
        n = len(self.ids(split))
        if split == "val":
            return max(0, min(batch_size, n - 1))
        if n < batch_size + 1:
            raise DataError(
                f"{self.source}: the training text has {n} tokens; {batch_size} parallel "
                f"streams (train.batch_size) need at least {batch_size + 1} (one step each "
                "plus the token that follows); lower train.batch_size or data.val_fraction, "
                "or use a longer text"
            )
        return batch_size

    def num_steps(self, split: Split, batch_size: int) -> int:
        """Steps per stream, L = (N - 1) // B (0 when there are no streams)."""
        streams = self.num_streams(split, batch_size)
        return 0 if streams == 0 else (len(self.ids(split)) - 1) // streams

    def streams(self, split: Split, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        """(x, y), both int64 (L, B): the whole split as B parallel streams."""
        ids = self.ids(split)
        B = self.num_streams(split, batch_size)
        L = self.num_steps(split, batch_size)
        x = ids[: B * L].reshape(B, L).T  # (L, B)
        y = ids[1 : B * L + 1].reshape(B, L).T  # (L, B)
        return np.ascontiguousarray(x), np.ascontiguousarray(y)

    def num_batches(self, split: Split, batch_size: int, seq_len: int) -> int:
        """Windows per epoch: ceil(L / seq_len)."""
        check_int(seq_len, "data.seq_len", 1)
        return -(-self.num_steps(split, batch_size) // seq_len)

    def batches(
        self,
        split: Split,
        batch_size: int,
        seq_len: int,
        *,
        seed: int | None = None,
        epoch: int = 0,
    ) -> Iterator[Batch]:
        """Consecutive windows: x, y int64 (T, B) with T = seq_len (the last may be shorter).

        Carry the hidden state from one window to the next: they continue each other, so
        they come in time order whatever the `seed` and `epoch` (TrainingData's order).
        """
        check_int(seq_len, "data.seq_len", 1)
        x, y = self.streams(split, batch_size)  # (L, B)
        for start in range(0, x.shape[0], seq_len):
            yield Batch(x=x[start : start + seq_len], y=y[start : start + seq_len])  # (T, B)

    def summary(self, batch_size: int, seq_len: int) -> dict[str, int]:
        """Sizes for people and run records (JSON-able)."""
        out: dict[str, int] = {"vocab_size": len(self.vocab)}
        for split in ("train", "val"):
            out[f"{split}_tokens"] = len(self.ids(split))
            out[f"{split}_streams"] = self.num_streams(split, batch_size)
            out[f"{split}_steps_per_stream"] = self.num_steps(split, batch_size)
            out[f"{split}_batches"] = self.num_batches(split, batch_size, seq_len)
        out["val_unk_tokens"] = int(np.count_nonzero(self.val_ids == UNK_ID))
        return out


def _check_ids(ids: np.ndarray, size: int, name: str) -> np.ndarray:
    arr = np.asarray(ids)
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise DataError(
            f"{name}: expected a 1-D array of integer token ids, "
            f"received shape {arr.shape} dtype {arr.dtype}"
        )
    arr = arr.astype(np.int64, copy=False)
    if arr.size and (arr.min() < 0 or arr.max() >= size):
        bad = int(arr[(arr < 0) | (arr >= size)][0])
        raise DataError(f"{name}: token id {bad} is outside the vocabulary (ids 0..{size - 1})")
    return arr
