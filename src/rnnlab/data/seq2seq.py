"""Sequence-to-sequence data: (source, target) token sequences of any two lengths.

A TSV file has a header and two columns (names ``data.source_column`` and
``data.target_column``; "source" and "target" by default). Texts are cut into tokens by
``data/tokenize.py`` (char or word). One vocabulary numbers both sides (``shared``), or
each side has its own; either way ids 0..3 are the specials::

    0 <pad>   1 <unk>   2 <eos>   3 <bos>

A batch is time-major and padded with ``PAD_ID`` (S_b, T_b: the longest in the batch)::

    src          int64 (S_b, B)        source ids
    src_lengths  int64 (B,)            true source lengths (for packing and the attention mask)
    tgt          int64 (T_b + 2, B)    <bos> y_1 .. y_n <eos> <pad> ...
    tgt_lengths  int64 (B,)            n + 1: the steps the decoder predicts (y_1 .. y_n <eos>)

so ``decoder_inputs = tgt[:-1]`` (<bos> y_1 .. y_n) and ``decoder_targets = tgt[1:]``
(y_1 .. y_n <eos>) line up step by step. An empty source is an error (nothing to encode);
an empty target is allowed (the answer is <eos> alone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rnnlab.data.batches import ExampleLists, Split
from rnnlab.data.checks import check_int, check_seed
from rnnlab.data.readers import column_pair
from rnnlab.data.split import val_count
from rnnlab.data.tokenize import EOS, Tokenizer
from rnnlab.data.vocab import PAD, PAD_ID, UNK, UNK_ID, Vocab
from rnnlab.errors import ConfigError, DataError
from rnnlab.spec.seq2seq import SOURCE_COLUMN, TARGET_COLUMN

BOS = "<bos>"
EOS_ID = 2
BOS_ID = 3
SEQ2SEQ_SPECIALS = (PAD, UNK, EOS, BOS)  # ids 0..3
Pair = tuple[np.ndarray, np.ndarray]  # (source ids (S_i,), target ids (n_i,)), no specials


@dataclass(frozen=True)
class Seq2SeqBatch:
    """One padded, time-major batch (see the module docstring for the layout)."""

    src: np.ndarray  # (S_b, B)
    src_lengths: np.ndarray  # (B,)
    tgt: np.ndarray  # (T_b + 2, B)
    tgt_lengths: np.ndarray  # (B,) n + 1

    @property
    def size(self) -> int:
        return int(self.src.shape[1])

    @property
    def decoder_inputs(self) -> np.ndarray:
        """<bos> y_1 .. y_n (then <eos>/<pad>, never scored), int64 (T_b + 1, B)."""
        return self.tgt[:-1]

    @property
    def decoder_targets(self) -> np.ndarray:
        """y_1 .. y_n <eos> <pad> ..., int64 (T_b + 1, B)."""
        return self.tgt[1:]

    @property
    def n_tokens(self) -> int:
        """Target tokens the decoder predicts (<eos> included): the tokens/s unit."""
        return int(self.tgt_lengths.sum())

    # The names the trainer reads of every batch (``data.batches.Batch``): the source is
    # the input x with its lengths, the decoder's targets are y.
    @property
    def x(self) -> np.ndarray:
        return self.src

    @property
    def lengths(self) -> np.ndarray:
        return self.src_lengths

    @property
    def y(self) -> np.ndarray:
        return self.decoder_targets


def seq2seq_vocab(
    token_lists: Sequence[Sequence[str]], min_freq: int = 1, max_size: int | None = None
) -> Vocab:
    """A Vocab of the four specials (ids 0..3) then the tokens by descending frequency
    (``Vocab.build``'s order); max_size counts the specials."""
    if max_size is not None and max_size < len(SEQ2SEQ_SPECIALS):
        raise ConfigError(
            f"data.max_vocab: expected at least {len(SEQ2SEQ_SPECIALS)} (the special tokens "
            f"{', '.join(SEQ2SEQ_SPECIALS)}), received {max_size}"
        )
    room = None if max_size is None else max_size - 2  # Vocab.build counts <pad>, <unk>
    built = Vocab.build(token_lists, min_freq=min_freq, max_size=room)
    rest = [t for t in built.tokens[2:] if t not in SEQ2SEQ_SPECIALS]
    if max_size is not None:
        rest = rest[: max_size - len(SEQ2SEQ_SPECIALS)]
    return Vocab([*SEQ2SEQ_SPECIALS, *rest])


def check_seq2seq_vocab(vocab: Vocab, source: str) -> Vocab:
    """DataError unless ids 0..3 of `vocab` are <pad> <unk> <eos> <bos> (e.g. a loaded file)."""
    head = list(vocab.tokens[: len(SEQ2SEQ_SPECIALS)])
    if head != list(SEQ2SEQ_SPECIALS):
        raise DataError(
            f"{source}: a sequence-to-sequence vocabulary starts with ids 0..3 "
            f"{list(SEQ2SEQ_SPECIALS)}, received {head}"
        )
    return vocab


def pad_pairs(pairs: Sequence[Pair]) -> Seq2SeqBatch:
    """Pad (source ids, target ids) pairs into a Seq2SeqBatch (adds <bos>, <eos>)."""
    if not pairs:
        raise DataError("pad_pairs: expected at least one (source, target) pair, received none")
    src_lengths = np.array([len(s) for s, _ in pairs], dtype=np.int64)  # (B,)
    tgt_lengths = np.array([len(t) + 1 for _, t in pairs], dtype=np.int64)  # (B,) n + 1
    src = np.full((int(src_lengths.max()), len(pairs)), PAD_ID, dtype=np.int64)  # (S_b, B)
    tgt = np.full((int(tgt_lengths.max()) + 1, len(pairs)), PAD_ID, dtype=np.int64)  # (T_b+2, B)
    for b, (source_ids, target_ids) in enumerate(pairs):
        src[: len(source_ids), b] = source_ids
        tgt[0, b] = BOS_ID
        tgt[1 : len(target_ids) + 1, b] = target_ids
        tgt[len(target_ids) + 1, b] = EOS_ID
    return Seq2SeqBatch(src=src, src_lengths=src_lengths, tgt=tgt, tgt_lengths=tgt_lengths)


class Seq2SeqData(ExampleLists[Pair]):
    """Train and validation pairs with their vocabularies and tokenizer."""

    def __init__(
        self,
        source_vocab: Vocab,
        target_vocab: Vocab,
        train: Sequence[Pair],
        val: Sequence[Pair],
        *,
        tokenizer: Tokenizer,
        source: str = "data",
    ) -> None:
        self.source_vocab = check_seq2seq_vocab(source_vocab, f"{source}: source vocabulary")
        self.target_vocab = check_seq2seq_vocab(target_vocab, f"{source}: target vocabulary")
        self.tokenizer, self.source = tokenizer, source
        self._examples = {
            "train": [self._check(p, "train", i) for i, p in enumerate(train)],
            "val": [self._check(p, "val", i) for i, p in enumerate(val)],
        }

    @property
    def shared_vocab(self) -> bool:
        return self.source_vocab == self.target_vocab

    def _check(self, pair: Pair, split: str, i: int) -> Pair:
        out = []
        for ids, vocab, side, low in (
            (pair[0], self.source_vocab, "source", 1),
            (pair[1], self.target_vocab, "target", 0),
        ):
            arr = np.asarray(ids)
            if arr.ndim != 1 or len(arr) < low or not np.issubdtype(arr.dtype, np.integer):
                raise DataError(
                    f"{self.source}: {split} pair {i}: {side}: expected a 1-D array of "
                    f"at least {low} token id(s), received shape {arr.shape} dtype {arr.dtype}"
                )
            if arr.size and (arr.min() < 0 or arr.max() >= len(vocab)):
                raise DataError(
                    f"{self.source}: {split} pair {i}: {side}: a token id is outside the "
                    f"vocabulary (ids 0..{len(vocab) - 1})"
                )
            out.append(arr.astype(np.int64, copy=False))
        return out[0], out[1]

    def pairs(self, split: Split) -> list[Pair]:
        """The (source ids, target ids) pairs of `split`, in file order."""
        return self.examples(split)

    def _pad(self, chosen: list[Pair]) -> Seq2SeqBatch:
        """Padded batches (ExampleLists; seq_len is not used: a pair is one whole example).
        Independent pairs: every batch starts from a zero state (carry_state False)."""
        return pad_pairs(chosen)

    def encode_sources(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """New source texts for prediction: ids int64 (S_b, B) padded, lengths (B,)."""
        if not texts:
            raise DataError("encode_sources: expected at least one text, received none")
        pairs = []
        for i, text in enumerate(texts):
            ids = self.source_vocab.encode(self.tokenizer.tokenize(text))
            if len(ids) == 0:
                raise DataError(f"text {i + 1}: no tokens after tokenizing {text!r}")
            pairs.append((ids, np.zeros(0, dtype=np.int64)))
        batch = pad_pairs(pairs)
        return batch.src, batch.src_lengths

    def decode_target(self, ids: Sequence[int] | np.ndarray) -> str:
        """Text of predicted target ids: up to the first <eos>, <bos>/<pad> left out."""
        tokens = []
        for token_id in np.asarray(ids, dtype=np.int64).reshape(-1).tolist():
            if token_id == EOS_ID:
                break
            if token_id not in (PAD_ID, BOS_ID):
                tokens.append(self.target_vocab.id_to_token(token_id))
        return self.tokenizer.detokenize(tokens)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source_vocab_size": len(self.source_vocab),
            "target_vocab_size": len(self.target_vocab),
            "shared_vocab": self.shared_vocab,
        }
        for split in ("train", "val"):
            pairs = self._examples[split]
            out[f"{split}_examples"] = len(pairs)
            out[f"{split}_max_source_length"] = max((len(s) for s, _ in pairs), default=0)
            out[f"{split}_max_target_length"] = max((len(t) for _, t in pairs), default=0)
        out["val_unk_tokens"] = int(
            sum(np.count_nonzero(s == UNK_ID) for s, _ in self._examples["val"])
        )
        return out


def read_seq2seq_tsv(
    path: str | Path, source_column: str = SOURCE_COLUMN, target_column: str = TARGET_COLUMN
) -> tuple[list[str], list[str], list[int]]:
    """(sources, targets, file lines) of a TSV with a header; ragged rows, a missing
    column or the same column named twice are DataErrors naming the file (and line)."""
    return column_pair(path, ("source_column", source_column), ("target_column", target_column))


def build_seq2seq(
    sources: Sequence[str],
    targets: Sequence[str],
    tokenizer: Tokenizer,
    *,
    val_fraction: float,
    seed: int,
    shared_vocab: bool = True,
    max_target_len: int | None = None,
    min_freq: int = 1,
    max_vocab: int | None = None,
    lines: Sequence[int] | None = None,
    source: str = "data",
    columns: tuple[str, str] = (SOURCE_COLUMN, TARGET_COLUMN),
) -> Seq2SeqData:
    """Tokenize, check, split (a seeded shuffle) and encode; vocabularies see training only.

    max_target_len: the most target tokens a row may have (<eos> not counted), or None.
    lines: the file line of each row, for error messages (default: row number + 1).
    """
    if len(sources) != len(targets):
        raise DataError(
            f"{source}: {len(sources)} sources but {len(targets)} targets; expected one each"
        )
    lines = list(lines) if lines is not None else list(range(2, len(sources) + 2))
    src_tokens = [tokenizer.tokenize(text) for text in sources]
    tgt_tokens = [tokenizer.tokenize(text) for text in targets]
    _check_rows(src_tokens, tgt_tokens, lines, source, columns, max_target_len)
    train_idx, val_idx = shuffled_split(len(sources), val_fraction, seed, source)
    train_src = [src_tokens[i] for i in train_idx]
    train_tgt = [tgt_tokens[i] for i in train_idx]
    if shared_vocab:
        src_vocab = tgt_vocab = seq2seq_vocab(train_src + train_tgt, min_freq, max_vocab)
    else:
        src_vocab = seq2seq_vocab(train_src, min_freq, max_vocab)
        tgt_vocab = seq2seq_vocab(train_tgt, min_freq, max_vocab)

    def encode(indices: np.ndarray) -> list[Pair]:
        return [(src_vocab.encode(src_tokens[i]), tgt_vocab.encode(tgt_tokens[i])) for i in indices]

    return Seq2SeqData(
        src_vocab, tgt_vocab, encode(train_idx), encode(val_idx), tokenizer=tokenizer, source=source
    )


def load_seq2seq_tsv(
    path: str | Path, tokenizer: Tokenizer, *, val_fraction: float, seed: int, **options: Any
) -> Seq2SeqData:
    """``read_seq2seq_tsv`` then ``build_seq2seq`` (options: its keyword arguments, and
    source_column / target_column)."""
    columns = (
        options.pop("source_column", SOURCE_COLUMN),
        options.pop("target_column", TARGET_COLUMN),
    )
    sources, targets, lines = read_seq2seq_tsv(path, *columns)
    return build_seq2seq(
        sources,
        targets,
        tokenizer,
        val_fraction=val_fraction,
        seed=seed,
        lines=lines,
        source=str(path),
        columns=columns,
        **options,
    )


def shuffled_split(
    n: int, val_fraction: float, seed: int, source: str = "data"
) -> tuple[np.ndarray, np.ndarray]:
    """(train, val) row indices, each sorted: ``round_half_up(val_fraction * n)`` rows drawn
    by ``default_rng(seed).permutation(n)`` go to validation; training keeps at least one."""
    n_val = val_count(n, val_fraction)
    rng = np.random.default_rng(check_seed(seed, "data.seed"))
    if n - n_val < 1:
        raise DataError(
            f"{source}: {n} row(s) with data.val_fraction {val_fraction} leave no training "
            "example; expected more rows or a smaller val_fraction"
        )
    order = rng.permutation(n)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def _check_rows(
    src_tokens: list[list[str]],
    tgt_tokens: list[list[str]],
    lines: list[int],
    source: str,
    columns: tuple[str, str],
    max_target_len: int | None,
) -> None:
    """DataError naming file, line and column: an empty source, a target over the maximum."""
    if not src_tokens:
        raise DataError(f"{source}: no rows; expected (source, target) pairs under the header")
    if max_target_len is not None:
        check_int(max_target_len, "data.max_target_len", 1)
    for line, src, tgt in zip(lines, src_tokens, tgt_tokens, strict=True):
        if not src:
            raise DataError(
                f"{source}: line {line}: column {columns[0]!r} has no tokens (empty source); "
                "fill it in or drop the row"
            )
        if max_target_len is not None and len(tgt) > max_target_len:
            raise DataError(
                f"{source}: line {line}: column {columns[1]!r} has {len(tgt)} tokens, more "
                f"than data.max_target_len {max_target_len}; raise the limit or shorten the row"
            )
