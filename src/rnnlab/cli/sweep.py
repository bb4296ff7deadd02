"""`rnnlab sweep`: search a config's fields with Optuna, one ordinary run per trial.

``rnnlab sweep CONFIG ...`` is ``rnnlab sweep run CONFIG ...``; ``rnnlab sweep show
SWEEP`` summarises one. Nothing heavy is imported here: service.run_sweep loads optuna.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from rnnlab import service
from rnnlab.cli.common import handle_errors

console = Console()

RUN_EPILOG = """Examples:

  rnnlab sweep CONFIG --param model.hidden_size=32,64,128 --param train.lr=1e-4..1e-2:log

  rnnlab sweep CONFIG --param model.num_layers=1..3 --trials 10 --jobs 2 --name deep

  rnnlab sweep CONFIG --param model.dropout=0.0..0.5 --name shared --storage URL

A --param is FIELD=a,b,c (choices), FIELD=lo..hi (uniform; whole numbers when both bounds
are) or FIELD=lo..hi:log (log scale). Each trial is a run named SWEEP-tN (rnnlab runs list
--sweep SWEEP). A trial whose validation curve falls below the median of the completed
ones is pruned: its run ends interrupted, with a message that says so. Several machines
share one sweep with the same --name and --storage postgresql://user@host/db."""


class _RunByDefault(TyperGroup):
    """`rnnlab sweep CONFIG ...` runs a sweep: a first word that is no subcommand is
    the config of `run`."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=_RunByDefault,
    help="Search config fields with Optuna: rnnlab sweep CONFIG --param FIELD=SPEC ...",
    no_args_is_help=True,
)


@app.command("run", epilog=RUN_EPILOG)
@handle_errors
def run(
    config: Annotated[Path, typer.Argument(help="Run config (YAML).")],
    param: Annotated[
        list[str],
        typer.Option(help="A field to search: FIELD=a,b,c | lo..hi | lo..hi:log (repeatable)."),
    ],
    trials: Annotated[
        int, typer.Option(help="Trials to run (more if --name continues).")
    ] = service.SWEEP_TRIALS,
    jobs: Annotated[int, typer.Option(help="Trials trained at once (threads).")] = 1,
    storage: Annotated[
        str | None,
        typer.Option(help="Optuna storage URL; default sqlite: sweeps.db beside the run store."),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Sweep name; an existing one is continued.")
    ] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a field of every trial: section.field=value."),
    ] = None,
    warmup_evals: Annotated[
        int, typer.Option(help="A trial's first evaluations that never prune it.")
    ] = service.WARMUP_EVALS,
    seed: Annotated[
        int | None,
        typer.Option(help="Seed of the sampler, reproducible with --jobs 1 (default: random)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the sweep as JSON.")] = False,
) -> None:
    """Run a sweep: each trial trains one run with sampled values of the --param fields."""
    summary = service.run_sweep(
        config,
        param,
        trials,
        jobs=jobs,
        storage=storage,
        name=name,
        overrides=overrides,
        warmup_evals=warmup_evals,
        seed=seed,
        on_trial=None if as_json else _print_trial,
    )
    _print_summary(summary, as_json)


@app.command(
    "show",
    epilog="Example: rnnlab sweep show sweep-20261129-220000 -o sweep.png",
)
@handle_errors
def show(
    sweep: Annotated[str, typer.Argument(help="Sweep name (rnnlab sweep printed it).")],
    out: Annotated[
        Path | None,
        typer.Option("-o", "--out", help="Write the parallel-coordinates figure (PNG)."),
    ] = None,
    storage: Annotated[
        str | None, typer.Option(help="Optuna storage URL; default sweeps.db.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the sweep as JSON.")] = False,
) -> None:
    """A sweep's best trial, its parameter importance and its trials."""
    _print_summary(service.show_sweep(sweep, storage=storage, out=out), as_json)


def _print_trial(row: dict[str, Any]) -> None:
    value = "" if row["value"] is None else f" {row['value']:.4g}"
    console.print(
        Text(f"trial {row['number']}: {row['state']}{value}  run {row['run_id']}  {row['params']}")
    )


def _print_summary(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    counts = ", ".join(f"{n} {state}" for state, n in summary["counts"].items() if n)
    metric = f"val_{summary['metric']}"
    console.print(Text(f"sweep {summary['sweep']} ({summary['storage']}): {counts or 'no trials'}"))
    if summary.get("stopped"):
        console.print(Text(f"stopped: {summary['stopped']}", style="yellow"))
    best = summary["best"]
    if best is None:
        console.print(Text("no complete trial yet"))
    else:
        console.print(
            Text(
                f"best: trial {best['number']}  run {best['run_id']}  "
                f"{metric} {best['value']:.4g} ({summary['direction']})  {best['params']}"
            )
        )
    if summary["importance"]:
        shares = "  ".join(f"{k} {v:.2f}" for k, v in summary["importance"].items())
        console.print(Text(f"importance: {shares}"))
    else:
        console.print(Text(summary["importance_note"]))
    if summary.get("figure"):
        console.print(Text(f"wrote {summary['figure']}"))


def register(main: typer.Typer) -> None:
    main.add_typer(app, name="sweep")
