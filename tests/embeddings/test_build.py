"""build_embedding and embedding_from_corpus: methods by name, corpus files, progress."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from rnnlab.embeddings import METHODS, build_embedding, embedding_from_corpus, random_embedding
from rnnlab.errors import ConfigError, DataError
from tests.embeddings.conftest import two_topic_sentences

Write = Callable[[str, str | bytes], Path]


@pytest.fixture
def corpus(write: Write) -> Path:
    lines = [" ".join(s).capitalize() + "." for s in two_topic_sentences(n=200)]
    return write("corpus.txt", "\n".join(lines[:100]) + "\n\n" + "\n".join(lines[100:]) + "\n")


def test_unknown_method_lists_the_allowed_ones() -> None:
    with pytest.raises(ConfigError) as info:
        build_embedding("glove", dim=3, words=["a"])
    assert "onehot | random | normal | uniform | xavier | orthogonal | ppmi-svd | word2vec" in str(
        info.value
    )
    assert len(METHODS) == 8


def test_words_methods() -> None:
    words = ["a", "b", "c"]
    assert build_embedding("onehot", words=words).dim == 3
    random = build_embedding("random", dim=4, words=words, seed=3, scale=0.5)
    same = random_embedding(words, 4, "normal", scale=0.5, seed=3)
    np.testing.assert_array_equal(random.vectors, same.vectors)
    assert build_embedding("orthogonal", dim=5, words=words).meta["kind"] == "orthogonal"
    with pytest.raises(ConfigError, match="dim: method 'xavier' needs a dimension"):
        build_embedding("xavier", words=words)
    with pytest.raises(ConfigError, match="give the words or a corpus"):
        build_embedding("uniform", dim=2)
    with pytest.raises(ConfigError, match="corpus: method 'ppmi-svd' learns from a text file"):
        build_embedding("ppmi-svd", dim=2, words=words)


def test_words_from_a_corpus_vocabulary(corpus: Path) -> None:
    m = build_embedding("xavier", dim=3, corpus=corpus, min_count=1)
    assert m.words[:2] == ["<pad>", "<unk>"] and "apple" in m and "." in m
    assert "Apple" not in m  # lowercase=True by default
    assert m.meta["corpus"] == str(corpus) and m.meta["kind"] == "xavier"


def test_ppmi_svd_from_a_corpus_reports_progress(corpus: Path) -> None:
    stages: list[tuple[str, float]] = []
    m = build_embedding(
        "ppmi-svd", dim=3, corpus=corpus, window=2, progress=lambda s, f: stages.append((s, f))
    )
    assert [s for s, _ in stages] == [
        f"reading {corpus}",
        "tokenizing",
        "vocabulary",
        "co-occurrence counts, PPMI and SVD",
        "done",
    ]
    fractions = [f for _, f in stages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert m.meta["corpus"] == str(corpus) and m.meta["tokenizer"] == "word"
    assert m.meta["lowercase"] is True and m.meta["window"] == 2 and m.dim == 3


def test_word2vec_from_a_corpus(corpus: Path) -> None:
    pytest.importorskip("gensim")
    stages: list[tuple[str, float]] = []
    m = embedding_from_corpus(
        corpus, "word2vec", dim=4, seed=1, progress=lambda s, f: stages.append((s, f))
    )
    assert "<pad>" not in m and m.words[0] == "."  # gensim's order: most frequent first
    assert stages[-2] == ("word2vec epoch 5/5", pytest.approx(0.95))
    assert m.meta["seed"] == 1 and m.meta["corpus"] == str(corpus)


def test_corpus_errors(write: Write, tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"missing\.txt: file not found"):
        embedding_from_corpus(tmp_path / "missing.txt", "ppmi-svd", dim=2)
    with pytest.raises(DataError, match=r"bad\.txt: line 2: not UTF-8"):
        embedding_from_corpus(write("bad.txt", b"ok\n\xff\n"), "ppmi-svd", dim=2)
    with pytest.raises(ConfigError, match=r"method: expected ppmi-svd \| word2vec"):
        embedding_from_corpus(write("c.txt", "a b"), "onehot", dim=2)
    with pytest.raises(ConfigError, match=r"data\.tokenizer"):
        embedding_from_corpus(write("d.txt", "a b"), "ppmi-svd", dim=2, tokenizer="bpe")
