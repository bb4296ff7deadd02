"""`rnnlab export`: the check it prints, --json, and each bad input as one error line."""

from __future__ import annotations

import json
from pathlib import Path

import onnxruntime

from rnnlab import service

from .conftest import Runs, invoke


def test_export_onnx_prints_the_check(runs: Runs, tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    result = invoke("export", runs.ids["char_lm"], "--format", "onnx", "-o", str(path))
    assert result.exit_code == 0, result.output
    assert f"wrote {path} (onnx, " in result.stdout
    assert "T=1 B=1" in result.stdout and "T=40 B=4" in result.stdout
    diff = float(result.stdout.split("max abs diff ")[1].split()[0])
    assert 0 <= diff <= 1e-4
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["tokens", "h0", "c0"]  # char_lm: LSTM


def test_export_json(runs: Runs, tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    args = ("export", runs.ids["forecast"], "-f", "safetensors", "-o", str(path), "--json")
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["run"] == runs.ids["forecast"] and report["path"] == str(path)
    assert report["bytes"] == path.stat().st_size and report["max_abs_diff"] == 0.0
    assert service.read_model_file(path).config.task == "forecast"


def test_export_torchscript(runs: Runs, tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    result = invoke("export", runs.ids["sentiment"], "-f", "torchscript", "-o", str(path))
    assert result.exit_code == 0, result.output
    assert "(torchscript, " in result.stdout and path.is_file()


def test_unknown_format_is_one_error_line(runs: Runs, tmp_path: Path) -> None:
    result = invoke("export", runs.ids["forecast"], "-f", "keras", "-o", str(tmp_path / "m"))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: format: expected one of onnx | safetensors | torchscript, received 'keras'"
    )
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_is_an_error(runs: Runs, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "m.onnx"
    result = invoke("export", runs.ids["forecast"], "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {target}: the folder {target.parent} does not exist")
    assert not target.parent.exists()


def test_unknown_run_is_an_error(home: Path, tmp_path: Path) -> None:
    result = invoke("export", "nosuchrun", "-o", str(tmp_path / "m.onnx"))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "nosuchrun" in result.stderr
    assert "Traceback" not in result.output


def test_output_option_is_required(runs: Runs) -> None:
    result = invoke("export", runs.ids["forecast"])
    assert result.exit_code == 2
    assert "--output" in result.output


def test_help_has_examples() -> None:
    result = invoke("export", "--help")
    assert result.exit_code == 0
    assert "rnnlab export RUN --format onnx -o model.onnx" in " ".join(result.stdout.split())


def test_run_without_a_checkpoint_is_an_error(home: Path, tmp_path: Path) -> None:
    from rnnlab.store import Store

    with Store(home) as store:
        run = store.create_run("classify", {"task": "classify"}, {}, None, name="empty").id
    result = invoke("export", "empty", "-o", str(tmp_path / "m.onnx"))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: run {run} has no checkpoint yet; train it first"
    assert not (tmp_path / "m.onnx").exists()
