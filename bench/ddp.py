"""Data-parallel training: tokens/s of one run on 1 process vs N processes (1 thread each).

Character LSTM LM at configs a and b (see _common.CONFIGS), text as in throughput.py.
The 1-process run is ``service.train``; the N-process run is ``service.train_parallel``
(gloo ranks on this machine, each with 1/N of every global batch, DDP all-reduce of the
gradients). Both use train.threads 1 per process and the same global batch, so N
processes use N cores where one uses one.

Tokens/s: tokens of the timed steps / their summed step time as rank 0 measured it
(``StepDone.seconds``: forward, backward, the all-reduce wait, the optimiser step),
after `--warmup` steps. The machine's load average is printed before and after: on a
shared machine the processes compete with other work, so read the numbers with it.

    .venv/bin/python bench/ddp.py                 # configs a and b, 1 vs 2 processes
    .venv/bin/python bench/ddp.py --quick         # config a, few steps
    .venv/bin/python bench/ddp.py --configs b --nproc 2 --steps 20
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from _common import char_text, describe, lm_config, machine, table, temp_home
from rnnlab import service
from rnnlab.events import Event, StepDone


def timed_run(name: str, path: str, nproc: int, steps: int, warmup: int) -> float:
    """Tokens/s of `steps` training steps of config `name` on `nproc` processes."""
    config = lm_config(name, "lstm", path, max_steps=steps + warmup, threads=1)
    seen: list[StepDone] = []

    def keep(event: Event) -> None:
        if isinstance(event, StepDone) and event.step > warmup:
            seen.append(event)

    with temp_home() as home:
        if nproc == 1:
            service.train(config, on_event=keep, home=home)
        else:
            service.train_parallel(config, nproc=nproc, on_event=keep, home=home)
    return sum(e.tokens for e in seen) / sum(e.seconds for e in seen)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="a,b")
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--steps", type=int, default=None, help="timed steps (a 40, b 10)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    names = ["a"] if args.quick else args.configs.split(",")
    path, label = char_text()
    print(f"machine: {machine()}\ntext: {label}")
    print(f"load average before: {_load()}")
    rows: list[list[Any]] = []
    for name in names:
        steps = args.steps or (8 if args.quick else {"a": 40, "b": 10}.get(name, 10))
        one = timed_run(name, path, 1, steps, args.warmup)
        many = timed_run(name, path, args.nproc, steps, args.warmup)
        rows.append([describe(name), steps, one, many, many / one])
    print(f"load average after: {_load()}\n")
    header = ["config (LSTM)", "steps", "1 process tok/s", f"{args.nproc} processes tok/s"]
    print(table([*header, "speed-up"], rows))


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg()) + f" ({os.cpu_count()} cores)"


if __name__ == "__main__":
    main()
