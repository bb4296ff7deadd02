"""The CLI side of the hostile corpus: run a command, and check that it was refused clearly."""

from __future__ import annotations

from click.testing import Result
from typer.testing import CliRunner

from rnnlab.cli.main import app

MAX_MESSAGE = 1000  # characters: a hostile value is echoed cut short


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def assert_clear_error(result: Result, expected: str) -> None:
    """Exit 1, `error: ...` naming what is wrong, no traceback, a short message."""
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: "), result.stderr[:500]
    assert expected in result.stderr, result.stderr[:500]
    assert "Traceback" not in result.output
    assert len(result.stderr) < MAX_MESSAGE, result.stderr[:500]
