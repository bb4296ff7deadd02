"""Vocab: the numbering of tokens, saved as JSON (never pickled).

Ids 0 and 1 are always ``<pad>`` and ``<unk>``; id 2 is ``<eos>`` when the token
stream contained it (a word-level language model's line ends). The other tokens
follow by descending frequency, ties broken by first appearance, so the same data
always gives the same numbering.

The JSON form::

    {"format": "rnnlab-vocab", "version": 1, "tokens": ["<pad>", "<unk>", ...],
     "counts": [0, 0, ...]}        # counts: optional, training frequencies
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rnnlab.data.checks import check_output_path
from rnnlab.data.tokenize import EOS
from rnnlab.errors import ConfigError, DataError
from rnnlab.spec.files import atomic_write_text
from rnnlab.spec.io import parse_json_data

PAD = "<pad>"
UNK = "<unk>"
PAD_ID = 0
UNK_ID = 1
SPECIALS = (PAD, UNK)
FORMAT = "rnnlab-vocab"
MAX_UNKNOWN_SHARE = 0.95  # more training tokens than this as <unk>: nothing left to learn
WARN_UNKNOWN_SHARE = 0.5  # more than this: a warning
VERSION = 1


class Vocab:
    """Tokens <-> ids. Build it with ``Vocab.build``, read it with ``Vocab.load``."""

    def __init__(self, tokens: Sequence[str], counts: Sequence[int] | None = None) -> None:
        """`tokens` is the full list by id, starting ``<pad>``, ``<unk>`` (checked)."""
        _check_tokens(list(tokens), "Vocab(tokens)")
        self._tokens: tuple[str, ...] = tuple(tokens)
        self._ids: dict[str, int] = {t: i for i, t in enumerate(self._tokens)}
        if counts is not None:
            _check_counts(list(counts), len(self._tokens), "Vocab(counts)")
        self._counts: tuple[int, ...] | None = None if counts is None else tuple(counts)

    # ---- building -------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        token_lists_or_stream: Iterable[str] | Iterable[Sequence[str]],
        min_freq: int = 1,
        max_size: int | None = None,
    ) -> Vocab:
        """Count tokens and number them.

        token_lists_or_stream: a flat stream of tokens, or an iterable of token lists.
        min_freq: tokens seen fewer times become ``<unk>``.
        max_size: the largest vocabulary, special tokens included; the rarest go.
        """
        if min_freq < 1:
            raise ConfigError(f"data.min_freq: expected an integer >= 1, received {min_freq}")
        counter = _count(token_lists_or_stream)
        specials = [*SPECIALS, EOS] if EOS in counter else list(SPECIALS)
        if max_size is not None and max_size < len(specials):
            raise ConfigError(
                f"data.max_vocab: expected at least {len(specials)} "
                f"(the special tokens {', '.join(specials)}), received {max_size}"
            )
        eos_count = counter.pop(EOS, 0)
        for special in SPECIALS:
            counter.pop(special, None)  # a literal "<unk>" in the data means unknown
        # Counter keeps first-appearance order; a stable sort by count keeps it for ties.
        ranked = sorted(counter.items(), key=lambda item: -item[1])
        kept = [(t, c) for t, c in ranked if c >= min_freq]
        if max_size is not None:
            kept = kept[: max_size - len(specials)]
        counts = [0, 0] + ([eos_count] if len(specials) == 3 else []) + [c for _, c in kept]
        return cls(specials + [t for t, _ in kept], counts)

    # ---- lookups --------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._tokens)

    def __contains__(self, token: object) -> bool:
        return token in self._ids

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and self._tokens == other._tokens

    def __hash__(self) -> int:
        return hash(self._tokens)

    def __repr__(self) -> str:
        return f"Vocab(size={len(self)}, eos={self.has_eos})"

    @property
    def tokens(self) -> tuple[str, ...]:
        """Every token, by id."""
        return self._tokens

    @property
    def counts(self) -> tuple[int, ...] | None:
        """Training frequency of each token (0 for ``<pad>``/``<unk>``), when known."""
        return self._counts

    @property
    def has_eos(self) -> bool:
        return EOS in self._ids

    @property
    def eos_id(self) -> int | None:
        return self._ids.get(EOS)

    def token_to_id(self, token: str) -> int:
        """The id of `token`; ``UNK_ID`` when it is not in the vocabulary."""
        return self._ids.get(token, UNK_ID)

    def id_to_token(self, index: int) -> str:
        """The token with id `index` (DataError when out of range)."""
        if not 0 <= int(index) < len(self._tokens):
            raise DataError(f"token id {index} is outside the vocabulary (ids 0..{len(self) - 1})")
        return self._tokens[int(index)]

    def encode(self, tokens: Iterable[str]) -> np.ndarray:
        """Ids of `tokens` as int64 (N,); unknown tokens become ``UNK_ID``."""
        get = self._ids.get
        return np.fromiter((get(t, UNK_ID) for t in tokens), dtype=np.int64)

    def decode(self, ids: Iterable[int] | np.ndarray) -> list[str]:
        """Tokens of `ids` (DataError for an id outside the vocabulary)."""
        arr = np.asarray(ids if isinstance(ids, np.ndarray) else list(ids), dtype=np.int64)
        bad = (arr < 0) | (arr >= len(self._tokens))
        if bad.any():
            raise DataError(
                f"token id {int(arr[bad][0])} is outside the vocabulary (ids 0..{len(self) - 1})"
            )
        return [self._tokens[i] for i in arr.reshape(-1).tolist()]

    # ---- JSON -----------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict; ``Vocab.from_json`` reads it back."""
        data: dict[str, Any] = {"format": FORMAT, "version": VERSION, "tokens": list(self._tokens)}
        if self._counts is not None:
            data["counts"] = list(self._counts)
        return data

    @classmethod
    def from_json(cls, data: Any, source: str = "vocab JSON") -> Vocab:
        """Validate and read the dict of ``to_json``; errors start with `source`."""
        if not isinstance(data, dict):
            raise DataError(f"{source}: expected a JSON object, received {type(data).__name__}")
        if data.get("format") != FORMAT:
            raise DataError(
                f"{source}: field 'format': expected {FORMAT!r}, received {data.get('format')!r}"
            )
        if data.get("version") != VERSION:
            raise DataError(
                f"{source}: field 'version': expected {VERSION}, received {data.get('version')!r}"
            )
        unknown = sorted(set(data) - {"format", "version", "tokens", "counts"})
        if unknown:
            raise DataError(
                f"{source}: unknown field(s) {', '.join(map(repr, unknown))}; "
                "expected format, version, tokens, counts"
            )
        if "tokens" not in data:
            raise DataError(f"{source}: missing field 'tokens' (the list of tokens by id)")
        tokens = data["tokens"]
        _check_tokens(tokens, source)
        counts = data.get("counts")
        if counts is not None:
            _check_counts(counts, len(tokens), source)
        return cls(tokens, counts)

    def save(self, path: str | Path) -> None:
        """Write the JSON atomically (``rnnlab.spec.files``); the folder must exist."""
        text = json.dumps(self.to_json(), ensure_ascii=False, indent=0) + "\n"
        atomic_write_text(check_output_path(path, "vocab file"), text)

    @classmethod
    def load(cls, path: str | Path) -> Vocab:
        """Read and validate a vocab JSON file; errors name the file and the problem."""
        path = Path(path)
        if not path.is_file():
            raise DataError(f"{path}: vocab file not found")
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            line = raw[: err.start].count(b"\n") + 1
            raise DataError(
                f"{path}: line {line}: not UTF-8 text; expected a vocab JSON file"
            ) from None
        if not text.strip():
            raise DataError(f"{path}: the file is empty; expected a vocab JSON file")
        return cls.from_json(parse_json_data(text, str(path)), str(path))


