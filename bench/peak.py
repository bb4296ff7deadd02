"""Dense fp32 GEMM peak of this machine: the limit the other benchmarks are quoted against.

Measures C = A B for square n x n float32 matrices (2 n^3 FLOPs) with NumPy (its BLAS,
threads set by threadpoolctl) and torch (torch.mm, torch.set_num_threads), at 1 and 2
threads, and reports the median GFLOP/s of several repetitions; NumPy and torch are
interleaved repetition by repetition so that machine noise hits both alike.

    .venv/bin/python bench/peak.py                  # n = 1024, 2048, 4096; threads 1 and 2
    .venv/bin/python bench/peak.py --quick          # n = 512, 1024; a few seconds
    .venv/bin/python bench/peak.py --threads 2 --sizes 2048
"""

from __future__ import annotations

import argparse

from _common import machine, median, numpy_gemm_gflops, parse_threads, set_threads, table
from _common import torch_gemm_gflops as torch_gflops


def measure(n: int, threads: int, reps: int) -> tuple[float, float]:
    """(numpy, torch) median GFLOP/s, interleaved one repetition at a time."""
    set_threads(threads)
    np_runs, torch_runs = [], []
    for _ in range(reps):
        np_runs.append(numpy_gemm_gflops(n, 1))
        torch_runs.append(torch_gflops(n, 1))
    return median(np_runs), median(torch_runs)


def main(quick: bool, threads: list[int] | None = None, sizes: list[int] | None = None) -> str:
    threads = threads or [1, 2]
    sizes = sizes or ([512, 1024] if quick else [1024, 2048, 4096])
    reps = 3 if quick else 7
    rows, best = [], {}
    for t in threads:
        for n in sizes:
            np_gf, torch_gf = measure(n, t, reps)
            rows.append([t, n, np_gf, torch_gf, torch_gf / np_gf])
            best[t] = max(best.get(t, 0.0), torch_gf, np_gf)
            print(f"threads {t} n {n}: numpy {np_gf:.1f} torch {torch_gf:.1f} GFLOP/s", flush=True)
    header = ["threads", "n", "numpy GFLOP/s", "torch GFLOP/s", "torch / numpy"]
    notes = ", ".join(f"{t} thread(s) {g:.1f} GFLOP/s" for t, g in best.items())
    return (
        f"fp32 GEMM, n x n x n (2 n^3 FLOPs), median of {reps} repetitions "
        f"(warm-up excluded).\n\n{table(header, rows)}\n\nBest per thread count: {notes}.\n"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repetitions")
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--sizes", default=None, help="comma-separated n (default by mode)")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    sizes = parse_threads(args.sizes) if args.sizes else None
    print(main(args.quick, parse_threads(args.threads), sizes))
