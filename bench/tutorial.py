"""Time to the same training loss: rnnlab's LM pipeline versus the naive tutorial pipeline.

Texts (word level, rnnlab's word tokenizer, `<eos>` at each line end, no validation part):
the bundled sample `sample_text`, and the first 2000 lines of tinyshakespeare.txt when
../shared/data is present (500 with --quick). Same model size for both: embedding 32 ->
1-layer LSTM 64 -> linear head over the vocabulary, Adam lr 1e-2, clip_grad_norm 5, seed 0.

- rnnlab: its own pipeline end to end (LMData: the text as 16 parallel streams, windows of
  16 tokens, truncated BPTT with the state carried across windows; build_learner +
  Trainer.fit).
- naive tutorial: every n-gram prefix of each line is a training example, [w1] -> w2,
  [w1 w2] -> w3, ... (each line framed as `<eos>` w1 .. wn `<eos>`, so line starts and
  ends, which the yardstick scores, are learnt too); every prefix is left-padded to the
  longest prefix of the text; batches of 2 in shuffled order; the LSTM reads the padded
  prefix and the head predicts the next word from its last step; no state is carried.

Yardstick, the same for both: the mean next-word cross-entropy over the whole training
text, read as one stream by the model with its state carried from token to token. It is
evaluated at every rnnlab epoch end and every ~2 s of naive training (1 s with --quick);
evaluation time is excluded from both clocks. Two targets: the yardstick rnnlab reaches
after its first K epochs, K the fewest epochs with at least 50 optimiser steps (sample_text
is only a few windows long), and after 4K epochs. The rnnlab time to a target is the median
of 3 runs (same seed: the same losses); the naive pipeline runs once, until it reaches both
targets or for at most 5 minutes of training (20 s with --quick): "> cap" when it never gets
there. The ratio naive / rnnlab is the goal of the LM pipeline (target >= 50x).

    .venv/bin/python bench/tutorial.py           # threads 1 and 2
    .venv/bin/python bench/tutorial.py --quick
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from _common import DATA, machine, median, parse_threads, set_threads, table
from rnnlab.data import EOS, PAD_ID, prepare, sample_path
from rnnlab.events import StepDone
from rnnlab.service import load_config
from rnnlab.train import Trainer, build_learner

TOLERANCE = 1e-4  # a loss within this of the target counts as reaching it


def lm_mapping(path: str, epochs: int) -> dict[str, Any]:
    return {
        "task": "language-model",
        "data": {"path": path, "tokenizer": "word", "seq_len": 16, "val_fraction": 0.0},
        "embedding": {"dim": 32},
        "model": {"cell": "lstm", "hidden_size": 64},
        "train": {"lr": 1e-2, "batch_size": 16, "epochs": epochs, "probe_every": None},
    }


@torch.no_grad()
def yardstick(model: nn.Module, ids: np.ndarray) -> float:
    """Mean next-token cross-entropy over `ids` read as one stream, state carried."""
    was_training = model.training
    model.eval()
    x = torch.from_numpy(ids[:-1])[:, None]  # (N-1, 1)
    out, _ = model.rnn(model.embedding(x))  # (N-1, 1, H)
    loss = F.cross_entropy(model.head(out[:, 0]), torch.from_numpy(ids[1:])).item()
    model.train(was_training)
    return loss


class Clock:
    """Training time: wall time since start() minus the time spent in pauses."""

    def __init__(self) -> None:
        self.started = self.paused = 0.0

    def start(self) -> None:
        self.started, self.paused = time.perf_counter(), 0.0

    def now(self) -> float:
        return time.perf_counter() - self.started - self.paused

    def pause_for(self, fn: Any) -> Any:
        began = time.perf_counter()
        try:
            return fn()
        finally:
            self.paused += time.perf_counter() - began


def rnnlab_trace(config: Any, prepared: Any, stop_at: float | None = None) -> list[tuple]:
    """(training seconds, yardstick, steps) at every epoch end; stops once at `stop_at`."""
    learner = build_learner(config, prepared)
    ids = prepared.data.train_ids
    clock, trace = Clock(), []
    trainer: Trainer | None = None

    def on_event(event: object) -> None:
        if isinstance(event, StepDone) and event.step % trainer.steps_per_epoch == 0:
            loss = clock.pause_for(lambda: yardstick(learner.model, ids))
            trace.append((clock.now(), loss, event.step))
            if stop_at is not None and loss <= stop_at + TOLERANCE:
                trainer.request_stop()

    trainer = Trainer(learner, prepared, config, [on_event])
    clock.start()
    trainer.fit()
    return trace


def first_time(trace: list[tuple], target: float) -> tuple[float, int | None]:
    """(seconds, steps) when the trace first reaches `target`; (inf, None) if never."""
    return next(((s, n) for s, loss, n in trace if loss <= target + TOLERANCE), (math.inf, None))


class NaiveLM(nn.Module):
    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.embedding, self.rnn = nn.Embedding(vocab, 32), nn.LSTM(32, 64)
        self.head = nn.Linear(64, vocab)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x (T, B) left-padded prefixes
        out, _ = self.rnn(self.embedding(x))  # (T, B, H)
        return self.head(out[-1])  # (B, V): the next word after each prefix


def prefixes(ids: np.ndarray, eos: int) -> tuple[np.ndarray, np.ndarray]:
    """(X (S, maxlen) left-padded prefixes, y (S,) next ids) of every line's prefixes."""
    cuts = np.flatnonzero(ids == eos)
    lines, start = [], 0
    for cut in cuts:
        lines.append([eos, *ids[start:cut].tolist(), eos])
        start = cut + 1
    samples = [(line[:i], line[i]) for line in lines for i in range(1, len(line))]
    maxlen = max(len(p) for p, _ in samples)
    X = np.full((len(samples), maxlen), PAD_ID, dtype=np.int64)
    for s, (prefix, _) in enumerate(samples):
        X[s, maxlen - len(prefix) :] = prefix
    return X, np.array([t for _, t in samples], dtype=np.int64)


