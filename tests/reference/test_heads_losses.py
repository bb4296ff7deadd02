"""Readout heads and losses against PyTorch (values and gradients, float64)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnnlab.errors import ConfigError, ShapeError
from rnnlab.reference import Recurrent
from rnnlab.reference.heads import Linear, Readout
from rnnlab.reference.losses import (
    output_and_loss,
    sigmoid_binary_cross_entropy,
    softmax,
    softmax_cross_entropy,
    squared_error,
)
from tests.reference.conftest import numpy_state, torch_twin

RNG = np.random.default_rng(7)


def test_linear_equals_nn_linear_forward_and_backward():
    layer = torch.nn.Linear(4, 3).double()
    head = Linear(4, 3)
    head.load_state_dict({k: v.detach().numpy() for k, v in layer.state_dict().items()})
    h = torch.randn(5, 2, 4, dtype=torch.float64, requires_grad=True)
    do = torch.randn(5, 2, 3, dtype=torch.float64)
    out = layer(h)
    (out * do).sum().backward()
    np.testing.assert_allclose(head.forward(h.detach().numpy()), out.detach().numpy(), atol=1e-12)
    dh, grads = head.backward(do.numpy())
    np.testing.assert_allclose(dh, h.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(grads["weight"], layer.weight.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(grads["bias"], layer.bias.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_last_readout_reads_the_final_states_of_packed_sequences(bidirectional):
    T, B, D, H = 6, 3, 2, 4
    module = torch_twin("gru", D, H, 2, bidirectional)
    ref = Recurrent("gru", D, H, 2, bidirectional)
    ref.load_state_dict(numpy_state(module))
    x, lengths = RNG.standard_normal((T, B, D)), np.array([6, 2, 4])
    y, h_n = ref.forward(x, lengths=lengths)
    readout = Readout("last", H, bidirectional)
    features = readout.forward(y, lengths)
    top = h_n[-2:] if bidirectional else h_n[-1:]
    np.testing.assert_allclose(features, np.concatenate(list(top), axis=1), atol=1e-14)
    # gradient of sum(features * G) through the readout equals dh_n on the top layer
    G = RNG.standard_normal(features.shape)
    dx_a, _, grads_a = ref.backward(readout.backward(G))
    dh_n = np.zeros_like(h_n)
    dh_n[-top.shape[0] :] = np.stack(np.split(G, top.shape[0], axis=1))
    ref.forward(x, lengths=lengths)
    dx_b, _, grads_b = ref.backward(None, dh_n)
    np.testing.assert_allclose(dx_a, dx_b, atol=1e-14)
    for key in grads_a:
        np.testing.assert_allclose(grads_a[key], grads_b[key], atol=1e-14)


def test_every_readout_passes_y_and_its_gradient_through():
    y = RNG.standard_normal((3, 2, 4))
    readout = Readout("every", 4)
    assert readout.forward(y) is y
    assert readout.backward(y) is y


def _torch_loss(fn, o, *args):
    o_t = torch.tensor(o, requires_grad=True)
    loss = fn(o_t, *args)
    loss.backward()
    return loss.item(), o_t.grad.numpy()


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_softmax_cross_entropy_with_indices_and_distributions(reduction):
    o, idx = RNG.standard_normal((6, 5)), RNG.integers(0, 5, 6)
    probs = softmax(RNG.standard_normal((6, 5)))
    for target, torch_target in ((idx, torch.tensor(idx)), (probs, torch.tensor(probs))):
        loss, grad = softmax_cross_entropy(o, target, reduction)
        t_loss, t_grad = _torch_loss(
            lambda a, tt=torch_target: F.cross_entropy(a, tt, reduction=reduction), o
        )
        assert loss == pytest.approx(t_loss, abs=1e-12)
        np.testing.assert_allclose(grad, t_grad, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_sigmoid_bce_equals_bce_with_logits_even_for_large_logits(reduction):
    o = RNG.standard_normal((4, 3)) * 40  # exp(-o) would overflow
    y = RNG.integers(0, 2, (4, 3)).astype(float)
    loss, grad = sigmoid_binary_cross_entropy(o, y, reduction)
    t_loss, t_grad = _torch_loss(
        lambda a: F.binary_cross_entropy_with_logits(a, torch.tensor(y), reduction=reduction), o
    )
    assert loss == pytest.approx(t_loss, rel=1e-12)
    np.testing.assert_allclose(grad, t_grad, atol=1e-12)


def test_squared_error_mean_is_mse_loss_and_sum_is_the_textbook_half_sum():
    o, y = RNG.standard_normal((4, 2)), RNG.standard_normal((4, 2))
    loss, grad = squared_error(o, y, "mean")
    t_loss, t_grad = _torch_loss(lambda a: F.mse_loss(a, torch.tensor(y)), o)
    assert loss == pytest.approx(t_loss, abs=1e-12)
    np.testing.assert_allclose(grad, t_grad, atol=1e-12)
    loss, grad = squared_error(o, y, "sum")
    assert loss == pytest.approx(0.5 * ((o - y) ** 2).sum(), abs=1e-12)
    np.testing.assert_allclose(grad, o - y)


@pytest.mark.parametrize("output", ["softmax", "sigmoid", "linear"])
def test_every_output_error_signal_is_prediction_minus_target(output):
    out_fn, loss_fn = output_and_loss(output)
    o = RNG.standard_normal((3, 4))
    target = softmax(RNG.standard_normal((3, 4))) if output != "linear" else RNG.random((3, 4))
    _, grad = loss_fn(o, target, "sum")
    np.testing.assert_allclose(grad, out_fn(o) - target, atol=1e-14)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3])), ShapeError, "0..2"),
        (
            lambda: softmax_cross_entropy(np.zeros((2, 3)), np.zeros((2, 2))),
            ShapeError,
            r"\(2, 3\)",
        ),
        (
            lambda: sigmoid_binary_cross_entropy(np.zeros(2), np.array([0, 2])),
            ShapeError,
            r"\[0, 1\]",
        ),
        (
            lambda: squared_error(np.zeros((2, 1)), np.zeros(2)),
            ShapeError,
            r"expected shape \(2, 1\)",
        ),
        (lambda: squared_error(np.zeros(2), np.zeros(2), "avg"), ConfigError, "reduction"),
        (lambda: output_and_loss("tanh"), ConfigError, "output: expected one of"),
        (lambda: Readout("first", 3), ConfigError, "readout: expected one of last | every"),
        (lambda: Linear(0, 3), ConfigError, "in_features"),
        (lambda: Linear(2, 3).forward(np.zeros((1, 3))), ShapeError, "last axis of size 2"),
        (lambda: Linear(2, 3).backward(np.zeros((1, 3))), ConfigError, "forward first"),
    ],
)
def test_bad_inputs_get_named_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
