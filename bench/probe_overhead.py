"""Cost of the gradient-flow probes: training time of config a with and without them.

Config a of the character LM (LSTM 1 layer x 128, embedding dim 64, batch 32, seq 64) on
tinyshakespeare.txt (the bundled tiny_stories sample when ../shared/data is absent), trained
with `rnnlab.service.train` in a temporary RNNLAB home (the run store records the steps and
the probes, as in real use), evaluation off, with `train.probe_every`:

- off (null),
- rnnlab's default (read from the spec: TrainSpec.probe_every's default),
- every 10 steps.

Time: wall time from the end of step 1 to the end of step N + 1 (N = 300, 100 with
--quick), so the span holds N / probe_every probes (counted from the ProbeTaken events;
the extra probe every run takes at step 1 is left out); variants interleaved, median of the
per-repetition ratios to the run without probes. Overhead = ratio - 1 (target: < 10 % at
the default interval).

    .venv/bin/python bench/probe_overhead.py          # threads 1 and 2
    .venv/bin/python bench/probe_overhead.py --quick
"""

from __future__ import annotations

import argparse
import time

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
from rnnlab.events import ProbeTaken, StepDone
from rnnlab.spec.run import TrainSpec

DEFAULT = TrainSpec.model_fields["probe_every"].default


def timed_run(path: str, home: str, probe_every: int | None, steps: int) -> tuple[float, int]:
    """(seconds from the end of step 1 to the end of step `steps` + 1, probes taken then)."""
    stamps: dict[int, float] = {}
    hold: dict = {"probes": 0}

    def on_event(event: object) -> None:
        if isinstance(event, ProbeTaken) and event.kind == "gradient_flow" and event.step > 1:
            hold["probes"] += 1
        if isinstance(event, StepDone) and event.step in (1, steps + 1):
            stamps[event.step] = time.perf_counter()
            if event.step == steps + 1:
                hold["trainer"].request_stop()

    service.train(
        lm_config("a", "lstm", path, probe_every=probe_every),
        on_event=on_event,
        home=home,
        trainer_hook=lambda trainer: hold.update(trainer=trainer),
    )
    return stamps[steps + 1] - stamps[1], hold["probes"]


def main(quick: bool, threads: list[int] | None = None) -> str:
    threads = threads or [1, 2]
    steps, reps = (100, 2) if quick else (300, 5)
    variants = {"off": None, f"default ({DEFAULT})": DEFAULT, "every 10": 10}
    path, label = char_text()
    rows = []
    with temp_home() as home:
        for t in threads:
            set_threads(t)
            timed_run(path, home, 10, 2)  # a discarded warm-up run
            runs: dict[str, list[float]] = {k: [] for k in variants}
            probes: dict[str, int] = {}
            for _ in range(reps):
                for name, every in variants.items():
                    seconds, probes[name] = timed_run(path, home, every, steps)
                    runs[name].append(seconds)
            for name, every in variants.items():
                ratio = median([v / o for v, o in zip(runs[name], runs["off"], strict=True)])
                seconds = median(runs[name])
                overhead = f"{100 * (ratio - 1):+.1f} %"
                ok = "" if every != DEFAULT else ("yes" if ratio < 1.10 else "no")
                rows.append([t, name, probes[name], seconds, 1000 * seconds / steps, overhead, ok])
                print(f"  threads {t} {name}: {seconds:.2f} s, {overhead}", flush=True)
    header = ["threads", "probes", "probes in span", "seconds", "ms/step", "overhead", "< 10 %"]
    return (
        f"LSTM, config {describe('a')}, {label}; {steps} timed steps (2..{steps + 1}) per "
        f"run, {reps} interleaved repetitions; medians.\n\n{table(header, rows)}\n"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 steps, 2 repetitions")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(main(args.quick, parse_threads(args.threads)))
