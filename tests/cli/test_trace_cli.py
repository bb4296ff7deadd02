"""`rnnlab trace` through Typer's runner: formats, --random, --save and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from rnnlab import cells, service
from rnnlab.cli.main import app

EXAMPLES = Path(__file__).parents[2] / "examples" / "trace"
runner = CliRunner()


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json"])
def test_trace_prints_each_format(fmt):
    result = runner.invoke(app, ["trace", str(EXAMPLES / "rnn_many_to_one.yaml"), "-f", fmt])
    assert result.exit_code == 0, result.output
    assert "0.4621" in result.output or "0.46211715726000974" in result.output


def test_trace_json_is_parseable_and_complete():
    result = runner.invoke(
        app, ["trace", str(EXAMPLES / "gru_classifier.yaml"), "--format", "json"]
    )
    data = json.loads(result.output)
    assert {"forward", "output", "loss", "backward"} <= set(data)
    assert len(data["forward"]) == 2 and data["backward"]["steps"][0]["t"] == 2


def test_random_network_is_reproducible_and_can_be_saved(tmp_path):
    args = [
        "trace",
        "--random",
        "--cell",
        "lstm",
        "--input-size",
        "3",
        "--hidden-size",
        "2",
        "--steps",
        "4",
        "--seed",
        "0",
        "-f",
        "json",
    ]
    first, second = runner.invoke(app, args), runner.invoke(app, args)
    assert first.exit_code == 0 and first.output == second.output
    data = json.loads(first.output)
    assert data["sizes"] == {"T": 4, "D": 3, "H": 2, "O": 1} and data["cell"] == "lstm"
    saved = tmp_path / "net.yaml"
    result = runner.invoke(app, [*args, "--save", str(saved)])
    assert result.exit_code == 0 and yaml.safe_load(saved.read_text())["cell"] == "lstm"
    again = runner.invoke(app, ["trace", str(saved), "-f", "json"])
    assert json.loads(again.output)["loss"] == data["loss"]


def test_errors_are_one_line_messages_with_exit_code_1(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "cell: rnn\nweights: {W_xh: [[1]], W_hh: [[1, 2]], W_hy: [[1]]}\n"
        "inputs: [[1]]\noutput: linear\n"
    )
    result = runner.invoke(app, ["trace", str(bad)])
    assert result.exit_code == 1
    assert "error:" in result.output and "weights.W_hh: expected shape (1, 1)" in result.output
    assert "Traceback" not in result.output


def test_file_and_random_are_exclusive():
    assert runner.invoke(app, ["trace"]).exit_code == 2
    both = runner.invoke(app, ["trace", str(EXAMPLES / "gru_classifier.yaml"), "--random"])
    assert both.exit_code == 2


def test_random_sizes_are_bounded():
    result = runner.invoke(app, ["trace", "--random", "--hidden-size", "100"])
    assert result.exit_code == 1 and "hidden_size: expected 1..16" in result.output


def test_help_shows_examples_and_version():
    assert "rnnlab trace --random --cell lstm" in runner.invoke(app, ["trace", "--help"]).output
    assert runner.invoke(app, ["--version"]).output.startswith("rnnlab 0.1.0")


@pytest.mark.parametrize("cell", cells.names())
def test_random_traces_every_registered_cell(cell):
    result = runner.invoke(app, ["trace", "--random", "--cell", cell, "--steps", "2", "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["cell"] == cell and len(data["backward"]["steps"]) == 2


def test_random_names_the_registered_cells_for_an_unknown_one():
    result = runner.invoke(app, ["trace", "--random", "--cell", "transformer"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    expected = f"cell: expected one of {' | '.join(cells.names())}, received 'transformer'"
    assert expected in result.output


def test_random_without_options_is_the_calculators_default_network() -> None:
    out = CliRunner().invoke(app, ["trace", "--random", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == service.trace_result(service.random_trace())
