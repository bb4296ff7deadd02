"""Language-model windows: parallel streams, continuity across windows, short splits."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.data.lm import LMData
from rnnlab.data.vocab import Vocab
from rnnlab.errors import ConfigError, DataError

VOCAB = Vocab(["<pad>", "<unk>", *[f"t{i}" for i in range(98)]])


def make(n_train: int, n_val: int = 0) -> LMData:
    ids = np.arange(n_train + n_val, dtype=np.int64) % len(VOCAB)
    return LMData(VOCAB, ids[:n_train], ids[n_train:], source="corpus.txt")


def test_streams_layout_matches_the_reshape() -> None:
    data = make(23)  # N = 23, B = 4: L = 22 // 4 = 5
    x, y = data.streams("train", 4)
    assert x.shape == y.shape == (5, 4) and x.dtype == np.int64
    ids = data.train_ids
    np.testing.assert_array_equal(x, ids[:20].reshape(4, 5).T)
    np.testing.assert_array_equal(y, ids[1:21].reshape(4, 5).T)


@pytest.mark.parametrize(("n", "B", "T"), [(23, 4, 2), (100, 3, 7), (50, 1, 50), (9, 8, 3)])
def test_windows_continue_each_other_and_y_is_x_shifted(n: int, B: int, T: int) -> None:
    data = make(n)
    L = (n - 1) // B
    batches = list(data.batches("train", B, T))
    assert len(batches) == data.num_batches("train", B, T) == -(-L // T)
    assert all(b.x.shape[0] == T for b in batches[:-1]) and 1 <= batches[-1].x.shape[0] <= T
    for b in range(B):
        stream_x = np.concatenate([batch.x[:, b] for batch in batches])
        stream_y = np.concatenate([batch.y[:, b] for batch in batches])
        np.testing.assert_array_equal(stream_x, data.train_ids[b * L : (b + 1) * L])
        np.testing.assert_array_equal(stream_y, data.train_ids[b * L + 1 : (b + 1) * L + 1])
    for batch in batches:
        assert batch.x.shape == batch.y.shape and batch.lengths is None
        assert batch.size == B and batch.n_tokens == batch.x.size


def test_every_token_but_the_tail_is_predicted_once_per_epoch() -> None:
    data = make(101)
    targets = np.concatenate([batch.y.T.reshape(-1) for batch in data.batches("train", 4, 6)])
    assert sorted(targets.tolist()) == sorted(data.train_ids[1:101].tolist())


def test_training_text_shorter_than_one_step_per_stream() -> None:
    data = make(8)
    assert data.num_streams("train", 7) == 7  # 8 tokens: 7 streams of one step each
    with pytest.raises(
        DataError,
        match=r"corpus\.txt: the training text has 8 tokens; 8 parallel streams "
        r"\(train\.batch_size\) need at least 9 .*lower train\.batch_size",
    ):
        list(data.batches("train", 8, 4))


def test_short_val_uses_fewer_streams() -> None:
    data = make(100, 5)  # 5 val tokens: at most 4 streams of one step
    assert data.num_streams("val", 16) == 4
    batches = list(data.batches("val", 16, 10))
    assert len(batches) == 1 and batches[0].x.shape == (1, 4)
    np.testing.assert_array_equal(batches[0].x[0], data.val_ids[:4])
    np.testing.assert_array_equal(batches[0].y[0], data.val_ids[1:5])


@pytest.mark.parametrize("n_val", [0, 1])
def test_val_too_short_for_a_target_gives_no_batches(n_val: int) -> None:
    data = make(50, n_val)
    assert list(data.batches("val", 4, 8)) == []
    assert data.num_batches("val", 4, 8) == 0


def test_summary_counts() -> None:
    summary = make(101, 21).summary(batch_size=4, seq_len=10)
    assert summary["train_tokens"] == 101 and summary["train_steps_per_stream"] == 25
    assert summary["train_batches"] == 3 and summary["val_streams"] == 4
    assert summary["val_steps_per_stream"] == 5 and summary["val_batches"] == 1


def test_bad_arguments() -> None:
    data = make(20)
    with pytest.raises(ConfigError, match=r"data\.seq_len: expected an integer >= 1, received 0"):
        list(data.batches("train", 2, 0))
    with pytest.raises(ConfigError, match=r"train\.batch_size: expected an integer >= 1"):
        data.num_batches("train", 0, 4)
    with pytest.raises(ConfigError, match=r"split: expected train \| val, received 'test'"):
        data.ids("test")  # type: ignore[arg-type]
    with pytest.raises(DataError, match=r"train_ids: token id 100 is outside the vocabulary"):
        LMData(VOCAB, np.array([1, 100]), np.array([], dtype=np.int64))
    with pytest.raises(DataError, match=r"val_ids: expected a 1-D array of integer token ids"):
        LMData(VOCAB, np.array([1, 2]), np.array([0.5]))
