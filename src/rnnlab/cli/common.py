"""What every command shares: turning rnnlab errors into a one-line message and exit 1."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from rnnlab.errors import RnnlabError

P = ParamSpec("P")
R = TypeVar("R")
err_console = Console(stderr=True)
TABLE_WIDTH = 120


def table_console() -> Console:
    """Standard output at least TABLE_WIDTH columns wide: a table piped to a file or a
    narrow terminal keeps its numbers whole instead of cutting them to "0.…"."""
    return Console(width=max(Console().width, TABLE_WIDTH))


def handle_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Print `error: <message>` on stderr and exit 1 for any RnnlabError."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except RnnlabError as err:
            message = Text.assemble(("error:", "bold red"), " ", str(err))  # not markup
            err_console.print(message, soft_wrap=True, highlight=False)
            raise typer.Exit(code=1) from None

    return wrapper
