"""Estimates of what a request will allocate, checked before it allocates anything.

The web server runs heavy requests under a memory budget (``rnnlab.web.sandbox``);
these estimates let it refuse a request that cannot fit with a message that names the
field, the estimate and the limit, instead of failing in the allocator half-way.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rnnlab.data import Tokenizer
from rnnlab.data import resolve_path as resolve_sample
from rnnlab.data.readers import read_text
from rnnlab.errors import ConfigError
from rnnlab.service.datasets import web_data_path
from rnnlab.service.web_store import upload_labels

BYTES_PER_ENTRY = 24  # a (V, d) matrix: float64 while built, float32 kept, one copy more
SPECIAL_WORDS = 2  # <pad> and <unk> besides the corpus's words


def embedding_bytes(method: str, words: int, dim: int | None) -> int:
    """Estimated bytes of building an embedding of `words` words: (V, V) for onehot,
    (V, dim) for the others."""
    width = words if method == "onehot" or dim is None else dim
    return words * width * BYTES_PER_ENTRY


def corpus_words(path: Path, tokenizer: str, lowercase: bool, min_count: int) -> int:
    """How many words an embedding of the text at `path` would have (specials included)."""
    counts = Counter(Tokenizer(tokenizer, lowercase).tokenize(read_text(path)))
    return SPECIAL_WORDS + sum(1 for n in counts.values() if n >= min_count)


def check_embedding_budget(
    method: str,
    dataset: str | None,
    dim: int | None,
    max_bytes: int,
    tokenizer: str = "word",
    lowercase: bool = True,
    min_count: int = 1,
    home: str | Path | None = None,
    allow_files: bool = True,
) -> None:
    """ConfigError naming `dim` (or `method` for onehot) when building the embedding of
    `dataset` would need more than `max_bytes`, by its estimate; nothing without a data set
    (the builder's own error says what is missing)."""
    if dataset is None:
        return
    with upload_labels(home):
        path = resolve_sample(web_data_path(dataset, home, allow_files))
        words = corpus_words(path, tokenizer, lowercase, min_count)
    needed = embedding_bytes(method, words, dim)
    if needed <= max_bytes:
        return
    field = "method" if method == "onehot" or dim is None else "dim"
    shape = f"{words} x {words}" if field == "method" else f"{words} words x dim {dim}"
    raise ConfigError(
        f"{field}: a {method} embedding of {dataset} ({shape}) needs about "
        f"{size_text(needed)} (estimate), more than the limit of {size_text(max_bytes)}; "
        "use a smaller dim, a larger min_count or a smaller data set"
    )


def size_text(n_bytes: int) -> str:
    """``3.2 GiB`` from 1 GiB up, else ``48 MB``."""
    return f"{n_bytes / 2**30:.1f} GiB" if n_bytes >= 2**30 else f"{n_bytes / 2**20:.0f} MB"
