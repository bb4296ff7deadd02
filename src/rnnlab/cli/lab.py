"""`rnnlab lab`: experiments that show how recurrent networks remember (or forget)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from rnnlab import service
from rnnlab.cli.common import handle_errors, table_console
from rnnlab.cli.progress import ProgressView
from rnnlab.events import FAILED_STATUSES

app = typer.Typer(
    help="Experiments: long-range memory (vanishing), attention (seq2seq).", no_args_is_help=True
)
console = Console(stderr=True)

EPILOG = """Examples:

  rnnlab lab vanishing                     # adding problem, T=50: rnn-tanh, lstm, gru

  rnnlab lab vanishing --task adding --length 50,100 --cells rnn-tanh,rnn-relu-identity,lstm,gru

  rnnlab lab vanishing --task order --length 50,100,200 --cells rnn-tanh,lstm --out-dir lab

Cells: each registered cell by its name (`rnnlab cells` lists them), and the variants
{variants}.
Each combination is a stored run (named lab-<task>-T<length>-<cell>, shown as task
lab:<task>). grad@1 and grad@N are log10 ||dL/dh_1|| / ||dL/dh_T|| at the first
gradient probe (step 1, untrained) and the last (step N).

The default command (hidden 64, batch 64, Adam lr 1e-2, clip 1, 1500 steps), measured
2026-11-29 with --threads 1: 46 s of CPU time for the 3 runs (so about 50 s on an idle
core; 79 s wall on 2 cores shared with other work, load average 6):

  cell      val_loss   no-memory  solved  grad@1   grad@1500
  rnn-tanh  0.2204     0.1667     no      -10.57   -11.04
  lstm      0.0002393  0.1667     yes     -10.51   -1.286
  gru       6.007e-05  0.1667     yes     -9.889   -0.7411

