"""Sequence-to-sequence data: the TSV reader, the vocabulary, batches and bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from rnnlab.data.seq2seq import (
    BOS,
    BOS_ID,
    EOS_ID,
    SEQ2SEQ_SPECIALS,
    Seq2SeqData,
    build_seq2seq,
    check_seq2seq_vocab,
    load_seq2seq_tsv,
    pad_pairs,
    seq2seq_vocab,
    shuffled_split,
)
from rnnlab.data.tokenize import EOS, Tokenizer
from rnnlab.data.vocab import PAD, PAD_ID, UNK, Vocab
from rnnlab.errors import ConfigError, DataError

Write = Callable[[str, str | bytes], Path]
CHAR = Tokenizer("char")
WORD = Tokenizer("word")


def ids(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


# ---- vocabulary ---------------------------------------------------------------------------


def test_vocab_puts_the_four_specials_first_then_tokens_by_frequency() -> None:
    vocab = seq2seq_vocab([["b", "a", "b"], ["c", "b", "a"]])
    assert SEQ2SEQ_SPECIALS == (PAD, UNK, EOS, BOS)
    assert vocab.tokens == (PAD, UNK, EOS, BOS, "b", "a", "c")
    assert (vocab.token_to_id(EOS), vocab.token_to_id(BOS)) == (EOS_ID, BOS_ID) == (2, 3)


def test_vocab_max_size_counts_the_specials_and_min_freq_drops_rare_tokens() -> None:
    lists = [["b", "a", "b"], ["c", "b", "a"]]
    assert seq2seq_vocab(lists, max_size=5).tokens == (PAD, UNK, EOS, BOS, "b")
    assert seq2seq_vocab(lists, min_freq=2).tokens == (PAD, UNK, EOS, BOS, "b", "a")
    with pytest.raises(ConfigError, match=r"data.max_vocab: expected at least 4 .* received 3"):
        seq2seq_vocab(lists, max_size=3)


def test_check_vocab_refuses_one_without_bos_and_eos_at_ids_2_and_3() -> None:
    with pytest.raises(
        DataError, match=r"model.json: .* ids 0..3 .* received \['<pad>', '<unk>', "
    ):
        check_seq2seq_vocab(Vocab([PAD, UNK, "a", "b"]), "model.json")


# ---- batches ------------------------------------------------------------------------------


def test_pad_pairs_is_time_major_with_bos_and_eos_around_the_target() -> None:
    batch = pad_pairs([(ids(4, 5, 6), ids(7)), (ids(8), ids(9, 10, 11))])
    assert batch.src.tolist() == [[4, 8], [5, 0], [6, 0]]  # (S_b, B)
    assert batch.src_lengths.tolist() == [3, 1]
    assert batch.tgt.T.tolist() == [[BOS_ID, 7, EOS_ID, 0, 0], [BOS_ID, 9, 10, 11, EOS_ID]]
    assert batch.tgt_lengths.tolist() == [2, 4]  # n + 1
    assert batch.decoder_inputs.T.tolist() == [[3, 7, 2, 0], [3, 9, 10, 11]]
    assert batch.decoder_targets.T.tolist() == [[7, 2, 0, 0], [9, 10, 11, 2]]
    assert (batch.size, batch.n_tokens) == (2, 6)


def test_an_empty_target_is_eos_alone() -> None:
    batch = pad_pairs([(ids(4), ids())])
    assert batch.tgt[:, 0].tolist() == [BOS_ID, EOS_ID]
    assert batch.decoder_targets[:, 0].tolist() == [EOS_ID]


def test_pad_pairs_refuses_nothing() -> None:
    with pytest.raises(DataError, match="pad_pairs: expected at least one"):
        pad_pairs([])


def test_batches_cover_every_pair_once_in_a_seeded_order() -> None:
    data = build_seq2seq(
        ["ab", "abc", "a", "ca", "bb"], ["x", "y", "z", "xy", ""], CHAR, val_fraction=0.0, seed=0
    )
    first = list(data.batches("train", 2, seed=3, epoch=1))
    again = list(data.batches("train", 2, seed=3, epoch=1))
    assert [b.size for b in first] == [2, 2, 1] and data.num_batches("train", 2) == 3
    assert all(np.array_equal(a.src, b.src) for a, b in zip(first, again, strict=True))
    assert sum(b.n_tokens for b in first) == 1 + 1 + 1 + 2 + 0 + 5  # targets + one <eos> each


# ---- building from text -------------------------------------------------------------------


def test_build_splits_by_a_seeded_shuffle_and_the_vocab_sees_training_only() -> None:
    sources = ["ab", "cd", "ef", "gh"]
    data = build_seq2seq(sources, ["1", "2", "3", "4"], CHAR, val_fraction=0.25, seed=0)
    train, val = shuffled_split(4, 0.25, 0)
    assert (data.size("train"), data.size("val")) == (3, 1)
    held_out = sources[int(val[0])]
    assert all(ch not in data.source_vocab for ch in held_out)
    assert data.pairs("val")[0][0].tolist() == [1, 1]  # <unk> <unk>
    assert data.shared_vocab and len(train) == 3


def test_separate_vocabularies_number_each_side_on_its_own() -> None:
    data = build_seq2seq(
        ["ab", "ba"], ["xy", "yy"], CHAR, val_fraction=0.0, seed=0, shared_vocab=False
    )
    assert data.source_vocab.tokens[4:] == ("a", "b")
    assert data.target_vocab.tokens[4:] == ("y", "x")
    assert not data.shared_vocab


def test_word_tokens_and_decoding_a_prediction_back_to_text() -> None:
    data = build_seq2seq(["the cat sat ."], ["le chat , assis ."], WORD, val_fraction=0.0, seed=0)
    words = data.target_vocab.encode(["le", "chat", "assis", "."]).tolist()
    assert data.decode_target([BOS_ID, *words, EOS_ID, 9, PAD_ID]) == "le chat assis."
    src, lengths = data.encode_sources(["the cat", "sat"])
    assert src.shape == (2, 2) and lengths.tolist() == [2, 1]


def test_encode_sources_refuses_a_text_without_tokens() -> None:
    data = build_seq2seq(["ab"], ["c"], CHAR, val_fraction=0.0, seed=0)
    with pytest.raises(DataError, match=r"text 2: no tokens after tokenizing ''"):
        data.encode_sources(["a", ""])


def test_summary_reports_sizes_and_unknown_tokens() -> None:
    data = build_seq2seq(["ab", "cde", "zz"], ["x", "yy", "w"], CHAR, val_fraction=0.0, seed=0)
    summary = data.summary()
    assert summary["train_examples"] == 3 and summary["val_examples"] == 0
    assert summary["train_max_source_length"] == 3 and summary["train_max_target_length"] == 2
    assert (
        summary["source_vocab_size"] == 4 + 9
    )  # a b c d e z x y w and summary["val_unk_tokens"] == 0


# ---- the TSV file and its errors ----------------------------------------------------------


def test_load_tsv_reads_named_columns(write: Write) -> None:
    path = write("pairs.tsv", "id\tin\tout\n1\tabc\tcba\n2\txy\tyx\n")
    data = load_seq2seq_tsv(
        path, CHAR, val_fraction=0.0, seed=0, source_column="in", target_column="out"
    )
    assert data.size("train") == 2 and data.source == str(path)
    assert data.decode_target(data.pairs("train")[0][1]) == "cba"


def test_a_ragged_row_names_the_file_and_line(write: Write) -> None:
    path = write("pairs.tsv", "source\ttarget\nab\tba\nabc\tcba\textra\n")
    with pytest.raises(DataError, match=rf"{path}: line 3: expected 2 fields .* received 3"):
        load_seq2seq_tsv(path, CHAR, val_fraction=0.0, seed=0)


def test_an_empty_source_names_file_line_and_column(write: Write) -> None:
    path = write("pairs.tsv", "source\ttarget\nab\tba\n  \tcba\n")
    with pytest.raises(DataError, match=rf"{path}: line 3: column 'source' has no tokens"):
        load_seq2seq_tsv(path, WORD, val_fraction=0.0, seed=0)


def test_a_target_over_the_maximum_names_file_line_column_and_limit(write: Write) -> None:
    path = write("pairs.tsv", "source\ttarget\nab\tba\nabc\tcbaa\n")
    with pytest.raises(
        DataError,
        match=rf"{path}: line 3: column 'target' has 4 tokens, more than data.max_target_len 3",
    ):
        load_seq2seq_tsv(path, CHAR, val_fraction=0.0, seed=0, max_target_len=3)


def test_a_missing_column_lists_the_columns_there_are(write: Write) -> None:
    path = write("pairs.tsv", "src\ttarget\nab\tba\n")
    with pytest.raises(DataError, match=rf"{path}: no column 'source'; the columns are 'src'"):
        load_seq2seq_tsv(path, CHAR, val_fraction=0.0, seed=0)


def test_one_column_for_both_sides_is_refused(write: Write) -> None:
    path = write("pairs.tsv", "source\ttarget\nab\tba\n")
    with pytest.raises(ConfigError, match=r"data\.source_column and data\.target_column are both"):
        load_seq2seq_tsv(path, CHAR, val_fraction=0.0, seed=0, target_column="source")


def test_a_header_without_rows_and_a_split_without_training_are_refused(write: Write) -> None:
    with pytest.raises(DataError, match=r"empty.tsv: no rows; expected \(source, target\) pairs"):
        load_seq2seq_tsv(write("empty.tsv", "source\ttarget\n"), CHAR, val_fraction=0.0, seed=0)
    with pytest.raises(DataError, match=r"data: 1 row\(s\) with data.val_fraction 0.5 leave no"):
        build_seq2seq(["a"], ["b"], CHAR, val_fraction=0.5, seed=0)


def test_sources_and_targets_of_different_counts_and_bad_limits_are_refused() -> None:
    with pytest.raises(DataError, match="data: 2 sources but 1 targets"):
        build_seq2seq(["a", "b"], ["c"], CHAR, val_fraction=0.0, seed=0)
    with pytest.raises(ConfigError, match=r"data.max_target_len: expected an integer >= 1, .* 0"):
        build_seq2seq(["a"], ["c"], CHAR, val_fraction=0.0, seed=0, max_target_len=0)


def test_the_data_set_checks_pairs_given_directly() -> None:
    vocab = seq2seq_vocab([["a"]])
    with pytest.raises(DataError, match=r"train pair 0: source: expected a 1-D array of at least"):
        Seq2SeqData(vocab, vocab, [(ids(), ids(4))], [], tokenizer=CHAR)
    with pytest.raises(DataError, match=r"val pair 0: target: a token id is outside .* 0..4"):
        Seq2SeqData(vocab, vocab, [(ids(4), ids(4))], [(ids(4), ids(5))], tokenizer=CHAR)
    data = Seq2SeqData(vocab, vocab, [(ids(4), ids(4))], [], tokenizer=CHAR)
    with pytest.raises(ConfigError, match=r"split: expected train \| val, received 'test'"):
        data.pairs("test")  # type: ignore[arg-type]
