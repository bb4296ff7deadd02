"""Embedding use cases: build a matrix from a corpus, inspect it, plot it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnnlab.data import Tokenizer, Vocab
from rnnlab.data.readers import read_text
from rnnlab.embeddings import (
    CORPUS_METHODS,
    analogy,
    build_embedding,
    coverage,
    embedding_from_corpus,
    info,
    load_embedding,
    neighbours,
    save_embedding,
)
from rnnlab.errors import ConfigError
from rnnlab.viz import embedding_map, render_png

Progress = Callable[[str, float], None]


def embed_build(
    method: str,
    out: str | Path,
    corpus: str | Path | None = None,
    dim: int | None = None,
    window: int = 5,
    min_count: int = 1,
    seed: int = 0,
    tokenizer: str = "word",
    lowercase: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Build an embedding by `method` and save it to `out` (.txt, .vec, .bin or .npy)."""
    if method in CORPUS_METHODS:
        if corpus is None or dim is None:
            raise ConfigError(f"method {method} learns from a corpus: give --corpus and --dim")
        matrix = embedding_from_corpus(
            corpus, method, dim, window, min_count, seed, tokenizer, lowercase, progress
        )
    else:
        matrix = build_embedding(
            method,
            dim=dim,
            corpus=corpus,
            tokenizer=tokenizer,
            lowercase=lowercase,
            min_count=min_count,
            seed=seed,
            progress=progress,
        )
    save_embedding(matrix, out)
    return {"path": str(out), **info(matrix)}


def embed_info(path: str | Path) -> dict[str, Any]:
    return {"path": str(path), **info(load_embedding(path))}


def embed_neighbours(path: str | Path, word: str, k: int = 10) -> list[dict[str, Any]]:
    return [{"word": w, "cosine": s} for w, s in neighbours(load_embedding(path), word, k)]


def embed_analogy(path: str | Path, a: str, b: str, c: str, k: int = 5) -> list[dict[str, Any]]:
    """Words closest to a - b + c (e.g. king - man + woman)."""
    return [{"word": w, "cosine": s} for w, s in analogy(load_embedding(path), a, b, c, k)]


def embed_map(
    path: str | Path, words: list[str] | None = None, method: str = "pca", max_words: int = 200
) -> dict[str, Any]:
    """The 2-D map of an embedding as figure data."""
    return embedding_map(load_embedding(path), words, method, max_words)


def embed_plot(
    path: str | Path,
    out: str | Path,
    words: list[str] | None = None,
    method: str = "pca",
    max_words: int = 200,
) -> Path:
    """The 2-D map of an embedding as a PNG with the words labelled."""
    return render_png(embed_map(path, words, method, max_words), out)


def embed_coverage(
    path: str | Path, data: str | Path, tokenizer: str = "word", lowercase: bool = True
) -> dict[str, Any]:
    """How much of a text's (or vocab JSON's) vocabulary the embedding covers."""
    data = Path(data)
    if data.suffix.lower() == ".json":
        vocab = Vocab.load(data)
    else:
        tokens = Tokenizer(tokenizer, lowercase).tokenize(read_text(data))
        vocab = Vocab.build(tokens)
    return coverage(load_embedding(path), vocab)
