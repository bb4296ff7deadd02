"""A SequenceModel as a file that runs without rnnlab: ONNX and TorchScript.

The exported graph takes and returns the recurrent state, so a caller can decode step by
step (feed one token, keep h_n / c_n, feed the next):

    language-model:  tokens (T, B) int64, h0 [, c0]  ->  logits (T, B, V), h_n [, c_n]
    classify:        tokens (T, B) int64, lengths (B,) int64, h0 [, c0]
                     ->  logits (B, C), h_n [, c_n]
    forecast:        values (T, B, D) float32, h0 [, c0]  ->  forecast (B, horizon), h_n [, c_n]

h0, c0, h_n, c_n: (L*dirs, B, H); c0 / c_n: cells with a cell state (LSTM) only. T and B
are free (dynamic axes). A classifier reads padded tokens with each sequence's length (the
packed path of training, exported as ONNX's sequence_lens).

rnnlab's own GRU/RNN layers (train.kernel: explicit) are exported in nn.GRU / nn.RNN form:
the parameters have the same names and layouts, so the weights load unchanged. A cell
without a torch.nn form (``torch_native`` None: minGRU, LN-LSTM ...) is refused with a
ConfigError naming it (``check_exportable``): tracing its Python time loop would fix T.

ONNX uses torch's TorchScript-based exporter (``dynamo=False``): it works offline with only
the ``onnx`` package and keeps T dynamic for every cell. torch 2.13's ``dynamo=True``
exporter needs ``onnxscript`` and, for a bidirectional stack, bakes the example's T into a
Reshape (the graph fails on any other length), so it is not used.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from rnnlab import cells
from rnnlab.errors import ConfigError
from rnnlab.torch_engine.convert import structure_of
from rnnlab.torch_engine.model import SequenceModel

ONNX_OPSET = 17
# (T, B) of the random inputs an exported file is checked on
CHECK_SHAPES: tuple[tuple[int, int], ...] = ((1, 1), (5, 3), (17, 2), (40, 4))
TORCHSCRIPT_METADATA = "rnnlab.json"  # the extra file of a TorchScript export
RunFile = Callable[[dict[str, np.ndarray]], Sequence[np.ndarray]]


def check_exportable(model: SequenceModel) -> None:
    """ConfigError for a cell without a torch.nn form: tracing its own torch functions
    would bake the example's T (and its Python time loop) into the graph."""
    if model.cell_type.torch_native is None:
        exportable = " | ".join(c.name for c in cells.all_cells() if c.torch_native)
        raise ConfigError(
            f"model.cell: ONNX and TorchScript export need a cell with a torch.nn form "
            f"({exportable}); cell {model.cell} ({model.cell_type.display_name}) has none"
        )


def standard_form(model: SequenceModel) -> SequenceModel:
    """A CPU copy of `model` in eval mode on nn.RNN / nn.LSTM / nn.GRU (same weights)."""
    check_exportable(model)
    task, spec, sizes = structure_of(model)
    twin = SequenceModel(task, spec, **sizes)
    twin.load_state_dict({k: v.detach().cpu() for k, v in model.state_dict().items()})
    return twin.eval()


def state_names(model: SequenceModel) -> tuple[list[str], list[str]]:
    """Names of the state inputs and outputs: h0 / h_n (and c0 / c_n for a cell with a
    cell state)."""
    if model.cell_type.has_cell_state:
        return ["h0", "c0"], ["h_n", "c_n"]
    return ["h0"], ["h_n"]


LENGTH_TASKS = ("classify", "tag")  # tasks whose graph takes the sentences' lengths


def signature(model: SequenceModel) -> dict[str, list[dict[str, Any]]]:
    """The exported graph's inputs and outputs: name, shape (symbols T, B) and dtype."""
    rnn = model.rnn
    dirs = 2 if rnn.bidirectional else 1
    state_shape = [rnn.num_layers * dirs, "B", rnn.hidden_size]
    ins_state, outs_state = state_names(model)
    if model.task == "forecast":
        inputs = [{"name": "values", "shape": ["T", "B", rnn.input_size], "dtype": "float32"}]
        outputs = [{"name": "forecast", "shape": ["B", model.head.out_features]}]
    else:
        inputs = [{"name": "tokens", "shape": ["T", "B"], "dtype": "int64"}]
        logits = ["T", "B"] if model.task in ("language-model", "tag") else ["B"]
        outputs = [{"name": "logits", "shape": [*logits, model.head.out_features]}]
    if model.task in LENGTH_TASKS:
        inputs.append({"name": "lengths", "shape": ["B"], "dtype": "int64"})
    inputs += [{"name": n, "shape": state_shape, "dtype": "float32"} for n in ins_state]
    outputs += [{"name": n, "shape": state_shape} for n in outs_state]
    for output in outputs:
        output["dtype"] = "float32"
    return {"inputs": inputs, "outputs": outputs}


