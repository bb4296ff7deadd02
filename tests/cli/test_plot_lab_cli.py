"""`rnnlab plot`, `rnnlab runs compare` and `rnnlab lab vanishing` through Typer's runner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from rnnlab import service
from rnnlab.cli.main import app

runner = CliRunner()
SMALL = ["model.hidden_size=8", "embedding.dim=8", "train.max_steps=4", "train.probe_every=2"]


def test_plot_compare_and_lab(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_HOME", str(tmp_path / "home"))
    first = service.train("examples/configs/forecast.yaml", SMALL)["id"]
    second = service.train("examples/configs/forecast.yaml", [*SMALL, "model.cell=lstm"])["id"]
    out = tmp_path / "flow.png"
    result = runner.invoke(app, ["plot", first, "--figure", "gradient-flow", "-o", str(out)])
    assert result.exit_code == 0 and out.read_bytes()[:4] == b"\x89PNG"
    data = json.loads(runner.invoke(app, ["plot", first, "--figure", "curves", "--json"]).stdout)
    assert data["kind"] == "lines"
    missing_out = runner.invoke(app, ["plot", first, "--figure", "curves"])
    assert missing_out.exit_code == 2
    wrong = runner.invoke(app, ["plot", first, "--figure", "confusion", "-o", str(out)])
    assert wrong.exit_code == 1 and "needs a classify run" in wrong.output
    compared = runner.invoke(
        app, ["runs", "compare", first, second, "-o", str(tmp_path / "cmp.png")]
    )
    assert compared.exit_code == 0 and "model.cell" in compared.stdout
    lab = runner.invoke(
        app,
        [
            "lab",
            "vanishing",
            "--task",
            "order",
            "--length",
            "6",
            "--cells",
            "gru",
            "--budget-steps",
            "4",
            "--hidden-size",
            "8",
            "--batch-size",
            "16",
            "--out-dir",
            str(tmp_path / "lab"),
            "--json",
        ],
    )
    assert lab.exit_code == 0, lab.output
    (row,) = json.loads(lab.stdout)
    assert row["metric"] == "val_accuracy" and row["baseline"] == 0.25


def test_help_shows_examples():
    for args in (["plot", "--help"], ["lab", "vanishing", "--help"], ["runs", "compare", "--help"]):
        assert "Example" in runner.invoke(app, args).output
