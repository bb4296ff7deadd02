"""rnnlab on a CUDA GPU (issue 11): training against a bare PyTorch loop, probes, generation.

Without a CUDA device it prints why and exits 0. Sections:

- throughput: char-LM configs b (2 x 512, batch 64, seq 100) and c (2 x 1024, batch 128,
  seq 128) for LSTM, GRU and RNN in fp32 and bf16. rnnlab trains through
  `rnnlab.service.train` (run store, events, one host copy per step; evaluation and
  probes off), timed between the ends of steps W and W + N. The bare loop is the same
  network (nn.Embedding -> nn.LSTM/GRU/RNN -> nn.Linear, cuDNN), fused Adam and clipping
  at 5.0 with every batch already on the GPU and no host sync until the end. Ratio =
  rnnlab tokens/s / bare tokens/s (target >= 0.97); peak GPU memory of each.
- probes: one gradient-flow probe on the GPU (torch_engine/probe.py) against a training
  step, as the overhead at the default interval (train.probe_every; target <= 10 %); at
  config b the reference engine's probe (the CPU path every probe took before) once.
- generation: the config-a char LSTM of bench/generation.py, trained on the GPU;
  tokens/s at n = 1 and batched (n = 16, 64) on the CPU (Predictor's default) and on the
  GPU (Predictor.to("cuda")); target >= 25,000 tokens/s at n = 1.

The text is tinyshakespeare.txt when ../shared/data has it, else the bundled tiny_stories
sample repeated to 2 MB (throughput depends on the shapes, not on the text).

    python bench/gpu.py                 # ~2 minutes on an H200
    python bench/gpu.py --quick --out DIR   # fewer steps; tables also to DIR/gpu.md, gpu.json
"""

from __future__ import annotations

import argparse
import json
import time
from importlib.resources import files
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from _common import CONFIGS, char_text, describe, lm_config, machine, table, temp_home
from rnnlab import service
from rnnlab.events import StepDone
from rnnlab.spec.run import TrainSpec
from rnnlab.train.learner import Learner

CELLS = ("lstm", "gru", "rnn")
PRECISIONS = ("fp32", "bf16")
DEFAULT_PROBE_EVERY = TrainSpec.model_fields["probe_every"].default
CLIP = TrainSpec.model_fields["clip_grad_norm"].default
RECURRENT = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
GIB = 2**30
DEVICE = "cuda"  # --smoke: "cpu" (tiny shapes, to check the script without a GPU)


def sync() -> None:
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def reset_peak() -> None:
    if DEVICE == "cuda":
        torch.cuda.reset_peak_memory_stats()


def peak_gib() -> float:
    return torch.cuda.max_memory_allocated() / GIB if DEVICE == "cuda" else float("nan")


