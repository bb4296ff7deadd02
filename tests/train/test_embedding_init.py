"""Runs start from the embedding their config asks for; a frozen one stays frozen."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnlab import service
from rnnlab.embeddings import EmbeddingMatrix, ppmi_svd, save_embedding
from rnnlab.errors import ConfigError, DataError
from rnnlab.store import read_checkpoint
from rnnlab.train import Trainer, build_learner
from rnnlab.train.embedding_init import initial_embedding, training_sequences
from tests.train.conftest import prepared_for, small_config


def classify_config(**embedding):
    return small_config("classify", embedding=embedding, train={"max_steps": 4})


def test_onehot_is_the_identity_and_widens_the_input():
    config = classify_config(init="onehot")
    prepared = prepared_for(config)
    E, report = initial_embedding(config, prepared)
    np.testing.assert_array_equal(E, np.eye(len(prepared.vocab)))
    assert report["dim"] == len(prepared.vocab)
    model = build_learner(config, prepared, embedding=E).model
    assert model.rnn.input_size == len(prepared.vocab)


@pytest.mark.parametrize("init", ["random", "uniform", "xavier", "orthogonal"])
def test_random_kinds_are_seeded(init):
    config = classify_config(init=init, dim=8)
    prepared = prepared_for(config)
    first, _ = initial_embedding(config, prepared)
    again, _ = initial_embedding(config, prepared)
    np.testing.assert_array_equal(first, again)
    assert first.shape == (len(prepared.vocab), 8) and first.dtype == np.float32


def test_ppmi_svd_learns_from_the_training_split_only():
    config = classify_config(init="ppmi-svd", dim=8, window=3)
    prepared = prepared_for(config)
    E, report = initial_embedding(config, prepared)
    train_ids = training_sequences(prepared)
    assert len(train_ids) == prepared.summary["train_examples"]
    expected = ppmi_svd(train_ids, list(prepared.vocab.tokens), 8, 3, seed=config.train.seed)
    np.testing.assert_allclose(E, expected.vectors, atol=1e-6)
    assert report["init"] == "ppmi-svd" and report["window"] == 3


def test_word2vec_rows_follow_the_run_vocabulary():
    config = classify_config(init="word2vec", dim=8)
    prepared = prepared_for(config)
    E, report = initial_embedding(config, prepared)
    assert E.shape == (len(prepared.vocab), 8)
    assert report["coverage"] > 0.9 and not E[0].any()  # <pad> row is zero


def write_vectors(tmp_path: Path, words: list[str], dim: int) -> tuple[Path, np.ndarray]:
    vectors = np.random.default_rng(1).standard_normal((len(words), dim)).astype(np.float32)
    path = tmp_path / "vectors.txt"
    save_embedding(EmbeddingMatrix(words, vectors), path)
    return path, vectors


def test_a_pretrained_file_is_aligned_and_its_dimension_adopted(tmp_path):
    path, _ = write_vectors(tmp_path, ["great", "awful", "soup", "zebra"], 5)
    data = classify_config(init=f"file:{path}").model_dump(mode="json")
    del data["embedding"]["dim"]  # left to the file
    details = service.train(data, home=tmp_path / "home")
    assert details["config"]["embedding"]["dim"] == 5  # the file decides d
    report = details["summary"]["embedding"]
    assert report["found"] == 3 and report["missing"] > 0  # "zebra" is not in the data
    arrays, meta = read_checkpoint(Path(details["folder"]) / "checkpoints", "last")
    vocab_tokens = meta["vocab"]["tokens"]
    assert arrays["model.embedding.weight"].shape == (len(vocab_tokens), 5)


def test_an_explicit_dimension_that_disagrees_with_the_file_is_refused(tmp_path):
    path, _ = write_vectors(tmp_path, ["great", "awful"], 5)
    with pytest.raises(ConfigError, match=r"embedding\.dim: .* has 5-dimensional vectors"):
        service.train(classify_config(init=f"file:{path}", dim=8), home=tmp_path / "home")
    assert service.list_runs(home=tmp_path / "home") == []


def test_a_bad_embedding_file_fails_before_a_run_exists(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("great 0.1 0.2\nawful 0.3\n")
    with pytest.raises(DataError, match=r"bad\.txt.*line 2"):
        service.train(classify_config(init=f"file:{bad}"), home=tmp_path / "home")
    assert service.list_runs(home=tmp_path / "home") == []


@pytest.mark.parametrize("engine", ["torch", "numpy"])
def test_a_frozen_embedding_is_unchanged_by_training(engine):
    config = small_config(
        "classify",
        embedding={"init": "ppmi-svd", "dim": 8, "trainable": False},
        train={"engine": engine, "max_steps": 5, "lr": 0.05},
    )
    prepared = prepared_for(config)
    E, _ = initial_embedding(config, prepared)
    learner = build_learner(config, prepared, embedding=E)
    before = learner.model_arrays()
    Trainer(learner, prepared, config).fit()
    after = learner.model_arrays()
    np.testing.assert_array_equal(after["embedding.weight"], E)
    assert not np.array_equal(after["head.weight"], before["head.weight"])  # the rest learnt
    assert "embedding.weight" not in learner.gradients(
        next(iter(prepared.data.batches("train", 8)))
    )
