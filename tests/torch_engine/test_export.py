"""ONNX and TorchScript files of SequenceModels: every cell and task, checked with onnxruntime."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime
import pytest
import torch

from rnnlab.spec.model import ModelSpec
from rnnlab.torch_engine import export as graphs
from rnnlab.torch_engine.model import SequenceModel

TASKS = ("language-model", "classify", "forecast")
CELLS = (("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh"))
# (layers, bidirectional); a language model must not be bidirectional
LAYOUTS = {"language-model": ((1, False), (2, False)), "classify": ((1, False), (2, True))}
LAYOUTS["forecast"] = LAYOUTS["classify"]
CASES = [
    (task, cell, nonlinearity, layers, bidirectional)
    for task in TASKS
    for cell, nonlinearity in CELLS
    for layers, bidirectional in LAYOUTS[task]
]


def tiny(task: str, cell: str, nonlinearity: str = "tanh", layers: int = 2, bi: bool = False,
         explicit: bool = False) -> SequenceModel:  # fmt: skip
    torch.manual_seed(0)
    token_task = task != "forecast"
    spec = ModelSpec(
        cell=cell, nonlinearity=nonlinearity, hidden_size=5, num_layers=layers, bidirectional=bi
    )
    return SequenceModel(
        task,
        spec,
        input_size=6 if token_task else 2,
        num_outputs=7 if token_task else 3,
        vocab_size=11 if token_task else None,
        explicit=explicit,
    ).eval()


@pytest.mark.parametrize(("task", "cell", "nonlinearity", "layers", "bi"), CASES)
def test_onnx_equals_torch_on_random_inputs_of_several_lengths(
    tmp_path: Path, task: str, cell: str, nonlinearity: str, layers: int, bi: bool
) -> None:
    model = tiny(task, cell, nonlinearity, layers, bi)
    path = tmp_path / "m.onnx"
    graphs.export_onnx(model, path, {"format_version": "1"})
    assert graphs.max_difference(model, graphs.onnx_runner(path)) <= 1e-5
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    spec = graphs.signature(model)
    assert [i.name for i in session.get_inputs()] == [e["name"] for e in spec["inputs"]]
    assert [o.name for o in session.get_outputs()] == [e["name"] for e in spec["outputs"]]
    assert session.get_inputs()[0].shape[:2] == ["T", "B"]  # dynamic axes
    assert session.get_modelmeta().custom_metadata_map == {"format_version": "1"}


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_explicit_layers_export_in_nn_form_with_the_same_weights(tmp_path: Path, cell: str) -> None:
    model = tiny("classify", cell, layers=2, bi=True, explicit=True)
    assert model.explicit
    path = tmp_path / "m.onnx"
    graphs.export_onnx(model, path)
    assert graphs.max_difference(model, graphs.onnx_runner(path)) <= 1e-5


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_language_model_decodes_step_by_step_through_the_state(tmp_path: Path, cell: str) -> None:
    model = tiny("language-model", cell)
    path = tmp_path / "m.onnx"
    graphs.export_onnx(model, path)
    run = graphs.onnx_runner(path)
    inputs = graphs.random_inputs(model, 6, 2, seed=3)
    whole = run(inputs)
    state = {k: v for k, v in inputs.items() if k != "tokens"}
    for t in range(6):
        logits, *state_n = run({"tokens": inputs["tokens"][t : t + 1], **state})
        np.testing.assert_allclose(logits[0], whole[0][t], atol=1e-5)
        state = dict(zip(state, state_n, strict=True))
    for last, expected in zip(state.values(), whole[1:], strict=True):
        np.testing.assert_allclose(last, expected, atol=1e-5)


def test_classifier_reads_each_sequence_up_to_its_length(tmp_path: Path) -> None:
    model = tiny("classify", "lstm", layers=2, bi=True)
    path = tmp_path / "m.onnx"
    graphs.export_onnx(model, path)
    run = graphs.onnx_runner(path)
    inputs = graphs.random_inputs(model, 8, 3, seed=1)
    inputs["lengths"] = np.array([8, 3, 5])
    padded_otherwise = dict(inputs, tokens=inputs["tokens"].copy())
    padded_otherwise["tokens"][5:, 1:] = 0  # past lengths 3 and 5: other padding
    np.testing.assert_allclose(run(inputs)[0], run(padded_otherwise)[0], atol=1e-6)
    short = {**inputs, "tokens": inputs["tokens"][:3, 1:2], "lengths": np.array([3])}
    short |= {k: inputs[k][:, 1:2] for k in ("h0", "c0")}
    np.testing.assert_allclose(run(short)[0][0], run(inputs)[0][1], atol=1e-5)


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize(("cell", "nonlinearity"), CELLS)
def test_torchscript_equals_torch_for_every_cell(
    tmp_path: Path, task: str, cell: str, nonlinearity: str
) -> None:
    model = tiny(task, cell, nonlinearity, layers=2, bi=task != "language-model")
    path = tmp_path / "m.pt"
    graphs.export_torchscript(model, path, {"format_version": "1"})
    assert graphs.max_difference(model, graphs.torchscript_runner(path)) <= 1e-5
    extra = {graphs.TORCHSCRIPT_METADATA: ""}
    torch.jit.load(str(path), _extra_files=extra)
    assert extra[graphs.TORCHSCRIPT_METADATA] == b'{"format_version": "1"}'


def test_max_difference_sees_a_wrong_file() -> None:
    model = tiny("forecast", "gru")

    def off_by_one_percent(inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
        return [out * 1.01 + 0.01 for out in graphs.torch_outputs(model, inputs)]

    assert graphs.max_difference(model, off_by_one_percent) > 1e-3
