"""Where a training run stands: ``Progress``, saved in every checkpoint's
``meta["progress"]`` (JSON) and read back when the run resumes.

The position (epoch, batch_index) makes resuming exact: batch order is a pure function
of (seed, epoch), so a resumed run skips the batches already consumed. The rest is the
state of early stopping and checkpoint selection, and the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class Progress:
    step: int = 0  # optimiser steps taken
    epoch: int = 0  # 0-based
    batch_index: int = 0  # batches of this epoch consumed
    best_score: float | None = None  # the best value of the selection metric so far
    bad_evals: int = 0  # evaluations since it last improved (early stopping)
    last_eval_step: int = 0
    last_checkpoint_step: int | None = None  # None: no checkpoint yet
    wall_before: float = 0.0  # wall seconds of the earlier sessions of a resumed run
    elapsed: float = 0.0  # seconds spent in optimiser steps

    def to_meta(self, wall_seconds: float) -> dict[str, Any]:
        """The JSON-able ``meta["progress"]`` of a checkpoint; `wall_seconds` (this run's
        wall time so far) becomes ``wall_before``, so a resumed run's clock goes on."""
        return asdict(self) | {"wall_before": wall_seconds}

    @classmethod
    def from_meta(cls, saved: Mapping[str, Any], selection_metric: str) -> Progress:
        """The progress of a checkpoint's ``meta["progress"]``; keys it lacks keep their
        defaults. A checkpoint saved before ``train.select_by`` holds its best validation
        loss as ``best_val_loss``: the best score when the run selects by loss."""
        names = {field.name for field in fields(cls)}
        progress = cls(**{key: value for key, value in saved.items() if key in names})
        old_best = saved.get("best_val_loss")
        if old_best is not None and selection_metric == "loss":
            progress.best_score = old_best
        return progress

    def next_epoch(self) -> None:
        """Move to the start of the next epoch."""
        self.epoch, self.batch_index = self.epoch + 1, 0
