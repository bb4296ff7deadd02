"""Helpers shared by the benchmark scripts in bench/ (not a benchmark itself).

Markdown tables, medians, thread control for torch and NumPy's BLAS, a temporary
RNNLAB home, the shared data folder, the machine description, the fp32 GEMM peak and
the benchmark configs a and b of the character language model.
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnnlab.spec.run import MAX_STEPS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data"  # ../shared/data relative to the repository

# The character-LM configs the scripts share: (layers, hidden, embedding dim, batch, seq_len).
CONFIGS = {
    "a": {"num_layers": 1, "hidden": 128, "emb": 64, "batch": 32, "seq": 64},
    "b": {"num_layers": 2, "hidden": 512, "emb": 128, "batch": 64, "seq": 100},
    "c": {"num_layers": 2, "hidden": 1024, "emb": 128, "batch": 128, "seq": 128},  # GPU only
}
GATES = {"lstm": 4, "gru": 3, "rnn": 1}


def describe(name: str) -> str:
    c = CONFIGS[name]
    return (
        f"{name} = {c['num_layers']} layer(s) x {c['hidden']}, embedding {c['emb']}, "
        f"batch {c['batch']}, seq {c['seq']}"
    )


def char_text() -> tuple[str, str]:
    """(path, label) of the character-LM text: tinyshakespeare, else the bundled sample."""
    path = DATA / "tinyshakespeare.txt"
    if path.is_file():
        return str(path), "tinyshakespeare.txt"
    print(f"note: {path} is absent; using the bundled sample tiny_stories instead")
    return "sample:tiny_stories", "sample:tiny_stories (tinyshakespeare absent)"


def lm_config(name: str, cell: str, path: str, **train: Any) -> dict[str, Any]:
    """A RunConfig mapping of char-LM config `name` (probes off, evaluation off)."""
    c = CONFIGS[name]
    spec = {"batch_size": c["batch"], "probe_every": None, "eval_every": MAX_STEPS, "seed": 0}
    return {
        "task": "language-model",
        "data": {"path": path, "tokenizer": "char", "seq_len": c["seq"], "val_fraction": 0.1},
        "embedding": {"dim": c["emb"]},
        "model": {"cell": cell, "hidden_size": c["hidden"], "num_layers": c["num_layers"]},
        "train": {**spec, **train},
    }


def flops_per_token(cell: str, num_layers: int, emb: int, hidden: int, vocab: int) -> int:
    """Forward + backward FLOPs per token: 3 x (sum over layers 2*G*H*(D_in + H) + 2*H*V)."""
    forward, d_in = 0, emb
    for _ in range(num_layers):
        forward += 2 * GATES[cell] * hidden * (d_in + hidden)
        d_in = hidden
    return 3 * (forward + 2 * hidden * vocab)


def set_threads(threads: int) -> None:
    """torch intra-op threads and NumPy's BLAS threads (threadpoolctl when available)."""
    torch.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)
    except ImportError:  # BLAS threads then follow OPENBLAS_NUM_THREADS / the default
        pass


def parse_threads(text: str) -> list[int]:
    return [int(t) for t in text.split(",") if t.strip()]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def torch_gemm_gflops(n: int, reps: int) -> float:
    """Median GFLOP/s of an n x n x n fp32 torch.mm at the current thread count."""
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(n, n, generator=gen), torch.randn(n, n, generator=gen)
    out = torch.empty(n, n)
    torch.mm(a, b, out=out)  # warm-up
    return 2 * n**3 / median([timed(lambda: torch.mm(a, b, out=out)) for _ in range(reps)]) / 1e9


def numpy_gemm_gflops(n: int, reps: int) -> float:
    """Median GFLOP/s of an n x n x n fp32 NumPy matmul at the current BLAS thread count."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n), np.float32), rng.standard_normal((n, n), np.float32)
    out = np.empty((n, n), np.float32)
    np.matmul(a, b, out=out)
    return 2 * n**3 / median([timed(lambda: np.matmul(a, b, out=out)) for _ in range(reps)]) / 1e9


@contextmanager
def temp_home() -> Iterator[str]:
    """A temporary RNNLAB home (also set as RNNLAB_HOME), removed afterwards."""
    previous = os.environ.get("RNNLAB_HOME")
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-") as home:
        os.environ["RNNLAB_HOME"] = home
        try:
            yield home
        finally:
            if previous is None:
                os.environ.pop("RNNLAB_HOME", None)
            else:
                os.environ["RNNLAB_HOME"] = previous


def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        return f"{value:,.{digits}f}" if abs(value) < 1e3 else f"{value:,.0f}"
    return str(value)


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows])


def cpu_model() -> str:
    info = Path("/proc/cpuinfo")
    if info.is_file():
        for line in info.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def machine() -> str:
    return (
        f"{os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}, "
        f"torch {torch.__version__}, numpy {np.__version__}, {platform.platform()}"
    )
