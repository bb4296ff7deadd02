"""Training throughput of a character LM: rnnlab end to end versus a bare PyTorch loop.

Text: tinyshakespeare.txt from ../shared/data (the bundled sample tiny_stories when the
folder is absent). Configs (see _common.CONFIGS):

    a = 1 layer x 128, embedding dim 64, batch 32, seq 64
    b = 2 layers x 512, embedding dim 128, batch 64, seq 100

for LSTM, GRU and vanilla RNN (tanh). Each step is forward + backward + optimiser step.

- rnnlab: `build_learner` + `Trainer.fit` on rnnlab's prepared LMData (its batches, its
  loop and events), probes off, evaluation off (the run is stopped by `request_stop`
  after the timed steps, so no evaluation ever runs). GRU and RNN are timed with
  `train.kernel` auto, nn (torch.nn) and explicit (rnnlab's compiled layers) separately.
- bare: nn.Embedding -> nn.LSTM/GRU/RNN -> nn.Linear, Adam (lr 2e-3), cross-entropy,
  clip_grad_norm_(5.0), hidden state carried (detached) across windows, on the same
  batches, precomputed from rnnlab's LMData as torch tensors.

Time: wall time of the steps after the warm-up steps (excluded), per block; blocks of
every variant are interleaved repetition by repetition and the table gives medians; the
ratio rnnlab / bare is the median of the per-repetition ratios (same run, same threads).

FLOPs per token (matrix products only), forward:
    sum over layers 2 * G * H * (D_in + H)  +  2 * H * V        (G = 4 LSTM, 3 GRU, 1 RNN;
D_in = embedding dim for layer 1, H above), times 3 for forward + backward. "% peak" divides
the achieved GFLOP/s by the torch fp32 GEMM peak measured in this run at the same threads.

    .venv/bin/python bench/throughput.py                    # configs a and b, threads 1 and 2
    .venv/bin/python bench/throughput.py --quick            # config a only, few steps
    .venv/bin/python bench/throughput.py --configs b --cells lstm --threads 2
"""

from __future__ import annotations

import argparse
import itertools
import time
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from _common import (
    CONFIGS,
    char_text,
    describe,
    flops_per_token,
    lm_config,
    machine,
    median,
    parse_threads,
    set_threads,
    table,
    torch_gemm_gflops,
)
from rnnlab.data import prepare
from rnnlab.events import StepDone
from rnnlab.service import load_config
from rnnlab.train import Trainer, build_learner

RNN_MODULES = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}


