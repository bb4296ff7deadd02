"""`rnnlab cells`: the registered cell types (what model.cell and `lab vanishing --cells` take)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from rnnlab import service
from rnnlab.cli.common import handle_errors, table_console

EPILOG = (
    "Examples: rnnlab cells | rnnlab cells lstm | rnnlab cells --json. "
    "A cell's name is what model.cell (and `rnnlab train --set model.cell=gru`) takes; "
    "its parameters are stored per layer k and direction as {stem}_l{k} (and _reverse), "
    "with rows in blocks of H and columns D (the layer's input) or H."
)


def _gates(cell: dict[str, Any]) -> str:
    return " ".join(g["name"] for g in cell["gates"]) or "-"


def _params(cell: dict[str, Any]) -> str:
    def shape(p: dict[str, Any]) -> str:
        rows = "H" if p["rows"] == "1H" else p["rows"]  # 4H: four blocks of H rows
        cols = {"input": "D", "hidden": "H"}.get(p["cols"])
        return f"{p['symbol']} {rows}" + (f"x{cols}" if cols else "")

    return ", ".join(shape(p) for p in cell["params"])


def _table(described: list[dict[str, Any]]) -> Table:
    table = Table("name", "display name", "gates", "state", "params", title="Registered cells")
    for cell in described:
        state = "h, c" if cell["has_cell_state"] else "h"
        table.add_row(cell["name"], cell["display_name"], _gates(cell), state, _params(cell))
    return table


def _details(cell: dict[str, Any]) -> str:
    gates = "; ".join(f"{g['name']}: {g['title']} ({g['activation']})" for g in cell["gates"])
    lines = [
        f"{cell['name']}: {cell['display_name']} - {cell['summary']}",
        f"gates (storage order): {gates or 'none'}",
        f"state: {'h_t and a cell state c_t' if cell['has_cell_state'] else 'h_t'}",
        f"parameters per layer and direction: {_params(cell)}",
        f"nonlinearity: {' | '.join(cell['nonlinearities'])}",
        f"forget gate (model.forget_bias): {cell['forget_gate'] or 'none'}",
        f"init: default{' | orthogonal' if cell['recurrent'] else ''}"
        + (" | identity" if cell["identity_init"] else ""),
    ]
    return "\n".join(lines)


@handle_errors
def cells(
    name: Annotated[
        str | None, typer.Argument(help="One cell to describe in full (default: all).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the registered cell types: name, display name, gates, state and parameters."""
    described = service.list_cells() if name is None else [service.describe_cell(name)]
    if as_json:
        typer.echo(json.dumps(described if name is None else described[0], indent=2))
    elif name is None:
        table_console().print(_table(described))
    else:
        typer.echo(_details(described[0]))


def register(app: typer.Typer) -> None:
    app.command("cells", epilog=EPILOG)(cells)
