"""Text generation speed: carrying the hidden state versus recomputing the whole prefix.

A config-a character LSTM LM (1 layer x 128, embedding dim 64, batch 32, seq 64) is first
trained briefly with `rnnlab.service.train` (150 steps, 30 with --quick; probes off) on
tinyshakespeare.txt (the bundled tiny_stories sample when ../shared/data is absent) in a
temporary RNNLAB home. Then 1000 characters (300 with --quick) are sampled after the
prompt "ROMEO:" at temperature 1.0 with a fixed seed, three ways:

- carried: `Predictor.generate` (rnnlab.predict: the prompt primes the state once, then
  each new token is one recurrent step from the carried state);
- carried, via `service.generate`: the same plus loading the run's checkpoint;
- recompute: the same model and the same sampler (`rnnlab.predict.sample_token`, same seed),
  but every token runs the LSTM over the whole prefix again from a zero state (only the
  last position goes through the head).

Reports tokens/s (median of several repetitions, the variants interleaved), the ratio
carried / recompute, and whether both produced the same tokens (they should, up to float
rounding). Target: >= 5000 tokens/s with the carried state.

    .venv/bin/python bench/generation.py          # threads 1 and 2
    .venv/bin/python bench/generation.py --quick
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import torch

from _common import (
    char_text,
    describe,
    lm_config,
    machine,
    median,
    parse_threads,
    set_threads,
    table,
    temp_home,
)
from rnnlab import service
from rnnlab.predict import Predictor, sample_token

PROMPT = "ROMEO:"


@torch.no_grad()
def recompute(predictor: Predictor, length: int, seed: int) -> list[int]:
    """Sample `length` ids, running the model over the whole prefix for every token."""
    model, rng = predictor.model, np.random.default_rng(seed)
    ids = predictor.bundle.vocab.encode(predictor.tokenizer.tokenize(PROMPT)).tolist()
    generated: list[int] = []
    for _ in range(length):
        x = torch.tensor(ids)[:, None]  # (t, 1)
        out, _ = model.rnn(model.embedding(x))  # (t, 1, H) from a zero state
        logits = model.head(out[-1, 0])  # (V,)
        token = sample_token(logits.numpy(), rng, 1.0)
        generated.append(token)
        ids.append(token)
    return generated


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def measure(run: str, home: str, length: int, reps: int, slow_reps: int) -> dict:
    predictor = service.predictor(run, home)
    vocab = predictor.bundle.vocab
    runs: dict[str, list[float]] = {"carried": [], "service": [], "recompute": []}
    same = None
    for rep in range(reps):
        seconds, out = timed(predictor.generate, PROMPT, length, 1.0, seed=rep)
        runs["carried"].append(length / seconds)
        seconds, _ = timed(service.generate, run, PROMPT, length, 1.0, seed=rep, home=home)
        runs["service"].append(length / seconds)
        if rep < slow_reps:
            seconds, ids = timed(recompute, predictor, length, rep)
            runs["recompute"].append(length / seconds)
            same = (same is not False) and vocab.decode(np.array(ids)) == out["tokens"]
    result = {k: median(v) for k, v in runs.items()}
    pairs = zip(runs["carried"], runs["recompute"], strict=False)
    result["ratio"] = median([c / r for c, r in pairs])
    result["same"] = same
    return result


def main(quick: bool, threads: list[int] | None = None) -> str:
    threads = threads or [1, 2]
    steps, length = (30, 300) if quick else (150, 1000)
    reps, slow_reps = (3, 1) if quick else (7, 3)
    path, label = char_text()
    rows = []
    with temp_home() as home:
        set_threads(2)
        mapping = lm_config("a", "lstm", path, max_steps=steps, eval_every=None)
        run = service.train(mapping, home=home)
        loss = run["final_metrics"].get("val_loss")
        for t in threads:
            set_threads(t)
            r = measure(run["id"], home, length, reps, slow_reps)
            verdict = "yes" if r["carried"] >= 5000 else "no"
            same = {True: "yes", False: "no", None: "-"}[r["same"]]
            rows.append([t, r["carried"], r["service"], r["recompute"], r["ratio"], same, verdict])
            print(f"  threads {t}: {rows[-1]}", flush=True)
    header = ["threads", "carried tok/s (Predictor)", "carried tok/s (service.generate)"]
    header += ["recompute tok/s", "carried / recompute", "same tokens", ">= 5000 tok/s"]
    return (
        f"Model: char LSTM, config {describe('a')}, trained {steps} steps on {label} "
        f"(validation loss {loss:.3f} nats). {length} characters after {PROMPT!r}, "
        f"temperature 1.0; medians of {reps} (carried) and {slow_reps} (recompute) "
        f"interleaved repetitions.\n\n{table(header, rows)}\n"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 characters, short training")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(main(args.quick, parse_threads(args.threads)))
