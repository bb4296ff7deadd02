"""`rnnlab plot`: a run's figures as PNG files (or figure data as JSON)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from rnnlab import service
from rnnlab.cli.common import handle_errors

Figure = StrEnum("Figure", {name.replace("-", "_"): name for name in service.FIGURES})

EPILOG = """Examples:

  rnnlab plot RUN --figure curves -o curves.png

  rnnlab plot RUN --figure gradient-flow -o flow.png     (dL/dh_t over time steps, all probes)

  rnnlab plot RUN --figure gates --text "the soup was not good ." -o gates.png

  rnnlab plot RUN --figure confusion -o confusion.png    (classifiers)

  rnnlab plot RUN --figure forecast -o forecast.png      (forecasters)

  rnnlab plot RUN --figure attention --input "abcde" -o att.png   (seq2seq with attention)
"""


@handle_errors
def plot(
    run: Annotated[str, typer.Argument(help="Run id, unique prefix or name.")],
    figure: Annotated[Figure, typer.Option(help="Which figure.")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="PNG file to write.")] = None,
    text: Annotated[
        str | None,
        typer.Option(
            "--text",
            "--input",
            help="states/gates: the input to look at (default: the sequence recorded in "
            "training); attention: the source to decode.",
        ),
    ] = None,
    layer: Annotated[
        int, typer.Option(help="gradient-flow/states/gates: the layer, 0 the first (weight_ih_l0).")
    ] = 0,
    direction: Annotated[
        str | None,
        typer.Option(
            help="forward | backward (bidirectional runs); gradient-flow of a seq2seq run: "
            "encoder | decoder. Default: the first series recorded (forward, encoder).",
            show_default=False,
        ),
    ] = None,
    which: Annotated[str, typer.Option(help="histograms: grads | params.")] = "grads",
    as_json: Annotated[bool, typer.Option("--json", help="Print the figure data instead.")] = False,
) -> None:
    """Draw one of a run's figures: curves, gradient flow, states, gates, confusion, forecast,
    attention."""
    options = {"text": text, "layer": layer, "direction": direction, "which": which}
    if as_json:
        typer.echo(json.dumps(service.run_figure(run, figure.value, **options), indent=2))
        return
    if out is None:
        raise typer.BadParameter("give -o FILE.png (or --json for the data)")
    typer.echo(f"wrote {service.plot_run(run, figure.value, out, **options)}")


def register(app: typer.Typer) -> None:
    app.command("plot", epilog=EPILOG)(plot)
