"""`rnnlab trace`: the step-by-step calculator on the command line."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from rnnlab import service
from rnnlab.cli.common import handle_errors


class Format(StrEnum):
    text = "text"
    markdown = "markdown"
    latex = "latex"
    json = "json"


EPILOG = """Examples:

  rnnlab trace examples/trace/rnn_many_to_one.yaml

  rnnlab trace examples/trace/lstm_sequence.yaml --format markdown > lstm.md

  rnnlab trace --random --cell lstm --input-size 3 --hidden-size 2 --steps 4 --seed 0

  rnnlab trace --random --cell gru --save my_gru.yaml   (then edit it and trace it)

  rnnlab trace --random --cell mingru   (any cell that `rnnlab cells` lists)
"""


@handle_errors
def trace(
    file: Annotated[Path | None, typer.Argument(help="Trace file (YAML or JSON).")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    precision: Annotated[int, typer.Option(min=1, max=12, help="Decimals shown.")] = 4,
    random: Annotated[bool, typer.Option("--random", help="Trace a small random network.")] = False,
    # --random's options default to None: the calculator's own defaults apply, kept in one
    # place (trace.random.random_trace_spec); `--save` writes what was drawn
    cell: Annotated[
        str | None,
        typer.Option(help="With --random: the cell, any that `rnnlab cells` lists."),
    ] = None,
    input_size: Annotated[int | None, typer.Option(help="With --random: D.")] = None,
    hidden_size: Annotated[int | None, typer.Option(help="With --random: H.")] = None,
    steps: Annotated[int | None, typer.Option(help="With --random: T.")] = None,
    seed: Annotated[int | None, typer.Option(help="With --random: the seed.")] = None,
    save: Annotated[
        Path | None, typer.Option(help="With --random: write the network here.")
    ] = None,
) -> None:
    """Print every number of a small network's forward pass and, given a target, its BPTT.

    The file gives the cell, the weights (column-vector convention), the inputs
    and optionally a target; see examples/trace/ and the README.
    """
    if random == (file is not None):
        raise typer.BadParameter("give a trace FILE or --random, not both and not neither")
    if random:
        source = service.random_trace(
            cell=cell, input_size=input_size, hidden_size=hidden_size, steps=steps, seed=seed
        )
        if save is not None:
            typer.echo(f"wrote {service.save_trace_spec(source, save)}", err=True)
    else:
        source = file
    typer.echo(service.trace(source, fmt.value, precision))


def register(app: typer.Typer) -> None:
    app.command("trace", epilog=EPILOG)(trace)
