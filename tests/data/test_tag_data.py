"""TagData: splits by sentence or group, padded (T, B) batches with ignored padding."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.data.samples import sample_path
from rnnlab.data.tag_data import (
    IGNORE_INDEX,
    TagData,
    build_tag_data,
    pad_tag_batch,
    split_sentences,
    token_mask,
)
from rnnlab.data.tagging import TaggedSentence, TagVocab, read_tagged
from rnnlab.data.vocab import PAD_ID, UNK_ID, Vocab
from rnnlab.errors import ConfigError, DataError


def sentence(text: str, tags: str, line: int = 0) -> TaggedSentence:
    return TaggedSentence(tuple(text.split()), tuple(tags.split()), line)


SENTENCES = [
    sentence("a b c", "X O O", 1),
    sentence("b a", "O X", 5),
    sentence("c", "Y", 8),
    sentence("a a b c", "X X O Y", 10),
]


def test_pad_tag_batch_is_time_major_with_pad_and_ignore() -> None:
    batch = pad_tag_batch(
        [np.array([3, 4, 5]), np.array([6])], [np.array([0, 1, 0]), np.array([2])]
    )
    assert batch.x.tolist() == [[3, 6], [4, PAD_ID], [5, PAD_ID]]  # (T, B)
    assert batch.y.tolist() == [[0, 2], [1, IGNORE_INDEX], [0, IGNORE_INDEX]]
    assert batch.lengths.tolist() == [3, 1] and batch.n_tokens == 4
    assert token_mask(batch).tolist() == [[True, True], [True, False], [True, False]]


def test_split_without_groups_is_seeded_and_sorted() -> None:
    train, val = split_sentences(10, 0.3, seed=1)
    assert len(val) == 3 and sorted(np.concatenate([train, val]).tolist()) == list(range(10))
    assert train.tolist() == sorted(train.tolist())
    again = split_sentences(10, 0.3, seed=1)
    assert [a.tolist() for a in again] == [train.tolist(), val.tolist()]
    assert split_sentences(10, 0.3, seed=2)[1].tolist() != val.tolist()


def test_split_by_group_keeps_each_group_on_one_side() -> None:
    groups = ["e1", "e1", "e2", "e3", "e3", "e3", "e4"]
    train, val = split_sentences(len(groups), 0.25, seed=0, groups=groups)
    val_groups = {groups[i] for i in val}
    assert len(val_groups) == 1  # round_half_up(0.25 * 4 groups)
    assert val_groups.isdisjoint(groups[i] for i in train)
    assert len(train) + len(val) == len(groups)


def test_split_keeps_one_of_each_side_and_checks_groups() -> None:
    assert [len(a) for a in split_sentences(3, 0.01, seed=0)] == [2, 1]
    assert [len(a) for a in split_sentences(3, 0.99, seed=0)] == [1, 2]
    assert [len(a) for a in split_sentences(3, 0.0, seed=0)] == [3, 0]
    with pytest.raises(
        DataError, match=r"groups: expected one group per sentence \(3\), received 2"
    ):
        split_sentences(3, 0.5, seed=0, groups=[1, 2])
    with pytest.raises(ConfigError, match=r"data\.val_fraction"):
        split_sentences(3, 1.0, seed=0)


def test_build_encodes_with_a_training_vocab_and_all_tags() -> None:
    data = build_tag_data(SENTENCES, val_fraction=0.25, seed=0, groups=[0, 0, 1, 2])
    assert data.tags.tags == ("O", "X", "Y") and data.carry_state is False
    train, val = data.examples("train"), data.examples("val")
    assert len(train) + len(val) == 4 and data.size("val") == len(val)
    for ids, tag_ids in train + val:
        assert ids.dtype == np.int64 and tag_ids.dtype == np.int64 and len(ids) == len(tag_ids)
    summary = data.summary()
    assert summary["tags"] == ["O", "X", "Y"]
    assert summary["train_tokens"] + summary["val_tokens"] == 10


def test_batches_cover_the_split_in_seeded_order() -> None:
    data = build_tag_data(SENTENCES, val_fraction=0.0, seed=0)
    batches = list(data.batches("train", 3))
    assert [b.size for b in batches] == [3, 1] and data.num_batches("train", 3) == 2
    first = batches[0]
    assert first.x.shape == (3, 3) and first.y.shape == (3, 3)
    assert first.y[~token_mask(first)].tolist() == [IGNORE_INDEX] * 3  # lengths 3, 2, 1
    shuffled = [b.lengths.tolist() for b in data.batches("train", 4, seed=5, epoch=1)]
    again = [b.lengths.tolist() for b in data.batches("train", 4, seed=5, epoch=1)]
    assert shuffled == again and sorted(shuffled[0]) == [1, 2, 3, 4]
    with pytest.raises(ConfigError, match=r"split: expected train \| val"):
        data.examples("test")  # type: ignore[arg-type]


def test_lowercase_and_unknown_tokens() -> None:
    data = build_tag_data(
        [sentence("The Cat", "O X"), sentence("the dog", "O O")],
        val_fraction=0.0,
        seed=0,
        lowercase=True,
    )
    batch = data.encode_tokens([["THE", "cow"]])
    assert batch.x[:, 0].tolist() == [data.vocab.encode(["the"])[0], UNK_ID]
    assert batch.y.tolist() == [[IGNORE_INDEX], [IGNORE_INDEX]]


def test_encode_sentences_refuses_an_unknown_tag_with_its_line() -> None:
    data = build_tag_data(SENTENCES, val_fraction=0.0, seed=0)
    batch = data.encode_sentences([sentence("a b", "X O", 2)])
    assert batch.y[:, 0].tolist() == [1, 0]
    with pytest.raises(DataError, match=r"new\.conll: line 9: unknown tag 'Z'; the model knows 3"):
        data.encode_sentences([sentence("a b", "X O", 2), sentence("c", "Z", 9)], "new.conll")


def test_encode_refuses_no_input() -> None:
    data = build_tag_data(SENTENCES, val_fraction=0.0, seed=0)
    with pytest.raises(DataError, match="expected at least one sentence"):
        data.encode_tokens([])
    with pytest.raises(DataError, match="sentence 2: no tokens"):
        data.encode_tokens([["a"], []])
    with pytest.raises(DataError, match="data: expected at least one sentence"):
        data.encode_sentences([])
    with pytest.raises(DataError, match="no sentences"):
        build_tag_data([], val_fraction=0.1, seed=0)


def test_decode_cuts_each_sentence_to_its_length() -> None:
    data = build_tag_data(SENTENCES, val_fraction=0.0, seed=0)
    predicted = np.array([[1, 2], [0, 0], [2, 0]])  # (T, B)
    assert data.decode(predicted, np.array([3, 1])) == [["X", "O", "Y"], ["Y"]]
    with pytest.raises(DataError, match=r"predicted: expected shape \(T, 3\)"):
        data.decode(predicted, np.array([3, 1, 1]))


def test_a_tag_only_in_validation_is_a_warning() -> None:
    seen = build_tag_data(SENTENCES, val_fraction=0.0, seed=0)
    assert seen.warnings == []
    only_val = build_tag_data(
        [sentence("a", "X"), sentence("b", "Y")], val_fraction=0.5, seed=0, groups=["p", "q"]
    )
    unseen = [t for t, n in only_val.tag_counts("train").items() if n == 0]
    assert (
        len(unseen) == 1
        and f"tag(s) {unseen[0]!r} occur only in the validation" in (only_val.warnings[0])
    )


def test_tagdata_checks_its_examples() -> None:
    vocab, tags = Vocab(["<pad>", "<unk>", "a"]), TagVocab(["O", "X"])
    good = (np.array([2]), np.array([1]))
    with pytest.raises(DataError, match=r"train sentence 0: a token id is outside 0\.\.2"):
        TagData(vocab, tags, [(np.array([3]), np.array([1]))], [])
    with pytest.raises(DataError, match=r"val sentence 1: a tag id is outside 0\.\.1"):
        TagData(vocab, tags, [good], [good, (np.array([2]), np.array([2]))])
    with pytest.raises(DataError, match="val sentence 0: 2 tokens but 1 tags"):
        TagData(vocab, tags, [good], [(np.array([2, 2]), np.array([1]))])
    with pytest.raises(DataError, match="expected a non-empty 1-D array of token ids"):
        TagData(vocab, tags, [(np.array([], dtype=np.int64), np.array([1]))], [])


def test_toy_ner_sample_builds() -> None:
    data = build_tag_data(read_tagged(sample_path("toy_ner")), val_fraction=0.2, seed=0)
    assert data.size("train") == 8 and data.size("val") == 2 and len(data.tags) == 5


def test_a_fixed_tag_vocabulary() -> None:
    fixed = TagVocab(["O", "X", "Y", "Z"])
    data = build_tag_data(SENTENCES, val_fraction=0.0, seed=0, tags=fixed)
    assert data.tags is fixed and data.tag_counts("train")["Z"] == 0
    assert data.warnings == []  # Z occurs nowhere: nothing to warn about
    with pytest.raises(DataError, match=r"f\.conll: line 8: unknown tag 'Y'; the model knows 2"):
        build_tag_data(
            SENTENCES, val_fraction=0.0, seed=0, tags=TagVocab(["O", "X"]), source="f.conll"
        )
