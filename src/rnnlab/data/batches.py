"""The batch every dataset yields and every engine consumes (time-major, DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
