"""minGRU: its own masks, tape and hand-computed values, and what the registry says of it
(what both scan cells share is checked in ``test_scan_cells.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnlab import cells
from rnnlab.errors import ConfigError
from rnnlab.spec.model import ModelSpec
from rnnlab.spec.run import parse_run_config
from tests.cells.scan_parity import autograd, case, lengths_mask, reference


def test_past_the_length_the_state_is_carried_and_no_gradient_enters() -> None:
    c = case("mingru")
    mask = lengths_mask([6, 2, 4], 6)
    ours = reference("mingru", c["p"], c["x"], mask, c["h0"], c["dy"], c["dh_n"])
    np.testing.assert_array_equal(ours["hs"][2:, 1], np.broadcast_to(ours["hs"][1, 1], (4, 5)))
    np.testing.assert_array_equal(ours["x"][2:, 1], 0.0)  # no gradient into x past length 2
    np.testing.assert_array_equal(ours["tape"].delta[4:, 2], 0.0)


def test_without_bias_reference_equals_autograd() -> None:
    c = case("mingru")
    p = {"weight_ih": c["p"]["weight_ih"]}
    args = (p, c["x"], None, c["h0"], c["dy"], c["dh_n"])
    ours, theirs = reference("mingru", *args), autograd("mingru", *args)
    assert set(ours) - {"tape"} == set(theirs) == {"hs", "h_T", "x", "h0", "weight_ih"}
    np.testing.assert_allclose(ours["weight_ih"], theirs["weight_ih"], rtol=1e-8, atol=1e-10)


def test_tape_holds_gates_in_storage_order_and_the_total_dh() -> None:
    c = case("mingru", T=3, B=2, D=2, H=2)
    ours = reference("mingru", c["p"], c["x"], None, c["h0"], c["dy"], c["dh_n"])
    tape, u = ours["tape"], ours["tape"].z
    z, n = tape.gates[..., :2], tape.gates[..., 2:]
    np.testing.assert_allclose(z, 1.0 / (1.0 + np.exp(-u[..., :2])))
    np.testing.assert_allclose(
        n, np.where(u[..., 2:] >= 0, u[..., 2:] + 0.5, 1 / (1 + np.exp(-u[..., 2:])))
    )
    np.testing.assert_allclose(tape.dh[-1], c["dy"][-1] + c["dh_n"])
    np.testing.assert_allclose(tape.dh[0], c["dy"][0] + (1.0 - z[1]) * tape.dh[1])


def test_golden_two_steps_with_constant_weights() -> None:
    # D = 1, H = 1: W_xh = [[1], [2]] (z row, n row), b_ih = [0, -1], h_0 = 0.5, x = 1, -1.
    # t = 1: u^z = 1, u^n = 1 -> z = 0.7310585786, n = 1.5 (linear branch)
    #        h_1 = 0.2689414214 * 0.5 + 0.7310585786 * 1.5 = 1.2310585786
    # t = 2: u^z = -1, u^n = -3 -> z = 0.2689414214, n = sigma(-3) = 0.0474258732
    #        h_2 = 0.7310585786 * 1.2310585786 + 0.2689414214 * 0.0474258732 = 0.9127307164
    p = {"weight_ih": np.array([[1.0], [2.0]]), "bias_ih": np.array([0.0, -1.0])}
    x = np.array([1.0, -1.0]).reshape(2, 1, 1)
    tape = cells.get("mingru").reference("tanh").forward(x, None, p, np.array([[0.5]]), None)
    np.testing.assert_allclose(tape.h[1:, 0, 0], [1.2310585786, 0.9127307164], atol=1e-9)
    np.testing.assert_allclose(tape.gates[1, 0], [0.2689414214, 0.0474258732], atol=1e-9)


def test_registry_entry() -> None:
    cell = cells.get("mingru")
    assert cell.gate_names == ("z", "n") and not cell.has_cell_state
    assert not cell.recurrent and cell.parallel_scan and cell.forget_gate is None
    assert cell.param_shapes(4, 3) == {"weight_ih": (6, 4), "bias_ih": (6,)}
    assert cell.describe()["recurrent"] is False


def _model(**model: object) -> ModelSpec:
    return parse_run_config({"task": "classify", "data": {"path": "x"}, "model": model}).model


def test_config_refuses_orthogonal_init_and_forget_bias() -> None:
    assert _model(cell="mingru").cell == "mingru"  # the defaults are accepted
    with pytest.raises(ConfigError, match="init: expected default for cell mingru"):
        _model(cell="mingru", init="orthogonal")
    with pytest.raises(ConfigError, match="forget_bias: expected 0 for cell mingru"):
        _model(cell="mingru", forget_bias=1.0)
