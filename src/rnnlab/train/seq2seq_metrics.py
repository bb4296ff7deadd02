r"""Metrics of sequence-to-sequence predictions: exact match, token accuracy, BLEU.

A prediction and its reference are compared on their tokens *before* the first <eos>
(<pad> dropped wherever it stands; nothing after <eos> counts). For N examples, with
\hat y^{(i)} the predicted and y^{(i)} the reference tokens (n_i of them):

.. math::

    \text{exact match}    = \frac{1}{N} \sum_i [\hat y^{(i)} = y^{(i)}]
    \text{token accuracy} = \frac{\sum_i \sum_{t=1}^{n_i} [\hat y^{(i)}_t = y^{(i)}_t]}
                                 {\sum_i n_i}

[.] is 1 when true, else 0. Token accuracy is position by position over the reference's
tokens (micro-averaged: long references weigh more); a prediction that stops early
scores 0 at the missing positions, extra predicted tokens cost nothing there but fail
the exact match. BLEU (corpus level, 0..100, sacrebleu's defaults with the effective
n-gram order, on the detokenized texts) is reported for word-level data (sentences)
when ``sacrebleu`` is installed (``pip install 'rnnlab[bleu]'``; the dev install has
it); rnnlab does not depend on it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from rnnlab.data.seq2seq import EOS_ID
from rnnlab.data.vocab import PAD_ID
from rnnlab.errors import ConfigError, DataError, ShapeError

IdRows = Sequence[Sequence[int]] | Sequence[np.ndarray]


def trim(ids: Iterable[int], eos_id: int = EOS_ID, pad_id: int = PAD_ID) -> list[int]:
    """The tokens before the first <eos>, without <pad>."""
    out = []
    for token in ids:
        token = int(token)
        if token == eos_id:
            break
        if token != pad_id:
            out.append(token)
    return out


def columns(ids_time_major: np.ndarray) -> list[np.ndarray]:
    """The B sequences (T,) of a time-major (T, B) array (a batch or ``Decoded.ids``)."""
    arr = np.asarray(ids_time_major)
    if arr.ndim != 2:
        raise ShapeError(f"ids: expected a time-major (T, B) array, received shape {arr.shape}")
    return [arr[:, b] for b in range(arr.shape[1])]


def _pairs(predictions: IdRows, references: IdRows) -> list[tuple[list[int], list[int]]]:
    if len(predictions) != len(references):
        raise ShapeError(
            f"predictions: expected one per reference ({len(references)}), "
            f"received {len(predictions)}"
        )
    if len(references) == 0:
        raise DataError("references: expected at least one example, received none")
    return [(trim(p), trim(r)) for p, r in zip(predictions, references, strict=True)]


def exact_match(predictions: IdRows, references: IdRows) -> float:
    """The share of examples whose trimmed prediction equals the trimmed reference."""
    pairs = _pairs(predictions, references)
    return sum(p == r for p, r in pairs) / len(pairs)


def token_accuracy(predictions: IdRows, references: IdRows) -> float:
    """Correct reference positions over all reference tokens (module docstring)."""
    pairs = _pairs(predictions, references)
    total = sum(len(r) for _, r in pairs)
    if total == 0:
        raise DataError(
            "references: every reference is empty (no token before <eos>); token accuracy "
            "is not defined"
        )
    correct = sum(sum(a == b for a, b in zip(p, r, strict=False)) for p, r in pairs)
    return correct / total


def seq2seq_scores(predictions: IdRows, references: IdRows) -> dict[str, float]:
    """{"exact_match", "token_accuracy"} of the same pairs (the run's metric names)."""
    return {
        "exact_match": exact_match(predictions, references),
        "token_accuracy": token_accuracy(predictions, references),
    }


def bleu(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus BLEU (0..100, sacrebleu's defaults but for the effective n-gram order) of
    detokenized texts, one reference each.

    ConfigError when sacrebleu is not installed: rnnlab does not require it.
    """
    if len(hypotheses) != len(references):
        raise ShapeError(
            f"hypotheses: expected one per reference ({len(references)}), "
            f"received {len(hypotheses)}"
        )
    sacrebleu = _sacrebleu()
    # effective order: n-gram orders no sentence is long enough for are left out (with
    # sentences under 4 tokens the standard score is 0 even for exact copies); whenever the
    # standard corpus BLEU is defined (some sentence has 4 tokens) the two are the same
    result: Any = sacrebleu.corpus_bleu(
        list(hypotheses), [list(references)], use_effective_order=True
    )
    return float(result.score)


def decoded_scores(
    predicted: IdRows, reference: IdRows, decode: Callable[[Sequence[int]], str] | None
) -> dict[str, float]:
    """exact_match and token_accuracy, and bleu when `decode` is given (sentences) and
    sacrebleu is installed."""
    scores = seq2seq_scores(predicted, reference)
    if decode is not None:
        scores.update(sentence_bleu_scores(predicted, reference, decode))
    return scores


def bleu_available() -> bool:
    """Whether sacrebleu can be imported (``pip install 'rnnlab[bleu]'``)."""
    try:
        importlib.import_module("sacrebleu")
    except ImportError:
        return False
    return True


def sentence_bleu_scores(
    predicted: IdRows, reference: IdRows, decode: Callable[[Sequence[int]], str]
) -> dict[str, float]:
    """{"bleu": corpus BLEU} of id rows turned into text by `decode` (word-level data, the
    "sentences" BLEU is meant for), or {} when sacrebleu is not installed."""
    if not bleu_available():
        return {}
    return {"bleu": bleu([decode(p) for p in predicted], [decode(r) for r in reference])}


def _sacrebleu() -> Any:
    try:
        return importlib.import_module("sacrebleu")
    except ImportError:
        raise ConfigError(
            "BLEU needs the sacrebleu package, which is not installed (rnnlab does not depend "
            "on it): pip install sacrebleu, or use exact_match and token_accuracy, which need "
            "nothing more"
        ) from None
