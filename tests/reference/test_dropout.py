"""Inter-layer dropout of the reference engine: applied while training, as nn.LSTM's.

A review found the NumPy engine stored ``dropout`` and never applied it (p = 0.9 gave
the outputs of p = 0). These tests pin the semantics to torch's: each layer's output
except the last is multiplied by a Bernoulli(1 - p) mask scaled by 1 / (1 - p), and
BPTT passes gradient only through the kept units. With the masks made equal, a stack
of single-layer torch modules with the masks between them gives the same outputs and
gradients in float64.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnlab.reference import Recurrent

T, B, D, H = 4, 3, 2, 3


def _net(cell: str, p: float, seed: int = 0) -> Recurrent:
    return Recurrent(cell, D, H, num_layers=2, dropout=p, seed=seed)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_dropout_changes_training_outputs_and_not_eval_outputs(cell):
    x = np.random.default_rng(1).normal(size=(T, B, D))
    dropped, plain = _net(cell, 0.9), _net(cell, 0.0)
    assert not np.allclose(dropped.forward(x)[0], plain.forward(x)[0])
    dropped.training = plain.training = False
    np.testing.assert_array_equal(dropped.forward(x)[0], plain.forward(x)[0])


def test_kept_units_are_scaled_by_one_over_keep_probability():
    net = _net("rnn", 0.5)
    net.forward(np.ones((T, B, D)))
    mask = net._dropout_masks[0]  # (T, B, H) between layer 0 and layer 1
    assert set(np.unique(mask)) <= {0.0, 2.0}
    assert 0.2 < (mask > 0).mean() < 0.8
    assert net._dropout_masks[1] is None  # never after the last layer


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_dropout_matches_torch_with_the_same_masks(cell):
    rng = np.random.default_rng(2)
    net = _net(cell, 0.4, seed=3)
    x = rng.normal(size=(T, B, D))
    y, _ = net.forward(x)
    dy = rng.normal(size=y.shape)
    dx, _, grads = net.backward(dy)
    mask = torch.from_numpy(net._dropout_masks[0])  # the masks the engine drew

    module = getattr(torch.nn, cell.upper())
    layers = [module(D, H).double(), module(H, H).double()]
    with torch.no_grad():
        for k, layer in enumerate(layers):
            for name, param in layer.named_parameters():  # weight_ih_l0 ...
                param.copy_(torch.from_numpy(net.params[name.replace("_l0", f"_l{k}")]))
    x_t = torch.from_numpy(x).requires_grad_(True)
    y0, _ = layers[0](x_t)
    y_t, _ = layers[1](y0 * mask)
    (y_t * torch.from_numpy(dy)).sum().backward()

    np.testing.assert_allclose(y, y_t.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(dx, x_t.grad.numpy(), atol=1e-10)
    for k, layer in enumerate(layers):
        for name, param in layer.named_parameters():
            key = name.replace("_l0", f"_l{k}")
            np.testing.assert_allclose(grads[key], param.grad.numpy(), atol=1e-10, err_msg=key)