All three lose ~10 orders of magnitude of gradient over 50 steps at initialisation;
LSTM and GRU learn to carry it, tanh does not. The former default (lr 1e-3, no clipping,
--clip 0) left the LSTM unsolved at T=50 after 1500 steps; 14000 steps solved T=50 and 100
for LSTM and GRU (13.5 minutes for the second example's 8 runs on 2 cores).

Exit status 1 when a run diverged or failed (after the whole table), else 0.
""".format(variants=", ".join(service.LAB_VARIANTS))


DEFAULTS = service.LAB_DEFAULTS  # one source: rnnlab.service.lab_defaults
GRADIENT_CAPTION = (
    "grad@N: log10 ||dL/dh_1|| / ||dL/dh_T|| of layer 0 at the gradient probe of step N "
    "(the first probe: the untrained network; the last: the trained one)"
)


def fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def _numbers(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(f"expected comma-separated integers, received {text!r}") from None


def _joined(values: tuple) -> str:
    return ",".join(str(value) for value in values)


@app.command("vanishing", epilog=EPILOG)
@handle_errors
def vanishing(
    task: Annotated[str, typer.Option(help="adding | copy | order")] = DEFAULTS.task,
    length: Annotated[
        str, typer.Option(help="Distances to remember T, comma-separated.")
    ] = _joined(DEFAULTS.lengths),
    cells: Annotated[
        str, typer.Option(help="Registered cells or variants (see below), comma-separated.")
    ] = _joined(DEFAULTS.cells),
    clip: Annotated[
        float | None, typer.Option(help="Clip the gradient norm at this value (0: no clipping).")
    ] = DEFAULTS.clip,
    budget_steps: Annotated[
        int, typer.Option(help="Optimiser steps per run.")
    ] = DEFAULTS.budget_steps,
    hidden_size: Annotated[int, typer.Option(help="Hidden units.")] = DEFAULTS.hidden_size,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = DEFAULTS.lr,
    batch_size: Annotated[int, typer.Option(help="Sequences per batch.")] = DEFAULTS.batch_size,
    seed: Annotated[int, typer.Option(help="Seed of data and weights.")] = DEFAULTS.seed,
    threads: Annotated[
        int | None, typer.Option(help="torch CPU threads per run (default: all cores).")
    ] = DEFAULTS.threads,
    out_dir: Annotated[Path, typer.Option(help="Where the gradient-flow PNGs go.")] = Path(
        "lab-vanishing"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """Train each cell at each length on a long-range task and compare with no memory."""

    def announce(name: str, T: int, cell: str) -> None:
        console.print(f"[bold]{name}, T = {T}, {cell}[/bold]")

    options = service.LabOptions(
        task=task,
        lengths=_numbers(length),
        cells=tuple(c.strip() for c in cells.split(",") if c.strip()),
        clip=clip,
        budget_steps=budget_steps,
        hidden_size=hidden_size,
        lr=lr,
        batch_size=batch_size,
        seed=seed,
        threads=threads,
    )
    rows = service.lab_vanishing(
        options, out_dir=out_dir, on_event=ProgressView(console), on_run=announce
    )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    else:
        out = table_console()
        out.print(_table(task, rows))
        out.print(f"gradient-flow figures in {out_dir}/")
    _exit_if_any_failed(rows)


def _ratio_cell(row: dict, which: str) -> str:
    """log10 ||dL/dh_1|| / ||dL/dh_T|| at the first or last probe, as the table shows it."""
    if row[f"grad_underflow_{which}"]:
        return "-inf (dL/dh_1 = 0)"
    return fmt(row[f"log10_grad_ratio_{which}"])


def _header(rows: list[dict], which: str) -> str:
    """grad@STEP when every run probed its first (last) gradient at the same step."""
    steps = {row[f"grad_step_{which}"] for row in rows} - {None}
    return f"grad@{steps.pop()}" if len(steps) == 1 else f"grad@{which}"


def _table(task: str, rows: list[dict]) -> Table:
    """One line per run: final validation against no memory, and how much the gradient
    shrinks over T steps before training (first probe) and after (last probe)."""
    table = Table(
        "T",
        "cell",
        "status",
        "steps",
        rows[0]["metric"],
        "no-memory",
        "ratio",
        "solved",
        _header(rows, "first"),
        _header(rows, "last"),
        title=f"{task}: final validation",
        caption=GRADIENT_CAPTION,
    )
    for row in rows:
        table.add_row(
            str(row["T"]),
            row["cell"],
            row["status"],
            str(row["steps"]),
            fmt(row["final"]),
            fmt(row["baseline"]),
            fmt(row["vs_baseline"]),
            "yes" if row["solved"] else "no",
            _ratio_cell(row, "first"),
            _ratio_cell(row, "last"),
        )
    return table


def _exit_if_any_failed(rows: list[dict]) -> None:
    """Exit 1 (after the whole table) when a run diverged or failed: a script must not take
    the comparison as complete."""
    bad = [row for row in rows if row["status"] in FAILED_STATUSES]
    if bad:
        which = ", ".join(f"T={row['T']} {row['cell']} {row['status']}" for row in bad)
        line = f" {len(bad)} of {len(rows)} runs did not train to the end ({which})"
        console.print(Text.assemble(("error:", "bold red"), line), soft_wrap=True)
        raise typer.Exit(code=1)


ATTENTION = service.ATTENTION_LAB_DEFAULTS  # one source: rnnlab.service.attention_lab_defaults
ATTENTION_EPILOG = """Examples:

  rnnlab lab attention                                   # reverse, L = 5,10,20,40

  rnnlab lab attention --task reverse --length 5,10 --steps 100

  rnnlab lab attention --task sort --length 5,10 --attention none,additive,dot

Each pair is a stored seq2seq run (named lab-attention-<task>-L<length>-<attention>) on
seq2seq:<task>?size=<length> data, evaluated on held-out pairs with greedy decoding.
tok/s: target tokens (<eos> included) per second of training steps.

The default (GRU, hidden 64, batch 64, Adam lr 3e-3, clip 1, 400 steps, 1 thread) is
measured in bench/results.md ("Attention lab"); about 2 minutes of CPU for its 8 runs.
Exit status 1 when a run diverged or failed (after the whole table), else 0.
"""


@app.command("attention", epilog=ATTENTION_EPILOG)
@handle_errors
def attention(
    task: Annotated[str, typer.Option(help="reverse | sort | add | dates")] = ATTENTION.task,
    length: Annotated[
        str, typer.Option(help="Task sizes (source lengths), comma-separated.")
    ] = _joined(ATTENTION.lengths),
    attention: Annotated[
        str, typer.Option(help="Compared: none | additive | dot | general, comma-separated.")
    ] = ",".join(ATTENTION.attentions),
    steps: Annotated[int, typer.Option(help="Optimiser steps per run.")] = ATTENTION.steps,
    cell: Annotated[str, typer.Option(help="Encoder and decoder cell.")] = ATTENTION.cell,
    hidden_size: Annotated[int, typer.Option(help="Hidden units.")] = ATTENTION.hidden_size,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = ATTENTION.lr,
    batch_size: Annotated[int, typer.Option(help="Pairs per batch.")] = ATTENTION.batch_size,
    n_train: Annotated[int, typer.Option(help="Training pairs.")] = ATTENTION.n_train,
    n_val: Annotated[int, typer.Option(help="Held-out pairs.")] = ATTENTION.n_val,
    seed: Annotated[int, typer.Option(help="Seed of data and weights.")] = ATTENTION.seed,
    threads: Annotated[
        int | None, typer.Option(help="torch CPU threads per run (default 1).")
    ] = ATTENTION.threads,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """Train an encoder-decoder with and without attention at each source length, one
    budget, and compare exact match, token accuracy and tokens/s."""
    options = service.AttentionLabOptions(
        task=task,
        lengths=_numbers(length),
        attentions=tuple(a.strip() for a in attention.split(",") if a.strip()),
        steps=steps,
        cell=cell,
        hidden_size=hidden_size,
        lr=lr,
        batch_size=batch_size,
        n_train=n_train,
        n_val=n_val,
        seed=seed,
        threads=threads,
    )

    def announce(L: int, kind: str) -> None:
        console.print(f"[bold]{task}, L = {L}, attention {kind}[/bold]")

    rows = service.lab_attention(options, on_event=ProgressView(console), on_run=announce)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    else:
        table_console().print(_attention_table(task, rows))
    _exit_if_any_failed([{**row, "T": row["L"], "cell": row["attention"]} for row in rows])


def _attention_table(task: str, rows: list[dict]) -> Table:
    table = Table(
        "L",
        "attention",
        "status",
        "steps",
        "exact match",
        "token acc.",
        "tok/s",
        title=f"{task}: held-out pairs, greedy decoding",
    )
    for row in rows:
        speed = row["tokens_per_s"]
        table.add_row(
            str(row["L"]),
            row["attention"],
            row["status"],
            str(row["steps"]),
            fmt(row["exact_match"]),
            fmt(row["token_accuracy"]),
            "" if speed is None else f"{speed:.0f}",
        )
    return table


def register(main: typer.Typer) -> None:
    main.add_typer(app, name="lab")
