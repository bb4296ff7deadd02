"""Text output keeps every formula whole: brackets are text, never console markup."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from rnnlab.cli.main import app
from rnnlab.trace import compute_trace, read_trace_file
from rnnlab.trace.equations import document
from rnnlab.trace.render import render_text

EXAMPLES = sorted((Path(__file__).parents[2] / "examples" / "trace").glob("*.*"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_text_shows_every_formula_and_note_of_the_markdown_whole(example: Path):
    result = compute_trace(read_trace_file(example))
    text = render_text(result, width=2000)
    for section in document(result):
        assert section.title in text
        if section.note:
            assert section.note.replace("`", "") in text
        for eq in section.equations:
            assert eq.lhs in text
            assert eq.symbolic in text, f"{example.name}: {eq.lhs} rule {eq.symbolic!r} lost"


def test_text_keeps_a_title_with_brackets_as_written():
    result = compute_trace(read_trace_file(EXAMPLES[0].parent / "rnn_many_to_one.yaml"))
    result["title"] = "[bold]my[/bold] net [x]"
    assert "[bold]my[/bold] net [x]" in render_text(result)


def test_cli_trace_prints_the_whole_cross_entropy_formula():
    out = CliRunner().invoke(app, ["trace", "examples/trace/rnn_many_to_one.yaml"])
    assert out.exit_code == 0, out.output
    assert "L = -Σ_k [y_k log ŷ_k + (1 - y_k) log(1 - ŷ_k)], summed over outputs" in out.output
