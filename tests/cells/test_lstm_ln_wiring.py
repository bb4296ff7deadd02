"""lstm-ln through the rest of rnnlab: the calculator, both training engines, the probes,
generation. The cell's own maths is checked in test_lstm_ln.py (whose independent torch
writing of the paper, ``paper_sequence``, is the calculator's oracle here)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnlab.trace import compute_trace, read_trace_file, render
from rnnlab.trace.spec import network_weights
from tests.cells.test_lstm_ln import CELL, EXAMPLE, paper_sequence
from tests.train.conftest import learners_on_both_engines, prepared_for, small_config


def test_the_calculator_example_equals_torch_autograd():
    spec = read_trace_file(EXAMPLE)
    assert spec.cell == "lstm-ln"
    result, net = compute_trace(spec), network_weights(spec)
    w = {
        k.removesuffix("_l0"): torch.tensor(v, requires_grad=True) for k, v in net.recurrent.items()
    }
    W_hy, b_y = (torch.tensor(net.head[k], requires_grad=True) for k in ("weight", "bias"))
    x = torch.tensor(np.array(spec.inputs)[:, None, :], requires_grad=True)  # (T, 1, D)
    h0 = torch.tensor(np.array([spec.h0]), requires_grad=True)  # (1, H)
    c0 = torch.zeros_like(h0, requires_grad=True)
    hs, _, _ = paper_sequence(x, None, w, h0, c0)
    loss = (
        0.5 * ((hs[:, 0] @ W_hy.T + b_y - torch.tensor(np.array(spec.target))[:, None]) ** 2).sum()
    )
    loss.backward()
    for step, h in zip(result["forward"], hs[:, 0], strict=True):
        np.testing.assert_allclose(step["h"], h.detach().numpy(), atol=1e-12)
    assert result["loss"] == pytest.approx(loss.item(), abs=1e-12)
    grads = result["backward"]["grads"]
    symbols = {p.stem: p.symbol for p in CELL.params}
    for stem, tensor in w.items():
        np.testing.assert_allclose(grads[symbols[stem]], tensor.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(result["backward"]["dx"], x.grad[:, 0].numpy(), atol=1e-12)
    np.testing.assert_allclose(result["backward"]["dh0"], h0.grad[0].numpy(), atol=1e-12)
    np.testing.assert_allclose(result["backward"]["dc0"], c0.grad[0].numpy(), atol=1e-12)


def test_the_calculator_shows_the_norms_and_their_gradients():
    result = compute_trace(read_trace_file(EXAMPLE))
    text = render(result, "markdown", 4)
    for rule in (
        "N(u_1) = (u_1 - mean(u_1)) / sqrt(var(u_1) + 1e-5)",
        "z_1 = gamma_x ⊙ N(u_1) + gamma_h ⊙ N(v_1) + b",
        "h_1 = o_1 ⊙ tanh(gamma_c ⊙ N(c_1) + beta_c)",
        "∂L/∂h_2 = W_hyᵀ ∂L/∂o_2 + W_hhᵀ δʰ_3",
        "∂L/∂gamma_c = Σ_t ∂L/∂n_t ⊙ N(c_t)",
        "∂L/∂c_0 = ∂L/∂c_1 ⊙ f_1",
        "∂L/∂W_xh = Σ_t δ^x_t x_tᵀ",
    ):
        assert rule in text
    assert render(result, "latex", 4).isascii()  # every symbol translated for LaTeX


def _learners(task: str, with_data: bool = False, **train):
    model = {"cell": "lstm-ln", "num_layers": 2, "forget_bias": 1.0}
    config = small_config(task, model={**model, "bidirectional": task == "classify"}, train=train)
    prepared = prepared_for(config)
    learners, batch = learners_on_both_engines(config, prepared)
    return (learners, batch, prepared) if with_data else (learners, batch)


@pytest.mark.parametrize("task", ["classify", "language-model"])
def test_both_engines_give_the_same_first_step_gradients(task):
    (torch_learner, numpy_learner), batch = _learners(task)
    weights = torch_learner.model_arrays()
    assert set(weights) == set(numpy_learner.model_arrays())
    for key, value in weights.items():
        np.testing.assert_array_equal(numpy_learner.model_arrays()[key], value, err_msg=key)
    # the registry's inits: gains 1, shifts 0, forget_bias on b's f block only
    np.testing.assert_array_equal(weights["rnn.gain_c_l1"], 1.0)
    np.testing.assert_array_equal(weights["rnn.shift_c_l0"], 0.0)
    np.testing.assert_array_equal(weights["rnn.bias_l0"], np.repeat([0.0, 1.0, 0.0, 0.0], 8))
    torch_grads, numpy_grads = torch_learner.gradients(batch), numpy_learner.gradients(batch)
    assert set(torch_grads) == set(numpy_grads)
    for key, value in torch_grads.items():
        np.testing.assert_allclose(numpy_grads[key], value, rtol=1e-9, atol=1e-11, err_msg=key)


def test_a_few_training_steps_lower_the_loss_on_both_engines_alike():
    (torch_learner, numpy_learner), batch = _learners("language-model", lr=0.02)
    losses = [
        [learner.train_step(batch, None).loss for _ in range(4)]
        for learner in (torch_learner, numpy_learner)
    ]
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-9)
    assert losses[0][-1] < losses[0][0]


def test_the_torch_probe_equals_the_reference_engines_on_packed_batches():
    (torch_learner, numpy_learner), batch = _learners("classify")
    assert len(set(batch.lengths.tolist())) > 1  # packing really happens
    flow, _ = torch_learner.device_probe(batch, None, step=1)
    want, _ = numpy_learner.probe(batch, None, step=1)
    assert len(flow["series"]) == len(want["series"]) == 4  # 2 layers x 2 directions
    for got, expected in zip(flow["series"], want["series"], strict=True):
        np.testing.assert_allclose(got["norms"], expected["norms"], rtol=1e-9, atol=1e-15)
    assert flow["param_norms"].keys() == want["param_norms"].keys()
    for name, norm in want["param_norms"].items():
        assert flow["param_norms"][name] == pytest.approx(norm, rel=1e-9, abs=1e-15), name


def test_states_and_gates_are_those_of_the_torch_step():
    (torch_learner, _), _, prepared = _learners("language-model", with_data=True)
    ids = prepared.vocab.encode(list("the cat"))[:, None]  # (T, 1)
    payload = torch_learner.states(ids, list("the cat"))
    assert payload["cell"] == "lstm-ln" and len(payload["layers"]) == 2
    model = torch_learner.model
    with torch.no_grad():
        x = model.embedding(torch.as_tensor(ids))[:, 0]  # (T, E)
        p = model.rnn.weights(0, 0)
        h = c = torch.zeros(1, model.rnn.hidden_size, dtype=torch.float64)
        for t in range(len(ids)):
            h, c = CELL.torch().step(x[t : t + 1], p, h, c)
            np.testing.assert_allclose(payload["layers"][0]["h"][t], h[0].numpy(), atol=1e-12)
            np.testing.assert_allclose(payload["layers"][0]["c"][t], c[0].numpy(), atol=1e-12)
    gates = payload["layers"][0]["gates"]
    assert list(gates) == ["i", "f", "g", "o"]
    assert all(0 < v < 1 for k in "ifo" for v in np.ravel(gates[k]))
