"""The attention lab: an encoder-decoder with and without attention on the reverse task.

The classic experiment (Bahdanau et al. 2015): without attention the decoder must read
the whole source from one vector, the encoder's final state, and its accuracy falls as
the source grows; with attention it looks back at every source position and holds.

For each source length L (default 5, 10, 20, 40), two GRU encoder-decoders (embedding 32,
hidden 64, one layer, one direction) learn to reverse strings of L letters from a..j
(``rnnlab.data.seq2seq_tasks``: 20 000 training strings, 500 held-out ones never seen in
training), one without attention and one with additive attention, under the same budget:
the same steps, batch, optimiser (Adam, lr 3e-3, gradients clipped at norm 1), teacher
forcing 1 and seed. Reported on the held-out strings, decoded greedily
(``rnnlab.train.seq2seq_eval``): exact-match accuracy and token accuracy, and
the training speed in target tokens per second (<eos> included) on this machine, by the
wall clock and per second of this process's CPU time (steadier on a shared machine).

    .venv/bin/python bench/seq2seq_attention.py              # about 3 minutes of CPU, 1 thread
    .venv/bin/python bench/seq2seq_attention.py --quick      # a smoke run
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import torch

from _common import machine, set_threads, table
from rnnlab.data.seq2seq_tasks import build_task_data
from rnnlab.torch_engine.seq2seq import Seq2Seq, sequence_loss
from rnnlab.train.seq2seq_eval import batch_tensors, evaluate_seq2seq

HEADER = [
    "L",
    "attention",
    "steps",
    "exact match",
    "token acc.",
    "train tok/s",
    "tok/CPU-s",
    "wall s",
]


def train_one(length: int, attention: str | None, args: argparse.Namespace) -> list[Any]:
    data = build_task_data("reverse", length, args.train, args.val, seed=args.seed)
    torch.manual_seed(args.seed)
    model = Seq2Seq(
        len(data.source_vocab),
        len(data.target_vocab),
        cell="gru",
        embed_dim=32,
        hidden_size=args.hidden,
        attention=attention,
    ).to(args.device)
    optimiser = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps, tokens, epoch = 0, 0, 0
    start, cpu_start = time.perf_counter(), time.process_time()
    while steps < args.steps:
        for batch in data.batches("train", args.batch, seed=args.seed, epoch=epoch):
            src, lengths, tgt_in, tgt_out = batch_tensors(batch, args.device)
            loss = sequence_loss(model(src, lengths, tgt_in).logits, tgt_out)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            steps, tokens = steps + 1, tokens + batch.n_tokens
            if steps == args.steps:
                break
        epoch += 1
    if args.device.startswith("cuda"):
        torch.cuda.synchronize()  # the queued steps finish before the clock stops
    train_s = time.perf_counter() - start
    train_cpu_s = time.process_time() - cpu_start
    scores = evaluate_seq2seq(model, data, "val", batch_size=250)
    total_s = time.perf_counter() - start
    name = attention or "none"
    row = [length, name, steps, scores["exact_match"], scores["token_accuracy"]]
    print(f"  L={length} attention={name}: {row[3:]} loss {loss.item():.3f}", flush=True)
    return [*row, round(tokens / train_s), round(tokens / train_cpu_s), round(total_s, 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="5,10,20,40")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--train", type=int, default=20_000)
    parser.add_argument("--val", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--attention", default="none,additive", help="compared: none, additive, dot, general"
    )
    parser.add_argument("--device", default="cpu", help="cpu | cuda")
    parser.add_argument("--quick", action="store_true", help="lengths 5,10, 30 steps")
    args = parser.parse_args()
    if args.quick:
        args.lengths, args.steps, args.train, args.val = "5,10", 30, 2000, 100
    set_threads(args.threads)
    print(machine())
    print(
        f"device {args.device}, threads {args.threads}; GRU hidden {args.hidden}, "
        f"batch {args.batch}, "
        f"{args.steps} steps, Adam lr {args.lr}, clip 1, teacher forcing 1, seed {args.seed}"
    )
    start = time.perf_counter()
    rows = [
        train_one(int(length), attention, args)
        for length in args.lengths.split(",")
        for attention in (None if a == "none" else a for a in args.attention.split(","))
    ]
    print(table(HEADER, rows))
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
