"""Sequence-labelling data: token ids with a tag id per token, padded time-major batches.

A batch is a ``Batch`` (as for classify), padded to its longest sentence::

    x       int64 (T, B)   token ids, PAD_ID after each sentence's end
    y       int64 (T, B)   tag ids, IGNORE_INDEX after each sentence's end (and for
                           sentences to predict, whose tags are unknown)
    lengths int64 (B,)     true lengths (for packing)

``token_mask(batch)`` is the (T, B) bool mask of real tokens. IGNORE_INDEX is -100, the
default ``ignore_index`` of ``torch.nn.functional.cross_entropy``, so the loss of a batch is
``cross_entropy(logits.reshape(T * B, K), y.reshape(T * B))`` with no mask to pass.

Splits keep whole sentences, or whole groups of sentences (``groups``: e.g. the essay a
paragraph comes from), on one side, chosen at random with ``data.seed``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from rnnlab.data.batches import Batch, ExampleLists, Split
from rnnlab.data.checks import check_seed
from rnnlab.data.split import val_count
from rnnlab.data.tagging import TaggedSentence, TagVocab
from rnnlab.data.vocab import PAD_ID, UNK_ID, Vocab, check_unknown_share
from rnnlab.errors import DataError

IGNORE_INDEX = -100
TagExample = tuple[np.ndarray, np.ndarray]  # token ids int64 (T_i,), tag ids int64 (T_i,)


class TagData(ExampleLists[TagExample]):
    """Train and validation sentences encoded with one token vocabulary and one TagVocab.

    carry_state: False, every sentence starts from a zero hidden state (the trainer's
    ``TrainingData`` protocol, as ClassifyData).
    """

    carry_state = False

    def __init__(
        self,
        vocab: Vocab,
        tags: TagVocab,
        train: Sequence[TagExample],
        val: Sequence[TagExample],
        *,
        lowercase: bool = False,
        source: str = "data",
    ) -> None:
        self.vocab = vocab
        self.tags = tags
        self.lowercase = lowercase
        self.source = source
        self.warnings: list[str] = []
        self._examples = {
            "train": [self._check(e, "train", i) for i, e in enumerate(train)],
            "val": [self._check(e, "val", i) for i, e in enumerate(val)],
        }

    def _check(self, example: TagExample, split: str, i: int) -> TagExample:
        ids, tag_ids = np.asarray(example[0]), np.asarray(example[1])
        where = f"{self.source}: {split} sentence {i}"
        for name, array, size in (
            ("token", ids, len(self.vocab)),
            ("tag", tag_ids, len(self.tags)),
        ):
            if array.ndim != 1 or len(array) == 0 or not np.issubdtype(array.dtype, np.integer):
                raise DataError(
                    f"{where}: expected a non-empty 1-D array of {name} ids, "
                    f"received shape {array.shape} dtype {array.dtype}"
                )
            if array.min() < 0 or array.max() >= size:
                raise DataError(f"{where}: a {name} id is outside 0..{size - 1}")
        if len(ids) != len(tag_ids):
            raise DataError(f"{where}: {len(ids)} tokens but {len(tag_ids)} tags")
        return ids.astype(np.int64, copy=False), tag_ids.astype(np.int64, copy=False)

    def _pad(self, chosen: list[TagExample]) -> Batch:
        """Padded batches (ExampleLists): a sentence is a whole sequence of its own length."""
        return pad_tag_batch([ids for ids, _ in chosen], [tags for _, tags in chosen])

    def encode_tokens(self, token_lists: Sequence[Sequence[str]]) -> Batch:
        """A batch of new sentences for prediction (y is IGNORE_INDEX everywhere)."""
        if not token_lists:
            raise DataError("tokens: expected at least one sentence, received none")
        sequences = []
        for i, tokens in enumerate(token_lists):
            if len(tokens) == 0:
                raise DataError(f"sentence {i + 1}: no tokens; expected at least one")
            sequences.append(self.vocab.encode(self._fold(tokens)))
        return pad_tag_batch(sequences, [np.full(len(s), IGNORE_INDEX) for s in sequences])

    def encode_sentences(self, sentences: Sequence[TaggedSentence], source: str = "data") -> Batch:
        """A labelled batch of new sentences (to evaluate): an unknown tag is a DataError
        naming the sentence's line."""
        if not sentences:
            raise DataError(f"{source}: expected at least one sentence, received none")
        ids = [self.vocab.encode(self._fold(s.tokens)) for s in sentences]
        tag_ids = [
            np.array(self.tags.encode(s.tags, f"{source}: line {s.line}"), dtype=np.int64)
            for s in sentences
        ]
        return pad_tag_batch(ids, tag_ids)

    def decode(self, predicted: np.ndarray, lengths: np.ndarray) -> list[list[str]]:
        """Tags of predicted ids (T, B), each sentence cut to its length."""
        predicted = np.asarray(predicted)
        if predicted.ndim != 2 or predicted.shape[1] != len(lengths):
            raise DataError(
                f"predicted: expected shape (T, {len(lengths)}), received {predicted.shape}"
            )
        return [self.tags.decode(predicted[: int(n), b]) for b, n in enumerate(lengths)]

    def _fold(self, tokens: Sequence[str]) -> list[str]:
        return [t.lower() for t in tokens] if self.lowercase else list(tokens)

    def tag_counts(self, split: Split) -> dict[str, int]:
        """Tokens per tag in `split`, in tag order."""
        counts = np.zeros(len(self.tags), dtype=np.int64)
        for _, tag_ids in self.examples(split):
            counts += np.bincount(tag_ids, minlength=len(self.tags))
        return {tag: int(n) for tag, n in zip(self.tags.tags, counts, strict=True)}

    def summary(self) -> dict[str, Any]:
        """Sizes for people and run records (JSON-able)."""
        out: dict[str, Any] = {"vocab_size": len(self.vocab), "tags": list(self.tags.tags)}
        for split in ("train", "val"):
            lengths = [len(ids) for ids, _ in self.examples(split)]
            out[f"{split}_sentences"] = len(lengths)
            out[f"{split}_tokens"] = int(sum(lengths))
            out[f"{split}_tag_counts"] = self.tag_counts(split)
            out[f"{split}_max_length"] = max(lengths, default=0)
        out["val_unk_tokens"] = int(
            sum(np.count_nonzero(ids == UNK_ID) for ids, _ in self._examples["val"])
        )
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


