"""`rnnlab export`: write a trained run's model as ONNX, a safetensors model file or TorchScript."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from rnnlab import service
from rnnlab.cli.common import handle_errors

EPILOG = (
    "Examples: rnnlab export RUN --format onnx -o model.onnx | "
    "rnnlab export RUN --format safetensors -o model.safetensors | "
    "rnnlab export RUN --format torchscript -o model.pt. "
    "ONNX and TorchScript files take the hidden state (h0, and c0 for an LSTM) and return it "
    "(h_n, c_n), so a caller can decode step by step; each export is checked against the torch "
    "model on random inputs before it is written (see the README, 'Export')."
)


@handle_errors
def export(
    run: Annotated[str, typer.Argument(help="Run id, unique prefix or name.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    format: Annotated[
        str, typer.Option("--format", "-f", help="onnx | safetensors | torchscript.")
    ] = "onnx",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Export a trained run's model (the checkpoint predict uses) for use without rnnlab."""
    result = service.export_run(run, format, output)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    typer.echo(f"wrote {result['path']} ({result['format']}, {result['bytes']:,} bytes)")
    if result["checked"]:
        shapes = ", ".join(f"T={t} B={b}" for t, b in result["checked"])
        typer.echo(
            f"checked against the torch model on random inputs ({shapes}): "
            f"max abs diff {result['max_abs_diff']:.3g} (at most {result['tolerance']:g})"
        )
    else:
        typer.echo(
            f"read back: weights equal the checkpoint's (max abs diff {result['max_abs_diff']:g})"
        )


def register(app: typer.Typer) -> None:
    app.command("export", epilog=EPILOG)(export)
