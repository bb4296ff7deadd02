"""Golden values: constant weights, hand-computed numbers (from scalar formulas).

Every weight is 0.5 (and the biases as stated), so each hidden unit follows the same
scalar recursion, worked out by hand with math.tanh and the logistic function.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab.reference import Recurrent


def constant_layer(cell: str, D: int, H: int, bias: float) -> Recurrent:
    layer = Recurrent(cell, D, H)
    layer.load_state_dict(
        {
            k: np.full(v.shape, 0.5 if k.startswith("weight") else bias)
            for k, v in layer.state_dict().items()
        }
    )
    return layer


def test_tanh_rnn_forward_and_bptt_by_hand():
    # z_1 = 0.5*(1+1) + 0.5 + 0.5 = 2, h_1 = tanh 2; z_2 = 1 + 0.5*2*h_1 + 1; loss L = sum h_2
    layer = constant_layer("rnn", D=2, H=2, bias=0.5)
    y, _ = layer.forward(np.ones((2, 1, 2)))
    np.testing.assert_allclose(y[:, 0, 0], [0.9640275800758169, 0.994686837760667], atol=1e-15)
    np.testing.assert_allclose(layer.tapes[0].z[1, 0], [2.964027580075817] * 2, atol=1e-15)
    dy = np.zeros((2, 1, 2))
    dy[1] = 1.0
    dx, dh0, grads = layer.backward(dy)
    # delta_2 = 1 - h_2^2; delta_1 = (W_hh^T delta_2) (1 - h_1^2) with W_hh^T delta_2 = delta_2
    np.testing.assert_allclose(
        layer.tapes[0].delta[:, 0, 0], [0.0007487641384806322, 0.01059809478568452], atol=1e-15
    )
    np.testing.assert_allclose(
        grads["weight_hh_l0"], np.full((2, 2), 0.010216855669657582), atol=1e-15
    )
    np.testing.assert_allclose(
        grads["weight_ih_l0"], np.full((2, 2), 0.011346858924165152), atol=1e-15
    )
    np.testing.assert_allclose(grads["bias_hh_l0"], [0.011346858924165152] * 2, atol=1e-15)
    np.testing.assert_allclose(dh0[0, 0], [0.0007487641384806322] * 2, atol=1e-15)
    np.testing.assert_allclose(
        dx[:, 0, 0], [0.0007487641384806322, 0.01059809478568452], atol=1e-15
    )


def test_lstm_forward_and_bptt_by_hand():
    # D = H = 1, x = [1, 1], biases 0: every gate of step 1 sees z = 0.5; loss L = h_2
    layer = constant_layer("lstm", D=1, H=1, bias=0.0)
    y, (_, c_n) = layer.forward(np.ones((2, 1, 1)))
    tape = layer.tapes[0]
    i1, f1, g1, o1 = tape.gates[0, 0]
    assert (i1, f1, o1) == pytest.approx([0.6224593312018546] * 3, abs=1e-15)
    assert g1 == pytest.approx(0.46211715726000974, abs=1e-15)
    assert tape.c[1, 0, 0] == pytest.approx(0.28764913664496794, abs=1e-15)
    np.testing.assert_allclose(y[:, 0, 0], [0.17426971865610508, 0.3090589306416473], atol=1e-15)
    assert tape.z[1, 0, 0] == pytest.approx(0.5871348593280525, abs=1e-15)
    assert c_n[0, 0, 0] == pytest.approx(0.5241157233866811, abs=1e-15)
    dy = np.array([[[0.0]], [[1.0]]])
    _, (dh0, dc0), grads = layer.backward(dy)
    np.testing.assert_allclose(
        tape.delta[1, 0],
        [0.059887905338951095, 0.03263672812614738, 0.22908247586557232, 0.11042444425400956],
        atol=1e-15,
    )
    np.testing.assert_allclose(
        tape.delta[0, 0],
        [0.04794407626001071, 0.0, 0.21611702792815526, 0.014212521741455462],
        atol=1e-15,
    )
    np.testing.assert_allclose(
        grads["weight_hh_l0"][:, 0],
        [0.01043664841432246, 0.005687593428399496, 0.039922138618137266, 0.019243636832903005],
        atol=1e-15,
    )
    assert dh0[0, 0, 0] == pytest.approx(0.13913681296481073, abs=1e-15)
    assert dc0[0, 0, 0] == pytest.approx(0.27480151428895844, abs=1e-15)


def test_gru_forward_and_bptt_by_hand():
    # D = H = 1, x = [1, 1], biases 0; loss L = h_2
    layer = constant_layer("gru", D=1, H=1, bias=0.0)
    y, _ = layer.forward(np.ones((2, 1, 1)))
    tape = layer.tapes[0]
    r1, z1, n1 = tape.gates[0, 0]
    assert (r1, z1) == pytest.approx([0.6224593312018546] * 2, abs=1e-15)
    assert n1 == pytest.approx(0.46211715726000974, abs=1e-15)
    np.testing.assert_allclose(y[:, 0, 0], [0.17446802061504182, 0.2925764557908142], atol=1e-15)
    assert tape.gates[1, 0, 0] == pytest.approx(0.6427302478584755, abs=1e-15)
    assert tape.gates[1, 0, 2] == pytest.approx(0.5050541798625405, abs=1e-15)
    _, dh0, grads = layer.backward(np.array([[[0.0]], [[1.0]]]))
    np.testing.assert_allclose(
        tape.delta[1, 0],
        [0.005331100499467069, -0.07591186381470087, 0.2661374821585605],
        atol=1e-15,
    )
    np.testing.assert_allclose(tape.dh[0, 0], [0.6929671711369597], atol=1e-15)
    np.testing.assert_allclose(
        grads["weight_ih_l0"][:, 0],
        [0.005331100499467069, -0.15116757709258893, 0.4718905248773288],
        atol=1e-15,
    )
    np.testing.assert_allclose(
        grads["weight_hh_l0"][:, 0],
        [0.0009301065518418804, -0.01324419262094948, 0.02984355920148131],
        atol=1e-15,
    )
    assert grads["bias_hh_l0"][2] == pytest.approx(0.2991275112356734, abs=1e-15)
    assert grads["bias_ih_l0"][2] == pytest.approx(0.4718905248773288, abs=1e-15)
    assert dh0[0, 0, 0] == pytest.approx(0.4577524759335446, abs=1e-15)