def naive_trace(prepared: Any, stop_at: float, cap: float, check: float) -> tuple[list, tuple]:
    """(trace of (training seconds, yardstick, steps), X shape) of the naive pipeline, until
    the yardstick reaches `stop_at` or the training time reaches `cap`."""
    ids, vocab = prepared.data.train_ids, prepared.vocab
    X, y = prefixes(ids, vocab.token_to_id(EOS))
    torch.manual_seed(0)
    model = NaiveLM(len(vocab))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    rng = np.random.default_rng(0)
    clock, steps, next_check, trace = Clock(), 0, check, []
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    clock.start()
    while clock.now() < cap:
        order = rng.permutation(len(y))
        for start in range(0, len(y), 2):
            pick = torch.from_numpy(order[start : start + 2])
            loss = F.cross_entropy(model(Xt[pick].T), yt[pick])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            steps += 1
            if clock.now() >= next_check:
                seconds = clock.now()
                trace.append((seconds, clock.pause_for(lambda: yardstick(model, ids)), steps))
                next_check = seconds + check
                if trace[-1][1] <= stop_at + TOLERANCE:
                    return trace, X.shape
            if clock.now() >= cap:
                break
    return trace, X.shape


def texts(quick: bool, folder: str) -> list[tuple[str, str]]:
    out = [("sample_text (bundled)", str(sample_path("sample_text")))]
    shakespeare = DATA / "tinyshakespeare.txt"
    lines = 500 if quick else 2000
    if shakespeare.is_file():
        head = shakespeare.read_text(encoding="utf-8").splitlines(keepends=True)[:lines]
        path = Path(folder) / f"shakespeare_{lines}.txt"
        path.write_text("".join(head), encoding="utf-8")
        out.append((f"tinyshakespeare first {lines} lines", str(path)))
    else:
        print(f"tinyshakespeare part skipped: {shakespeare} is absent")
    return out


def race(path: str, quick: bool) -> list[list[Any]]:
    """Rows (one per target) of one text."""
    prepared = prepare(load_config(lm_mapping(path, 1)))
    K = max(1, math.ceil(50 / prepared.data.num_batches("train", 16, 16)))
    config = load_config(lm_mapping(path, 4 * K))
    probe = rnnlab_trace(config, prepared)  # defines the targets (and warms up)
    targets = [probe[K - 1], probe[-1]]
    lowest = min(t[1] for t in targets)
    runs = [rnnlab_trace(config, prepared, lowest) for _ in range(3)]
    cap = 20.0 if quick else 300.0
    naive, shape = naive_trace(prepared, lowest, cap, 1 if quick else 2)
    best = min((loss for _, loss, _ in naive), default=math.nan)
    rows = []
    for _, target, steps in targets:
        rn = median([first_time(run, target)[0] for run in runs])
        seconds, naive_steps = first_time(naive, target)
        reached = math.isfinite(seconds)
        naive_s = seconds if reached else f"> {cap:.0f} (best {best:.3f})"
        ratio = seconds / rn if reached else f"> {cap / rn:,.0f}"
        epochs = steps // prepared.data.num_batches("train", 16, 16)
        what = f"{target:.3f} ({epochs} ep, {steps} steps)"
        rows.append([what, rn, naive_steps or naive[-1][2], naive_s, ratio])
    size = f"{len(prepared.data.train_ids)} tokens, V {len(prepared.vocab)}; naive: "
    size += f"{shape[0]} prefixes padded to {shape[1]}"
    return [[size, *row] for row in rows]


def main(quick: bool, threads: list[int] | None = None) -> str:
    rows = []
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-") as folder:
        for t in threads or [1, 2]:
            set_threads(t)
            for label, path in texts(quick, folder):
                for row in race(path, quick):
                    rows.append([label, t, *row])
                    print(f"  {rows[-1]}", flush=True)
    header = ["text", "threads", "size", "target loss (rnnlab after)", "rnnlab s"]
    header += ["naive steps", "naive s", "naive / rnnlab (>= 50x)"]
    return (
        "Word-level LM, embedding 32 -> LSTM 64, Adam 1e-2, clip 5. Loss: mean next-word "
        "cross-entropy (nats) over the whole training text, state carried. Times are "
        "training seconds (evaluation excluded).\n\n" + table(header, rows) + "\n"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 s cap, shorter text")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(main(args.quick, parse_threads(args.threads)))
