"""One entry point for every recipe, by name: what a CLI command or a config calls.

    onehot                           E = I_V over the words (or the corpus vocabulary)
    random | normal | uniform |      seeded random inits (``random`` is ``normal``)
    xavier | orthogonal
    ppmi-svd | word2vec              learnt from a corpus: one sentence per line

Corpus reading: the file is read as UTF-8 text, cut into lines, and each line into
tokens by ``Tokenizer(tokenizer, lowercase)``; empty lines are skipped. A table (.tsv,
.csv: a classification file) gives only the cells of its text column (the run config's
default ``data.text_column``): never its header, labels or other columns. The vocabulary
keeps tokens seen at least `min_count` times (``Vocab.build``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rnnlab.data.readers import SUFFIXES, column, read_table, read_text
from rnnlab.data.tokenize import Tokenizer
from rnnlab.data.vocab import Vocab
from rnnlab.embeddings.matrix import EmbeddingMatrix
from rnnlab.embeddings.ppmi import ppmi_svd
from rnnlab.embeddings.recipes import ProgressFn, onehot, random_embedding, word2vec
from rnnlab.errors import ConfigError, DataError
from rnnlab.spec.run import DataSpec, EmbeddingSpec

TEXT_COLUMN: str = DataSpec.model_fields["text_column"].default
MAX_DIM: int = next(m.le for m in EmbeddingSpec.model_fields["dim"].metadata if hasattr(m, "le"))
MAX_ONEHOT_WORDS = 16_384  # a one-hot matrix is V x V: 16,384^2 float32 is 1 GiB

RANDOM_METHODS: dict[str, str] = {
    "random": "normal",
    "normal": "normal",
    "uniform": "uniform",
    "xavier": "xavier",
    "orthogonal": "orthogonal",
}
CORPUS_METHODS: tuple[str, ...] = ("ppmi-svd", "word2vec")
METHODS: tuple[str, ...] = ("onehot", *RANDOM_METHODS, *CORPUS_METHODS)


def build_embedding(
    method: str,
    *,
    dim: int | None = None,
    words: Sequence[str] | Vocab | None = None,
    corpus: str | Path | None = None,
    tokenizer: str = "word",
    lowercase: bool = True,
    min_count: int = 1,
    window: int = 5,
    scale: float = 1.0,
    seed: int = 0,
    progress: ProgressFn | None = None,
) -> EmbeddingMatrix:
    """The embedding `method` makes, for `words` or for the vocabulary of `corpus`.

    onehot and the random methods need `words` or a `corpus` (whose vocabulary gives the
    words); ppmi-svd and word2vec need a `corpus`. Every method but onehot needs `dim`.
    `scale` is the random methods' s; `window` and `min_count` the corpus methods'.
    """
    if method not in METHODS:
        raise ConfigError(f"method: expected {' | '.join(METHODS)}, received {method!r}")
    if method != "onehot" and dim is None:
        raise ConfigError(f"dim: method {method!r} needs a dimension (an integer >= 1)")
    if dim is not None:
        check_dim(dim)
    if method in CORPUS_METHODS:
        if corpus is None:
            raise ConfigError(f"corpus: method {method!r} learns from a text file; give its path")
        assert dim is not None
        return embedding_from_corpus(
            corpus, method, dim, window, min_count, seed, tokenizer, lowercase, progress
        )
    source: dict[str, Any] = {}
    if words is None:
        if corpus is None:
            raise ConfigError(f"method {method!r}: give the words or a corpus to take them from")
        words = _corpus_vocab(corpus, tokenizer, lowercase, min_count, progress)[1]
        source = {"corpus": str(corpus), "tokenizer": tokenizer, "lowercase": lowercase}
        source["min_count"] = min_count
    if method == "onehot":
        if len(words) > MAX_ONEHOT_WORDS:
            raise ConfigError(
                f"method onehot: {len(words):,} words make a {len(words):,} x {len(words):,} "
                f"matrix; expected at most {MAX_ONEHOT_WORDS:,} words (raise min_count, or use "
                "a method with a dimension)"
            )
        matrix = onehot(words)
    else:
        assert dim is not None
        kind: Any = RANDOM_METHODS[method]
        matrix = random_embedding(words, dim, kind, scale, seed)
    matrix.meta.update(source)
    _report(progress, "done", 1.0)
    return matrix


def embedding_from_corpus(
    path: str | Path,
    method: str,
    dim: int,
    window: int = 5,
    min_count: int = 1,
    seed: int = 0,
    tokenizer: str = "word",
    lowercase: bool = True,
    progress: ProgressFn | None = None,
) -> EmbeddingMatrix:
    """Learn word vectors (ppmi-svd or word2vec) from a text file, one sentence per line.

    Progress stages, through ``progress(stage, fraction)``: reading, tokenizing,
    vocabulary, then co-occurrence + SVD (ppmi-svd) or one stage per epoch (word2vec),
    and done. The matrix's meta records the corpus path, tokenizer and lowercase too.
    """
    if method not in CORPUS_METHODS:
        raise ConfigError(f"method: expected {' | '.join(CORPUS_METHODS)}, received {method!r}")
    check_dim(dim)
    sentences, vocab = _corpus_vocab(path, tokenizer, lowercase, min_count, progress)
    if method == "ppmi-svd":
        _report(progress, "co-occurrence counts, PPMI and SVD", 0.4)
        sequences = [vocab.encode(s) for s in sentences]
        matrix = ppmi_svd(sequences, vocab, dim, window, seed, min_count=min_count)
    else:
        matrix = word2vec(
            sentences, dim, window, min_count, seed=seed,
            progress=_scaled(progress, 0.4, 0.95),
        )  # fmt: skip
    matrix.meta.update(corpus=str(path), tokenizer=tokenizer, lowercase=lowercase)
    _report(progress, "done", 1.0)
    return matrix


def read_corpus(
    path: str | Path, tokenizer: str = "word", lowercase: bool = True
) -> list[list[str]]:
    """The tokens of each non-empty line of a UTF-8 text file (of a table: each text cell)."""
    return _tokenize_lines(corpus_lines(path), tokenizer, lowercase)


def corpus_lines(path: str | Path) -> list[str]:
    """A text file's lines, or the text column of a table (.tsv, .csv) without its header."""
    fmt = SUFFIXES.get(Path(path).suffix.lower(), "text")
    if fmt == "text":
        return read_text(path).split("\n")
    header, rows = read_table(path, fmt)
    return column(header, rows, TEXT_COLUMN, path)


