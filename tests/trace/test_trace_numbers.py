"""The calculator's numbers against an independent PyTorch unrolling, for every example."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnlab.trace import compute_trace, random_trace_spec, read_trace_file
from rnnlab.trace.spec import TraceSpec
from tests.trace.torch_twin import unroll

EXAMPLES = sorted((Path(__file__).parents[2] / "examples" / "trace").glob("*.*"))
RANDOM = [
    random_trace_spec(cell, 3, 2, 4, seed, output, readout, 3 if output == "softmax" else 2)
    for seed, (cell, output, readout) in enumerate(
        [
            ("rnn", "softmax", "every"),
            ("lstm", "sigmoid", "last"),
            ("gru", "linear", "every"),
            ("lstm", "softmax", "every"),
            ("gru", "sigmoid", "last"),
        ]
    )
]
TWIN_CELLS = ("rnn", "lstm", "gru")  # what torch_twin unrolls; tests/cells check the others'
SPECS = [
    pytest.param(spec, id=p.name)
    for p in EXAMPLES
    if (spec := read_trace_file(p)).cell in TWIN_CELLS
] + [pytest.param(s, id=s.title) for s in RANDOM]
ATOL = 1e-12


def test_every_required_example_ships():
    names = {p.stem for p in EXAMPLES}
    assert {"rnn_many_to_one", "onehot_next_char", "lstm_sequence", "gru_classifier"} <= names


@pytest.mark.parametrize("spec", SPECS)
def test_forward_numbers_equal_torch(spec: TraceSpec):
    result, twin = compute_trace(spec), unroll(spec)
    for step, h, keep in zip(result["forward"], twin["h"], twin["keeps"], strict=True):
        np.testing.assert_allclose(step["h"], h.detach().numpy(), atol=ATOL)
        if spec.cell == "gru":
            np.testing.assert_allclose(step["zx"], keep["zx"].detach().numpy(), atol=ATOL)
            np.testing.assert_allclose(step["zh"], keep["zh"].detach().numpy(), atol=ATOL)
        else:
            np.testing.assert_allclose(step["z"], keep["z"].detach().numpy(), atol=ATOL)
    o = twin["o"].detach().numpy()
    np.testing.assert_allclose(
        result["output"]["o"], o[0] if spec.readout == "last" else o, atol=ATOL
    )


@pytest.mark.parametrize("spec", SPECS)
def test_loss_deltas_and_gradients_equal_torch(spec: TraceSpec):
    result, twin = compute_trace(spec), unroll(spec)
    assert result["loss"] == pytest.approx(twin["loss"], abs=ATOL)
    steps = result["backward"]["steps"]
    assert [s["t"] for s in steps] == list(range(len(spec.inputs), 0, -1))
    for step in steps:
        keep, h = twin["keeps"][step["t"] - 1], twin["h"][step["t"] - 1]
        np.testing.assert_allclose(step["dh"], h.grad.numpy(), atol=ATOL)
        if spec.cell == "gru":
            np.testing.assert_allclose(step["delta"], keep["zx"].grad.numpy(), atol=ATOL)
            np.testing.assert_allclose(step["delta_h"], keep["zh"].grad.numpy(), atol=ATOL)
        else:
            np.testing.assert_allclose(step["delta"], keep["z"].grad.numpy(), atol=ATOL)
    grads = result["backward"]["grads"]
    for mine, theirs in [
        ("W_xh", "W_ih"),
        ("W_hh", "W_hh"),
        ("b_ih", "b_ih"),
        ("b_hh", "b_hh"),
        ("W_hy", "W_hy"),
        ("b_y", "b_y"),
    ]:
        np.testing.assert_allclose(grads[mine], twin[theirs].numpy(), atol=ATOL)
    np.testing.assert_allclose(result["backward"]["dh0"], twin["dh0"].numpy(), atol=ATOL)
    np.testing.assert_allclose(result["backward"]["dx"], twin["dx"].numpy(), atol=ATOL)


def test_per_gate_weights_stack_in_gate_order():
    spec = read_trace_file(EXAMPLES[0].parent / "lstm_sequence.yaml")
    W_xh = compute_trace(spec)["weights"]["W_xh"]
    for k, gate in enumerate("ifgo"):
        np.testing.assert_array_equal(W_xh[2 * k : 2 * k + 2], spec.weights[f"W_x{gate}"])
    b_h = compute_trace(spec)["weights"]["b_h"]
    np.testing.assert_array_equal(b_h, [0, 0, 1, 1, 0, 0, 0, 0])  # only b_f given


def test_no_target_means_no_loss_and_no_backward():
    spec = read_trace_file(EXAMPLES[0].parent / "gru_classifier.yaml").model_copy(
        update={"target": None}
    )
    result = compute_trace(spec)
    assert result["loss"] is None and result["backward"] is None
    assert len(result["output"]["y"]) == 3


def test_random_networks_are_seeded_and_hand_friendly():
    a, b = random_trace_spec("lstm", seed=5), random_trace_spec("lstm", seed=5)
    assert a == b and a != random_trace_spec("lstm", seed=6)
    values = np.concatenate([np.ravel(v) for v in a.weights.values()])
    np.testing.assert_array_equal(values, np.round(values, 1))
