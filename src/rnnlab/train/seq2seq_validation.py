"""The validation metrics of ``task: seq2seq`` from the trainer's validation pass.

The learner gives, per batch, the greedy ids (T_b, B) and the batch's decoder targets
(y_1 .. y_n <eos> <pad> ...); ``seq2seq_metrics`` compares each column's tokens before
its first <eos>:

    val_loss            teacher-forced cross-entropy per target token (<eos> included)
    val_exact_match     the share of examples decoded exactly
    val_token_accuracy  position by position over the references' tokens
    val_bleu            corpus BLEU of the detokenized texts: word-level data (sentences)
                        with sacrebleu installed only
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from rnnlab.train.seq2seq_metrics import columns, decoded_scores


def seq2seq_validation_metrics(
    loss_sum: float,
    count: int,
    outputs: Sequence[np.ndarray],
    targets: Sequence[np.ndarray],
    decode: Callable[[Sequence[int]], str] | None = None,
) -> dict[str, float]:
    """val_loss, val_exact_match, val_token_accuracy of one validation pass, and val_bleu
    when `decode` (target ids -> text) is given for sentences and sacrebleu is installed."""
    predicted = [column for ids in outputs for column in columns(ids)]
    reference = [column for ids in targets for column in columns(ids)]
    scores = decoded_scores(predicted, reference, decode)
    return {"val_loss": loss_sum / max(count, 1), **{f"val_{k}": v for k, v in scores.items()}}
