"""The layer-normalised LSTM (cell ``lstm-ln``, rnnlab.cells.lstm_ln).

The NumPy cell's forward and explicit BPTT against torch autograd in float64 (tolerance
1e-8) on the same weights, twice: through the cell's own torch module (which normalises
with ``F.layer_norm``) and through an independent writing of the paper's equations in this
file (mean and biased variance by hand, masks as arithmetic, not ``torch.where``); with
lengths and final-state gradients. Then the stacked bidirectional layers of both engines
(reference ``Recurrent`` and torch ``CellRecurrent``), finite differences on a tiny case,
and values worked out by hand for constant weights.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnlab import cells
from rnnlab.reference import Recurrent
from rnnlab.reference.gradcheck import assert_gradients_close

T, B, D, H = 5, 3, 4, 3
CELL = cells.get("lstm-ln")
EXAMPLE = Path(cells.__file__).parents[1] / "trace" / "examples" / "lstm_ln.yaml"
STEMS = ("weight_ih", "weight_hh", "bias", "gain_ih", "gain_hh", "gain_c", "shift_c")


def random_params(rng: np.random.Generator, D: int, H: int) -> dict[str, np.ndarray]:
    return {stem: rng.normal(0.0, 0.6, shape) for stem, shape in CELL.param_shapes(D, H).items()}


def mask_of(lengths: list[int] | None, T: int) -> np.ndarray | None:
    if lengths is None:
        return None
    return (np.arange(T)[:, None] < np.array(lengths)[None, :]).astype(float)[:, :, None]


def paper_sequence(x, mask, p, h0, c0):
    """Ba et al.'s LN-LSTM written out step by step, independently of the cell's module."""

    def ln(v, gain, shift):
        mean = v.sum(-1, keepdim=True) / v.shape[-1]
        var = ((v - mean) ** 2).sum(-1, keepdim=True) / v.shape[-1]
        return gain * (v - mean) / torch.sqrt(var + 1e-5) + shift

    h, c, hs = h0, c0, []
    for t in range(x.shape[0]):
        z = ln(x[t] @ p["weight_ih"].T, p["gain_ih"], 0.0)
        z = z + ln(h @ p["weight_hh"].T, p["gain_hh"], 0.0) + p["bias"]
        i, f = torch.sigmoid(z[:, :H]), torch.sigmoid(z[:, H : 2 * H])
        g, o = torch.tanh(z[:, 2 * H : 3 * H]), torch.sigmoid(z[:, 3 * H :])
        c_new = f * c + i * g
        h_new = o * torch.tanh(ln(c_new, p["gain_c"], p["shift_c"]))
        m = 1.0 if mask is None else mask[t]
        h, c = m * h_new + (1 - m) * h, m * c_new + (1 - m) * c
        hs.append(h)
    return torch.stack(hs), h, c


def torch_run(sequence, x, mask, p, h0, c0, dy, dh_n, dc_n):
    """Outputs and gradients (as NumPy) of one layer-direction under torch autograd."""
    leaves = {k: torch.tensor(v, requires_grad=True) for k, v in {**p, "x": x}.items()}
    leaves.update(h0=torch.tensor(h0, requires_grad=True), c0=torch.tensor(c0, requires_grad=True))
    weights = {k: leaves[k] for k in p}
    m = None if mask is None else torch.tensor(mask)
    hs, h_T, c_T = sequence(leaves["x"], m, weights, leaves["h0"], leaves["c0"])
    loss = (hs * torch.tensor(dy)).sum()
    loss = loss + (h_T * torch.tensor(dh_n)).sum() + (c_T * torch.tensor(dc_n)).sum()
    loss.backward()
    out = {"hs": hs, "h_T": h_T, "c_T": c_T}
    out.update({f"d{k}": v.grad for k, v in leaves.items()})
    return {k: v.detach().numpy() for k, v in out.items()}


def reference_run(x, mask, p, h0, c0, dy, dh_n, dc_n):
    cell = CELL.reference("tanh")
    tape = cell.forward(x, mask, p, h0, c0)
    dx, dh0, dc0, grads = cell.backward(tape, p, dy, dh_n, dc_n)
    out = {"hs": tape.h[1:], "h_T": tape.h[-1], "c_T": tape.c[-1]}
    out.update(dx=dx, dh0=dh0, dc0=dc0, **{f"d{k}": v for k, v in grads.items()})
    return out, tape


def test_registered_with_the_lstm_gates_and_the_norm_parameters():
    assert "lstm-ln" in cells.names()
    assert CELL.gate_names == ("i", "f", "g", "o")
    assert CELL.has_cell_state and CELL.forget_gate == "f" and CELL.recurrent
    assert CELL.param_shapes(D, H) == {
        "weight_ih": (4 * H, D),
        "weight_hh": (4 * H, H),
        "bias": (4 * H,),
        "gain_ih": (4 * H,),
        "gain_hh": (4 * H,),
        "gain_c": (H,),
        "shift_c": (H,),
    }
    assert [p.stem for p in CELL.params if p.recurrent] == ["weight_hh"]
    assert [p.stem for p in CELL.params if p.bias] == ["bias"]
    assert hasattr(CELL.torch(), "sequence") and hasattr(CELL.torch(), "step")


def test_reference_layer_initialises_gains_to_one_and_shifts_to_zero():
    layer = Recurrent("lstm-ln", D, H, seed=3)
    state = layer.state_dict()
    for stem in ("gain_ih", "gain_hh", "gain_c"):
        np.testing.assert_array_equal(state[f"{stem}_l0"], 1.0)
    for stem in ("bias", "shift_c"):
        np.testing.assert_array_equal(state[f"{stem}_l0"], 0.0)
    bound = 1.0 / math.sqrt(H)
    for stem in ("weight_ih", "weight_hh"):
        assert 0 < np.abs(state[f"{stem}_l0"]).max() <= bound


@pytest.mark.parametrize("lengths", [None, [5, 2, 3]], ids=["full", "lengths"])
@pytest.mark.parametrize("formulation", ["module", "paper"])
def test_forward_and_bptt_equal_torch_autograd_in_float64(lengths, formulation):
    rng = np.random.default_rng(7)
    p = random_params(rng, D, H)
    x, mask = rng.normal(size=(T, B, D)), mask_of(lengths, T)
    h0, c0 = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    dy, dh_n, dc_n = rng.normal(size=(T, B, H)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    sequence = CELL.torch().sequence if formulation == "module" else paper_sequence
    theirs = torch_run(sequence, x, mask, p, h0, c0, dy, dh_n, dc_n)
    mine, _ = reference_run(x, mask, p, h0, c0, dy, dh_n, dc_n)
    assert (
        set(mine)
        == set(theirs)
        == {"hs", "h_T", "c_T", "dx", "dh0", "dc0"} | {f"d{s}" for s in STEMS}
    )
    for key, value in theirs.items():
        np.testing.assert_allclose(mine[key], value, rtol=1e-8, atol=1e-8, err_msg=key)


def test_past_the_length_the_state_is_carried_and_no_gradient_enters():
    rng = np.random.default_rng(2)
    p = random_params(rng, D, H)
    x, mask = rng.normal(size=(T, B, D)), mask_of([5, 2, 3], T)
    h0, c0 = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    dy = rng.normal(size=(T, B, H))
    mine, tape = reference_run(x, mask, p, h0, c0, dy, np.zeros((B, H)), np.zeros((B, H)))
    np.testing.assert_array_equal(tape.h[3:, 1], np.broadcast_to(tape.h[2, 1], (3, H)))
    np.testing.assert_array_equal(tape.c[3:, 1], np.broadcast_to(tape.c[2, 1], (3, H)))
    np.testing.assert_array_equal(tape.delta[2:, 1], 0.0)
    np.testing.assert_array_equal(mine["dx"][2:, 1], 0.0)
    # the padded steps' dy reaches the carried state: dL/dh_2 of sequence 1 sums dy_2..dy_5
    np.testing.assert_allclose(tape.dh[1, 1], dy[1:, 1].sum(0), atol=1e-12)


def test_tape_holds_the_normalised_values_and_deltas():
    rng = np.random.default_rng(5)
    p = random_params(rng, D, H)
    x, h0, c0 = rng.normal(size=(T, B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    _, tape = reference_run(x, None, p, h0, c0, rng.normal(size=(T, B, H)), h0 * 0, c0 * 0)
    np.testing.assert_allclose(tape.zx, x @ p["weight_ih"].T, atol=1e-12)
    np.testing.assert_allclose(tape.cache["x_hat"].mean(-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(tape.cache["c_hat"].var(-1), 1.0, atol=1e-3)  # var/(var+eps)
    np.testing.assert_allclose(
        tape.tanh_c, np.tanh(p["gain_c"] * tape.cache["c_hat"] + p["shift_c"]), atol=1e-12
    )
    np.testing.assert_allclose(tape.h[1:], tape.gates[..., 3 * H :] * tape.tanh_c, atol=1e-12)
    for key in ("delta_x", "dn"):
        assert np.isfinite(tape.cache[key]).all() and np.abs(tape.cache[key]).max() > 0


def test_step_equals_one_step_of_sequence():
    rng = np.random.default_rng(4)
    p = {k: torch.tensor(v) for k, v in random_params(rng, D, H).items()}
    x, h0, c0 = (torch.tensor(rng.normal(size=s)) for s in [(1, B, D), (B, H), (B, H)])
    module = CELL.torch()
    hs, h_T, c_T = module.sequence(x, None, p, h0, c0)
    h, c = module.step(x[0], p, h0, c0)
    torch.testing.assert_close(h, h_T, rtol=0, atol=1e-14)
    torch.testing.assert_close(c, c_T, rtol=0, atol=1e-14)
    torch.testing.assert_close(hs[0], h, rtol=0, atol=1e-14)


def test_stacked_bidirectional_layers_of_both_engines_agree():
    from rnnlab.torch_engine.cell_layer import CellRecurrent

    torch.manual_seed(11)
    module = CellRecurrent(CELL, D, H, num_layers=2, bidirectional=True).double()
    with torch.no_grad():  # off the initial gains and shifts, so they matter
        for _, tensor in module.named_cell_parameters():
            tensor.add_(0.3 * torch.randn_like(tensor))
    ref = Recurrent("lstm-ln", D, H, num_layers=2, bidirectional=True)
    ref.load_state_dict({k: v.detach().numpy() for k, v in module.state_dict().items()})
    lengths = [5, 2, 4]
    x = torch.randn(T, B, D, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(4, B, H, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(4, B, H, dtype=torch.float64, requires_grad=True)
    y, (h_n, c_n) = module(x, (h0, c0), torch.tensor(lengths))
    dy, dh_n, dc_n = torch.randn_like(y), torch.randn_like(h_n), torch.randn_like(c_n)
    ((y * dy).sum() + (h_n * dh_n).sum() + (c_n * dc_n).sum()).backward()
    state0 = (h0.detach().numpy(), c0.detach().numpy())
    ry, (rh, rc) = ref.forward(x.detach().numpy(), state0, lengths=np.array(lengths))
    dx, (dh0, dc0), grads = ref.backward(dy.numpy(), (dh_n.numpy(), dc_n.numpy()))
    pairs = [(ry, y), (rh, h_n), (rc, c_n), (dx, x.grad), (dh0, h0.grad), (dc0, c0.grad)]
    pairs += [(grads[name], p.grad) for name, p in module.named_parameters()]
    assert set(grads) == {name for name, _ in module.named_parameters()}
    for mine, theirs in pairs:
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-8, atol=1e-8)


def test_float32_stays_float32_and_near_float64():
    r64 = Recurrent("lstm-ln", D, H, num_layers=2, bidirectional=True, seed=1)
    r32 = Recurrent("lstm-ln", D, H, num_layers=2, bidirectional=True, seed=1, dtype=np.float32)
    r32.load_state_dict(r64.state_dict())
    x, lengths = np.random.default_rng(0).normal(size=(T, B, D)), np.array([5, 3, 1])
    (y64, _), (y32, _) = r64.forward(x, lengths=lengths), r32.forward(x, lengths=lengths)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, atol=1e-5)
    (_, _, g64), (_, _, g32) = r64.backward(np.ones_like(y64)), r32.backward(np.ones_like(y32))
    for name, grad in g64.items():
        assert g32[name].dtype == np.float32, name
        np.testing.assert_allclose(g32[name], grad, atol=1e-4 * np.abs(grad).max(), err_msg=name)
    assert all(v.dtype == np.float32 for tape in r32.tapes for v in tape.cache.values())


def test_finite_differences_agree_with_bptt():
    rng = np.random.default_rng(9)
    p = random_params(rng, 2, 2)
    x, mask = rng.normal(size=(3, 2, 2)), mask_of([3, 2], 3)
    h0, c0 = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    R, Rc = rng.normal(size=(3, 2, 2)), rng.normal(size=(2, 2))
    cell = CELL.reference("tanh")

    def loss() -> float:
        tape = cell.forward(x, mask, p, h0, c0)
        return float((tape.h[1:] * R).sum() + (tape.c[-1] * Rc).sum())

    tape = cell.forward(x, mask, p, h0, c0)
    dx, dh0, dc0, grads = cell.backward(tape, p, R, np.zeros((2, 2)), Rc)
    analytic = {"x": dx, "h0": dh0, "c0": dc0, **grads}
    assert_gradients_close(loss, {"x": x, "h0": h0, "c0": c0, **p}, analytic, tol=1e-6)


def constant_layer(T: int) -> tuple[Recurrent, np.ndarray]:
    """D = 1, H = 2, every weight 0.5, gains 1, shifts 0, b_g = [0.5, -0.5]; x = 1."""
    layer = Recurrent("lstm-ln", 1, 2)
    state = {k: np.full(v.shape, 0.5) for k, v in layer.state_dict().items()}
    state.update(gain_ih_l0=np.ones(8), gain_hh_l0=np.ones(8), gain_c_l0=np.ones(2))
    state.update(shift_c_l0=np.zeros(2), bias_l0=np.array([0, 0, 0, 0, 0.5, -0.5, 0, 0.0]))
    layer.load_state_dict(state)
    y, _ = layer.forward(np.ones((T, 1, 1)))
    return layer, y


def test_golden_forward_by_hand():
    # W_xh x_t and W_hh h_{t-1} have equal entries, so their LNs are 0 and z_t = b: i = f = o
    # = 1/2, g = +-tanh(1/2). c_1 = [a, -a] with a = tanh(1/2)/2, LN(c_1) = +-a/sqrt(a^2+eps);
    # c_2 = c_1/2 + g/2 = +-3a/2, LN(c_2) = +-(3a/2)/sqrt((3a/2)^2+eps); h_t = tanh(LN c_t)/2.
    layer, y = constant_layer(T=2)
    tape = layer.tapes[0]
    a = math.tanh(0.5) / 2
    np.testing.assert_allclose(tape.z[:, 0], np.tile([0, 0, 0, 0, 0.5, -0.5, 0, 0], (2, 1)))
    np.testing.assert_allclose(tape.c[1:, 0, 0], [a, 1.5 * a], atol=1e-16)
    n1, n2 = a / math.sqrt(a * a + 1e-5), 1.5 * a / math.sqrt(2.25 * a * a + 1e-5)
    np.testing.assert_allclose(y[:, 0, 0], [math.tanh(n1) / 2, math.tanh(n2) / 2], atol=1e-15)
    np.testing.assert_allclose(y[:, 0, 1], [-math.tanh(n1) / 2, -math.tanh(n2) / 2], atol=1e-15)
    np.testing.assert_allclose(y[:, 0, 0], [0.3807774132229257, 0.38078833775101606], atol=1e-15)


def test_golden_bptt_by_hand():
    # One step, L = h_1 of unit 0 (c_0 = h_0 = 0, see the forward test):
    # dn = o (1 - tanh^2 n1) on unit 0, 0 on unit 1; LN's backward over [dn, 0] with c^ = +-n1
    # gives dc = +-(dn/2)(1 - n1^2)/s, s = sqrt(a^2 + eps).
    layer, _ = constant_layer(T=1)
    tape = layer.tapes[0]
    _, (dh0, dc0), grads = layer.backward(np.array([[[1.0, 0.0]]]))
    a = math.tanh(0.5) / 2
    s = math.sqrt(a * a + 1e-5)
    n1 = a / s
    dn = 0.5 * (1 - math.tanh(n1) ** 2)
    dc = dn / 2 * (1 - n1 * n1) / s
    np.testing.assert_allclose(grads["shift_c_l0"], [dn, 0.0], atol=1e-15)
    np.testing.assert_allclose(grads["gain_c_l0"], [dn * n1, 0.0], atol=1e-15)
    np.testing.assert_allclose(tape.dc[0, 0], [dc, -dc], rtol=1e-12)
    g, sig_grad = math.tanh(0.5), 0.25  # g = +-tanh(1/2); sigma'(0) = 1/4
    delta = [dc * g * sig_grad] * 2 + [0.0, 0.0]  # i; f (c_0 = 0)
    delta += [dc * 0.5 * (1 - g * g), -dc * 0.5 * (1 - g * g)]  # g
    delta += [math.tanh(n1) * sig_grad, 0.0]  # o: dh tanh(n) o'
    np.testing.assert_allclose(tape.delta[0, 0], delta, rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(grads["bias_l0"], delta, rtol=1e-12, atol=1e-16)
    # W_xh x = 0.5 * [1]*8: x^ = 0, 1/s_x = 1/sqrt(eps): dW_xh = (delta - mean delta)/sqrt(eps)
    centred = (np.array(delta) - np.mean(delta)) / math.sqrt(1e-5)
    np.testing.assert_allclose(grads["weight_ih_l0"][:, 0], centred, rtol=1e-10)
    np.testing.assert_allclose(grads["gain_ih_l0"], 0.0, atol=1e-15)  # x^ = 0
    np.testing.assert_allclose(grads["weight_hh_l0"], 0.0, atol=1e-15)  # h_0 = 0
    # every row of W_xh and W_hh is 0.5, and the centred deltas sum to 0: no dx, no dh_0
    np.testing.assert_allclose(dh0[0, 0], [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(dc0[0, 0], [dc / 2, -dc / 2], rtol=1e-12)  # dc_0 = f dc_1
