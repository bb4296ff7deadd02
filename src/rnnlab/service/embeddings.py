"""Embedding use cases: build a matrix from a corpus, inspect it, plot it; for the web
workbench, the same on embeddings stored in $RNNLAB_HOME/embeddings/ by id."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rnnlab.data import Vocab
from rnnlab.data import resolve_path as resolve_sample
from rnnlab.embeddings import (
    CORPUS_METHODS,
    analogy,
    build_embedding,
    coverage,
    embedding_from_corpus,
    info,
    load_embedding,
    neighbours,
    read_corpus,
    save_embedding,
    words_path,
)
from rnnlab.embeddings.io import check_embedding_output
from rnnlab.errors import ConfigError, DataError, RnnlabError
from rnnlab.service.arguments import check_seed
from rnnlab.service.datasets import web_data_path
from rnnlab.service.web_store import (
    Index,
    check_size,
    data_index,
    embedding_file,
    embedding_index,
    file_label,
    new_id,
    relabelled,
    upload_labels,
    utc_now,
)
from rnnlab.store import atomic_write_bytes
from rnnlab.viz import embedding_map, render_png
from rnnlab.viz.png import check_png_path

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
    check_seed(seed)  # 0 <= seed < 2^32, an integer (ConfigError naming `seed`)
    check_embedding_output(out)  # before the work: a typo in -o must not cost a build
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
    """The 2-D map of an embedding's most frequent words as figure data, with `words`
    highlighted on it; each item of `words` may be a comma list ("king,queen")."""
    given = [w.strip() for item in words or [] for w in item.split(",") if w.strip()]
    return embedding_map(load_embedding(path), given or None, method, max_words)


def embed_plot(
    path: str | Path,
    out: str | Path,
    words: list[str] | None = None,
    method: str = "pca",
    max_words: int = 200,
) -> Path:
    """The 2-D map of an embedding as a PNG with the words labelled."""
    check_png_path(out)
    return render_png(embed_map(path, words, method, max_words), out)


def embed_coverage(
    path: str | Path, data: str | Path, tokenizer: str = "word", lowercase: bool = True
) -> dict[str, Any]:
    """How much of a text's (or vocab JSON's) vocabulary the embedding covers."""
    data = Path(data)
    if data.suffix.lower() == ".json":
        vocab = Vocab.load(data)
    else:
        vocab = Vocab.build(read_corpus(data, tokenizer, lowercase))  # a table: its text
    return coverage(load_embedding(path), vocab)


# ---- stored embeddings (the web workbench): $RNNLAB_HOME/embeddings/<id>.npy ----------------

UPLOAD_SUFFIXES = (".txt", ".vec", ".bin", ".npy")


def list_embeddings(home: str | Path | None = None) -> list[dict[str, Any]]:
    """The stored embeddings, oldest first: id, label, V, d, method, created_at."""
    index = embedding_index(home)
    return [e for i, e in index.entries().items() if (index.folder / f"{i}.npy").is_file()]


def build_stored_embedding(
    method: str,
    dataset: str | None = None,
    dim: int | None = None,
    window: int = 5,
    min_count: int = 1,
    seed: int = 0,
    tokenizer: str = "word",
    lowercase: bool = True,
    home: str | Path | None = None,
    allow_files: bool = True,
) -> dict[str, Any]:
    """Build an embedding from a data set (sample:, upload: or, with `allow_files`, a file)
    and store it; ``{"id", "info"}``."""
    corpus = None
    if dataset is not None:
        corpus = resolve_sample(web_data_path(dataset, home, allow_files))
    index = embedding_index(home)
    item_id = new_id()
    out = index.folder / f"{item_id}.npy"
    out.parent.mkdir(parents=True, exist_ok=True)
    with upload_labels(home):
        result = embed_build(
            method, out, corpus, dim, window, min_count, seed, tokenizer, lowercase
        )
    label = f"{method} d={result['d']}" + (f" on {_data_label(dataset, home)}" if dataset else "")
    return _remember(index, item_id, label, result)


def _data_label(dataset: str, home: str | Path | None) -> str:
    if dataset.startswith("upload:"):
        return data_index(home).get(dataset.removeprefix("upload:")).get("filename", dataset)
    return dataset


def _remember(index: Index, item_id: str, label: str, result: dict[str, Any]) -> dict[str, Any]:
    entry = {
        "id": item_id,
        "label": label,
        "V": result["V"],
        "d": result["d"],
        "method": result.get("method") or "file",
        "created_at": utc_now(),
    }
    index.add(item_id, entry)
    return {"id": item_id, "info": {k: v for k, v in result.items() if k != "path"}}


def upload_embedding(
    filename: str | None,
    content: bytes,
    home: str | Path | None = None,
    max_bytes: int | None = None,
    words: bytes | None = None,
) -> dict[str, Any]:
    """Check an uploaded embedding file (.txt .vec .bin, or .npy with its word list as
    `words`) like the CLI reads one, and store it as <id>.npy; ``{"id", "info"}``."""
    label = file_label(filename, "embedding")
    check_size(len(content) + len(words or b""), max_bytes, label)
    suffix = Path(label).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise DataError(
            f"{label}: expected an embedding file {' '.join(UPLOAD_SUFFIXES)}, "
            f"received {suffix or '(no suffix)'!r}"
        )
    if suffix == ".npy" and words is None:
        raise DataError(
            f"{label}: an .npy embedding needs its word list: send {Path(label).stem}.vocab.json "
            "as the field `words`"
        )
    index = embedding_index(home)
    item_id = new_id()
    matrix = _read_upload(index.folder / f".upload-{item_id}{suffix}", label, content, words)
    matrix.meta.update(source=label)
    save_embedding(matrix, index.folder / f"{item_id}.npy")
    return _remember(index, item_id, label, info(matrix))


def _read_upload(raw: Path, label: str, content: bytes, words: bytes | None) -> Any:
    """The embedding in `content` (and `words`, for .npy), read from a temporary file named
    `raw`; errors name the files by the uploaded names."""
    sidecar = words_path(raw)
    try:
        atomic_write_bytes(raw, content)
        if words is not None and raw.suffix == ".npy":
            atomic_write_bytes(sidecar, words)
        return load_embedding(raw)
    except RnnlabError as err:
        words_label = f"{Path(label).stem}.vocab.json"
        names = {str(sidecar): words_label, str(raw): label, sidecar.name: words_label}
        raise relabelled(err, names) from None
    finally:
        raw.unlink(missing_ok=True)
        sidecar.unlink(missing_ok=True)


def stored_neighbours(
    item_id: str, word: str, k: int = 10, home: str | Path | None = None
) -> list[dict[str, Any]]:
    """The k nearest words of `word` in a stored embedding, by cosine similarity."""
    return embed_neighbours(embedding_file(item_id, home), word, k)


def stored_map(
    item_id: str,
    words: list[str] | None = None,
    method: str = "pca",
    max_words: int = 200,
    home: str | Path | None = None,
) -> dict[str, Any]:
    """The 2-D map of a stored embedding as figure data (kind scatter)."""
    return embed_map(embedding_file(item_id, home), words, method, max_words)


def delete_embedding(item_id: str, home: str | Path | None = None) -> None:
    """Remove a stored embedding and its word list."""
    index = embedding_index(home)
    index.remove(item_id)
    path = index.folder / f"{item_id}.npy"
    path.unlink(missing_ok=True)
    words_path(path).unlink(missing_ok=True)
