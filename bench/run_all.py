"""Run the whole benchmark suite and write its Markdown report.

Each script's `main(quick)` runs in a fresh Python subprocess, one after the other (so one
cannot slow or warm up another), with the script's progress streamed to this terminal;
the Markdown each returns is collected under a heading, after a header with the date,
the machine (cores, CPU model, torch and numpy versions) and the command. A script that
fails is reported as such and the suite goes on.

    make bench                                   # = .venv/bin/python bench/run_all.py
    .venv/bin/python bench/run_all.py            # writes bench/results.md (tens of minutes)
    .venv/bin/python bench/run_all.py --quick    # smoke run: bench/results-quick.md
    .venv/bin/python bench/run_all.py --quick --only peak,reference

Run it on a quiet machine: every figure is a wall-clock measurement.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {
    "peak": "fp32 GEMM peak",
    "throughput": "Training throughput: rnnlab versus a bare PyTorch loop",
    "reference": "Reference NumPy engine versus the torch engine",
    "tutorial": "Time to a training loss: rnnlab's LM pipeline versus the tutorial pipeline",
    "generation": "Generation: carried state, a bare loop, recomputing, n samples at once",
    "memory": "Memory while training config b",
    "probe_overhead": "Probe overhead",
    "embeddings_sentiment": "Embedding recipes on UCI sentiment",
}
CHILD = (
    "import sys; sys.path.insert(0, sys.argv[1]); import importlib; "
    "md = importlib.import_module(sys.argv[2]).main(sys.argv[3] == '1'); "
    "open(sys.argv[4], 'w', encoding='utf-8').write(md)"
)


def run_script(name: str, quick: bool) -> tuple[str, float, bool]:
    """(Markdown, seconds, ok) of bench/NAME.py's main(quick) in a fresh subprocess."""
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-") as folder:
        out = Path(folder) / "result.md"
        command = [sys.executable, "-c", CHILD, str(HERE), name, "1" if quick else "0", str(out)]
        env = {**os.environ, "RNNLAB_HOME": str(Path(folder) / "home")}
        started = time.perf_counter()
        done = subprocess.run(command, cwd=HERE.parent, env=env, check=False)
        seconds = time.perf_counter() - started
        if done.returncode == 0 and out.is_file():
            return out.read_text(encoding="utf-8"), seconds, True
        return (
            f"**failed** (exit code {done.returncode}); see the console output.\n",
            seconds,
            False,
        )


def machine() -> str:
    import numpy
    import torch

    cpu = "?"
    info = Path("/proc/cpuinfo")
    if info.is_file():
        names = [ln for ln in info.read_text().splitlines() if ln.startswith("model name")]
        cpu = names[0].split(":", 1)[1].strip() if names else cpu
    return (
        f"{os.cpu_count()} cores, {cpu}; Python {platform.python_version()}, "
        f"torch {torch.__version__}, numpy {numpy.__version__}; {platform.platform()}"
    )


def sections_not_made_here(target: Path) -> list[str]:
    """The `## ` sections of the old report that no script of SCRIPTS writes (real_data.py's
    tables, gpu.py's, the lab measured by hand): kept as they were, after the new ones."""
    if not target.exists():
        return []
    ours = tuple(f"## {title} (" for title in SCRIPTS.values())
    chunks = target.read_text(encoding="utf-8").split("\n## ")[1:]
    return [f"## {chunk.rstrip()}\n" for chunk in chunks if not f"## {chunk}".startswith(ours)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run -> results-quick.md")
    parser.add_argument("--only", default=None, help="comma-separated script names")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(SCRIPTS)
    unknown = [n for n in names if n not in SCRIPTS]
    if unknown:
        parser.error(f"unknown script(s) {', '.join(unknown)}; known: {', '.join(SCRIPTS)}")
    target = HERE / ("results-quick.md" if args.quick else "results.md")
    command = shlex.join([Path(sys.executable).name, "bench/run_all.py", *sys.argv[1:]])
    started = dt.datetime.now().astimezone()
    head = [
        "# rnnlab benchmarks" + (" (quick smoke run: not real figures)" if args.quick else ""),
        "",
        f"- date: {started:%Y-%m-%d %H:%M %Z}",
        f"- machine: {machine()}",
        f"- command: `{command}`",
        "- each script ran in its own subprocess, one after the other",
        "",
    ]
    parts, failed = [], []
    for name in names:
        print(f"\n=== bench/{name}.py {'--quick' if args.quick else ''}", flush=True)
        body, seconds, ok = run_script(name, args.quick)
        failed += [] if ok else [name]
        title = f"## {SCRIPTS[name]} (`bench/{name}.py`, {seconds:.0f} s)"
        parts.append(f"{title}\n\n{body.strip()}\n")
    kept = sections_not_made_here(target)
    text = "\n".join(head) + "\n" + "\n".join([*parts, *kept])
    target.write_text(text, encoding="utf-8")
    print(f"\nwrote {target}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
