"""word2vec through gensim: seeded, topic-separating, and a clear error without gensim."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from rnnlab.embeddings import word2vec
from rnnlab.errors import ConfigError, DataError
from tests.embeddings.conftest import nearest_in_own_group, same_group, two_topic_sentences

pytest.importorskip("gensim")

SETTINGS = {"dim": 16, "window": 3, "epochs": 15, "sample": 0.0}


def test_two_topics_separate_and_meta_records_everything() -> None:
    m = word2vec(two_topic_sentences(), seed=0, **SETTINGS)
    assert m.vectors.shape == (10, 16) and m.vectors.dtype == np.float32
    for word, nearest in nearest_in_own_group(m).items():
        assert same_group(word, nearest), (word, nearest)
    assert m.meta["method"] == "word2vec" and m.meta["sg"] == 1 and m.meta["workers"] == 1
    assert m.meta["epochs"] == 15 and m.meta["negative"] == 5 and m.meta["window"] == 3
    counts = m.meta["counts"]
    assert sum(counts) == 400 * 8 and counts == sorted(counts, reverse=True)


def test_same_seed_same_matrix_other_seed_other_matrix() -> None:
    sentences = two_topic_sentences(n=100)
    a = word2vec(sentences, seed=1, **SETTINGS)
    b = word2vec(sentences, seed=1, **SETTINGS)
    c = word2vec(sentences, seed=2, **SETTINGS)
    assert a.words == b.words
    np.testing.assert_array_equal(a.vectors, b.vectors)
    assert not np.allclose(a.vectors, c.vectors)


def test_progress_per_epoch_and_errors() -> None:
    stages: list[tuple[str, float]] = []
    word2vec([["a", "b", "c"]] * 5, dim=4, epochs=2, progress=lambda s, f: stages.append((s, f)))
    assert stages == [("word2vec epoch 1/2", 0.5), ("word2vec epoch 2/2", 1.0)]
    with pytest.raises(DataError, match="min_count=3"):
        word2vec([["a", "b"]], dim=4, min_count=3)
    with pytest.raises(DataError, match="received none"):
        word2vec([[], []], dim=4)
    with pytest.raises(ConfigError, match="sg: expected 1"):
        word2vec([["a", "b"]], dim=4, sg=2)


def test_missing_gensim_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gensim.models", None)
    with pytest.raises(ConfigError, match=r"pip install 'gensim>=4.3'"):
        word2vec([["a", "b"]], dim=4)