def _count(token_lists_or_stream: Iterable[str] | Iterable[Sequence[str]]) -> Counter[str]:
    counter: Counter[str] = Counter()
    for item in token_lists_or_stream:
        if isinstance(item, str):
            counter[item] += 1
        else:
            counter.update(item)
    return counter


def _check_tokens(tokens: Any, source: str) -> None:
    if not isinstance(tokens, list):
        raise DataError(
            f"{source}: field 'tokens': expected a list of strings, "
            f"received {type(tokens).__name__}"
        )
    for i, token in enumerate(tokens):
        if not isinstance(token, str) or not token:
            raise DataError(
                f"{source}: field 'tokens', id {i}: expected a non-empty string, received {token!r}"
            )
    for i, special in enumerate(SPECIALS):
        if len(tokens) <= i or tokens[i] != special:
            got = tokens[i] if len(tokens) > i else "nothing"
            raise DataError(
                f"{source}: field 'tokens', id {i}: expected {special!r}, received {got!r}"
            )
    if len(set(tokens)) != len(tokens):
        seen: dict[str, int] = {}
        for i, token in enumerate(tokens):
            if token in seen:
                raise DataError(
                    f"{source}: field 'tokens': {token!r} appears twice "
                    f"(ids {seen[token]} and {i}); expected each token once"
                )
            seen[token] = i


def _check_counts(counts: Any, size: int, source: str) -> None:
    if not isinstance(counts, list) or len(counts) != size:
        got = f"{len(counts)} items" if isinstance(counts, list) else type(counts).__name__
        raise DataError(
            f"{source}: field 'counts': expected a list of {size} integers "
            f"(one per token), received {got}"
        )
    for i, count in enumerate(counts):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise DataError(
                f"{source}: field 'counts', id {i}: expected an integer >= 0, received {count!r}"
            )


def check_unknown_share(
    unknown: int, total: int, min_freq: int, max_vocab: int | None, source: str
) -> list[str]:
    """DataError when data.min_freq (and data.max_vocab) turn more than MAX_UNKNOWN_SHARE of
    the `total` training tokens into <unk>; a warning (returned) above WARN_UNKNOWN_SHARE."""
    if total <= 0 or unknown <= WARN_UNKNOWN_SHARE * total:
        return []
    fields = f"data.min_freq {min_freq}"
    fields += "" if max_vocab is None else f" with data.max_vocab {max_vocab}"
    said = (
        f"{source}: {fields} turns {unknown:,} of the {total:,} training tokens "
        f"({unknown / total:.0%}) into {UNK}"
    )
    fixes = (["lower data.min_freq"] if min_freq > 1 else []) + (
        [] if max_vocab is None else ["raise data.max_vocab"]
    )
    fix = " or ".join(fixes) or "use a text with more repeated words"
    if unknown > MAX_UNKNOWN_SHARE * total:
        raise DataError(f"{said}; the model would learn almost nothing but {UNK}: {fix}")
    return [f"{said}; to keep more words, {fix}"]
