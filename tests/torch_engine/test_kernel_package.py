"""The C++ source of the compiled recurrence ships in the wheel: without it, an installed
(non-editable) rnnlab never has the fast kernel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SOURCE_IN_WHEEL = "rnnlab/torch_engine/csrc/recurrence.cpp"


def test_the_wheel_carries_the_kernel_source(tmp_path: Path) -> None:
    pytest.importorskip("setuptools", reason="building a wheel needs setuptools")
    tree = tmp_path / "tree"  # a copy: the build writes build/ and *.egg-info beside sources
    shutil.copytree(ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tree / name)
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(tree),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("rnnlab-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert SOURCE_IN_WHEEL in names
        shipped = archive.read(SOURCE_IN_WHEEL)
    assert shipped == (ROOT / "src" / SOURCE_IN_WHEEL).read_bytes()
