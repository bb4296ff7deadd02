"""Peak memory of training config b: resident memory must not grow with the step count.

Config b of the character LM (2 layers x 512, embedding dim 128, batch 64, seq 100) on
tinyshakespeare.txt (the bundled tiny_stories sample when ../shared/data is absent),
trained with `rnnlab.service.train` in a fresh subprocess per cell (so nothing else in
the process counts) with a temporary RNNLAB home: the run store records every step, probes
at rnnlab's default interval, evaluation off. After 5, 20, 50 and 100 steps (5, 20, 50 with
--quick) the child records its peak RSS (resource.getrusage ru_maxrss) and current RSS
(/proc/self/status VmRSS), then stops the run (an interrupt checkpoint) and records both
again after service.train returned. The table prints the series and the growth of VmRSS
and of the peak per 10 steps, from the first and from the second sample to the last: after
the first steps both should stay flat.

    .venv/bin/python bench/memory.py                  # LSTM and GRU, 2 threads
    .venv/bin/python bench/memory.py --quick          # LSTM
    .venv/bin/python bench/memory.py --cells gru --steps 5,20,50,200 --threads 1
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

from _common import char_text, describe, lm_config, machine, set_threads, table, temp_home
from rnnlab import service
from rnnlab.events import StepDone
from rnnlab.spec.run import TrainSpec

NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}


def rss_mb() -> tuple[float, float]:
    """(peak RSS, current RSS) of this process in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    current = float("nan")
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    return peak, current


def child(cell: str, steps: list[int], threads: int) -> dict:
    """Train config b in this process, recording memory at `steps`; JSON-able result."""
    set_threads(threads)
    path, label = char_text()
    samples: list[list[float]] = []
    hold: dict = {}

    def on_event(event: object) -> None:
        if isinstance(event, StepDone) and event.step in steps:
            samples.append([event.step, *rss_mb()])
            if event.step == steps[-1]:
                hold["trainer"].request_stop()

    with temp_home() as home:
        before = rss_mb()
        service.train(
            lm_config("b", cell, path, probe_every=service_default_probe_every()),
            on_event=on_event,
            home=home,
            trainer_hook=lambda trainer: hold.update(trainer=trainer),
        )
        after = rss_mb()
    return {"samples": samples, "before": before, "after": after, "data": label}


def service_default_probe_every() -> int | None:
    return TrainSpec.model_fields["probe_every"].default


def run_child(cell: str, steps: list[int], threads: int) -> dict:
    command = [sys.executable, __file__, "--child", cell, "--steps", ",".join(map(str, steps))]
    command += ["--threads", str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"memory child ({cell}) failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def growth(samples: list[list[float]], first: int, column: int) -> float:
    (s0, *v0), (s1, *v1) = samples[first], samples[-1]
    return (v1[column] - v0[column]) / (s1 - s0) * 10 if s1 > s0 else float("nan")


def main(
    quick: bool, cells: list[str] | None = None, steps: list[int] | None = None, threads: int = 2
) -> str:
    cells = cells or (["lstm"] if quick else ["lstm", "gru"])
    steps = steps or ([5, 20, 50] if quick else [5, 20, 50, 100])
    rows, series = [], []
    data = "?"
    for cell in cells:
        r = run_child(cell, steps, threads)
        data, s = r["data"], r["samples"]
        at = ", ".join(f"{int(n)}: {p:.0f}/{c:.0f}" for n, p, c in s)
        series.append(f"- {NAMES[cell]} (step: peak/current MB): {at}")
        rss = [growth(s, 0, 1), growth(s, 1, 1) if len(s) > 2 else float("nan")]
        peak = [growth(s, 0, 0), growth(s, 1, 0) if len(s) > 2 else float("nan")]
        rows.append([NAMES[cell], r["before"][1], s[0][1], s[-1][1], s[-1][2], r["after"][0]])
        rows[-1] += [*rss, *peak]
        print(f"  {series[-1]}", flush=True)
    header = ["cell", "RSS before (MB)", f"peak at {steps[0]}", f"peak at {steps[-1]}"]
    header += [f"VmRSS at {steps[-1]}", "peak after run"]
    header += [f"VmRSS MB/10 steps ({steps[0]}->)", f"VmRSS MB/10 steps ({steps[1]}->)"]
    header += [f"peak MB/10 steps ({steps[0]}->)", f"peak MB/10 steps ({steps[1]}->)"]
    return (
        f"Config {describe('b')}, {data}, {threads} torch thread(s), probes every "
        f"{service_default_probe_every()} steps (rnnlab's default), one subprocess per cell.\n\n"
        f"{table(header, rows)}\n\n" + "\n".join(series) + "\n"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="steps 5, 20, 50; LSTM only")
    parser.add_argument("--cells", default=None, help="lstm,gru,rnn (default by mode)")
    parser.add_argument("--steps", default=None, help="comma-separated steps to sample at")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    step_list = [int(s) for s in args.steps.split(",")] if args.steps else None
    if args.child:
        print("RESULT " + json.dumps(child(args.child, step_list, args.threads)))
    else:
        print(f"machine: {machine()}")
        cell_list = args.cells.split(",") if args.cells else None
        print(main(args.quick, cell_list, step_list, args.threads))
