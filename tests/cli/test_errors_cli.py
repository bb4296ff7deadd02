"""How the CLI reports errors: `error: <the error's own text>` on stderr, exit 1, and
user-given text (paths, sentences) shown exactly as given."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnlab import service
from rnnlab.errors import RnnlabError

from .conftest import EXAMPLES, Runs, invoke

SENTIMENT = EXAMPLES / "sentiment.yaml"


def test_the_message_is_the_error_text_on_one_line(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bug: rich wraps the message at the terminal width (80 when piped), so stderr is
    no longer the error's text (DESIGN.md: the views show the same text)."""
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(RnnlabError) as info:
        service.load_config(SENTIMENT, ["model.hidden_size=abc"])
    result = invoke("train", str(SENTIMENT), "--set", "model.hidden_size=abc")
    assert result.exit_code == 1
    assert result.stderr == f"error: {info.value}\n"


def test_square_brackets_in_a_path_are_shown_as_given(home: Path, tmp_path: Path) -> None:
    """Bug: the message is read as rich markup, so "[bold]" in a file name disappears."""
    missing = tmp_path / "reviews[bold].tsv"
    result = invoke("train", str(SENTIMENT), "--set", f"data.path={missing}")
    assert result.exit_code == 1
    assert "error:" in result.stderr
    assert "reviews[bold].tsv" in result.stderr, result.stderr


def test_a_closing_tag_in_a_path_does_not_crash(home: Path, tmp_path: Path) -> None:
    """Bug: "[/b]" in a message raises rich's MarkupError out of the error handler."""
    missing = tmp_path / "data[/b].tsv"
    result = invoke("train", str(SENTIMENT), "--set", f"data.path={missing}")
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1
    assert "data[/b].tsv" in result.stderr


@pytest.mark.parametrize("text", ["a [bold]great[/bold] film", "a [/b] film"])
def test_predict_shows_the_sentence_as_given(runs: Runs, text: str) -> None:
    """Bug: the sentence goes into the rich table as markup: tags vanish or crash."""
    result = invoke("predict", runs.ids["sentiment"], text)
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    assert result.exit_code == 0
    assert text in result.stdout, result.stdout
