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
    assert (row["grad_step_first"], row["grad_step_last"]) == (1, 4)
    assert row["log10_grad_ratio_first"] is not None and row["log10_grad_ratio_last"] is not None
    listed = runner.invoke(app, ["runs", "list"])
    assert "lab:order" in listed.stdout and "forecast" in listed.stdout, listed.output
    shown = runner.invoke(app, ["runs", "show", "lab-order-T6-gru"])
    assert "lab:order" in shown.output and "classify" not in shown.output
    only_lab = json.loads(runner.invoke(app, ["runs", "list", "--task", "lab", "--json"]).stdout)
    assert [run["task_label"] for run in only_lab] == ["lab:order"]


def _lab_row(cell: str, first: float | None, last: float, underflow: bool) -> dict:
    return {
        "T": 50, "cell": cell, "status": "finished", "steps": 1500, "metric": "val_loss",
        "final": 0.01, "baseline": 0.17, "vs_baseline": 0.06, "solved": True,
        "log10_grad_ratio_first": first, "grad_underflow_first": underflow, "grad_step_first": 1,
        "log10_grad_ratio_last": last, "grad_underflow_last": False, "grad_step_last": 1500,
    }  # fmt: skip


def test_the_lab_table_shows_the_gradient_ratio_at_the_first_and_last_probe(tmp_path, monkeypatch):
    rows = [_lab_row("lstm", -10.51, -1.29, False), _lab_row("rnn-tanh", None, -7.25, True)]
    monkeypatch.setattr(service, "lab_vanishing", lambda *args, **kwargs: rows)
    result = runner.invoke(app, ["lab", "vanishing", "--out-dir", str(tmp_path / "lab")])
    assert result.exit_code == 0, result.output
    assert "grad@1 " in result.stdout and "grad@1500" in result.stdout
    lstm = next(line for line in result.stdout.splitlines() if "lstm" in line)
    assert "-10.51" in lstm and "-1.29" in lstm
    tanh = next(line for line in result.stdout.splitlines() if "rnn-tanh" in line)
    assert "-inf (dL/dh_1 = 0)" in tanh and "-7.25" in tanh
    assert "the untrained network" in " ".join(result.stdout.split())


def test_the_lab_command_takes_its_defaults_from_the_service(tmp_path, monkeypatch):
    seen = {}

    def fake_lab(options, **kwargs):
        seen["options"] = options
        return [_lab_row("gru", -6.0, -1.0, False)]

    monkeypatch.setattr(service, "lab_vanishing", fake_lab)
    result = runner.invoke(app, ["lab", "vanishing", "--out-dir", str(tmp_path / "lab")])
    assert result.exit_code == 0, result.output
    assert seen["options"] == service.LAB_DEFAULTS


def test_the_lab_command_passes_its_options_as_one_typed_value(tmp_path, monkeypatch):
    seen = {}

    def fake_lab(options, **kwargs):
        seen["options"] = options
        return [_lab_row("lstm-ln", -6.0, -1.0, False)]

    monkeypatch.setattr(service, "lab_vanishing", fake_lab)
    args = ["lab", "vanishing", "--task", "order", "--length", "5,7", "--cells", "gru, lstm-ln"]
    args += ["--clip", "0", "--seed", "3", "--threads", "1", "--out-dir", str(tmp_path / "lab")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert seen["options"] == service.LabOptions(
        task="order", lengths=(5, 7), cells=("gru", "lstm-ln"), clip=0.0, seed=3, threads=1
    )


def test_the_lab_help_lists_the_variants_and_points_to_the_registry():
    text = " ".join(runner.invoke(app, ["lab", "vanishing", "--help"]).output.split())
    assert "rnnlab cells" in text
    for variant in service.LAB_VARIANTS:
        assert variant in text


def test_help_shows_examples():
    for args in (["plot", "--help"], ["lab", "vanishing", "--help"], ["runs", "compare", "--help"]):
        assert "Example" in runner.invoke(app, args).output