def pad_tag_batch(sequences: Sequence[np.ndarray], tag_ids: Sequence[np.ndarray]) -> Batch:
    """Time-major batch: x (T, B) padded with PAD_ID, y (T, B) with IGNORE_INDEX, lengths (B,)."""
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)  # (B,)
    T = int(lengths.max())
    x = np.full((T, len(sequences)), PAD_ID, dtype=np.int64)  # (T, B)
    y = np.full((T, len(sequences)), IGNORE_INDEX, dtype=np.int64)  # (T, B)
    for b, (ids, tags) in enumerate(zip(sequences, tag_ids, strict=True)):
        x[: len(ids), b] = ids
        y[: len(tags), b] = tags
    return Batch(x=x, y=y, lengths=lengths)


def token_mask(batch: Batch) -> np.ndarray:
    """bool (T, B): True at the real tokens of each sentence, False at padding."""
    if batch.lengths is None:
        raise DataError("token_mask: the batch has no lengths; expected a padded tag batch")
    T = batch.x.shape[0]
    return np.arange(T)[:, None] < batch.lengths[None, :]  # (T, B)


def split_sentences(
    n: int, val_fraction: float, seed: int, groups: Sequence[Hashable] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, val indices), each sorted (file order).

    Without groups: ``round_half_up(val_fraction * n)`` sentences chosen by
    ``default_rng(seed).permutation(n)``. With groups (one key per sentence): that share of
    the distinct groups, chosen the same way over the groups in order of first appearance,
    goes to validation whole. At least one unit goes to each side when ``val_fraction > 0``
    and there are two units or more.
    """
    if groups is not None and len(groups) != n:
        raise DataError(f"groups: expected one group per sentence ({n}), received {len(groups)}")
    keys = list(dict.fromkeys(groups)) if groups is not None else list(range(n))
    n_val = val_count(len(keys), val_fraction)
    if val_fraction > 0 and len(keys) >= 2:
        n_val = min(max(n_val, 1), len(keys) - 1)
    rng = np.random.default_rng(check_seed(seed, "data.seed"))
    val_keys = {keys[i] for i in rng.permutation(len(keys))[:n_val]}
    unit = groups if groups is not None else range(n)
    is_val = np.array([key in val_keys for key in unit], dtype=bool)
    return np.flatnonzero(~is_val), np.flatnonzero(is_val)


def build_tag_data(
    sentences: Sequence[TaggedSentence],
    *,
    val_fraction: float,
    seed: int,
    groups: Sequence[Hashable] | None = None,
    lowercase: bool = False,
    min_freq: int = 1,
    max_vocab: int | None = None,
    tags: TagVocab | None = None,
    source: str = "data",
) -> TagData:
    """Split (by sentence or by group), then encode; the token vocabulary sees only the
    training split, the TagVocab every tag of both splits (a tag seen only in validation
    is a warning: the model cannot learn it). `tags`: a fixed TagVocab instead (a tag
    outside it is a DataError naming the sentence's line)."""
    if not sentences:
        raise DataError(f"{source}: no sentences; expected at least one")
    train_idx, val_idx = split_sentences(len(sentences), val_fraction, seed, groups)
    if len(train_idx) == 0:
        raise DataError(f"{source}: no training sentences left after the split")
    if tags is None:
        tags = TagVocab.build(s.tags for s in sentences)
    for s in sentences:
        tags.encode(s.tags, f"{source}: line {s.line}")
    fold = (lambda t: t.lower()) if lowercase else (lambda t: t)
    token_lists = [[fold(t) for t in s.tokens] for s in sentences]
    vocab = Vocab.build((token_lists[i] for i in train_idx), min_freq=min_freq, max_size=max_vocab)

    def encode(indices: np.ndarray) -> list[TagExample]:
        tag_ids = [np.array(tags.encode(sentences[i].tags), np.int64) for i in indices]
        return [(vocab.encode(token_lists[i]), t) for i, t in zip(indices, tag_ids, strict=True)]

    data = TagData(
        vocab, tags, encode(train_idx), encode(val_idx), lowercase=lowercase, source=source
    )
    data.warnings = _warnings(data, min_freq, max_vocab, source)
    return data


def _warnings(data: TagData, min_freq: int, max_vocab: int | None, source: str) -> list[str]:
    """DataError when min_freq/max_vocab leave almost only <unk>; warnings about many
    <unk> tokens and about tags that occur in validation only."""
    train = data.examples("train")
    unknown = sum(int(np.count_nonzero(ids == UNK_ID)) for ids, _ in train)
    total = sum(len(ids) for ids, _ in train)
    warnings = check_unknown_share(unknown, total, min_freq, max_vocab, source)
    in_train, in_val = data.tag_counts("train"), data.tag_counts("val")
    unseen = [tag for tag, n in in_train.items() if n == 0 and in_val[tag] > 0]
    if unseen:
        warnings.append(
            f"{source}: tag(s) {', '.join(map(repr, unseen))} occur only in the validation "
            "split: the model cannot learn them"
        )
    return warnings
