"""`rnnlab predict | generate | forecast`: use a trained model."""

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
from rnnlab.cli.common import handle_errors
from rnnlab.errors import ConfigError

console = Console()
Run = Annotated[str, typer.Argument(help="Run id, unique prefix or name.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@handle_errors
def predict(
    run: Run,
    texts: Annotated[
        list[str] | None, typer.Argument(help="Sentences to classify or tag.", show_default=False)
    ] = None,
    labelled: Annotated[
        Path | None,
        typer.Option(
            "--file",
            help="Tag runs: score the tagger on this labelled file (conll, tsv, or punctuated "
            "text for a punctuation run) instead of tagging TEXTS.",
        ),
    ] = None,
    as_json: AsJson = False,
    beam: Annotated[
        int, typer.Option("--beam", help="seq2seq: beam size (1: greedy decoding).")
    ] = 1,
    max_len: Annotated[
        int | None,
        typer.Option(
            "--max-len", help="seq2seq: most output tokens (default: data.max_target_len + 1)."
        ),
    ] = None,
) -> None:
    """Classify sentences (label and class probabilities), tag them with a tagger (each
    token with its tag; a punctuation run prints the text with the marks put back), or
    translate them with a seq2seq run (one output per line; --json adds the tokens and the
    attention matrix, output tokens x source tokens)."""
    if labelled is not None:
        print_tag_scores(service.evaluate_tagged(run, labelled), as_json)
        return
    if not texts:
        raise ConfigError("texts: expected at least one text to classify or tag, received none")
    task = service.run_task(run)
    if task == "tag":
        print_tags(service.tag_text(run, texts), as_json)
        return
    if task == "seq2seq":
        print_translations(service.translate(run, texts, beam, max_len), as_json)
        return
    results = service.classify(run, texts)
    if as_json:
        typer.echo(json.dumps(results, indent=2))
        return
    classes = list(results[0]["probabilities"])
    table = Table("text", "label", *[escape(f"p({c})") for c in classes])  # names: not markup
    for row in results:
        table.add_row(
            Text(row["text"]),
            Text(row["label"]),
            *[f"{row['probabilities'][c]:.3f}" for c in classes],
        )
    console.print(table)


def print_tags(result: dict, as_json: bool) -> None:
    """A tagger's result: JSON, or per text its punctuated text (punctuation runs) or
    its sentences as token/TAG pairs, one sentence per line."""
    for warning in result["warnings"]:
        Console(stderr=True).print(Text(f"warning: {warning}", style="yellow"))
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    for item in result["results"]:
        if item["punctuated"] is not None:
            typer.echo(item["punctuated"])
            continue
        for sentence in item["sentences"]:
            pairs = zip(sentence["tokens"], sentence["tags"], strict=True)
            typer.echo(" ".join(f"{token}/{tag}" for token, tag in pairs))


def print_tag_scores(report: dict, as_json: bool) -> None:
    """A tagger's scores on a labelled file: JSON, or accuracy, F1s and a row per tag."""
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    typer.echo(
        f"{report['sentences']} sentences, {report['tokens']} tokens: accuracy "
        f"{report['accuracy']:.4f}, macro F1 {report['macro']['f1']:.4f}, micro F1 "
        f"{report['micro']['f1']:.4f} (over the tags but O)"
        + (f", span F1 {report['spans']['overall']['f1']:.4f}" if "spans" in report else "")
    )
    for tag, s in report["per_tag"].items():
        typer.echo(
            f"{tag}\tP {s['precision']:.3f}\tR {s['recall']:.3f}\tF1 {s['f1']:.3f}"
            f"\tcount {s['support']}"
        )


def print_translations(results: list[dict], as_json: bool) -> None:
    """A seq2seq run's outputs: JSON, or one output per line (unknown tokens warned)."""
    for number, item in enumerate(results, start=1):
        if item["unknown_tokens"]:
            listed = ", ".join(repr(t) for t in item["unknown_tokens"])
            line = f"warning: source {number}: not in the vocabulary, read as <unk>: {listed}"
            Console(stderr=True).print(Text(line, style="yellow"))
    if as_json:
        typer.echo(json.dumps(results, indent=2, ensure_ascii=False))
        return
    for item in results:
        typer.echo(item["output"])


@handle_errors
def generate(
    run: Run,
    prompt: Annotated[str, typer.Option(help="Text to start from.")] = "",
    length: Annotated[int, typer.Option(help="Tokens to generate (at most).")] = 200,
    temperature: Annotated[
        float, typer.Option(help="0 = greedy (same as --greedy); higher = more random.")
    ] = 1.0,
    greedy: Annotated[
        bool, typer.Option("--greedy", help="Always the likeliest token: --temperature 0.")
    ] = False,
    top_k: Annotated[int | None, typer.Option(help="Sample among the k likeliest.")] = None,
    top_p: Annotated[float | None, typer.Option(help="Nucleus: smallest set with mass p.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for reproducible sampling.")] = None,
    n: Annotated[int, typer.Option("--n", help="Samples, generated together in one batch.")] = 1,
    stop_at_eos: Annotated[
        bool | None,
        typer.Option(
            "--stop-at-eos/--no-stop-at-eos",
            help="End a sample at the end of a line (<eos>; a line break for char models). "
            "Default: on for word models, off for char models.",
            show_default=False,
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Generate text from a trained language model, carrying its hidden state."""
    if greedy and temperature not in (0.0, 1.0):
        raise typer.BadParameter("--greedy is --temperature 0; give one or the other")
    temperature = 0.0 if greedy else temperature
    result = service.generate(
        run, prompt, length, temperature, top_k, top_p, seed, n=n, stop_at_eos=stop_at_eos
    )
    for warning in result["warnings"]:
        Console(stderr=True).print(Text(f"warning: {warning}", style="yellow"))
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    elif n == 1:
        typer.echo(result["full_text"])
    else:
        for number, sample in enumerate(result["samples"], start=1):
            typer.echo(f"--- sample {number}\n{sample['full_text']}")


@handle_errors
def forecast(
    run: Run,
    steps: Annotated[int, typer.Option(help="Values to forecast.")] = 12,
    input_csv: Annotated[
        Path | None, typer.Option("--input", help="Forecast after these values (CSV/TSV) instead.")
    ] = None,
    column: Annotated[str | None, typer.Option(help="Column of --input (default: last).")] = None,
    as_json: AsJson = False,
) -> None:
    """Forecast the next values of a series with a trained forecaster."""
    result = service.forecast(run, steps, input_csv, column)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    for step, value in enumerate(result["forecast"], start=1):
        typer.echo(f"+{step}\t{value:.4f}")


def register(app: typer.Typer) -> None:
    app.command("predict", epilog='Example: rnnlab predict RUN "a fine film" "dull and slow"')(
        predict
    )
    app.command(
        "generate",
        epilog="Example: rnnlab generate RUN --prompt 'The ' --length 300 "
        "--temperature 0.8 --top-k 20 --seed 1 --n 3",
    )(generate)
    app.command("forecast", epilog="Example: rnnlab forecast RUN --steps 24")(forecast)
