"""The initial embedding matrix E of a run, from embedding.init, before the run is created.

Corpus recipes (ppmi-svd, word2vec) learn from the training split only, so nothing
of the validation data leaks into the model. A pretrained file is aligned to the
run's vocabulary (coverage reported, missing rows filled by embedding.missing), and
the run's config takes the file's dimension so the stored model can be rebuilt.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlab.embeddings import load_embedding, onehot, ppmi_svd, random_embedding
from rnnlab.embeddings import word2vec as word2vec_recipe
from rnnlab.errors import ConfigError
from rnnlab.spec.run import RunConfig

RANDOM_KINDS = {
    "random": "normal",
    "uniform": "uniform",
    "xavier": "xavier",
    "orthogonal": "orthogonal",
}


def training_sequences(prepared: Any) -> list[np.ndarray]:
    """Token-id sequences of the training split (one stream for a language model)."""
    if prepared.task == "language-model" and hasattr(prepared.data, "inputs"):
        return list(prepared.data.inputs("train"))  # independent sequences (synthetic copy)
    if prepared.task == "language-model":
        return [prepared.data.train_ids]
    return [ids for ids, _ in prepared.data.examples("train")]


def initial_embedding(config: RunConfig, prepared: Any) -> tuple[np.ndarray, dict[str, Any]]:
    """E (V x d) as float32 and a JSON-able report of how it was made."""
    spec, words = config.embedding, list(prepared.vocab.tokens)
    seed = config.train.seed
    if spec.init.startswith("file:"):
        matrix = load_embedding(spec.init.removeprefix("file:"))
        E, report = matrix.align(prepared.vocab, spec.missing, seed)
        return E.astype(np.float32), {"init": spec.init, **report, "dim": int(E.shape[1])}
    if spec.init == "onehot":
        matrix = onehot(words)
    elif spec.init in RANDOM_KINDS:
        matrix = random_embedding(words, spec.dim, RANDOM_KINDS[spec.init], seed=seed)
    elif spec.init == "ppmi-svd":
        matrix = ppmi_svd(training_sequences(prepared), words, spec.dim, spec.window, seed=seed)
    elif spec.init == "word2vec":
        sentences = [prepared.vocab.decode(ids) for ids in training_sequences(prepared)]
        learnt = word2vec_recipe(sentences, spec.dim, spec.window, min_count=1, seed=seed)
        E, report = learnt.align(prepared.vocab, "random", seed)
        return E.astype(np.float32), {"init": "word2vec", **report, "dim": spec.dim}
    else:
        raise ConfigError(f"embedding.init: unknown {spec.init!r}")
    meta = {k: v for k, v in matrix.meta.items() if k != "counts"}  # keep the summary small
    return matrix.vectors.astype(np.float32), {"init": spec.init, "dim": int(matrix.dim), **meta}


def with_embedding_dim(config: RunConfig, dim: int) -> RunConfig:
    """The config with embedding.dim set to E's real width (a file decides it)."""
    if config.embedding.init == "onehot" or config.embedding.dim == dim:
        return config
    if config.embedding.init.startswith("file:") and "dim" in config.embedding.model_fields_set:
        raise ConfigError(
            f"embedding.dim: {config.embedding.init.removeprefix('file:')} has "
            f"{dim}-dimensional vectors, but embedding.dim is "
            f"{config.embedding.dim}; remove embedding.dim or set it to {dim}"
        )
    embedding = config.embedding.model_copy(update={"dim": dim})
    return config.model_copy(update={"embedding": embedding})
