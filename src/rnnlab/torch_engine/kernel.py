"""The compiled recurrence (csrc/recurrence.cpp): built once per machine, then cached.

``load_kernel(build=True)`` compiles it with torch.utils.cpp_extension (about 30 s
with g++; the build is cached under torch's extension folder, so later runs load it
in well under a second). Without a compiler, or if the build fails, it returns None
and the explicit layers run their loops in Python instead, with a warning once.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from functools import cache
from pathlib import Path
from types import ModuleType

SOURCE = Path(__file__).with_name("csrc") / "recurrence.cpp"
# ATen's 512- or 256-bit vectors for the fused float GRU step where the CPU has them (else
# its portable scalar fallback); the build is per machine, and the flags are part of its
# cache name.
AVX2 = ["-mavx2", "-mfma", "-DCPU_CAPABILITY=AVX2", "-DCPU_CAPABILITY_AVX2"]
AVX512 = [
    *("-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx2", "-mfma"),
    *("-DCPU_CAPABILITY=AVX512", "-DCPU_CAPABILITY_AVX512"),
]


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    lines = [line for line in text.splitlines() if line.startswith("flags")]
    return set(lines[0].split(":", 1)[1].split()) if lines else set()


def _vector_flags(cpu: set[str]) -> list[str]:
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx2", "fma"} <= cpu:
        return AVX512
    return AVX2 if {"avx2", "fma"} <= cpu else []


FLAGS = ["-O3", "-fopenmp-simd", *_vector_flags(_cpu_flags())]
# Build it when a run is planned to process at least this many time steps (steps x T):
# a few minutes of training, against a one-off build of about 30 s.
BUILD_WORTH_TIME_STEPS = 200_000


def _name() -> str:
    digest = hashlib.sha256(SOURCE.read_bytes() + " ".join(FLAGS).encode()).hexdigest()[:10]
    return f"rnnlab_recurrence_{digest}"  # a new source never loads a stale build


def _build_dir() -> Path:
    from torch.utils.cpp_extension import _get_build_directory

    return Path(_get_build_directory(_name(), verbose=False))


def kernel_built() -> bool:
    """Whether the compiled recurrence is already in the cache (loading it is cheap)."""
    try:
        return any(_build_dir().glob(f"{_name()}*.so"))
    except Exception:
        return False


@cache
def _load(build: bool) -> ModuleType | None:
    if not build and not kernel_built():
        return None
    try:
        from torch.utils.cpp_extension import load

        os.environ.setdefault("MAX_JOBS", "2")
        return load(name=_name(), sources=[str(SOURCE)], extra_cflags=FLAGS, verbose=False)
    except Exception as err:
        warnings.warn(
            f"rnnlab: the compiled recurrence could not be built ({err}); "
            f"using the Python loop instead",
            RuntimeWarning,
            stacklevel=2,
        )
        return None


def load_kernel(build: bool = True) -> ModuleType | None:
    """The compiled module, or None (not built and build=False, or no compiler)."""
    return _load(build)
