"""Synthetic long-range memory tasks: ``data.path: synthetic:TASK``, ``data.seq_len: T``.

T dials how far back the network must remember. Each task has a memoryless baseline
(``baseline``): a model that learns nothing across time steps scores exactly that.

    adding (Hochreiter & Schmidhuber 1997; Le et al. 2015)          task: forecast
        x float (T, B, 2): channel 0 values U(0, 1), channel 1 a marker, 1 at one
        position of the first half [0, T//2) and one of the second [T//2, T);
        y float (B, 1) = the sum of the two marked values. Baseline: predict 1.0, MSE 1/6.
    copy (Arjovsky et al. 2016)                                      task: language-model
        x ids (L, B), L = T + 20: 10 symbols of "a".."h", T - 1 blanks "_", the
        delimiter ":" (position T + 9), 10 blanks; y ids (L, B): blanks, then the 10
        symbols at the last 10 positions. Baseline: cross-entropy 10 ln 8 / (T + 20).
    order (Hochreiter & Schmidhuber 1997, task 6a)                   task: classify
        x ids (T, B): "B", distractors "a".."d", "E"; X or Y at one position of
        ``order_windows(T)[0]`` (10-20 % of T) and one of ``[1]`` (50-60 %); y the class
        XX, XY, YX or YY. Baseline: accuracy 1/4, cross-entropy ln 4.

``synthetic:TASK?n=N&val=M`` sets the number of training and validation sequences
(default 10 000 and 1 000). Both sets are generated once from ``data.seed``, each
from its own stream (``default_rng([seed, 0])`` and ``[seed, 1]``), so the validation
set does not change with n. ``build_synthetic`` makes the data set of a task:
``SyntheticAdding`` or ``SyntheticSequences`` (``rnnlab.data.synthetic_data``), or a
plain ``ClassifyData`` for the order task.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import numpy as np

from rnnlab.data import task_paths
from rnnlab.data.checks import check_int, check_seed
from rnnlab.data.classify import ClassifyData
from rnnlab.data.split import round_half_up
from rnnlab.data.synthetic_data import SyntheticAdding, SyntheticSequences
from rnnlab.data.tokenize import Tokenizer
from rnnlab.data.vocab import PAD, UNK, Vocab
from rnnlab.errors import ConfigError, DataError

PREFIX = "synthetic:"
TASKS = ("adding", "copy", "order")
SYNTHETIC_TRAIN = 10_000
SYNTHETIC_VAL = 1_000
MAX_SEQUENCES = 1_000_000
MAX_BYTES = 2 * 2**30  # what generating a task may allocate, by ``generated_bytes``
BYTES_PER_STEP = {"adding": 40, "copy": 24, "order": 24}  # arrays while generating, kept
RUN_TASK = {"adding": "forecast", "copy": "language-model", "order": "classify"}
MIN_T = {"adding": 2, "copy": 1, "order": 4}
VERSION = 1  # of the generators; part of the data hash

COPY_SYMBOLS = tuple("abcdefgh")  # ids 2..9
COPY_TOKENS = (PAD, UNK, *COPY_SYMBOLS, "_", ":")
BLANK_ID, DELIM_ID = 10, 11
COPY_LENGTH = 10  # symbols to remember

ORDER_TOKENS = (PAD, UNK, "a", "b", "c", "d", "X", "Y", "B", "E")
ORDER_CLASSES = ["XX", "XY", "YX", "YY"]
X_ID, B_ID, E_ID = 6, 8, 9  # Y_ID = X_ID + 1

_PARAMS = {"n": ("training sequences", 1), "val": ("validation sequences", 0)}


def is_synthetic(path: object) -> bool:
    return str(path).strip().startswith(PREFIX)


def input_size_for(path: object) -> int:
    """Values per time step a forecast model reads: 2 for synthetic:adding, else 1."""
    return 2 if is_synthetic(path) and parse_synthetic_path(str(path))[0] == "adding" else 1


def parse_synthetic_path(path: str) -> tuple[str, dict[str, int]]:
    """``synthetic:TASK[?n=N&val=M]`` -> (TASK, {"n": N, "val": M}), defaults filled in."""
    meanings = ", ".join(f"{key} ({what})" for key, (what, _) in _PARAMS.items())
    usage = f"{PREFIX}TASK or {PREFIX}TASK?n=N&val=M ({meanings}) with TASK one of "
    return task_paths.parse_task_path(
        path,
        kind="synthetic",
        prefix=PREFIX,
        tasks=TASKS,
        defaults={"n": SYNTHETIC_TRAIN, "val": SYNTHETIC_VAL},
        limits={key: (low, MAX_SEQUENCES) for key, (_, low) in _PARAMS.items()},
        usage=usage + ", ".join(TASKS),
        task_word="synthetic task",
        name_of=lambda key: f"{key} ({_PARAMS[key][0]})",
    )


# ---- generators ---------------------------------------------------------------------------


def make_adding(n: int, T: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x float64 (n, T, 2) (values, marker) and y float64 (n, 1) the two marked values' sum."""
    n, T = check_int(n, "n", 0), check_int(T, "T", MIN_T["adding"])
    values = rng.random((n, T))  # (n, T) U[0, 1)
    rows = np.arange(n)
    first = rng.integers(0, T // 2, size=n)  # (n,) in [0, T//2)
    second = rng.integers(T // 2, T, size=n)  # (n,) in [T//2, T)
    x = np.zeros((n, T, 2), dtype=np.float64)
    x[:, :, 0] = values
    x[rows, first, 1] = 1.0
    x[rows, second, 1] = 1.0
    y = (values[rows, first] + values[rows, second])[:, None]  # (n, 1)
    return x, y


def make_copy(n: int, T: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x, y int64 (n, T + 20): 10 symbols, T - 1 blanks, ":", 10 blanks -> blanks, 10 symbols."""
    n, T = check_int(n, "n", 0), check_int(T, "T", MIN_T["copy"])
    symbols = rng.integers(2, 2 + len(COPY_SYMBOLS), size=(n, COPY_LENGTH))  # (n, 10)
    x = np.full((n, T + 2 * COPY_LENGTH), BLANK_ID, dtype=np.int64)
    x[:, :COPY_LENGTH] = symbols
    x[:, T + COPY_LENGTH - 1] = DELIM_ID
    y = np.full_like(x, BLANK_ID)
    y[:, T + COPY_LENGTH :] = symbols
    return x, y


def order_windows(T: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Inclusive position ranges of the two relevant symbols: round(0.1 T)..round(0.2 T) and
    round(0.5 T)..round(0.6 T) (halves up; [10, 20] and [50, 60] for T = 100), kept
    between "B" (position 0) and "E" (position T - 1)."""
    T = check_int(T, "T", MIN_T["order"])
    lo1, hi1 = max(1, round_half_up(0.1 * T)), max(1, round_half_up(0.2 * T))
    lo2, hi2 = round_half_up(0.5 * T), min(T - 2, round_half_up(0.6 * T))
    return (lo1, hi1), (lo2, hi2)


def make_order(n: int, T: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x int64 (n, T) ids, y int64 (n,) class index (0 XX, 1 XY, 2 YX, 3 YY)."""
    n, T = check_int(n, "n", 0), check_int(T, "T", MIN_T["order"])
    (lo1, hi1), (lo2, hi2) = order_windows(T)
    x = rng.integers(2, 6, size=(n, T)).astype(np.int64)  # distractors a..d
    x[:, 0], x[:, -1] = B_ID, E_ID
    rows = np.arange(n)
    first = rng.integers(lo1, hi1 + 1, size=n)
    second = rng.integers(lo2, hi2 + 1, size=n)
    which = rng.integers(0, 2, size=(n, 2))  # 0 X, 1 Y
    x[rows, first] = X_ID + which[:, 0]
    x[rows, second] = X_ID + which[:, 1]
    return x, (2 * which[:, 0] + which[:, 1]).astype(np.int64)


def baseline(task: str, T: int) -> dict[str, Any]:
    """What a memoryless predictor scores: {"metric", "value", "description", "metrics"}."""
    if task not in TASKS:
        raise DataError(f"unknown synthetic task {task!r}; the tasks are {', '.join(TASKS)}")
    T = check_int(T, "T", MIN_T[task])
    if task == "adding":
        # U1 + U2 is triangular on [0, 2]: variance 2/12, E|U1 + U2 - 1| = 1/3
        metrics = {"mse": 1 / 6, "rmse": math.sqrt(1 / 6), "mae": 1 / 3}
        out = ("mse", "predict the mean 1.0 (MSE 1/6)")
    elif task == "copy":
        metrics = {"cross_entropy": COPY_LENGTH * math.log(8) / (T + 2 * COPY_LENGTH)}
        out = (
            "cross_entropy",
            "predict blank until the delimiter, then the 8 symbols uniformly "
            "(cross-entropy 10 ln 8 / (T + 20))",
        )
    else:
        metrics = {"accuracy": 0.25, "cross_entropy": math.log(4)}
        out = ("accuracy", "predict the 4 classes uniformly (accuracy 1/4, cross-entropy ln 4)")
    return {"metric": out[0], "value": metrics[out[0]], "description": out[1], "metrics": metrics}


# ---- from a path to a data set ------------------------------------------------------------


def synthetic_hash(task: str, params: dict[str, int], T: int, seed: int) -> str:
    """sha256 of what decides the data: equal settings, equal hash."""
    key = {"generator": "rnnlab.synthetic", "version": VERSION, "task": task}
    key |= {"params": dict(sorted(params.items())), "T": int(T), "seed": int(seed)}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def generated_bytes(task: str, params: dict[str, int], T: int) -> int:
    """Estimated bytes of generating a task: sequences x steps x BYTES_PER_STEP."""
    steps = T + 2 * COPY_LENGTH if task == "copy" else T
    return (params["n"] + params["val"]) * steps * BYTES_PER_STEP[task]


def check_generated_bytes(task: str, params: dict[str, int], T: int) -> None:
    """ConfigError naming data.seq_len and the n/val of data.path before generating more
    than MAX_BYTES (by the estimate)."""
    needed = generated_bytes(task, params, T)
    if needed > MAX_BYTES:
        raise ConfigError(
            f"data.seq_len / data.path: {PREFIX}{task} with n={params['n']}, "
            f"val={params['val']} and T={T} needs about {needed / 2**30:.1f} GiB to generate "
            f"(estimate), more than the limit of {MAX_BYTES / 2**30:.0f} GiB; lower n, val "
            "or data.seq_len"
        )


def build_synthetic(
    task: str, params: dict[str, int], T: int, seed: int, batch_size: int = 32
) -> tuple[Any, dict[str, Any]]:
    """(data set, summary) of a task from ``parse_synthetic_path``, sequence length dial T."""
    if task not in TASKS:
        raise DataError(f"unknown synthetic task {task!r}; the tasks are {', '.join(TASKS)}")
    low = MIN_T[task]
    if isinstance(T, bool) or not isinstance(T, int | np.integer) or int(T) < low:
        why = {"adding": "one marker per half", "copy": "the delimiter", "order": "B, X|Y, X|Y, E"}
        raise ConfigError(
            f"data.seq_len: {PREFIX}{task} needs T >= {low} ({why[task]}), received {T!r}"
        )
    seed = check_seed(seed, "data.seed")
    check_generated_bytes(task, params, int(T))
    make = {"adding": make_adding, "copy": make_copy, "order": make_order}[task]
    train = make(params["n"], T, np.random.default_rng([seed, 0]))
    val = make(params["val"], T, np.random.default_rng([seed, 1]))
    source = f"{PREFIX}{task}"
    data: Any
    if task == "adding":
        data = SyntheticAdding(train, val, source=source)
        sizes = data.summary()
    elif task == "copy":
        data = SyntheticSequences(Vocab(COPY_TOKENS), train, val, T=T, source=source)
        sizes = data.summary(batch_size)
    else:
        examples = [
            [(ids, int(label)) for ids, label in zip(*part, strict=True)] for part in (train, val)
        ]
        vocab, char = Vocab(ORDER_TOKENS), Tokenizer("char")
        data = ClassifyData(vocab, ORDER_CLASSES, *examples, tokenizer=char, source=source)
        sizes = {**data.summary(), "windows": [list(w) for w in order_windows(T)]}
    base = baseline(task, T)
    summary = {
        "synthetic": task,
        "T": int(T),
        "n": params["n"],
        "val": params["val"],
        "seed": seed,
        **sizes,
        "baselines": {"no_memory": {**base["metrics"], "description": base["description"]}},
        "note": "data.val_fraction is ignored: the validation set is generated separately "
        f"({params['val']} sequences); data.format and data.tokenizer are ignored too",
    }
    return data, summary
