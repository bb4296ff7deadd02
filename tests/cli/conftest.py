"""Fixtures of the CLI tests: tiny trained runs in a temporary $RNNLAB_HOME, and a runner."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from rnnlab import service
from rnnlab.cli.main import app

EXAMPLES = Path(__file__).parents[2] / "examples" / "configs"
TINY = ["model.hidden_size=8", "embedding.dim=8"]
SMALL = {
    "sentiment": [*TINY, "train.max_steps=3"],
    "char_lm": [*TINY, "data.seq_len=16", "train.max_steps=3"],
    "forecast": ["model.hidden_size=8", "train.max_steps=3"],
}


def invoke(*args: str, input: str | None = None) -> Result:
    """Run `rnnlab ARGS...` in-process; stdout and stderr stay apart (result.stderr)."""
    return CliRunner().invoke(app, list(args), input=input)


def set_args(overrides: list[str]) -> list[str]:
    """["a=1", "b=2"] -> ["--set", "a=1", "--set", "b=2"]."""
    return [part for item in overrides for part in ("--set", item)]


@dataclass
class Runs:
    home: Path
    ids: dict[str, str]  # example name -> run id


@pytest.fixture(scope="package")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """A classifier, a char LM and a forecaster trained once through the service."""
    home = tmp_path_factory.mktemp("cli-trained")
    ids = {
        name: service.train(EXAMPLES / f"{name}.yaml", overrides, home=home)["id"]
        for name, overrides in SMALL.items()
    }
    return Runs(home, ids)


@pytest.fixture
def runs(trained: Runs, monkeypatch: pytest.MonkeyPatch) -> Runs:
    """The trained runs, with $RNNLAB_HOME pointing at their store (read-only use)."""
    monkeypatch.setenv("RNNLAB_HOME", str(trained.home))
    monkeypatch.setenv("COLUMNS", "200")  # tables wide enough to show whole values
    return trained


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty store of this test's own, as $RNNLAB_HOME."""
    path = tmp_path / "home"
    monkeypatch.setenv("RNNLAB_HOME", str(path))
    monkeypatch.setenv("COLUMNS", "200")  # long temporary paths stay on one line
    return path