class BareLM(nn.Module):
    def __init__(self, cell: str, vocab: int, emb: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.rnn = RNN_MODULES[cell](emb, hidden, num_layers=layers)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        y, state = self.rnn(self.embedding(x), state)  # (T, B, H)
        return self.head(y), state  # (T, B, V)


def bare_block(cell: str, c: dict, vocab: int, batches: list, warmup: int, steps: int) -> float:
    """Tokens/s of the bare PyTorch loop over `steps` steps after `warmup` steps."""
    torch.manual_seed(0)
    model = BareLM(cell, vocab, c["emb"], c["hidden"], c["num_layers"])
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    state, tokens, started = None, 0, 0.0
    for i, (x, y) in enumerate(itertools.islice(itertools.cycle(batches), warmup + steps)):
        if i == warmup:
            started = time.perf_counter()
        out, state = model(x, state)
        loss = F.cross_entropy(out.reshape(-1, vocab), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        loss.item()
        tokens += y.numel() if i >= warmup else 0
    return tokens / (time.perf_counter() - started)


def rnnlab_block(config: Any, prepared: Any, warmup: int, steps: int) -> tuple[float, bool]:
    """(tokens/s of rnnlab's Trainer.fit after `warmup` steps, explicit layers used?)."""
    learner = build_learner(config, prepared)
    stamps: list[tuple[float, int]] = []
    trainer: Trainer | None = None

    def on_event(event: object) -> None:
        if isinstance(event, StepDone):
            stamps.append((time.perf_counter(), event.tokens))
            if event.step >= warmup + steps:
                trainer.request_stop()

    trainer = Trainer(learner, prepared, config, [on_event])
    trainer.fit()
    timed = stamps[warmup : warmup + steps]
    seconds = timed[-1][0] - stamps[warmup - 1][0]
    return sum(t for _, t in timed) / seconds, bool(getattr(learner.model, "explicit", False))


def variants(cell: str) -> list[str]:
    return ["auto"] if cell == "lstm" else ["auto", "nn", "explicit"]


def measure_cell(name: str, cell: str, path: str, threads: int, plan: dict) -> list[dict]:
    """Interleaved blocks of bare and every rnnlab kernel variant; one dict per variant."""
    c = CONFIGS[name]
    configs = {k: load_config(_mapping(name, cell, path, k)) for k in variants(cell)}
    prepared = prepare(configs["auto"])
    vocab = len(prepared.vocab)
    windows = prepared.data.batches("train", c["batch"], c["seq"])
    full = [b for b in windows if b.x.shape[0] == c["seq"]][: plan["warmup"] + plan["steps"]]
    batches = [(torch.from_numpy(b.x), torch.from_numpy(b.y)) for b in full]
    runs: dict[str, list[float]] = {"bare": [], **{k: [] for k in configs}}
    chosen: dict[str, bool] = {}
    bare_block(cell, c, vocab, batches[:2], 1, 1)  # a discarded round: one-off costs
    for config in configs.values():
        rnnlab_block(config, prepared, 1, 1)
    for _ in range(plan["reps"]):
        runs["bare"].append(bare_block(cell, c, vocab, batches, plan["warmup"], plan["steps"]))
        for kernel, config in configs.items():
            tps, chosen[kernel] = rnnlab_block(config, prepared, plan["warmup"], plan["steps"])
            runs[kernel].append(tps)
    fpt = flops_per_token(cell, c["num_layers"], c["emb"], c["hidden"], vocab)
    out = []
    for variant, values in runs.items():
        ratio = median([v / b for v, b in zip(values, runs["bare"], strict=True)])
        label = f"bare nn.{NAMES[cell]}" if variant == "bare" else f"rnnlab kernel {variant}"
        if variant == "auto":
            label += " (-> explicit)" if chosen[variant] else " (-> nn)"
        tps = median(values)
        out.append({"label": label, "variant": variant, "tps": tps, "ratio": ratio})
        out[-1]["gflops"] = tps * fpt / 1e9
        print(f"  {name} {cell} t{threads} {label}: {tps:,.0f} tok/s x{ratio:.2f}", flush=True)
    return out


def _mapping(name: str, cell: str, path: str, kernel: str) -> dict:
    return lm_config(name, cell, path, kernel=kernel, lr=2e-3, clip_grad_norm=5.0)


def plans(quick: bool) -> dict[str, dict]:
    if quick:
        return {
            "a": {"warmup": 2, "steps": 5, "reps": 2},
            "b": {"warmup": 1, "steps": 2, "reps": 1},
        }
    return {"a": {"warmup": 3, "steps": 25, "reps": 5}, "b": {"warmup": 2, "steps": 5, "reps": 3}}


def main(
    quick: bool,
    threads: list[int] | None = None,
    configs: list[str] | None = None,
    cells: list[str] | None = None,
) -> str:
    threads = threads or [1, 2]
    configs = configs or (["a"] if quick else ["a", "b"])
    cells = cells or ["lstm", "gru", "rnn"]
    path, label = char_text()
    rows, summary = [], []
    for t in threads:
        set_threads(t)
        peak = max(torch_gemm_gflops(n, 3 if quick else 5) for n in (512, 1024, 2048))
        print(f"threads {t}: torch fp32 GEMM peak {peak:.1f} GFLOP/s", flush=True)
        for name in configs:
            for cell in cells:
                results = measure_cell(name, cell, path, t, plans(quick)[name])
                for r in results:
                    ratio = "1 (ref.)" if r["variant"] == "bare" else f"{r['ratio']:.2f}"
                    pct = f"{100 * r['gflops'] / peak:.1f} %"
                    rows.append([name, NAMES[cell], t, r["label"], r["tps"], ratio])
                    rows[-1] += [r["gflops"], pct]
                explicit = next((r for r in results if r["variant"] == "explicit"), None)
                if explicit is not None and name == "a":
                    goal = "target >= 1.5x" if cell == "gru" else "no target set"
                    summary.append(
                        f"- config a, {t} thread(s): explicit {NAMES[cell]} / bare "
                        f"nn.{NAMES[cell]} = {explicit['ratio']:.2f}x ({goal})"
                    )
        summary.append(f"- torch fp32 GEMM peak at {t} thread(s): {peak:.1f} GFLOP/s")
    p = plans(quick)
    steps = "; ".join(
        f"{n}: {p[n]['warmup']} warm-up + {p[n]['steps']} timed steps x {p[n]['reps']} reps"
        for n in configs
    )
    header = ["config", "cell", "threads", "variant", "tokens/s", "rnnlab / bare"]
    header += ["GFLOP/s", "% of torch GEMM peak"]
    configs_text = "; ".join(describe(n) for n in configs)
    return (
        f"Data: {label}. Configs: {configs_text}. {steps}. Medians; ratios are medians of "
        f"per-repetition ratios (interleaved).\n\n{table(header, rows)}\n\n" + "\n".join(summary)
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="config a, a few steps")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--configs", default=None, help="a,b (default: a,b; a with --quick)")
    parser.add_argument("--cells", default="lstm,gru,rnn")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    cfgs = args.configs.split(",") if args.configs else None
    print(main(args.quick, parse_threads(args.threads), cfgs, args.cells.split(",")))
