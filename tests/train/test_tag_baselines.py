"""Majority, unigram and bigram taggers: hand-counted predictions and reports."""

from __future__ import annotations

import pytest

from rnnlab.data.punctuation import (
    characters_to_punctuate,
    punctuation_tags,
    read_punctuated,
    restore_lines,
)
from rnnlab.data.samples import sample_path
from rnnlab.data.tag_data import split_sentences
from rnnlab.data.tagging import TaggedSentence, TagVocab
from rnnlab.errors import ConfigError, DataError
from rnnlab.train.tag_baselines import ContextTagger, baseline_reports, evaluate, split_by


def sentence(tokens: str, tags: str, line: int = 0) -> TaggedSentence:
    return TaggedSentence(tuple(tokens.split()), tuple(tags.split()), line)


# tags: O 4 times, ， 2, 。 3: the majority is O
TRAIN = [
    sentence("a b a c", "O ， O 。"),
    sentence("a b c", "O O 。"),
    sentence("b a", "， 。"),
]
VAL = [sentence("a b c", "O ， 。", 7)]
TAGS = TagVocab.build(s.tags for s in TRAIN + VAL)


def test_majority_unigram_bigram_predictions() -> None:
    tokens = ["a", "b", "c", "a", "d"]
    assert ContextTagger("majority").fit(TRAIN).predict(tokens) == ["O"] * 5
    # a: O O O 。 -> O; b: ， O ， -> ，; c: 。 。 -> 。; d unseen -> O
    assert ContextTagger("unigram").fit(TRAIN).predict(tokens) == ["O", "，", "。", "O", "O"]
    # (a, b) -> O, (b, c) -> O, (c, a) unseen -> c's 。, (a, d) -> a's O, (d, END) -> O
    assert ContextTagger("bigram").fit(TRAIN).predict(tokens) == ["O", "O", "。", "O", "O"]
    # (b, a) -> ， twice; (a, END) -> 。 (s3), not a's O
    assert ContextTagger("bigram").fit(TRAIN).predict(["b", "a"]) == ["，", "。"]


def test_ties_go_to_the_tag_that_sorts_first_whatever_the_order() -> None:
    one = ContextTagger("unigram").fit([sentence("x x", "， 。")])
    two = ContextTagger("unigram").fit([sentence("x x", "。 ，")])
    assert one.predict(["x"]) == two.predict(["x"]) == ["。"]  # U+3002 before U+FF0C


def test_evaluate_bigram_report() -> None:
    report = evaluate(ContextTagger("bigram").fit(TRAIN), VAL, TAGS)  # predicts O O 。
    assert report["accuracy"] == pytest.approx(2 / 3)
    assert report["per_tag"]["。"].f1 == 1.0 and report["per_tag"]["，"].f1 == 0.0
    assert report["macro"].f1 == pytest.approx(0.5)
    assert report["micro"].f1 == pytest.approx(2 / 3)  # P 1/1, R 1/2


def test_baseline_reports_on_one_split() -> None:
    reports = baseline_reports(TRAIN, VAL, TAGS)
    assert list(reports) == ["majority", "unigram", "bigram"]
    assert reports["majority"]["accuracy"] == pytest.approx(1 / 3)
    assert reports["majority"]["micro"].f1 == 0.0
    assert reports["unigram"]["accuracy"] == 1.0


def test_split_by_indices() -> None:
    sentences = TRAIN + VAL
    train_idx, val_idx = split_sentences(len(sentences), 0.25, seed=0)
    train, val = split_by(sentences, train_idx, val_idx)
    assert len(train) == 3 and len(val) == 1 and val[0] is sentences[int(val_idx[0])]


def test_errors() -> None:
    with pytest.raises(ConfigError, match=r"baseline: expected majority \| unigram \| bigram"):
        ContextTagger("trigram")
    with pytest.raises(ConfigError, match="predict before fit"):
        ContextTagger().predict(["a"])
    with pytest.raises(DataError, match="no training sentences"):
        ContextTagger().fit([])
    with pytest.raises(DataError, match="no sentences to evaluate"):
        evaluate(ContextTagger().fit(TRAIN), [], TAGS)
    with pytest.raises(DataError, match="line 9: unknown tag '；'"):
        evaluate(ContextTagger().fit(TRAIN), [sentence("a", "；", 9)], TAGS)


def test_punctuation_sample_by_essay() -> None:
    sentences, groups = read_punctuated(sample_path("punctuation"))
    train_idx, val_idx = split_sentences(len(sentences), 0.25, seed=0, groups=groups)
    train, val = split_by(sentences, train_idx, val_idx)
    reports = baseline_reports(train, val, punctuation_tags())
    assert reports["majority"]["micro"].f1 == 0.0  # it never puts a mark
    assert reports["bigram"]["micro"].f1 > 0.0
    # on its own training data the bigram tagger is right more often than the unigram one
    fitted = {
        kind: evaluate(ContextTagger(kind).fit(train), train, punctuation_tags())
        for kind in ("majority", "unigram", "bigram")
    }
    accuracy = [fitted[kind]["accuracy"] for kind in ("majority", "unigram", "bigram")]
    assert accuracy[0] < accuracy[1] < accuracy[2]


def test_restoring_unseen_text_with_the_bigram_tagger() -> None:
    tagger = ContextTagger("bigram").fit(
        [sentence("山 有 鳥 水 有 魚", "O O ， O O 。"), sentence("林 有 風", "O O 。")]
    )
    lines = characters_to_punctuate("山有魚，林有鳥\n水有風")
    # (鳥, END) unseen -> 鳥's ，; (魚, 林) unseen -> 魚's 。; (風, END) -> 。
    restored = restore_lines(lines, [tagger.predict(chars) for chars in lines])
    assert restored == "山有魚。林有鳥，\n水有風。"
