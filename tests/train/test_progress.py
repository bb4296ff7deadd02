"""Progress: what a checkpoint's meta["progress"] holds, and reading it back."""

from __future__ import annotations

import json

from rnnlab.train.progress import Progress

SAVED_KEYS = [
    "step",
    "epoch",
    "batch_index",
    "best_score",
    "bad_evals",
    "last_eval_step",
    "last_checkpoint_step",
    "wall_before",
    "elapsed",
]


def test_the_meta_holds_every_field_in_order_with_the_clock_so_far() -> None:
    progress = Progress(step=7, epoch=1, batch_index=2, best_score=0.5, wall_before=3.0)
    meta = progress.to_meta(wall_seconds=12.5)
    assert list(meta) == SAVED_KEYS
    assert meta["wall_before"] == 12.5 and meta["step"] == 7 and meta["best_score"] == 0.5
    assert progress.wall_before == 3.0  # the run's own progress is left as it was
    assert json.loads(json.dumps(meta)) == meta


def test_a_saved_progress_reads_back_equal() -> None:
    progress = Progress(step=9, epoch=2, batch_index=4, best_score=1.25, bad_evals=1)
    progress.last_checkpoint_step, progress.elapsed = 9, 0.75
    assert Progress.from_meta(progress.to_meta(2.0), "loss") == Progress(
        **{**progress.__dict__, "wall_before": 2.0}
    )


def test_missing_keys_keep_their_defaults_and_unknown_ones_are_dropped() -> None:
    progress = Progress.from_meta({"step": 3, "epoch": 0, "batch_index": 3, "note": "x"}, "loss")
    assert progress == Progress(step=3, batch_index=3)


def test_a_checkpoint_from_before_select_by_keeps_its_best_loss_only_for_loss() -> None:
    old = {"step": 3, "epoch": 0, "batch_index": 3, "best_val_loss": 1.5}
    assert Progress.from_meta(old, "loss").best_score == 1.5
    assert Progress.from_meta(old, "accuracy").best_score is None
    assert "best_val_loss" not in Progress.from_meta(old, "loss").to_meta(0.0)


def test_next_epoch_starts_at_its_first_batch() -> None:
    progress = Progress(step=10, epoch=1, batch_index=5)
    progress.next_epoch()
    assert (progress.step, progress.epoch, progress.batch_index) == (10, 2, 0)