def text_path(folder: str) -> tuple[str, str]:
    path, label = char_text()
    if not path.startswith("sample:"):
        return path, label
    sample = (files("rnnlab.data") / "samples" / "tiny_stories.txt").read_text()
    text = sample * (2_000_000 // len(sample) + 1)
    target = Path(folder) / "tiny_stories_x2MB.txt"
    target.write_text(text)
    return str(target), "tiny_stories repeated to 2 MB"


def train_rnnlab(path: str, home: str, name: str, cell: str, precision: str, warm: int, n: int):
    """(tokens/s over steps warm+1 .. warm+n, peak GiB, the trainer)."""
    stamps: dict[int, float] = {}
    hold: dict[str, Any] = {}

    def on_event(event: object) -> None:
        if isinstance(event, StepDone) and event.step in (warm, warm + n):
            stamps[event.step] = time.perf_counter()
            if event.step == warm + n:
                hold["trainer"].request_stop()

    reset_peak()
    config = lm_config(name, cell, path, device=DEVICE, precision=precision, epochs=1000)
    config["train"]["max_steps"] = warm + n + 1
    service.train(
        config, on_event=on_event, home=home, trainer_hook=lambda t: hold.update(trainer=t)
    )
    c = CONFIGS[name]
    seconds = stamps[warm + n] - stamps[warm]
    return c["batch"] * c["seq"] * n / seconds, peak_gib(), hold["trainer"]


def train_bare(name: str, cell: str, precision: str, vocab: int, warm: int, n: int):
    """(tokens/s, peak GiB) of the bare PyTorch loop on the same shapes."""
    c, device = CONFIGS[name], torch.device(DEVICE)
    torch.manual_seed(0)
    reset_peak()
    embedding = nn.Embedding(vocab, c["emb"]).to(device)
    rnn = RECURRENT[cell](c["emb"], c["hidden"], num_layers=c["num_layers"]).to(device)
    head = nn.Linear(c["hidden"], vocab).to(device)
    params = [*embedding.parameters(), *rnn.parameters(), *head.parameters()]
    optimizer = torch.optim.Adam(params, lr=2e-3, fused=True)
    data = torch.randint(vocab, (warm + n, c["seq"] + 1, c["batch"]), device=device)
    state, started = None, 0.0
    for i in range(warm + n):
        if i == warm:
            sync()
            started = time.perf_counter()
        x, y = data[i, :-1], data[i, 1:]  # (T, B)
        with torch.autocast(DEVICE, dtype=torch.bfloat16, enabled=precision == "bf16"):
            out, state = rnn(embedding(x), state)
            logits = head(out)  # (T, B, V)
        loss = F.cross_entropy(logits.float().reshape(-1, vocab), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, CLIP)
        optimizer.step()
        parts = state if isinstance(state, tuple) else (state,)
        parts = tuple(s.detach().float() for s in parts)  # carried in fp32, as rnnlab does
        state = parts if isinstance(state, tuple) else parts[0]
    sync()
    seconds = time.perf_counter() - started
    return c["batch"] * c["seq"] * n / seconds, peak_gib()


def cuda_seconds(fn) -> float:
    sync()
    started = time.perf_counter()
    fn()
    sync()
    return time.perf_counter() - started


def probe_row(trainer: Any, name: str, cell: str, tokens_per_s: float, old: bool) -> list:
    learner, c = trainer.learner, CONFIGS[name]
    batch = next(iter(trainer.batches("train", 0)))
    learner.probe(batch, None, 1)  # warm-up
    probe = min(cuda_seconds(lambda: learner.probe(batch, None, 1)) for _ in range(3))
    step = c["batch"] * c["seq"] / tokens_per_s
    overhead = probe / (DEFAULT_PROBE_EVERY * step)
    reference = cuda_seconds(lambda: Learner.probe(learner, batch, None, 1)) if old else None
    ok = "yes" if overhead <= 0.10 else "no"
    return [name, cell, 1000 * step, 1000 * probe, f"{100 * overhead:.1f} %", ok, reference]


def throughput(path: str, home: str, quick: bool) -> tuple[str, str, list[dict]]:
    warm, n = (1, 2) if DEVICE == "cpu" else (5, 30) if quick else (10, 100)
    rows, probes, records = [], [], []
    for name in ("b", "c"):
        for cell in CELLS:
            for precision in PRECISIONS:
                ours, our_peak, trainer = train_rnnlab(path, home, name, cell, precision, warm, n)
                vocab = len(trainer.prepared.vocab)
                bare, bare_peak = train_bare(name, cell, precision, vocab, warm, n)
                ratio = ours / bare
                ok = "yes" if ratio >= 0.97 else "no"
                rows.append(
                    [name, cell, precision, ours, bare, f"{ratio:.3f}", ok, our_peak, bare_peak]
                )
                records.append(dict(zip(THROUGHPUT_HEADER, rows[-1], strict=True)))
                print(
                    f"  {name} {cell} {precision}: {ours:,.0f} vs {bare:,.0f} tokens/s", flush=True
                )
                if precision == "fp32":
                    old = name == "b" and cell == "lstm" and not quick
                    probes.append(probe_row(trainer, name, cell, ours, old))
    probe_header = ["config", "cell", "step ms", "probe ms", f"overhead at {DEFAULT_PROBE_EVERY}",
                    "<= 10 %", "reference probe s"]  # fmt: skip
    return table(THROUGHPUT_HEADER, rows), table(probe_header, probes), records


THROUGHPUT_HEADER = [
    "config", "cell", "precision", "rnnlab tokens/s", "bare tokens/s", "ratio", ">= 0.97",
    "rnnlab peak GiB", "bare peak GiB",
]  # fmt: skip


def generation(path: str, home: str, quick: bool) -> str:
    steps, length = (3, 20) if DEVICE == "cpu" else (30, 300) if quick else (150, 1000)
    config = lm_config("a", "lstm", path, device=DEVICE, max_steps=steps, eval_every=None)
    run = service.train(config, home=home)
    rows = []
    for device in sorted({"cpu", DEVICE}):
        predictor = service.predictor(run["id"], home=home).to(device)
        for n in (1, 16, 64):
            predictor.generate("ROMEO:", 20, seed=0, n=n)  # warm-up
            seconds = min(
                cuda_seconds(lambda: predictor.generate("ROMEO:", length, seed=0, n=n))  # noqa: B023
                for _ in range(3)
            )
            rate = n * length / seconds
            ok = ("yes" if rate >= 25_000 else "no") if n == 1 else ""
            rows.append([device, n, length, rate, ok])
            print(f"  generation {device} n={n}: {rate:,.0f} tokens/s", flush=True)
    header = ["decode on", "n", "tokens each", "tokens/s", ">= 25k at n = 1"]
    return table(header, rows)


def smoke() -> None:
    """Run every section on the CPU with tiny shapes: a check of the script, no numbers."""
    global DEVICE
    DEVICE = "cpu"
    for name in ("b", "c"):
        CONFIGS[name] = {"num_layers": 2, "hidden": 16, "emb": 8, "batch": 4, "seq": 8}


def main(quick: bool, out: str | None) -> int:
    if DEVICE == "cuda" and not torch.cuda.is_available():
        print("bench/gpu.py: skipped, no CUDA device on this machine (see DEVELOPERS.md, GPU)")
        return 0
    gpu = torch.cuda.get_device_name() if DEVICE == "cuda" else "none (--smoke on the CPU)"
    cudnn = torch.backends.cudnn.version()
    header = f"GPU: {gpu}; {machine()}; cuDNN {cudnn}"
    print(header, flush=True)
    with temp_home() as home:
        path, label = text_path(home)
        speed, probes, records = throughput(path, home, quick)
        decode = generation(path, home, quick)
    configs = "; ".join(describe(name) for name in ("b", "c"))
    report = (
        f"{header}\n\nText: {label}. Configs: {configs}.\n\n### Training throughput\n\n{speed}\n\n"
        f"### Gradient-flow probes (on the GPU)\n\n{probes}\n\n### Generation (char LSTM, "
        f"config a)\n\n{decode}\n"
    )
    print(report)
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "gpu.md").write_text(report)
        (Path(out) / "gpu.json").write_text(
            json.dumps({"gpu": gpu, "throughput": records}, indent=1)
        )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 timed steps, short generation")
    parser.add_argument("--out", help="a folder for gpu.md and gpu.json")
    parser.add_argument("--smoke", action="store_true", help="tiny shapes on the CPU")
    args = parser.parse_args()
    if args.smoke:
        smoke()
    raise SystemExit(main(args.quick, args.out))
