"""minLSTM: its own masks, tape and hand-computed values, and what the registry says of it
(what both scan cells share is checked in ``test_scan_cells.py``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnlab import cells
from rnnlab.errors import ConfigError
from rnnlab.spec.run import parse_run_config
from tests.cells.scan_parity import autograd, case, lengths_mask, reference

KEYS = ("hs", "h_T", "x", "h0", "weight_ih", "bias_ih")


def test_a_mask_that_starts_late_carries_h0_until_the_sequence_starts() -> None:
    # the reverse direction of a short sequence: zeros first, then its steps
    c = case("minlstm", seed=2)
    mask = lengths_mask([6, 3, 1], 6)[::-1].copy()
    args = (c["p"], c["x"], mask, c["h0"], c["dy"], c["dh_n"])
    ours, theirs = reference("minlstm", *args), autograd("minlstm", *args)
    np.testing.assert_array_equal(ours["hs"][:5, 2], np.broadcast_to(c["h0"][2], (5, 5)))
    for key in KEYS:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-8, atol=1e-10, err_msg=key)


def test_tape_holds_gates_in_storage_order_and_the_total_dh() -> None:
    c = case("minlstm", T=3, B=2, D=2, H=2)
    ours = reference("minlstm", c["p"], c["x"], None, c["h0"], c["dy"], c["dh_n"])
    tape, u = ours["tape"], ours["tape"].z
    np.testing.assert_allclose(tape.gates[..., :4], 1.0 / (1.0 + np.exp(-u[..., :4])))  # i, f
    i, f = tape.gates[..., :2], tape.gates[..., 2:4]
    np.testing.assert_allclose(tape.dh[-1], c["dy"][-1] + c["dh_n"])
    np.testing.assert_allclose(tape.dh[0], c["dy"][0] + f[1] / (f[1] + i[1]) * tape.dh[1])


def test_golden_two_steps_with_constant_weights() -> None:
    # D = 1, H = 1: W_xh = [[1], [0], [2]] (i, f, n rows), b_ih = [0, 1, -1], h_0 = 0.5,
    # x = 1, -1 (sigma(1) + sigma(-1) = 1, so f + i is 1 or 2 and the division is exact).
    # t = 1: u = (1, 1, 1): i = f = 0.7310585786 -> f' = i' = 1/2; n = 1.5
    #        h_1 = 0.5 * 0.5 + 0.5 * 1.5 = 1
    # t = 2: u = (-1, 1, -3): i = 0.2689414214, f = 0.7310585786 (f + i = 1), n = sigma(-3)
    #        = 0.0474258732; h_2 = 0.7310585786 * 1 + 0.2689414214 * 0.0474258732 = 0.7438133604
    p = {"weight_ih": np.array([[1.0], [0.0], [2.0]]), "bias_ih": np.array([0.0, 1.0, -1.0])}
    x = np.array([1.0, -1.0]).reshape(2, 1, 1)
    tape = cells.get("minlstm").reference("tanh").forward(x, None, p, np.array([[0.5]]), None)
    np.testing.assert_allclose(tape.h[1:, 0, 0], [1.0, 0.7438133604], atol=1e-9)
    np.testing.assert_allclose(tape.gates[1, 0], [0.2689414214, 0.7310585786, 0.0474258732])


@pytest.mark.parametrize("bias", [-30.0, -60.0])
def test_float32_saturated_forget_and_input_gates_stay_finite_and_match_float64(bias) -> None:
    # sigma(u) is exactly 0 in float32 below u ~ -17 (and -37 in float64): f_t / (f_t + i_t)
    # was 0/0 there. f'_t and i'_t now come from the pre-activations (softplus difference).
    c = case("minlstm", seed=4)
    H = c["h0"].shape[1]
    c["p"]["bias_ih"][: 2 * H] += bias  # i and f far below zero, n untouched
    c["p"]["bias_ih"][H : H + 2] += 3.0  # f > i in two units, so f' is not 1/2 everywhere
    args = (c["p"], c["x"], None, c["h0"], c["dy"], c["dh_n"])
    exact = autograd("minlstm", *args)  # float64, the torch engine's log form
    p32 = {k: v.astype(np.float32) for k, v in c["p"].items()}
    x, h0, dy, dh_n = (c[k].astype(np.float32) for k in ("x", "h0", "dy", "dh_n"))
    ours = reference("minlstm", p32, x, None, h0, dy, dh_n)
    for key in KEYS:
        assert np.isfinite(ours[key]).all(), key
        np.testing.assert_allclose(ours[key], exact[key], rtol=2e-4, atol=2e-5, err_msg=key)


def test_the_torch_step_stays_finite_where_both_gates_underflow() -> None:
    # torch.sigmoid is 0 in float32 below about -104: the step used (f h + i n) / (f + i)
    c = case("minlstm", T=1, seed=5)
    H = c["h0"].shape[1]
    c["p"]["bias_ih"][: 2 * H] -= 200.0
    c["p"]["bias_ih"][H : 2 * H] += 1.0  # f's pre-activation 1 above i's: f' = sigma(1)
    p32 = {k: torch.tensor(v, dtype=torch.float32) for k, v in c["p"].items()}
    x, h0 = (torch.tensor(c[k][0] if k == "x" else c[k], dtype=torch.float32) for k in ("x", "h0"))
    h, _ = cells.get("minlstm").torch().step(x, p32, h0, None)
    exact = reference("minlstm", c["p"], c["x"], None, c["h0"], c["dy"], c["dh_n"])["h_T"]
    assert torch.isfinite(h).all()
    np.testing.assert_allclose(h.numpy(), exact, rtol=1e-5, atol=1e-6)


def test_registry_entry() -> None:
    cell = cells.get("minlstm")
    assert cell.gate_names == ("i", "f", "n") and not cell.has_cell_state
    assert not cell.recurrent and cell.parallel_scan and cell.forget_gate == "f"
    assert cell.param_shapes(4, 3) == {"weight_ih": (9, 4), "bias_ih": (9,)}


def test_config_takes_forget_bias_and_refuses_identity_init() -> None:
    def model(**spec: object) -> object:
        return parse_run_config({"task": "classify", "data": {"path": "x"}, "model": spec}).model

    assert model(cell="minlstm", forget_bias=1.0).forget_bias == 1.0
    with pytest.raises(ConfigError, match="init: expected default for cell minlstm"):
        model(cell="minlstm", init="identity")