class _Graph(nn.Module):
    """The model with the state as separate tensors in and out (what an exporter wants)."""

    def __init__(self, model: SequenceModel) -> None:
        super().__init__()
        self.model = model
        self.with_cell_state = model.cell_type.has_cell_state
        self.with_lengths = model.task in LENGTH_TASKS

    def forward(self, x: torch.Tensor, *rest: torch.Tensor) -> tuple[torch.Tensor, ...]:
        lengths = rest[0] if self.with_lengths else None
        states = rest[1:] if self.with_lengths else rest
        state = (states[0], states[1]) if self.with_cell_state else states[0]
        out, state_n = self.model(x, lengths, state)
        return (out, *state_n) if self.with_cell_state else (out, state_n)


def random_inputs(model: SequenceModel, T: int, B: int, seed: int) -> dict[str, np.ndarray]:
    """Inputs of the exported graph, by name: random tokens or values, lengths in 1..T
    (one of them T), and a random state."""
    rng = np.random.default_rng(seed)
    inputs: dict[str, np.ndarray] = {}
    for spec in signature(model)["inputs"]:
        shape = [{"T": T, "B": B}.get(d, d) for d in spec["shape"]]
        if spec["name"] == "tokens":
            inputs["tokens"] = rng.integers(0, model.embedding.num_embeddings, shape)
        elif spec["name"] == "lengths":
            lengths = rng.integers(1, T + 1, B)
            lengths[rng.integers(B)] = T
            inputs["lengths"] = lengths
        else:
            inputs[spec["name"]] = rng.standard_normal(shape).astype(np.float32) * 0.5
    return inputs


@torch.no_grad()
def torch_outputs(model: SequenceModel, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    """What the torch model computes on the graph's inputs (in the graph's output order)."""
    tensors = [torch.from_numpy(np.ascontiguousarray(v)) for v in inputs.values()]
    return [t.numpy() for t in _Graph(model)(*tensors)]


def max_difference(model: SequenceModel, run_file: RunFile, seed: int = 0) -> float:
    """Largest |file - torch| over every output, on random inputs of each CHECK_SHAPES."""
    largest = 0.0
    for number, (T, B) in enumerate(CHECK_SHAPES):
        inputs = random_inputs(model, T, B, seed + number)
        expected = torch_outputs(model, inputs)
        received = run_file(inputs)
        for want, got in zip(expected, received, strict=True):
            largest = max(largest, float(np.max(np.abs(np.asarray(got) - want))))
    return largest


def _example(model: SequenceModel) -> tuple[torch.Tensor, ...]:
    return tuple(torch.from_numpy(v) for v in random_inputs(model, 3, 2, seed=0).values())


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """torch's exporters warn about their own deprecation and about traced Python ifs
    (the model's branches depend on its structure, never on tensor values)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def export_onnx(
    model: SequenceModel, path: str | Path, metadata: dict[str, str] | None = None
) -> None:
    """Write `model` (any SequenceModel; exported in standard form) as an ONNX file, with
    `metadata` as the model's metadata_props (onnxruntime: custom_metadata_map)."""
    model = standard_form(model)
    spec = signature(model)
    dynamic: dict[str, dict[int, str]] = {}
    for entry in spec["inputs"] + spec["outputs"]:
        dynamic[entry["name"]] = {i: d for i, d in enumerate(entry["shape"]) if d in ("T", "B")}
    with _quiet():
        torch.onnx.export(
            _Graph(model),
            _example(model),
            str(path),
            input_names=[e["name"] for e in spec["inputs"]],
            output_names=[e["name"] for e in spec["outputs"]],
            dynamic_axes=dynamic,
            opset_version=ONNX_OPSET,
            dynamo=False,
        )
    if metadata:
        import onnx

        proto = onnx.load(str(path))
        onnx.helper.set_model_props(proto, metadata)
        onnx.save(proto, str(path))


def onnx_runner(path: str | Path) -> RunFile:
    """Run an ONNX file with onnxruntime on the CPU: inputs by name -> outputs in order."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return lambda inputs: session.run(None, inputs)


def export_torchscript(
    model: SequenceModel, path: str | Path, metadata: dict[str, str] | None = None
) -> None:
    """Write `model` as a traced TorchScript module (torch.jit.load reads it), taking the
    inputs of ``signature`` positionally; `metadata` goes in as the extra file
    ``rnnlab.json`` (one JSON object)."""
    model = standard_form(model)
    extra = {TORCHSCRIPT_METADATA: json.dumps(metadata or {}, ensure_ascii=False)}
    with _quiet():
        traced = torch.jit.trace(_Graph(model), _example(model), check_trace=False)
        torch.jit.save(traced, str(path), _extra_files=extra)


def torchscript_runner(path: str | Path) -> RunFile:
    """Run a TorchScript file saved by export_torchscript: inputs by name -> outputs."""
    with _quiet():
        module = torch.jit.load(str(path), map_location="cpu")

    @torch.no_grad()
    def run(inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
        tensors = [torch.from_numpy(np.ascontiguousarray(v)) for v in inputs.values()]
        return [t.numpy() for t in module(*tensors)]

    return run
