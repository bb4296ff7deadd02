"""`rnnlab runs`: list, show and remove stored runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from rnnlab import service
from rnnlab.cli.common import handle_errors, table_console

app = typer.Typer(help="List, show and remove runs.", no_args_is_help=True)
console = Console()


def _metric(metrics: dict[str, float], select_by: str | None = None) -> str:
    """The run's selection metric (e.g. exact_match, f1) when it is not the loss, else the
    first of accuracy, rmse, bpc, perplexity, loss it has."""
    chosen = (f"val_{select_by}",) if select_by and select_by != "loss" else ()
    for name in (*chosen, "val_accuracy", "val_rmse", "val_bpc", "val_perplexity", "val_loss"):
        if name in metrics:
            return f"{name.removeprefix('val_')} {metrics[name]:.4g}"
    return ""


def _used(used: dict) -> str:
    """The metric of the checkpoint predict/generate/forecast use, and which one it is."""
    if used["tag"] is None:
        return ""
    which = f"best@{used['step']} by {used['select_by']}" if used["tag"] == "best" else "last"
    shown = _metric(used["metrics"], used.get("select_by"))
    return f"{shown or 'not evaluated'} ({which})"


@app.command("list", epilog="Example: rnnlab runs list --task classify")
@handle_errors
def list_runs(
    task: Annotated[
        str | None, typer.Option(help="Only this task (lab: the long-range lab's runs).")
    ] = None,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    sweep: Annotated[
        str | None, typer.Option(help="Only the trials' runs of this sweep (rnnlab sweep).")
    ] = None,
) -> None:
    """The runs, newest first."""
    rows = service.list_runs(task=task, status=status, sweep=sweep)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table()
    table.add_column("id", no_wrap=True, min_width=20)
    for title in ("name", "task", "cell", "status", "steps", "validation (used)", "created"):
        table.add_column(
            title,
            no_wrap=title in ("status", "steps", "created"),
            overflow="fold",  # a long name wraps whole instead of ending in "…"
        )
    for row in rows:
        table.add_row(
            row["id"],
            Text(row["name"] or ""),
            row["task_label"],
            row["config"]["model"]["cell"],
            row["status"],
            str(row["steps"]),
            _used(row["checkpoint_used"]),
            row["created_at"][:10],
        )
    table_console().print(table)


@app.command("show", epilog="Example: rnnlab runs show 20261123-101500 --json")
@handle_errors
def show(
    run: Annotated[str, typer.Argument(help="Run id, unique prefix or name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One run: status, config, final and best metrics."""
    details = service.show_run(run)
    if as_json:
        typer.echo(json.dumps(details, indent=2))
        return
    console.print(
        Text.assemble(
            (details["id"], "bold"),
            f" {details['name'] or ''}  {details['task_label']}  ",
            (details["status"], "bold"),
            f"  {details['steps']} steps",
        )
    )
    if details.get("message"):
        console.print(Text(details["message"]))
    for title in ("final_metrics", "best_metrics"):
        if details[title]:
            console.print(
                f"{title.replace('_', ' ')}: "
                + "  ".join(f"{k} {v:.4g}" for k, v in details[title].items())
            )
    used = details["checkpoint_used"]
    if used["tag"] is not None:
        values = "  ".join(f"{k} {v:.4g}" for k, v in used["metrics"].items() if k != "step")
        console.print(Text(f"checkpoint used: {used['label']}: {values or 'not evaluated'}"))
    for line in service.comparison_lines(details["baseline_comparison"]):
        console.print(Text(line))
    for line in service.tag_comparison_lines(details["tag_comparison"], details["summary"]):
        console.print(Text(line))
    for warning in details["summary"].get("warnings", []):
        console.print(Text(f"warning: {warning}", style="yellow"))
    console.print(Text(f"folder: {details['folder']}"))


@app.command("compare", epilog="Example: rnnlab runs compare RUN1 RUN2 RUN3 -o compare.png")
@handle_errors
def compare(
    runs: Annotated[list[str], typer.Argument(help="Two or more runs (id, prefix or name).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="PNG file to write.")],
    metric: Annotated[
        list[str] | None,
        typer.Option(help="Metrics to overlay (repeatable); default loss and val_loss."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the config diff as JSON.")] = False,
) -> None:
    """Curves of several runs overlaid, and the config fields in which they differ."""
    metrics = tuple(metric) if metric else ("loss", "val_loss")
    path, table = service.plot_compare(runs, out, metrics)
    if as_json:
        typer.echo(json.dumps(table, indent=2))
        return
    diff = Table(*map(escape, table["columns"]), title="config differences")  # run names
    for row in table["rows"]:
        diff.add_row(*[Text(str(value)) for value in row])
    console.print(diff if table["rows"] else "the configs are identical")
    console.print(Text(f"wrote {path}"))


@app.command("rm", epilog="Example: rnnlab runs rm 20261123-101500 --yes")
@handle_errors
def remove(
    run: Annotated[str, typer.Argument(help="Run id, unique prefix or name.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Delete a run: its rows and its folder."""
    details = service.show_run(run)
    if not yes:
        typer.confirm(f"delete run {details['id']} and its folder?", abort=True)
    typer.echo(f"removed {service.remove_run(details['id'])}")


def register(main: typer.Typer) -> None:
    main.add_typer(app, name="runs")
