"""`rnnlab train`: train a model from one YAML file, or resume a run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from rnnlab import service
from rnnlab.cli.common import handle_errors
from rnnlab.cli.progress import ProgressView
from rnnlab.events import FAILED_STATUSES, Event, RunStarted

EPILOG = """Examples:

  rnnlab train examples/configs/char_lm.yaml

  rnnlab train examples/configs/sentiment.yaml --set model.cell=gru --set train.epochs=5

  rnnlab train --resume 20261123-101500-ab12      (after Ctrl-C, or to continue)

  rnnlab train examples/configs/char_lm.yaml --nproc 2     (one run, 2 processes)

  torchrun --nnodes 2 --nproc-per-node 4 --rdzv-backend c10d --rdzv-endpoint HOST:29400 \
      -m rnnlab.cli.main train CONFIG                      (several machines; README)

Runs are stored under $RNNLAB_HOME (default ./.rnnlab). Ctrl-C saves a checkpoint.

Exit status: 0 when the run finished, stopped early or was interrupted (Ctrl-C: resume
it later); 1 when it diverged or failed, or on an error before training.
"""


@handle_errors
def train(
    config: Annotated[Path | None, typer.Argument(help="Run config (YAML).")] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a field: section.field=value (repeatable)."),
    ] = None,
    resume: Annotated[
        str | None, typer.Option(help="Continue this run (id, prefix or name).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the run as JSON at the end.")
    ] = False,
    nproc: Annotated[
        int | None,
        typer.Option(
            help="Train the one run on N processes of this machine (torch.distributed, "
            "data parallel: each takes 1/N of every batch). Under torchrun leave it out."
        ),
    ] = None,
) -> None:
    """Train an RNN/LSTM/GRU on text, labelled sentences or a series; prints the run id."""
    if (config is None) == (resume is None):
        raise typer.BadParameter("give a CONFIG file or --resume RUN")
    console = Console(stderr=True)
    progress = ProgressView(console)

    def view(event: Event) -> None:
        if isinstance(event, RunStarted):  # e.g. a validation split too small to choose by
            for warning in event.summary.get("warnings", []):
                console.print(Text(f"warning: {warning}", style="yellow"))
            if service.missing_note(event.summary):  # forecast: gaps filled or dropped
                console.print(Text(service.missing_note(event.summary)))
        progress(event)

    def announce(run_id: str) -> None:
        console.print(f"run {run_id}")

    if service.ranks_from_env() is not None:  # one process of several started by torchrun
        if nproc is not None:
            raise typer.BadParameter("--nproc: torchrun starts the processes; leave it out")
        details = service.train_rank(config, overrides or [], resume, None, view, announce)
        if details is None:  # ranks other than 0: rank 0 reports
            return
    elif nproc is not None and nproc != 1:
        details = service.train_parallel(config, overrides or [], nproc, resume, view, announce)
    elif resume is not None:
        details = service.resume(resume, on_event=view)
    else:
        details = service.train(config, overrides or [], on_event=view, on_created=announce)
    used = details["checkpoint_used"]["label"]
    if used:
        console.print(Text(f"predict, generate and forecast use the checkpoint: {used}"))
    for line in service.comparison_lines(details["baseline_comparison"]):
        console.print(Text(line))
    for line in service.tag_comparison_lines(details["tag_comparison"], details["summary"]):
        console.print(Text(line))
    if as_json:
        typer.echo(json.dumps(details, indent=2))
    else:
        typer.echo(details["id"])
    if details["status"] in FAILED_STATUSES:  # a script must not take this run as trained
        ended = f" run {details['id']} ended {details['status']} (the reason is above)"
        console.print(Text.assemble(("error:", "bold red"), ended), soft_wrap=True)
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    app.command("train", epilog=EPILOG)(train)
