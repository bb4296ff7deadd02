"""`rnnlab embed ...` through Typer's runner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from rnnlab.cli.main import app

runner = CliRunner()
GROUP_A = ["cat", "dog", "horse", "cow"]
GROUP_B = ["red", "blue", "green", "pink"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    lines = []
    for i in range(300):
        group = GROUP_A if i % 2 else GROUP_B
        lines.append(" ".join(group[(i + k) % 4] for k in range(6)))
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def embedding(corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("emb") / "emb.txt"
    result = runner.invoke(
        app,
        [
            "embed",
            "build",
            "--corpus",
            str(corpus),
            "--method",
            "ppmi-svd",
            "--dim",
            "4",
            "--window",
            "2",
            "-o",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["d"] == 4
    return out


def test_info_neighbours_and_analogy(embedding):
    info = json.loads(runner.invoke(app, ["embed", "info", str(embedding), "--json"]).stdout)
    assert info["V"] == 10 and info["d"] == 4  # 8 words + <pad>, <unk>
    rows = json.loads(
        runner.invoke(
            app, ["embed", "neighbours", str(embedding), "cat", "-k", "3", "--json"]
        ).stdout
    )
    assert {row["word"] for row in rows} <= set(GROUP_A)
    table = runner.invoke(app, ["embed", "neighbours", str(embedding), "cat"])
    assert table.exit_code == 0 and "cosine" in table.stdout
    result = runner.invoke(app, ["embed", "analogy", str(embedding), "cat", "dog", "red", "--json"])
    assert result.exit_code == 0 and len(json.loads(result.stdout)) == 5


def test_plot_writes_a_png(embedding, tmp_path):
    out = tmp_path / "map.png"
    result = runner.invoke(
        app,
        [
            "embed",
            "plot",
            str(embedding),
            "-o",
            str(out),
            "--words",
            "cat",
            "--words",
            "dog",
            "--words",
            "red",
        ],
    )
    assert result.exit_code == 0 and out.read_bytes()[:4] == b"\x89PNG"


def test_coverage_of_a_text(embedding, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("cat dog zebra\n")
    report = json.loads(
        runner.invoke(
            app, ["embed", "coverage", str(embedding), "--data", str(text), "--json"]
        ).stdout
    )
    assert report["found"] == 2 and report["missing"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "ppmi-svd", "--dim", "4"], "learns from a corpus"),
        (["--method", "fasttext", "--dim", "4"], "method"),
    ],
)
def test_build_errors(tmp_path, args, message):
    result = runner.invoke(app, ["embed", "build", *args, "-o", str(tmp_path / "e.txt")])
    assert result.exit_code == 1 and message in result.output


def test_unknown_word_and_missing_file(embedding, tmp_path):
    result = runner.invoke(app, ["embed", "neighbours", str(embedding), "zebra"])
    assert result.exit_code == 1 and "zebra" in result.output
    result = runner.invoke(app, ["embed", "info", str(tmp_path / "none.txt")])
    assert result.exit_code == 1 and "none.txt" in result.output


def test_every_embed_command_shows_an_example():
    for command in ["build", "info", "neighbours", "analogy", "plot", "coverage"]:
        assert "Example" in runner.invoke(app, ["embed", command, "--help"]).output
