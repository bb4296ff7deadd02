"""Validation: one pass of the current weights over the validation batches, its metrics
for the run's task, and the probe that follows it (a classifier's confusion matrix, a
series' validation forecasts).

Metrics by task (``rnnlab.train.metrics``): a language model's loss and perplexity (bits
per character for a char-level one), a classifier's loss, accuracy and macro F1, a
forecaster's loss and errors in the series' own units (transforms inverted), a tagger's
loss per token, accuracy, macro and micro F1 over the tags but O and span F1 for BIO tags
(``tag_evaluation``), an encoder-decoder's loss per target token, exact match and token
accuracy of its greedy decoding (``seq2seq_validation``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnlab.data.batches import Batch
from rnnlab.data.forecast import SeriesData
from rnnlab.events import ProbeTaken
from rnnlab.spec.run import RunConfig
from rnnlab.train.learner import Learner
from rnnlab.train.metrics import (
    classify_metrics,
    confusion_matrix,
    forecast_metrics,
    language_model_metrics,
)
from rnnlab.train.seq2seq_validation import seq2seq_validation_metrics
from rnnlab.train.tag_evaluation import tag_confusion, tag_validation_metrics


@dataclass
class Validation:
    """What one validation pass saw: summed loss over `count` predictions, and the
    outputs with their targets, one array per batch (empty for a language model)."""

    loss_sum: float = 0.0
    count: int = 0
    outputs: list[np.ndarray] = field(default_factory=list)
    targets: list[np.ndarray] = field(default_factory=list)


def validate(learner: Learner, batches: Iterable[Batch], carries_state: bool) -> Validation:
    """Run `learner` over `batches`, carrying the hidden state when `carries_state`."""
    seen, carry = Validation(), None
    for batch in batches:
        out = learner.eval_batch(batch, carry)
        seen.loss_sum, seen.count = seen.loss_sum + out.loss_sum, seen.count + out.count
        carry = out.carry if carries_state else None
        if out.outputs is not None:
            seen.outputs.append(out.outputs)
            seen.targets.append(batch.y)
    return seen


def validation_metrics(seen: Validation, config: RunConfig, prepared: Any) -> dict[str, float]:
    """The validation metrics of the run's task (empty when nothing was validated)."""
    if seen.count == 0:
        return {}
    if config.task == "language-model":
        return language_model_metrics(seen.loss_sum, seen.count, config.data.tokenizer == "char")
    if config.task == "tag":
        return tag_validation_metrics(seen.loss_sum, seen.outputs, seen.targets, prepared.tags)
    if config.task == "seq2seq":  # BLEU for sentences: word-level data
        data = prepared.data
        decode = data.decode_target if data.tokenizer.kind == "word" else None
        return seq2seq_validation_metrics(
            seen.loss_sum, seen.count, seen.outputs, seen.targets, decode
        )
    outputs = np.concatenate(seen.outputs)
    if config.task == "classify":
        targets = np.concatenate(seen.targets)
        return classify_metrics(seen.loss_sum, outputs, targets, len(prepared.classes))
    data = prepared.data
    if isinstance(data, SeriesData):  # transforms inverted, in the series' own units
        predicted, actual = data.to_original("val", outputs), data.windows("val", False)[1]
    else:
        predicted, actual = data.unscale(outputs), data.unscale(np.concatenate(seen.targets))
    return forecast_metrics(seen.loss_sum, seen.count, predicted, actual)


def evaluation_probe(seen: Validation, task: str, prepared: Any, step: int) -> ProbeTaken | None:
    """The confusion matrix (classify) or the validation forecasts (a series); None for
    other runs or when nothing was validated."""
    if not seen.outputs or task == "seq2seq":  # seq2seq: no probe of its validation
        return None
    if task == "tag":
        payload = tag_confusion(seen.outputs, seen.targets, prepared.tags, step)
        return ProbeTaken(step, "confusion", payload)
    outputs = np.concatenate(seen.outputs)
    if task == "classify":
        classes = list(prepared.classes)
        counts = confusion_matrix(outputs, np.concatenate(seen.targets), len(classes))
        payload = {"step": step, "classes": classes, "counts": counts.tolist()}
        return ProbeTaken(step, "confusion", payload)
    data = prepared.data
    if task == "forecast" and isinstance(data, SeriesData):
        predicted = data.to_original("val", outputs)[:, 0]  # one step ahead
        positions = data.starts("val") + data.seq_len
        payload = {
            "step": step,
            "values": [float(v) for v in data.values],
            "val_start": int(data.n_train),
            "positions": positions.tolist(),
            "predicted": [float(v) for v in predicted],
        }
        return ProbeTaken(step, "forecast", payload)
    return None
