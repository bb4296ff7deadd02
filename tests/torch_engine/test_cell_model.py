"""SequenceModel on a registered cell torch.nn lacks: the same model, stepper, probe and
initial weights as on torch.nn's own module, and refused by export with a clear error.

The test-only cells of ``cell_fixtures`` copy rnn / lstm without their torch.nn form, so
every result here must equal the native cell's on the same weights.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from rnnlab import cells
from rnnlab.errors import ConfigError
from rnnlab.spec.model import ModelSpec
from rnnlab.torch_engine import export as graphs
from rnnlab.torch_engine.cell_layer import CellRecurrent
from rnnlab.torch_engine.model import SequenceModel, initialise
from rnnlab.torch_engine.probe import gradient_flow
from rnnlab.torch_engine.stepping import TokenStepper
from tests.torch_engine.cell_fixtures import NATIVE

T, B, V, H = 6, 3, 9, 5
SCHEMES = {"elman-test": ("default", "orthogonal", "identity"), "lstm-test": ("orthogonal",)}


def _twins(task: str, name: str, **spec):
    """(native model, toy model) of one structure, the toy loaded with the native weights."""
    original, _ = NATIVE[name]
    token_task = task != "forecast"
    sizes = {"input_size": 4 if token_task else 2, "num_outputs": V if token_task else 2}
    sizes["vocab_size"] = V if token_task else None
    native = SequenceModel(task, ModelSpec(cell=original, hidden_size=H, **spec), **sizes)
    toy = SequenceModel(task, ModelSpec(cell=name, hidden_size=H, **spec), **sizes)
    toy.load_state_dict(native.state_dict())
    return native.double().eval(), toy.double().eval()


def _batch(task: str):
    g = torch.Generator().manual_seed(2)
    if task == "forecast":
        return torch.randn(T, B, 2, generator=g, dtype=torch.float64), None, torch.randn(B, 2)
    x = torch.randint(0, V, (T, B), generator=g)
    lengths = torch.tensor([6, 2, 4]) if task == "classify" else None
    y = torch.randint(0, V, (T, B) if task == "language-model" else (B,), generator=g)
    return x, lengths, y


def _loss(task: str):
    if task == "forecast":
        return lambda out, y: F.mse_loss(out, y.to(out.dtype))
    return lambda out, y: F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))


@pytest.mark.parametrize("name", list(NATIVE))
@pytest.mark.parametrize(
    ("task", "spec"),
    [
        ("language-model", {"num_layers": 2}),
        ("classify", {"num_layers": 2, "bidirectional": True}),
        ("forecast", {}),
    ],
)
def test_the_model_and_its_probe_equal_the_native_cells(toy_cells, name, task, spec):
    native, toy = _twins(task, name, **spec)
    assert isinstance(toy.rnn, CellRecurrent) and not isinstance(native.rnn, CellRecurrent)
    x, lengths, y = _batch(task)
    with torch.no_grad():
        want, got = native(x, lengths), toy(x, lengths)
    torch.testing.assert_close(got[0], want[0], rtol=1e-10, atol=1e-10)
    as_tuple = lambda state: state if isinstance(state, tuple) else (state,)  # noqa: E731
    for a, b in zip(as_tuple(got[1]), as_tuple(want[1]), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)
    flow, hist = gradient_flow(toy, x, y, lengths, None, _loss(task))
    want_flow, want_hist = gradient_flow(native, x, y, lengths, None, _loss(task))
    for a, b in zip(flow["series"], want_flow["series"], strict=True):
        assert (a["layer"], a["direction"]) == (b["layer"], b["direction"])
        torch.testing.assert_close(
            torch.tensor(a["norms"]), torch.tensor(b["norms"]), rtol=1e-9, atol=1e-14
        )
    assert flow["param_norms"].keys() == want_flow["param_norms"].keys()
    for key, norm in want_flow["param_norms"].items():
        assert flow["param_norms"][key] == pytest.approx(norm, rel=1e-9), key
    assert hist["grads"].keys() == want_hist["grads"].keys()


@pytest.mark.parametrize("name", list(NATIVE))
def test_stepping_token_by_token_equals_the_native_stepper(toy_cells, name):
    native, toy = _twins("language-model", name, num_layers=2)
    tokens = [3, 1, 4, 1, 5]
    results = []
    for model in (native, toy):
        stepper = TokenStepper(model)
        with torch.inference_mode():
            _, state = model(torch.tensor(tokens[:2])[:, None])
            state = stepper.from_sequence_state(state)
            logits = []
            for token in tokens[2:]:
                out, state = stepper.step(token, state)
                logits.append(out)
        results.append(torch.stack(logits))
    torch.testing.assert_close(results[1], results[0], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", list(NATIVE))
def test_initial_weights_equal_the_native_cells(toy_cells, name):
    for scheme in SCHEMES[name]:
        native, toy = _twins("language-model", name, num_layers=2, init=scheme)
        forget_bias = 1.5 if toy_cells[name].forget_gate else 0.0
        initialise(native, scheme, forget_bias, seed=4)
        initialise(toy, scheme, forget_bias, seed=4)
        for (key, want), (_, got) in zip(
            native.state_dict().items(), toy.state_dict().items(), strict=True
        ):
            assert got.equal(want), (scheme, key)


def test_export_refuses_a_cell_without_a_torch_nn_form(toy_cells, tmp_path):
    _, toy = _twins("language-model", "lstm-test")
    message = r"model.cell: ONNX and TorchScript export need a cell with a torch.nn form \(rnn"
    for export in (graphs.export_onnx, graphs.export_torchscript):
        with pytest.raises(ConfigError, match=message + r".*cell lstm-test \(test copy of lstm\)"):
            export(toy, tmp_path / "m.out")
    assert not list(tmp_path.iterdir())


# Every registered cell without torch.nn's form (minGRU, LN-LSTM ... as they land) runs in
# the torch engine with no edit to it.
GENERIC = [cell.name for cell in cells.all_cells() if cell.torch_native is None]


@pytest.mark.parametrize("name", GENERIC)
def test_every_registered_generic_cell_plugs_in(name):
    spec = ModelSpec(cell=name, hidden_size=H, num_layers=2, bidirectional=True)
    model = SequenceModel("classify", spec, input_size=4, num_outputs=3, vocab_size=V).double()
    initialise(model, "default", 0.0, seed=0)
    x, lengths, _ = _batch("classify")
    out, _ = model(x, lengths)
    out.sum().backward()
    assert out.shape == (B, 3) and torch.isfinite(out).all()
    assert all(p.grad is not None for p in model.rnn.parameters())
    lm = SequenceModel("language-model", spec.model_copy(update={"bidirectional": False}),
                       input_size=4, num_outputs=V, vocab_size=V).double().eval()  # fmt: skip
    stepper, tokens = TokenStepper(lm), [2, 7, 1, 8]
    with torch.inference_mode():
        full, state = lm(torch.tensor(tokens[:1])[:, None])
        state = stepper.from_sequence_state(state)
        for k in range(1, len(tokens)):
            stepped, state = stepper.step(tokens[k], state)
            full, _ = lm(torch.tensor(tokens[: k + 1])[:, None])
            torch.testing.assert_close(stepped, full[-1, 0], rtol=1e-9, atol=1e-9)
