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

- bare: the floor for one token at a time in PyTorch, a loop written out on the same
  weights (embedding row, ``torch.lstm_cell``, ``F.linear``, the same sampler) with nothing
  else; rnnlab / bare says what rnnlab's generation costs on top of the arithmetic.

Reports tokens/s (median of several repetitions, the variants interleaved), the ratios,
and whether all produced the same tokens (they should, up to float rounding). Then n
samples at once (``generate(n=...)``, one batched step per token): tokens/s over all
samples and the speed-up over n = 1. Targets (issue 11): >= 25,000 tokens/s at B = 1, and
n samples at once scaling near n x.

    .venv/bin/python bench/generation.py          # threads 1 and 2
    .venv/bin/python bench/generation.py --quick
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

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
TARGET = 25_000  # tokens/s at B = 1 (issue 11)
BATCH_SIZES = (1, 8, 32)


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


@torch.inference_mode()
def bare(predictor: Predictor, length: int, seed: int) -> list[int]:
    """Sample `length` ids with the least PyTorch can do per token (1-layer LSTM only)."""
    model, rng = predictor.model, np.random.default_rng(seed)
    lstm, emb, head = model.rnn, model.embedding.weight, model.head
    weights = (lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0)
    ids = predictor.bundle.vocab.encode(predictor.tokenizer.tokenize(PROMPT)).tolist()
    out, (h, c) = lstm(emb[torch.tensor(ids)][:, None])  # (t, 1, H): primes the state
    h, c, logits = h[0], c[0], head(out[-1])  # (1, H), (1, H), (1, V)
    generated: list[int] = []
    for _ in range(length):
        token = sample_token(logits[0].numpy(), rng, 1.0)
        generated.append(token)
        h, c = torch.lstm_cell(emb[token : token + 1], (h, c), *weights)  # (1, H) each
        logits = F.linear(h, head.weight, head.bias)  # (1, V)
    return generated


def batched(predictor: Predictor, length: int, reps: int, sizes: tuple[int, ...]) -> list:
    """Tokens/s over all samples of generate(n=...) for each n, and the speed-up over n=1."""
    rates: dict[int, list[float]] = {n: [] for n in sizes}
    for rep in range(reps):
        for n in sizes:
            seconds, _ = timed(predictor.generate, PROMPT, length, 1.0, seed=rep, n=n)
            rates[n].append(n * length / seconds)
    speeds = {n: median(r) for n, r in rates.items()}
    return [[n, speeds[n], speeds[n] / speeds[sizes[0]]] for n in sizes]


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def measure(run: str, home: str, length: int, reps: int, slow_reps: int) -> dict:
    predictor = service.predictor(run, home)
    vocab = predictor.bundle.vocab
    runs: dict[str, list[float]] = {"carried": [], "service": [], "bare": [], "recompute": []}
    same = None
    for rep in range(reps):
        seconds, out = timed(predictor.generate, PROMPT, length, 1.0, seed=rep)
        runs["carried"].append(length / seconds)
        seconds, ids = timed(bare, predictor, length, rep)
        runs["bare"].append(length / seconds)
        same = (same is not False) and vocab.decode(np.array(ids)) == out["tokens"]
        seconds, _ = timed(service.generate, run, PROMPT, length, 1.0, seed=rep, home=home)
        runs["service"].append(length / seconds)
        if rep < slow_reps:
            seconds, ids = timed(recompute, predictor, length, rep)
            runs["recompute"].append(length / seconds)
            same = (same is not False) and vocab.decode(np.array(ids)) == out["tokens"]
    result = {k: median(v) for k, v in runs.items()}
    pairs = zip(runs["carried"], runs["recompute"], strict=False)
    result["ratio"] = median([c / r for c, r in pairs])
    result["to_bare"] = median([c / b for c, b in zip(runs["carried"], runs["bare"], strict=True)])
    result["same"] = same
    result["batched"] = batched(predictor, length, reps, BATCH_SIZES)
    return result


def main(quick: bool, threads: list[int] | None = None) -> str:
    threads = threads or [1, 2]
    steps, length = (30, 300) if quick else (150, 1000)
    reps, slow_reps = (3, 1) if quick else (7, 3)
    path, label = char_text()
    rows, batch_rows = [], []
    with temp_home() as home:
        set_threads(2)
        mapping = lm_config("a", "lstm", path, max_steps=steps, eval_every=None)
        run = service.train(mapping, home=home)
        loss = run["final_metrics"].get("val_loss")
        for t in threads:
            set_threads(t)
            r = measure(run["id"], home, length, reps, slow_reps)
            verdict = "yes" if r["carried"] >= TARGET else "no"
            same = {True: "yes", False: "no", None: "-"}[r["same"]]
            rows.append([t, r["carried"], r["service"], r["bare"], r["to_bare"]])
            rows[-1] += [r["recompute"], r["ratio"], same, verdict]
            batch_rows += [[t, *row] for row in r["batched"]]
            print(f"  threads {t}: {rows[-1]} {r['batched']}", flush=True)
    header = ["threads", "carried tok/s (Predictor)", "carried tok/s (service.generate)"]
    header += ["bare loop tok/s", "Predictor / bare", "recompute tok/s", "carried / recompute"]
    header += ["same tokens", f">= {TARGET:,} tok/s"]
    batch_header = ["threads", "samples n", "tok/s over all samples", "x n = 1"]
    return (
        f"Model: char LSTM, config {describe('a')}, trained {steps} steps on {label} "
        f"(validation loss {loss:.3f} nats). {length} characters after {PROMPT!r}, "
        f"temperature 1.0; medians of {reps} (carried, bare, batched) and {slow_reps} "
        f"(recompute) interleaved repetitions.\n\n{table(header, rows)}\n\n"
        f"n samples at once (Predictor.generate(n=...)):\n\n"
        f"{table(batch_header, batch_rows)}\n"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 characters, short training")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(main(args.quick, parse_threads(args.threads)))