def _tokenize_lines(lines: list[str], tokenizer: str, lowercase: bool) -> list[list[str]]:
    cutter = Tokenizer(tokenizer, lowercase)  # type: ignore[arg-type]
    return [tokens for tokens in map(cutter.tokenize, lines) if tokens]


def _corpus_vocab(
    path: str | Path,
    tokenizer: str,
    lowercase: bool,
    min_count: int,
    progress: ProgressFn | None,
) -> tuple[list[list[str]], Vocab]:
    Tokenizer(tokenizer, lowercase)  # type: ignore[arg-type]  # check before reading
    _report(progress, f"reading {path}", 0.0)
    lines = corpus_lines(path)
    _report(progress, "tokenizing", 0.1)
    sentences = _tokenize_lines(lines, tokenizer, lowercase)
    if not sentences:
        raise DataError(f"{path}: no tokens in the file; expected text, one sentence per line")
    _report(progress, "vocabulary", 0.3)
    vocab = Vocab.build(sentences, min_freq=min_count)
    if vocab.counts is not None and not any(vocab.counts):
        most = max(Counter(token for sentence in sentences for token in sentence).values())
        raise DataError(
            f"{path}: min_count={min_count} keeps no word (the most frequent appears {most} "
            f"times); expected min_count <= {most}"
        )
    return sentences, vocab


def check_dim(dim: object) -> int:
    """ConfigError unless `dim` is an integer 1..MAX_DIM (the limit of embedding.dim)."""
    if isinstance(dim, bool) or not isinstance(dim, int) or not 1 <= dim <= MAX_DIM:
        raise ConfigError(f"dim: expected an integer 1..{MAX_DIM}, received {dim!r}")
    return dim


def _scaled(progress: ProgressFn | None, start: float, end: float) -> ProgressFn | None:
    """`progress` with fractions 0..1 mapped to start..end."""
    if progress is None:
        return None
    return lambda stage, fraction: progress(stage, start + (end - start) * fraction)


def _report(progress: ProgressFn | None, stage: str, fraction: float) -> None:
    if progress is not None:
        progress(stage, fraction)
