"""Hostile generate / forecast arguments: refused by the service before any model is
loaded, with the same message from the CLI and from a Python (web) caller (issue 12:
`--temperature inf` generated; `"length": true` generated one token)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnlab import service
from rnnlab.cli.main import app
from rnnlab.errors import ConfigError
from rnnlab.service.arguments import check_generate_arguments

DEFAULTS = {"length": 200, "temperature": 1.0, "top_k": None, "top_p": None, "seed": None}

CLI_CASES = [
    (["--temperature", "inf"], "temperature: expected a number in [0, 100], received inf"),
    (["--temperature", "nan"], "temperature: expected a number in [0, 100], received nan"),
    (["--temperature", "-1"], "temperature: expected a number in [0, 100], received -1.0"),
    (["--temperature", "1e9"], "temperature: expected a number in [0, 100]"),
    (["--top-p", "nan"], "top_p: expected a number in (0, 1], received nan"),
    (["--top-p", "0"], "top_p: expected a number in (0, 1], received 0.0"),
    (["--top-p", "1.5"], "top_p: expected a number in (0, 1]"),
    (["--top-k", "0"], "top_k: expected 1..10000000, received 0"),
    (["--top-k", "-3"], "top_k: expected 1..10000000, received -3"),
    (["--length", "0"], "length: expected 1..100000, received 0"),
    (["--length", "10000000000"], "length: expected 1..100000"),
    (["--seed", "-1"], "seed: expected 0..4294967295, received -1"),
    (["--seed", str(2**64)], "seed: expected 0..4294967295"),
]

SERVICE_CASES = [
    ({"length": True}, "length: expected an integer 1..100000, received True"),
    ({"length": 2.0}, "length: expected an integer 1..100000, received 2.0"),
    ({"length": "5"}, "length: expected an integer 1..100000, received '5'"),
    ({"temperature": True}, "temperature: expected a number in [0, 100], received True"),
    ({"temperature": "hot"}, "temperature: expected a number in [0, 100], received 'hot'"),
    ({"temperature": float("inf")}, "temperature: expected a number in [0, 100], received inf"),
    ({"top_k": True}, "top_k: expected an integer 1..10000000, received True"),
    ({"top_k": 1.5}, "top_k: expected an integer 1..10000000, received 1.5"),
    ({"top_p": float("-inf")}, "top_p: expected a number in (0, 1], received -inf"),
    ({"top_p": False}, "top_p: expected a number in (0, 1], received False"),
    ({"seed": True}, "seed: expected an integer 0..4294967295, received True"),
    ({"seed": 2**32}, "seed: expected 0..4294967295, received 4294967296"),
    ({"seed": 10**5000}, "seed: expected 0..4294967295, received <an integer of about"),
]


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RNNLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "10000")


@pytest.mark.parametrize(("args", "expected"), CLI_CASES, ids=[" ".join(c[0]) for c in CLI_CASES])
def test_hostile_generate_options_are_refused_before_loading(
    args: list[str], expected: str
) -> None:
    """The run does not exist: the argument's error comes first, nothing is loaded."""
    result = CliRunner().invoke(app, ["generate", "no-such-run", *args])
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"error: {expected}"), result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("changes", "expected"), SERVICE_CASES, ids=[c[1] for c in SERVICE_CASES])
def test_hostile_generate_arguments_name_the_argument(changes: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        service.generate("no-such-run", **{**DEFAULTS, **changes})
    assert str(info.value).startswith(expected), str(info.value)
    assert len(str(info.value)) < 200


@pytest.mark.parametrize("steps", [0, -1, True, 2.5, 10**9])
def test_hostile_forecast_steps_are_refused_before_loading(steps: object) -> None:
    with pytest.raises(ConfigError, match=r"^steps: expected (an integer )?1\.\.100000"):
        service.forecast("no-such-run", steps)  # type: ignore[arg-type]


def test_the_cli_forecast_refuses_zero_steps() -> None:
    result = CliRunner().invoke(app, ["forecast", "no-such-run", "--steps", "0"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: steps: expected 1..100000, received 0")


@pytest.mark.parametrize(
    "arguments",
    [
        {"length": 1, "temperature": 0, "top_k": 1, "top_p": 1.0, "seed": 0},
        {"length": 100_000, "temperature": 100, "top_k": None, "top_p": 1e-9, "seed": 2**32 - 1},
    ],
)
def test_the_edges_of_the_ranges_are_allowed(arguments: dict) -> None:
    check_generate_arguments(**arguments)
