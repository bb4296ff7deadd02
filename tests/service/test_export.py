"""service.export_run: ONNX, safetensors and TorchScript files of trained runs, and bad input."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import numpy as np
import onnxruntime
import pytest

from rnnlab import service
from rnnlab.errors import ConfigError, DataError, RunNotFound
from rnnlab.predict import Predictor
from rnnlab.service import export as export_module
from rnnlab.service.model_file import model_file_bytes
from rnnlab.store import Store

from .conftest import Trained

README = Path(__file__).parents[2] / "README.md"
TEXTS = ["a warm and funny film", "dull, slow and far too long"]


@pytest.mark.parametrize("name", ["char_lm", "word_lm", "sentiment", "forecast"])
def test_onnx_export_of_each_task_is_checked_and_carries_the_metadata(
    trained: Trained, tmp_path: Path, name: str
) -> None:
    path = tmp_path / f"{name}.onnx"
    result = service.export_run(trained.id(name), "onnx", path, home=trained.home)
    assert result["run"] == trained.id(name)
    assert result["bytes"] == path.stat().st_size
    assert 0 <= result["max_abs_diff"] <= service.MAX_EXPORT_DIFF == 1e-4
    assert len(result["checked"]) >= 3 and {t for t, _ in result["checked"]} >= {1, 17}
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    bundle = service.load_bundle(trained.id(name), trained.home)
    assert meta["format"] == "rnnlab-model" and meta["format_version"] == "1"
    assert json.loads(meta["config"]) == bundle.config.model_dump(mode="json")
    if bundle.vocab is not None:
        assert json.loads(meta["vocab"])["tokens"] == list(bundle.vocab.tokens)
    assert "scaler" in meta if name == "forecast" else "vocab" in meta


def test_onnx_classifier_gives_the_probabilities_of_predict(
    trained: Trained, tmp_path: Path
) -> None:
    run = trained.id("sentiment")
    path = tmp_path / "s.onnx"
    service.export_run(run, "onnx", path, home=trained.home)
    predictor = service.predictor(run, trained.home)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for row in service.classify(run, TEXTS, home=trained.home):
        ids = predictor.bundle.vocab.encode(predictor.tokenizer.tokenize(row["text"]))
        feeds = {"tokens": ids[:, None], "lengths": np.array([len(ids)])}
        for i in session.get_inputs()[2:]:
            feeds[i.name] = np.zeros((i.shape[0], 1, i.shape[2]), np.float32)
        logits = session.run(["logits"], feeds)[0][0].astype(np.float64)
        p = np.exp(logits - logits.max())
        expected = [row["probabilities"][c] for c in predictor.bundle.classes]
        np.testing.assert_allclose(p / p.sum(), expected, atol=1e-5)


@pytest.mark.parametrize("name", ["char_lm", "sentiment", "forecast"])
def test_safetensors_model_file_predicts_as_the_run(
    trained: Trained, tmp_path: Path, name: str
) -> None:
    run = trained.id(name)
    path = tmp_path / "m.safetensors"
    result = service.export_run(run, "safetensors", path, home=trained.home)
    assert result["max_abs_diff"] == 0.0 and result["checked"] == []
    bundle = service.read_model_file(path)
    original = service.load_bundle(run, trained.home)
    assert bundle.config == original.config and bundle.vocab == original.vocab
    assert bundle.classes == original.classes and bundle.scaler == original.scaler
    mine, theirs = Predictor(bundle), Predictor(original)
    if name == "char_lm":
        assert mine.generate("The", 30, seed=1) == theirs.generate("The", 30, seed=1)
    elif name == "sentiment":
        assert mine.classify(TEXTS) == theirs.classify(TEXTS)
    else:
        assert mine.forecast(5) == theirs.forecast(5)


def test_model_file_of_another_version_is_refused(trained: Trained, tmp_path: Path) -> None:
    from safetensors.numpy import load, save

    path = tmp_path / "m.safetensors"
    service.export_run(trained.id("forecast"), "safetensors", path, home=trained.home)
    data = path.read_bytes()
    header = json.loads(data[8 : 8 + int.from_bytes(data[:8], "little")])["__metadata__"]
    path.write_bytes(save(load(data), metadata={**header, "format_version": "2"}))
    with pytest.raises(DataError, match=r"m\.safetensors: metadata 'format_version': expected 1"):
        service.read_model_file(path)


def test_torchscript_export_is_checked(trained: Trained, tmp_path: Path) -> None:
    path = tmp_path / "m.pt"
    result = service.export_run(trained.id("char_lm"), "torchscript", path, home=trained.home)
    assert path.is_file() and 0 <= result["max_abs_diff"] <= 1e-4


def test_unknown_format_is_refused_before_any_work(trained: Trained, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"format: expected one of onnx \| safetensors \| "):
        service.export_run(trained.id("forecast"), "tflite", tmp_path / "m", home=trained.home)
    assert list(tmp_path.iterdir()) == []


def test_output_in_a_missing_folder_is_refused(trained: Trained, tmp_path: Path) -> None:
    target = tmp_path / "nope" / "m.onnx"
    with pytest.raises(ConfigError, match=r"the folder .*nope does not exist"):
        service.export_run(trained.id("forecast"), "onnx", target, home=trained.home)
    assert not (tmp_path / "nope").exists()


def test_unknown_run_is_refused(trained: Trained, tmp_path: Path) -> None:
    with pytest.raises(RunNotFound, match="no-such-run"):
        service.export_run("no-such-run", "onnx", tmp_path / "m.onnx", home=trained.home)
    assert list(tmp_path.iterdir()) == []


def test_run_without_a_checkpoint_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Store(home) as store:
        run = store.create_run("classify", {"task": "classify"}, {}, None, name="empty").id
    with pytest.raises(DataError, match=f"run {run} has no checkpoint yet; train it first"):
        service.export_run(run, "safetensors", tmp_path / "m.safetensors", home=home)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def test_a_refused_check_writes_nothing_and_keeps_the_old_file(
    trained: Trained, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.onnx"
    path.write_bytes(b"previous export")
    monkeypatch.setattr(export_module.graphs, "max_difference", lambda model, run: 0.5)
    with pytest.raises(DataError, match=r"differs from the torch model by 0\.5 .*nothing written"):
        service.export_run(trained.id("sentiment"), "onnx", path, home=trained.home)
    assert path.read_bytes() == b"previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]  # no temporary file left


def test_a_failing_exporter_is_an_error_naming_the_format(
    trained: Trained, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("unsupported operator")

    monkeypatch.setattr(export_module.graphs, "export_torchscript", broken)
    with pytest.raises(DataError, match="torchscript export failed in torch: unsupported"):
        service.export_run(
            trained.id("forecast"), "torchscript", tmp_path / "m.pt", home=trained.home
        )
    assert list(tmp_path.iterdir()) == []


def test_readme_examples_run_on_exported_files(
    trained: Trained, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    for name in ("char_lm", "sentiment"):
        service.export_run(trained.id(name), "onnx", tmp_path / f"{name}.onnx", home=trained.home)
    section = README.read_text(encoding="utf-8").split("## Export")[1].split("\n## ")[0]
    generate, classify = re.findall(r"```python\n(.*?)```", section, re.S)
    monkeypatch.chdir(tmp_path)
    exec(compile(generate, "README generate", "exec"), {})
    assert capsys.readouterr().out.startswith("The ")
    exec(compile(classify, "README classify", "exec"), {})
    printed = ast.literal_eval(capsys.readouterr().out)
    expected = service.classify(
        trained.id("sentiment"), ["A warm and funny film"], home=trained.home
    )
    assert printed == pytest.approx(expected[0]["probabilities"], abs=1e-4)


def test_model_file_bytes_hold_weights_under_state_dict_names(trained: Trained) -> None:
    from safetensors.numpy import load

    bundle = service.load_bundle(trained.id("sentiment"), trained.home)
    arrays = load(model_file_bytes(bundle, "r"))
    assert {"embedding.weight", "rnn.weight_ih_l0", "head.weight"} <= set(arrays)
    assert not any(key.startswith(("model.", "optim.")) for key in arrays)


def test_model_file_reader_names_what_is_wrong(tmp_path: Path) -> None:
    from safetensors.numpy import save

    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"\x00" * 3)
    with pytest.raises(DataError, match=r"garbage\.safetensors: not a safetensors file"):
        service.read_model_file(garbage)
    plain = tmp_path / "plain.safetensors"
    plain.write_bytes(save({"w": np.zeros(2, np.float32)}))
    with pytest.raises(DataError, match=r"plain\.safetensors: metadata 'format': expected 'rnnlab"):
        service.read_model_file(plain)
    with pytest.raises(DataError, match=r"missing\.safetensors: cannot read"):
        service.read_model_file(tmp_path / "missing.safetensors")
