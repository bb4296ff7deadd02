"""`rnnlab sweep CONFIG ...`, `rnnlab sweep show`, `runs list --sweep`, and their errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLES, SMALL, invoke, set_args

CONFIG = str(EXAMPLES / "sentiment.yaml")
TINY_SWEEP = [*set_args(SMALL["sentiment"]), "--param", "train.lr=1e-3..1e-2:log"]


def test_a_sweep_runs_its_trials_and_shows_its_best(home: Path, tmp_path: Path) -> None:
    done = invoke("sweep", CONFIG, *TINY_SWEEP, "--trials", "2", "--jobs", "2", "--name", "hs")
    assert done.exit_code == 0, done.output
    assert "trial 0: complete" in done.stdout and "trial 1: complete" in done.stdout
    assert "sweep hs (sqlite:///" in done.stdout
    assert "best: trial " in done.stdout and "val_accuracy" in done.stdout

    listed = invoke("runs", "list", "--sweep", "hs", "--json")
    assert listed.exit_code == 0, listed.output
    names = sorted(row["name"] for row in json.loads(listed.stdout))
    assert names == ["hs-t0", "hs-t1"]

    compared = invoke("runs", "compare", "hs-t0", "hs-t1", "-o", str(tmp_path / "c.png"), "--json")
    assert compared.exit_code == 0, compared.output
    table = json.loads(compared.stdout)
    assert {row[0] for row in table["rows"]} == {"train.lr", "name"}  # two draws of a float

    figure = tmp_path / "hs.png"
    shown = invoke("sweep", "show", "hs", "-o", str(figure), "--json")
    assert shown.exit_code == 0, shown.output
    summary = json.loads(shown.stdout)
    assert summary["counts"]["complete"] == 2
    assert summary["best"]["run_id"] in {row["id"] for row in json.loads(listed.stdout)}
    assert summary["figure"] == str(figure) and figure.stat().st_size > 0

    unknown = invoke("sweep", "show", "nope")
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("error: no sweep named 'nope' in sqlite:///")
    assert "sweeps there: hs" in unknown.stderr


def test_sweep_run_is_the_same_command(home: Path) -> None:
    done = invoke("sweep", "run", CONFIG, *TINY_SWEEP, "--trials", "0")
    assert done.exit_code == 1
    assert done.stderr.strip() == "error: --trials: expected 1..10000, received 0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "model.size=4,8"], "error: --param model.size=4,8: unknown field; known:"),
        (["--param", "train.lr=0.1..0.01"], "error: --param train.lr=0.1..0.01: expected lo < hi"),
        (
            ["--param", "model.hidden_size=0,8"],
            "error: --param model.hidden_size=0,8: 0 is refused",
        ),
        (
            ["--param", "train.lr=0.1,0.2", "--storage", "postgresql://nobody@127.0.0.1:1/x"],
            "error: --storage postgresql://nobody@127.0.0.1:1/x: cannot open the sweep storage",
        ),
        (["--param", "train.lr=0.1,0.2", "--name", "a b"], "error: --name: expected 1 to 100"),
        (["--param", "train.lr=0.1,0.2", "--seed", "-1"], "error: --seed: expected 0..4294967295"),
    ],
)
def test_bad_sweep_arguments_are_one_line_errors(home: Path, args: list[str], message: str) -> None:
    done = invoke("sweep", CONFIG, *args)
    assert done.exit_code == 1, done.output
    assert done.stderr.startswith(message)
    assert "Traceback" not in done.output
    assert not (home / "runs").exists() or not any((home / "runs").iterdir())


def test_show_before_any_sweep_is_an_error(home: Path) -> None:
    done = invoke("sweep", "show", "nope")
    assert done.exit_code == 1
    assert done.stderr.startswith(f"error: no sweeps yet: {home / 'sweeps.db'} does not exist")
    assert not home.exists()


def test_sweep_help_gives_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert (
        "rnnlab sweep CONFIG --param model.hidden_size=" in invoke("sweep", "run", "--help").stdout
    )
    assert "Example: rnnlab sweep show " in invoke("sweep", "show", "--help").stdout


def test_the_cli_loads_neither_optuna_nor_torch() -> None:
    code = (
        "import sys, rnnlab.cli.main, rnnlab.cli.sweep\n"
        "print(sorted(m for m in ('optuna', 'sqlalchemy', 'torch') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
