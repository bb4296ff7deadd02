"""`rnnlab embed`: build, inspect and plot word-embedding matrices."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from rnnlab import service
from rnnlab.cli.common import handle_errors

app = typer.Typer(help="Build, inspect and plot word-embedding matrices.", no_args_is_help=True)
console = Console()
Emb = Annotated[
    Path,
    typer.Argument(
        help="Embedding file: .txt/.vec (GloVe/word2vec text), "
        ".bin (word2vec binary) or .npy (+ .vocab.json)."
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command(
    "build",
    epilog="Examples:\n\n  rnnlab embed build --corpus text.txt --method "
    "ppmi-svd --dim 64 --window 5 --min-count 2 -o emb.txt\n\n  rnnlab embed build "
    "--corpus text.txt --method word2vec --dim 100 -o emb.bin\n\n  rnnlab embed build "
    "--corpus text.txt --method orthogonal --dim 32 -o emb.npy",
)
@handle_errors
def build(
    method: Annotated[
        str,
        typer.Option(
            help="onehot | random | normal | uniform | xavier | orthogonal | ppmi-svd | word2vec"
        ),
    ],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output file (.txt, .vec, .bin, .npy).")],
    corpus: Annotated[Path | None, typer.Option(help="Text, one sentence per line.")] = None,
    dim: Annotated[int | None, typer.Option(help="Dimension d.")] = None,
    window: Annotated[int, typer.Option(help="Context window (ppmi-svd, word2vec).")] = 5,
    min_count: Annotated[int, typer.Option(help="Ignore rarer words.")] = 1,
    seed: Annotated[int, typer.Option(help="Seed.")] = 0,
    tokenizer: Annotated[str, typer.Option(help="word | char")] = "word",
    lowercase: Annotated[bool, typer.Option(help="Lowercase the corpus.")] = True,
    as_json: AsJson = False,
) -> None:
    """Make an embedding matrix E (V x d) by a recipe, learnt from a corpus where it needs one."""
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    err = Console(stderr=True)  # a bar only on a terminal: piped stderr stays the messages
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("embedding", total=1.0)

        def report(stage: str, fraction: float) -> None:
            progress.update(task, description=stage, completed=fraction)

        result = service.embed_build(
            method, out, corpus, dim, window, min_count, seed, tokenizer, lowercase, report
        )
    _print(result, as_json)


@app.command("info", epilog="Example: rnnlab embed info emb.txt")
@handle_errors
def info(emb: Emb, as_json: AsJson = False) -> None:
    """Size, recipe and norms of an embedding."""
    _print(service.embed_info(emb), as_json)


@app.command("neighbours", epilog="Example: rnnlab embed neighbours emb.txt king -k 10")
@handle_errors
def neighbours(
    emb: Emb,
    word: Annotated[str, typer.Argument(help="A word of the embedding.")],
    k: Annotated[int, typer.Option("-k", help="How many.")] = 10,
    as_json: AsJson = False,
) -> None:
    """The k nearest words by cosine similarity."""
    _print_words(service.embed_neighbours(emb, word, k), as_json)


@app.command("analogy", epilog="Example: rnnlab embed analogy emb.txt king man woman")
@handle_errors
def analogy(
    emb: Emb,
    a: str,
    b: str,
    c: str,
    k: Annotated[int, typer.Option("-k", help="How many.")] = 5,
    as_json: AsJson = False,
) -> None:
    """Words closest to a - b + c (king - man + woman = queen, on a good embedding)."""
    _print_words(service.embed_analogy(emb, a, b, c, k), as_json)


@app.command(
    "plot",
    epilog="Example: rnnlab embed plot emb.txt -o map.png --words king,queen,man,woman",
)
@handle_errors
def plot(
    emb: Emb,
    out: Annotated[Path, typer.Option("-o", "--out", help="PNG file to write.")],
    words: Annotated[
        list[str] | None,
        typer.Option(
            "--words",
            help="Words to highlight on the map: a comma list (king,queen) or repeated --words.",
        ),
    ] = None,
    method: Annotated[str, typer.Option(help="pca | tsne (needs scikit-learn)")] = "pca",
    max_words: Annotated[int, typer.Option(help="The most frequent words placed.")] = 200,
) -> None:
    """A 2-D map of the embedding's most frequent words, as a PNG, --words highlighted."""
    typer.echo(f"wrote {service.embed_plot(emb, out, words, method, max_words)}")


@app.command(
    "coverage", epilog="Example: rnnlab embed coverage glove.6B.50d.txt --data reviews.txt"
)
@handle_errors
def coverage(
    emb: Emb,
    data: Annotated[Path, typer.Option(help="A text file or a vocab.json.")],
    tokenizer: Annotated[str, typer.Option(help="word | char")] = "word",
    lowercase: Annotated[bool, typer.Option(help="Lowercase the text.")] = True,
    as_json: AsJson = False,
) -> None:
    """How much of a data set's vocabulary the embedding covers."""
    _print(service.embed_coverage(emb, data, tokenizer, lowercase), as_json)


def _print(result: dict, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    for key, value in result.items():
        console.print(Text(f"{key}: {value}"))


def _print_words(rows: list[dict], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table("word", "cosine")
    for row in rows:
        table.add_row(Text(row["word"]), f"{row['cosine']:.4f}")
    console.print(table)


def register(main: typer.Typer) -> None:
    main.add_typer(app, name="embed")
