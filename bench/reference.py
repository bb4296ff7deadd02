"""The reference NumPy engine against the torch engine: training tokens/s at config a.

Config a of the character LM (1 layer x 128, embedding dim 64, batch 32, seq 64) on
tinyshakespeare.txt (the bundled tiny_stories sample when ../shared/data is absent), for
LSTM, GRU and vanilla RNN (tanh). Both learners come from `rnnlab.train.build_learner` with
the same config and initial weights: engine numpy (NumpyLearner, float32: explicit forward
and BPTT in NumPy, rnnlab's Adam and clipping) and engine torch with `train.kernel: nn`
(TorchLearner on torch.nn). Each takes `learner.train_step(batch, carry)` (forward,
backward, clipping at 5, Adam) over the same precomputed LMData windows, carrying the
hidden state; the warm-up steps are excluded, the two engines alternate block by block,
and the table gives median tokens/s and the median per-repetition ratio numpy / torch
(target >= 0.5x). Threads: torch.set_num_threads and NumPy's BLAS threads (threadpoolctl).

    .venv/bin/python bench/reference.py            # threads 1 and 2, all three cells
    .venv/bin/python bench/reference.py --quick    # a few steps
    .venv/bin/python bench/reference.py --threads 1 --cells lstm
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from _common import (
    CONFIGS,
    char_text,
    describe,
    lm_config,
    machine,
    median,
    parse_threads,
    set_threads,
    table,
)
from rnnlab.data import prepare
from rnnlab.service import load_config
from rnnlab.train import build_learner

NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}
ENGINES = ("numpy", "torch")


def block(config: Any, prepared: Any, batches: list, warmup: int) -> float:
    """Tokens/s of learner.train_step over `batches` after `warmup` untimed steps."""
    learner = build_learner(config, prepared, dtype="float32")
    carry, tokens, started = None, 0, 0.0
    for i, batch in enumerate(batches):
        if i == warmup:
            started = time.perf_counter()
        result = learner.train_step(batch, carry)
        carry = result.carry
        tokens += batch.n_tokens if i >= warmup else 0
    return tokens / (time.perf_counter() - started)


def measure(cell: str, path: str, plan: dict) -> dict[str, Any]:
    c = CONFIGS["a"]
    configs = {
        e: load_config(lm_config("a", cell, path, engine=e, kernel="nn", lr=2e-3)) for e in ENGINES
    }
    prepared = prepare(configs["torch"])
    windows = prepared.data.batches("train", c["batch"], c["seq"])
    batches = [b for b in windows if b.x.shape[0] == c["seq"]][: plan["warmup"] + plan["steps"]]
    for config in configs.values():  # a discarded round: one-off costs
        block(config, prepared, batches[:2], 1)
    runs: dict[str, list[float]] = {e: [] for e in ENGINES}
    for _ in range(plan["reps"]):
        for engine, config in configs.items():
            runs[engine].append(block(config, prepared, batches, plan["warmup"]))
    ratio = median([n / t for n, t in zip(runs["numpy"], runs["torch"], strict=True)])
    return {"numpy": median(runs["numpy"]), "torch": median(runs["torch"]), "ratio": ratio}


def main(quick: bool, threads: list[int] | None = None, cells: list[str] | None = None) -> str:
    threads = threads or [1, 2]
    cells = cells or ["lstm", "gru", "rnn"]
    plan = {"warmup": 1, "steps": 3, "reps": 2} if quick else {"warmup": 2, "steps": 10, "reps": 5}
    path, label = char_text()
    rows = []
    for t in threads:
        set_threads(t)
        for cell in cells:
            r = measure(cell, path, plan)
            verdict = "yes" if r["ratio"] >= 0.5 else "no"
            rows.append([NAMES[cell], t, r["numpy"], r["torch"], r["ratio"], verdict])
            print(
                f"  {cell} t{t}: numpy {r['numpy']:,.0f} torch {r['torch']:,.0f} tok/s", flush=True
            )
    header = ["cell", "threads", "numpy engine tok/s", "torch engine (nn) tok/s"]
    header += ["numpy / torch", ">= 0.5x"]
    return (
        f"Data: {label}. Config {describe('a')}; float32, Adam, clip 5. {plan['warmup']} "
        f"warm-up + {plan['steps']} timed steps per block, {plan['reps']} interleaved "
        f"repetitions; medians.\n\n{table(header, rows)}\n"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few steps")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--cells", default="lstm,gru,rnn")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(main(args.quick, parse_threads(args.threads), args.cells.split(",")))
