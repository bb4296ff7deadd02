"""Synthetic sequence-to-sequence tasks with a difficulty dial (``size``), character level.

    reverse   size = string length L: "cabd" -> "dbac" over the letters a..j
    sort      size = number of digits: "3141" -> "1134"
    add       size = most digits of an operand (each has 1..size): "12+345" -> "357"
    dates     size = how many source formats (1..4) are drawn from, in this order:
              "3 March 2021", "3 Mar 2021", "March 3, 2021", "3.3.2021" -> "2021-03-03"

Like the long-range lab's synthetic data (``data/synthetic.py``), the training and the
validation pairs each come from their own stream, ``default_rng([seed, 0])`` and
``[seed, 1]``, so the validation set does not change with n. Validation pairs are held
out: a source seen in training is drawn again (a DataError when the dial leaves too few
distinct sources). The vocabulary is fixed by the task's symbols, not by the draw, so two
sizes of one task number their characters alike.

As a data path: ``seq2seq:TASK?size=S&n=N&val=M`` (``parse_task_path``; defaults in
``DEFAULTS``), built by ``build_task_path`` with ``data.seed``; ``task_hash`` is its data hash.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import string
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnnlab.data import task_paths
from rnnlab.data.checks import check_int, check_seed
from rnnlab.data.seq2seq import SEQ2SEQ_SPECIALS, Seq2SeqData
from rnnlab.data.tokenize import Tokenizer
from rnnlab.data.vocab import Vocab
from rnnlab.errors import ConfigError, DataError

TextPair = tuple[str, str]
REVERSE_LETTERS = "abcdefghij"
MONTHS = tuple(calendar.month_name[1:])  # "January" .. "December"
DATE_FORMATS = 4
YEARS = (1900, 2099)  # inclusive
MAX_DRAW_ROUNDS = 20  # held-out draws: rounds of n tries before giving up
PREFIX = "seq2seq:"
DEFAULTS = {"size": 10, "n": 10_000, "val": 1_000}  # of a data.path seq2seq:TASK
LIMITS = {"size": (1, 1_000), "n": (1, 1_000_000), "val": (0, 1_000_000)}
VERSION = 1  # of the generators; part of the data hash


def make_reverse(n: int, size: int, rng: np.random.Generator) -> list[TextPair]:
    """n strings of `size` letters from a..j and their reversal."""
    n, size = check_int(n, "n", 0), check_int(size, "size", 1)
    letters = np.array(list(REVERSE_LETTERS))
    draws = letters[rng.integers(0, len(letters), size=(n, size))]  # (n, size)
    return [("".join(row), "".join(row[::-1])) for row in draws]


def make_sort(n: int, size: int, rng: np.random.Generator) -> list[TextPair]:
    """n strings of `size` digits and the same digits in ascending order."""
    n, size = check_int(n, "n", 0), check_int(size, "size", 1)
    digits = rng.integers(0, 10, size=(n, size))  # (n, size)
    return [("".join(map(str, row)), "".join(map(str, np.sort(row)))) for row in digits.tolist()]


def make_add(n: int, size: int, rng: np.random.Generator) -> list[TextPair]:
    """n sums "a+b" -> "a+b evaluated"; each operand has 1..size digits (uniform), no
    leading zeros (0 itself is "0")."""
    n, size = check_int(n, "n", 0), check_int(size, "size", 1)
    pairs = []
    for _ in range(n):
        a, b = (_number(int(rng.integers(1, size + 1)), rng) for _ in range(2))
        pairs.append((f"{a}+{b}", str(a + b)))
    return pairs


def _number(digits: int, rng: np.random.Generator) -> int:
    low = 0 if digits == 1 else 10 ** (digits - 1)
    return int(rng.integers(low, 10**digits))


def make_dates(n: int, size: int, rng: np.random.Generator) -> list[TextPair]:
    """n dates written in one of the first `size` formats -> ISO 8601 "YYYY-MM-DD"."""
    n = check_int(n, "n", 0)
    size = check_int(size, "size", 1)
    if size > DATE_FORMATS:
        raise ConfigError(f"size: the dates task has {DATE_FORMATS} formats, received {size}")
    pairs = []
    for _ in range(n):
        year = int(rng.integers(YEARS[0], YEARS[1] + 1))
        month = int(rng.integers(1, 13))
        day = int(rng.integers(1, calendar.monthrange(year, month)[1] + 1))
        kind = int(rng.integers(0, size))
        pairs.append((_write_date(kind, year, month, day), f"{year:04d}-{month:02d}-{day:02d}"))
    return pairs


def _write_date(kind: int, year: int, month: int, day: int) -> str:
    name = MONTHS[month - 1]
    return (
        f"{day} {name} {year}",
        f"{day} {name[:3]} {year}",
        f"{name} {day}, {year}",
        f"{day}.{month}.{year}",
    )[kind]


def _date_symbols() -> str:
    return "".join(sorted(set(string.digits + " ,.-" + "".join(MONTHS))))


@dataclass(frozen=True)
class Seq2SeqTask:
    """One synthetic task: its generator, its dial and its fixed symbols."""

    name: str
    description: str
    dial: str  # what size means
    make: Callable[[int, int, np.random.Generator], list[TextPair]]
    symbols: str  # every character its sources and targets may hold
    max_size: int | None = None


TASKS: dict[str, Seq2SeqTask] = {
    task.name: task
    for task in (
        Seq2SeqTask("reverse", "reverse a string", "string length", make_reverse, REVERSE_LETTERS),
        Seq2SeqTask("sort", "sort digits", "number of digits", make_sort, string.digits),
        Seq2SeqTask("add", "add two numbers", "digits per operand", make_add, string.digits + "+"),
        Seq2SeqTask(
            "dates", "normalise dates", "formats", make_dates, _date_symbols(), DATE_FORMATS
        ),
    )
}


def get_task(name: str) -> Seq2SeqTask:
    if name not in TASKS:
        raise ConfigError(f"task: expected one of {' | '.join(TASKS)}, received {name!r}")
    return TASKS[name]


def task_vocab(name: str) -> Vocab:
    """The fixed vocabulary of task `name`: the four specials, then its symbols in order."""
    return Vocab([*SEQ2SEQ_SPECIALS, *get_task(name).symbols])


def generate_pairs(
    name: str, n_train: int, n_val: int, size: int, seed: int
) -> tuple[list[TextPair], list[TextPair]]:
    """(train, val) text pairs of task `name`; val sources never occur in train."""
    task = get_task(name)
    seed = check_seed(seed, "data.seed")
    n_train, n_val = check_int(n_train, "n", 1), check_int(n_val, "val", 0)
    size = check_int(size, "size", 1)
    if task.max_size is not None and size > task.max_size:
        raise ConfigError(f"size: the {name} task allows 1..{task.max_size}, received {size}")
    train = task.make(n_train, size, np.random.default_rng([seed, 0]))
    seen = {src for src, _ in train}
    val: list[TextPair] = []
    rng = np.random.default_rng([seed, 1])
    for _ in range(MAX_DRAW_ROUNDS):
        if len(val) >= n_val:
            break
        for pair in task.make(n_val, size, rng):
            if pair[0] not in seen and len(val) < n_val:
                seen.add(pair[0])
                val.append(pair)
    if len(val) < n_val:
        raise DataError(
            f"{name} task, size {size}: found only {len(val)} of the {n_val} held-out sources "
            f"not seen in training (n = {n_train}); raise size or lower n / val"
        )
    return train, val


def build_task_data(name: str, size: int, n_train: int, n_val: int, seed: int) -> Seq2SeqData:
    """A Seq2SeqData of task `name` at dial `size` (char tokens, one shared fixed vocab)."""
    train, val = generate_pairs(name, n_train, n_val, size, seed)
    vocab = task_vocab(name)
    tokenizer = Tokenizer("char")

    def encode(pairs: list[TextPair]) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(vocab.encode(src), vocab.encode(tgt)) for src, tgt in pairs]

    return Seq2SeqData(
        vocab,
        vocab,
        encode(train),
        encode(val),
        tokenizer=tokenizer,
        source=f"seq2seq:{name}?size={size}",
    )


def is_task_path(path: object) -> bool:
    return str(path).strip().startswith(PREFIX)


def parse_task_path(path: str) -> tuple[str, dict[str, int]]:
    """``seq2seq:TASK[?size=S&n=N&val=M]`` -> (TASK, {"size", "n", "val"}), defaults filled in
    (``DEFAULTS``); a DataError names the path and the part at fault."""
    usage = f"{PREFIX}TASK?size=S&n=N&val=M with TASK one of {' | '.join(TASKS)}"
    return task_paths.parse_task_path(
        path,
        kind="seq2seq",
        prefix=PREFIX,
        tasks=TASKS,
        defaults=DEFAULTS,
        limits=LIMITS,
        usage=usage,
    )


def task_hash(name: str, params: dict[str, int], seed: int) -> str:
    """sha256 of what decides a task's data: equal settings, equal hash."""
    key = {"generator": "rnnlab.seq2seq_tasks", "version": VERSION, "task": name}
    key |= {"params": dict(sorted(params.items())), "seed": int(seed)}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def build_task_path(path: str, seed: int) -> Seq2SeqData:
    """The Seq2SeqData a ``seq2seq:TASK?...`` data.path names."""
    name, params = parse_task_path(path)
    return build_task_data(name, params["size"], params["n"], params["val"], seed)
