"""User text (run names, class names) reaches the terminal as written, never as markup."""

from __future__ import annotations

from pathlib import Path

from .conftest import EXAMPLES, SMALL, invoke, set_args

NAMED = ['name="[red]mine[/red]"', 'data.label_names=["[neg]", "[pos]"]']


def _train(*overrides: str) -> str:
    result = invoke(
        "train", str(EXAMPLES / "sentiment.yaml"), *set_args([*SMALL["sentiment"], *overrides])
    )
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def test_class_names_and_run_names_print_as_written(home: Path, tmp_path: Path) -> None:
    named = _train(*NAMED)
    other = _train()
    predicted = invoke("predict", named, "a warm and funny film")
    assert predicted.exit_code == 0, predicted.output
    assert "p([neg])" in predicted.stdout and "p([pos])" in predicted.stdout
    compared = invoke("runs", "compare", named, other, "-o", str(tmp_path / "c.png"))
    assert compared.exit_code == 0, compared.output
    flat = "".join(compared.stdout.split())  # a header may wrap inside its column
    assert f"[red]mine[/red]({named})" in flat
