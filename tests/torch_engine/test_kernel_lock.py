"""The kernel's build lock: a lock left by a killed builder never makes a run wait forever,
a live builder is waited for until a deadline, and past it the run falls back to nn."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rnnlab.errors import ConfigError
from rnnlab.spec.run import parse_run_config
from rnnlab.torch_engine import kernel
from rnnlab.torch_engine.build_lock import LOCK_NAME, TORCH_LOCK_NAME, BuildLock, BuildTimeout
from rnnlab.train.build import choose_recurrent

HOLD_FLOCK = """
import fcntl, os, sys
handle = open(sys.argv[1], "a+")
fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
handle.seek(0); handle.truncate(); handle.write(str(os.getpid())); handle.flush()
print("held", flush=True)
sys.stdin.read()
"""


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_lock_left_by_killed_builders_is_taken_at_once(tmp_path: Path) -> None:
    (tmp_path / TORCH_LOCK_NAME).write_text("")  # torch's FileBaton, left by a kill -9
    (tmp_path / LOCK_NAME).write_text(f"{dead_pid()} {dead_pid()}")  # ours, pids gone
    started = time.monotonic()
    with BuildLock(tmp_path, time.monotonic() + 30):
        assert (tmp_path / LOCK_NAME).read_text() == str(os.getpid())
        assert not (tmp_path / TORCH_LOCK_NAME).exists()
    assert time.monotonic() - started < 1
    assert (tmp_path / LOCK_NAME).read_text() == ""


def test_a_live_holder_is_waited_for_until_the_deadline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FLOCK, str(tmp_path / LOCK_NAME)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        deadline = time.monotonic() + 0.5
        with (
            pytest.raises(BuildTimeout, match=f"another process \\(pid {holder.pid}\\)"),
            BuildLock(tmp_path, deadline),
        ):
            pass
        assert 0.5 <= time.monotonic() - started < 3
        assert f"waiting for process pid {holder.pid} building the kernel" in (
            capsys.readouterr().err
        )
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
    with BuildLock(tmp_path, time.monotonic() + 5):  # released with its holder
        pass


def test_an_orphaned_build_process_still_running_is_waited_for(tmp_path: Path) -> None:
    build = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / LOCK_NAME).write_text(f"{dead_pid()} {build.pid}")  # its parent was killed
        deadline = time.monotonic() + 0.3
        with pytest.raises(BuildTimeout, match=f"pid {build.pid}"), BuildLock(tmp_path, deadline):
            pass
    finally:
        build.kill()
        build.wait()


@pytest.fixture
def fresh_kernel(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """kernel.py as in a new process, building into tmp_path with a build that hangs."""
    monkeypatch.setattr(kernel, "_TIMED_OUT", [])
    monkeypatch.setattr(kernel, "_build_dir", lambda: tmp_path)
    monkeypatch.setattr(kernel, "kernel_built", lambda: False)
    monkeypatch.setattr(kernel, "BUILD_CODE", "import time; time.sleep(60)")
    kernel._load.cache_clear()
    yield
    kernel._load.cache_clear()


@pytest.mark.usefixtures("fresh_kernel")
def test_a_build_past_its_deadline_is_killed_and_the_run_falls_back_to_nn(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv(kernel.BUILD_WAIT_ENV, "1")
    started = time.monotonic()
    with pytest.warns(RuntimeWarning, match=r"not ready within 1 s .*kernel: nn"):
        assert kernel.load_kernel(build=True) is None
    assert time.monotonic() - started < 5
    assert kernel.build_timed_out()
    assert kernel.BUILDING_NOTICE in capsys.readouterr().err
    assert (tmp_path / LOCK_NAME).read_text() == ""  # the build process was killed
    config = parse_run_config(
        {
            "task": "forecast",
            "data": {"path": "sample:monthly_series"},
            "model": {"cell": "gru"},
            "train": {"kernel": "explicit"},
        }
    )
    assert choose_recurrent(config, None) == (False, None)


@pytest.mark.skipif(not kernel.kernel_built(), reason="the compiled recurrence is not built here")
def test_a_stale_torch_lock_no_longer_blocks_loading_the_built_kernel() -> None:
    (kernel._build_dir() / TORCH_LOCK_NAME).write_text("")  # as a killed builder leaves it
    code = "from rnnlab.torch_engine.kernel import load_kernel; print(load_kernel(False))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert kernel._name() in done.stdout, done.stderr
    assert not (kernel._build_dir() / TORCH_LOCK_NAME).exists()


@pytest.mark.skipif(not kernel.kernel_built(), reason="the compiled recurrence is not built here")
def test_loading_the_built_kernel_does_not_wait_for_a_busy_lock() -> None:
    """kernel auto on a built kernel: another process holding the lock (building or loading)
    makes this run use torch.nn at once, and a later call loads the kernel."""
    kernel._load.cache_clear()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_FLOCK, str(kernel._build_dir() / LOCK_NAME)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        assert kernel.load_kernel(build=False) is None
        assert time.monotonic() - started < 2 and not kernel.build_timed_out()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)
    assert kernel.load_kernel(build=False) is not None  # not cached as None
    kernel._load.cache_clear()


def test_each_copy_of_the_source_has_a_build_of_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    copy = tmp_path / "recurrence.cpp"
    copy.write_bytes(kernel.SOURCE.read_bytes())
    name = kernel._name()
    monkeypatch.setattr(kernel, "SOURCE", copy)
    assert kernel._name() != name and kernel._name().startswith("rnnlab_recurrence_")


@pytest.mark.parametrize("text", ["soon", "-1", "inf", "1e7"])
def test_a_bad_build_wait_is_a_config_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setenv(kernel.BUILD_WAIT_ENV, text)
    with pytest.raises(ConfigError, match=f"{kernel.BUILD_WAIT_ENV}: expected seconds .* {text!r}"):
        kernel.build_wait_s()
