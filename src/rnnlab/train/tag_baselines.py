"""Baselines of sequence labelling, counted on the training sentences (no model).

majority  every token gets the most frequent training tag.
unigram   the most frequent tag of the token in training; the majority tag for a token
          never seen.
bigram    the most frequent tag of the token followed by the next token (``END`` after
          the last one: for punctuation, the mark after a character given the character
          that follows); backing off to the unigram's answer for a pair never seen, then
          to the majority tag.

Ties between tags of equal count go to the tag that sorts first, so the answer does not
depend on the order of the data.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from rnnlab.data.tagging import TaggedSentence, TagVocab
from rnnlab.errors import ConfigError, DataError
from rnnlab.train.tag_metrics import tag_report

END = "<end>"  # the "next token" after a sentence's last one
BASELINES = ("majority", "unigram", "bigram")


def _best(counts: Counter[str]) -> str:
    """The most frequent tag; ties to the one that sorts first."""
    return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]


class ContextTagger:
    """Most frequent tag given a context of the token: none (majority), the token
    (unigram), or the token and the next one (bigram), with back-off."""

    def __init__(self, kind: str = "bigram") -> None:
        if kind not in BASELINES:
            raise ConfigError(f"baseline: expected {' | '.join(BASELINES)}, received {kind!r}")
        self.kind = kind
        self.majority: str | None = None
        self._by_token: dict[str, str] = {}
        self._by_pair: dict[tuple[str, str], str] = {}

    def fit(self, sentences: Sequence[TaggedSentence]) -> ContextTagger:
        if not sentences:
            raise DataError("baseline: no training sentences to count")
        overall: Counter[str] = Counter()
        by_token: defaultdict[str, Counter[str]] = defaultdict(Counter)
        by_pair: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for sentence in sentences:
            overall.update(sentence.tags)
            if self.kind == "majority":
                continue
            nexts = (*sentence.tokens[1:], END)
            for token, following, tag in zip(sentence.tokens, nexts, sentence.tags, strict=True):
                by_token[token][tag] += 1
                if self.kind == "bigram":
                    by_pair[token, following][tag] += 1
        self.majority = _best(overall)
        self._by_token = {token: _best(c) for token, c in by_token.items()}
        self._by_pair = {pair: _best(c) for pair, c in by_pair.items()}
        return self

    def predict(self, tokens: Sequence[str]) -> list[str]:
        if self.majority is None:
            raise ConfigError("baseline: predict before fit; fit it on training sentences first")
        nexts = (*tokens[1:], END)
        out = []
        for token, following in zip(tokens, nexts, strict=True):
            tag = self._by_pair.get((token, following)) or self._by_token.get(token)
            out.append(tag or self.majority)
        return out


def evaluate(
    tagger: ContextTagger, sentences: Sequence[TaggedSentence], tags: TagVocab
) -> dict[str, Any]:
    """``tag_report`` of the tagger's predictions on `sentences` (ids from `tags`)."""
    if not sentences:
        raise DataError("baseline: no sentences to evaluate")
    gold = [tags.id(t, f"line {s.line}") for s in sentences for t in s.tags]
    predicted = [tags.id(t, "baseline") for s in sentences for t in tagger.predict(s.tokens)]
    return tag_report(np.array(predicted), np.array(gold), tags.tags)


def baseline_reports(
    train: Sequence[TaggedSentence],
    val: Sequence[TaggedSentence],
    tags: TagVocab,
    kinds: Sequence[str] = BASELINES,
) -> dict[str, dict[str, Any]]:
    """{kind: tag_report on `val`} of each baseline fitted on `train`."""
    return {kind: evaluate(ContextTagger(kind).fit(train), val, tags) for kind in kinds}


def split_by(
    sentences: Sequence[TaggedSentence], train_idx: Sequence[int], val_idx: Sequence[int]
) -> tuple[list[TaggedSentence], list[TaggedSentence]]:
    """The sentences at the train and val indices (of ``tag_data.split_sentences``)."""
    return [sentences[i] for i in train_idx], [sentences[i] for i in val_idx]
