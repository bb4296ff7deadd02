"""Which checkpoint predict, generate and forecast use, and the validation metrics it had.

The best checkpoint is the one the run's ``train.select_by`` metric chose; a run without
one (no validation split, or one too small to choose by) uses its last checkpoint. Lists
and pages show these metrics, not the final ones, so what is shown is what is used.
"""

from __future__ import annotations

from typing import Any

from rnnlab.errors import RnnlabError
from rnnlab.spec.run import parse_run_config
from rnnlab.store import RunRecord, Store, list_checkpoints
from rnnlab.train.metrics import Selection

CHECKPOINT_DIR = "checkpoints"


def chosen_tag(tags: list[str]) -> str:
    """The checkpoint a trained model is used from: best when there is one, else last."""
    return "best" if "best" in tags else "last"


def selection_metric(config: dict[str, Any]) -> str:
    """The run's train.select_by, resolved; loss for a stored config that no longer parses."""
    try:
        return parse_run_config(config).selection_metric
    except RnnlabError:
        return "loss"


def checkpoint_in_use(store: Store, record: RunRecord) -> dict[str, Any]:
    """``{"tag", "step", "select_by", "metrics", "label"}`` of the checkpoint in use; its
    metrics are the validation values at its step ({} when it was not evaluated)."""
    metric = selection_metric(record.config)
    tags = list_checkpoints(store.run_dir(record.id) / CHECKPOINT_DIR)
    if not tags:
        return {"tag": None, "step": None, "select_by": metric, "metrics": {}, "label": ""}
    tag = chosen_tag(tags)
    step = _checkpoint_step(store, record.id, tag)
    metrics = _val_metrics_at(store, record.id, step)
    why_last = _why_last(record.summary)
    if tag == "best" and not why_last:
        label = f"best at step {step} by {metric}"
    else:  # without validation, "best" is saved at every evaluation: the last weights
        label = f"last, step {step}" + why_last
    return {"tag": tag, "step": step, "select_by": metric, "metrics": metrics, "label": label}


def best_metrics(store: Store, record: RunRecord) -> dict[str, float]:
    """The validation values at the evaluation best by the run's selection metric (the
    earliest on a tie), with its ``"step"``; {} without validation."""
    selection = Selection(selection_metric(record.config))
    series = store.metrics(record.id, "val", [selection.key]).get("val", {}).get(selection.key)
    best_step, best = None, None
    for step, value in zip(series["step"], series["value"], strict=True) if series else ():
        if selection.improves(value, best):
            best_step, best = step, value
    return {} if best_step is None else _val_metrics_at(store, record.id, best_step)


def _why_last(summary: dict[str, Any]) -> str:
    """Why a run has no best checkpoint of its own ("" when it may have one)."""
    if summary.get("tiny_validation"):
        return " (validation split too small to choose by)"
    sizes = [summary.get(key) for key in ("val_tokens", "val_examples", "val_windows")]
    if 0 in sizes:
        return " (no validation split)"
    return ""


def _checkpoint_step(store: Store, run_id: str, tag: str) -> int | None:
    path = f"{CHECKPOINT_DIR}/{tag}.json"
    steps = [a["step"] for a in store.artifacts(run_id) if a["path"] == path]
    return steps[-1] if steps else None


def _val_metrics_at(store: Store, run_id: str, step: int | None) -> dict[str, float]:
    if step is None:
        return {}
    values: dict[str, float] = {}
    for name, series in store.metrics(run_id, "val").get("val", {}).items():
        if step in series["step"]:
            value = series["value"][series["step"].index(step)]
            values[name] = value
    return {"step": step, **values} if values else {}
