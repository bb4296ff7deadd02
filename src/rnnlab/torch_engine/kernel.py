"""The compiled recurrence (csrc/recurrence.cpp): built once per machine, then cached.

``load_kernel(build=True)`` compiles it with torch.utils.cpp_extension (about 30 s
with g++; the build is cached under torch's extension folder, so later runs load it
in well under a second). Without a compiler, or if the build fails, it returns None
and the explicit layers run their loops in Python instead, with a warning once.

Building and loading hold rnnlab's own lock (``build_lock.py``, which clears a lock of
torch's left by a killed builder), and the compiler runs in a child process: both end
by a deadline, ``RNNLAB_KERNEL_BUILD_S`` seconds (default ``BUILD_WAIT_S``). Past it
``build_timed_out()`` is true and the run uses torch.nn's layers (kernel: nn) instead.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import warnings
from functools import cache
from pathlib import Path
from types import ModuleType

from rnnlab.spec.env import seconds_from_env
from rnnlab.torch_engine.build_lock import BuildLock, BuildTimeout

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
BUILD_WAIT_ENV = "RNNLAB_KERNEL_BUILD_S"
BUILD_WAIT_S = 240.0  # waiting for another builder plus building, in all
BUILDING_NOTICE = "rnnlab: building the kernel (once, ~30 s)"
BUILD_CODE = "from rnnlab.torch_engine.kernel import _torch_load; _torch_load()"  # the child
_TIMED_OUT: list[str] = []  # the reason, once the build missed its deadline


def _name() -> str:
    """A new source never loads a stale build; and each installed copy of the source has a
    build of its own (torch's build file names the source's path, so two checkouts sharing
    one build folder would rebuild it in turn, each waiting on the other)."""
    identity = SOURCE.read_bytes() + " ".join(FLAGS).encode() + str(SOURCE.resolve()).encode()
    return f"rnnlab_recurrence_{hashlib.sha256(identity).hexdigest()[:10]}"


def _build_dir() -> Path:
    from torch.utils.cpp_extension import _get_build_directory

    return Path(_get_build_directory(_name(), verbose=False))


def kernel_built() -> bool:
    """Whether the compiled recurrence is already in the cache (loading it is cheap)."""
    try:
        return any(_build_dir().glob(f"{_name()}*.so"))
    except Exception:
        return False


def build_wait_s() -> float:
    """Seconds to wait for the kernel's build: $RNNLAB_KERNEL_BUILD_S or BUILD_WAIT_S."""
    return seconds_from_env(BUILD_WAIT_ENV, BUILD_WAIT_S)


def build_timed_out() -> bool:
    """Whether the build missed its deadline in this process (the run falls back to nn)."""
    return bool(_TIMED_OUT)


def _torch_load() -> ModuleType:
    from torch.utils.cpp_extension import load

    os.environ.setdefault("MAX_JOBS", "2")
    return load(name=_name(), sources=[str(SOURCE)], extra_cflags=FLAGS, verbose=False)


def _build_in_child(lock: BuildLock, deadline: float) -> None:
    """Compile in a child process (its own session, killed whole at the deadline)."""
    print(BUILDING_NOTICE, file=sys.stderr, flush=True)
    child = subprocess.Popen(
        [sys.executable, "-c", BUILD_CODE],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    lock.record(os.getpid(), child.pid)
    try:
        _, err = child.communicate(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)  # the compiler and ninja too
        child.wait()
        raise BuildTimeout("the build did not finish in time") from None
    if child.returncode != 0:
        tail = err.decode(errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(" / ".join(tail) or f"exit code {child.returncode}")


class _Busy(Exception):
    """Another process holds the build lock and this caller would not wait (not cached)."""


@cache
def _load(build: bool) -> ModuleType | None:
    if not build and not kernel_built():
        return None
    wait_s = build_wait_s() if build else 0.0  # only a caller that asked to build waits
    try:
        with BuildLock(_build_dir(), time.monotonic() + wait_s) as lock:
            if not kernel_built():
                _build_in_child(lock, lock.deadline)
            return _torch_load()
    except BuildTimeout as err:
        if not build:
            raise _Busy from None
        _TIMED_OUT.append(str(err))
        warnings.warn(
            f"rnnlab: the compiled recurrence was not ready within {wait_s:g} s ({err}); "
            f"this run uses torch.nn's layers (kernel: nn); {BUILD_WAIT_ENV}=<seconds> "
            "waits longer",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    except Exception as err:
        warnings.warn(
            f"rnnlab: the compiled recurrence could not be built ({err}); "
            f"using the Python loop instead",
            RuntimeWarning,
            stacklevel=2,
        )
        return None


def load_kernel(build: bool = True) -> ModuleType | None:
    """The compiled module, or None (not built and build=False, or another process busy
    building it and build=False: asked again later; no compiler; or the build missed its
    deadline: see ``build_timed_out``)."""
    try:
        return _load(build)
    except _Busy:
        return None
