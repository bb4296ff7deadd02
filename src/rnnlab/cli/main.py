"""The `rnnlab` command: one Typer app, one module per command group."""

from __future__ import annotations

import typer

from rnnlab import __version__
from rnnlab.cli import cells, embed, export, lab, plot, runs, serve, sweep, trace, train, use

app = typer.Typer(
    name="rnnlab",
    help="rnnlab: build, train, inspect and use recurrent neural networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rnnlab {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """rnnlab: build, train, inspect and use recurrent neural networks."""


train.register(app)
runs.register(app)
use.register(app)
embed.register(app)
plot.register(app)
lab.register(app)
trace.register(app)
serve.register(app)
export.register(app)
sweep.register(app)
cells.register(app)

if __name__ == "__main__":  # python -m rnnlab.cli.main (how torchrun starts each process)
    app()
