"""Every registered cell torch.nn lacks (LN-LSTM, minGRU, minLSTM ...) through train.build:
the generic layer whatever train.kernel says, both engines from the same initial weights
(the cell's own inits, the forget bias on its forget gate), and the on-device probe equal
to the reference engine's (the oracle)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab import cells
from rnnlab.reference.probe import gradient_flow
from rnnlab.torch_engine.cell_layer import CellRecurrent
from rnnlab.train import Trainer, build_learner
from tests.devices import DEVICES
from tests.train.conftest import prepared_for, small_config

GENERIC = [cell.name for cell in cells.all_cells() if cell.torch_native is None]
LAYOUTS = {
    "lm-2-layers-carried": ("language-model", {"num_layers": 2}, True),
    "classify-bidirectional-packed": ("classify", {"num_layers": 2, "bidirectional": True}, False),
}


@pytest.mark.parametrize("kernel", ["nn", "explicit", "auto"])
@pytest.mark.parametrize("name", GENERIC)
def test_a_generic_cell_runs_on_its_own_layer_and_trains(name, kernel):
    config = small_config(
        "language-model",
        model={"cell": name},
        train={"kernel": kernel, "device": "cpu", "max_steps": 3, "probe_every": None},
    )
    prepared = prepared_for(config)
    learner = build_learner(config, prepared)
    assert isinstance(learner.model.rnn, CellRecurrent)
    before = {k: v.detach().clone() for k, v in learner.model.named_parameters()}
    batches = iter(Trainer(learner, prepared, config).batches("train", 0))
    carry = None
    for _ in range(3):
        result = learner.train_step(next(batches), carry)
        carry = result.carry
        assert np.isfinite(result.loss)
    after = dict(learner.model.named_parameters())
    assert any(not after[k].detach().equal(v) for k, v in before.items() if k.startswith("rnn."))


@pytest.mark.parametrize("name", GENERIC)
def test_initial_weights_follow_the_cells_params_on_both_engines(name):
    cell = cells.get(name)
    model = {"cell": name, "init": "orthogonal" if cell.recurrent else "default"}
    if cell.forget_gate:
        model["forget_bias"] = 1.0
    weights = []
    for engine in ("torch", "numpy"):
        config = small_config("forecast", model=model, train={"engine": engine})
        learner = build_learner(config, prepared_for(config), dtype="float64")
        params = learner.model.named_parameters() if engine == "torch" else None
        if params is not None:
            weights.append({k: v.detach().numpy() for k, v in params})
        else:
            weights.append(learner.reference_model().params)
    torch_weights, numpy_weights = weights
    assert torch_weights.keys() == numpy_weights.keys()
    for key, value in torch_weights.items():
        np.testing.assert_array_equal(numpy_weights[key], value)
    H = config.model.hidden_size
    first_bias = next((p.stem for p in cell.params if p.bias), None)
    for param in cell.params:
        value = torch_weights[f"rnn.{param.name(0)}"].copy()
        if param.stem == first_bias and cell.forget_gate:  # forget_bias on the gate's block
            gate = cell.gate_names.index(cell.forget_gate)
            value[gate * H : (gate + 1) * H] -= 1.0
        if param.init == "ones":
            np.testing.assert_array_equal(value, 1.0)
        elif param.init == "zeros":
            np.testing.assert_array_equal(value, 0.0)
        elif param.recurrent:  # orthogonal H x H blocks
            for block in np.split(value, param.rows):
                np.testing.assert_allclose(block @ block.T, np.eye(H), atol=1e-6)
        else:  # U(-1/sqrt(H), 1/sqrt(H))
            assert np.abs(value).max() <= H**-0.5, param.stem


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", GENERIC)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_the_device_probe_equals_the_reference_engine(layout, name, device):
    task, model, carried = LAYOUTS[layout]
    config = small_config(task, model={"cell": name, **model}, train={"device": device})
    prepared = prepared_for(config)
    learner = build_learner(config, prepared, dtype="float64")
    batches = iter(Trainer(learner, prepared, config).batches("train", 0))
    carry = learner.train_step(next(batches), None).carry if carried else None
    batch = next(batches)
    flow, _ = learner.device_probe(batch, carry, step=1)
    arrays = learner.carry_to_arrays(carry)
    state = None if not arrays else ((arrays["h"], arrays["c"]) if "c" in arrays else arrays["h"])
    want, _ = gradient_flow(
        learner.reference_model(), batch.x, batch.y, batch.lengths, state, step=1
    )
    assert [(s["layer"], s["direction"]) for s in flow["series"]] == [
        (s["layer"], s["direction"]) for s in want["series"]
    ]
    for got, expected in zip(flow["series"], want["series"], strict=True):
        np.testing.assert_allclose(got["norms"], expected["norms"], rtol=1e-8, atol=1e-14)
    assert flow["param_norms"].keys() == want["param_norms"].keys()
    for key, norm in want["param_norms"].items():
        assert flow["param_norms"][key] == pytest.approx(norm, rel=1e-8, abs=1e-14), key
    if device == "cpu":  # learner.probe on the CPU: the reference engine's probe
        cpu_flow, _ = learner.probe(batch, carry, step=1)
        np.testing.assert_allclose(cpu_flow["series"][0]["norms"], want["series"][0]["norms"])
