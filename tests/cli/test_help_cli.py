"""Every command's --help ends with an example of its use."""

from __future__ import annotations

import pytest

from .conftest import invoke

COMMANDS = [
    ["train"],
    ["runs", "list"],
    ["runs", "show"],
    ["runs", "rm"],
    ["predict"],
    ["generate"],
    ["forecast"],
    ["trace"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_shows_an_example(command: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = invoke(*command, "--help")
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout
    example = result.stdout[result.stdout.index("Example") :]
    assert f"rnnlab {' '.join(command)} " in example  # the example runs this very command
