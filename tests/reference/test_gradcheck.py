"""Finite differences: the helper itself, then every cell's BPTT gradients against it.

Step size. The central difference has a truncation error ~eps^2 |L'''| / 6 and a
rounding error ~u |L| / eps (u = 2.2e-16, |L| ~ 10 here), smallest near
eps ~ (3 u |L| / |L'''|)^(1/3) ~ 2e-5. With eps = 1e-6 the rounding part (~1e-9
absolute) gives relative errors of 1e-6 .. 5e-5 on the few elements whose gradient is
accidentally small (~1e-5). Measured worst error over the eight stacked cases, seeds
0..29: below 1e-6 for 6 seeds at eps = 1e-6 and 28 seeds at eps = 1e-5; seeds 0..11 at
eps = 3e-5: all 12, worst 5e-7. So EPS = 3e-5 here.

Seed. With SEED = 10 the worst error of any case is ~4e-8 (a margin of ~25 under the
1e-6 bar), ReLU included: its smallest |pre-activation| is 6e-3, far from the kink at 0
compared with the ~1e-4 a step of eps moves it, so the differences never straddle it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from rnnlab.errors import ConfigError, ShapeError
from rnnlab.reference.gradcheck import (
    GradCheckResult,
    assert_gradients_close,
    check_gradients,
    gradient_check,
    numerical_gradient,
    relative_error,
)
from rnnlab.reference.recurrent import Recurrent

SEED = 10
EPS = 3e-5
TOL = 1e-6
T, B, D, H = 4, 2, 3, 3


# ----------------------------------------------------------------- the helper itself
def test_numerical_gradient_of_a_quadratic_is_exact_on_a_binary_grid() -> None:
    # L = sum(c * theta^2): with integer theta, c and eps = 2^-20 every operation of the
    # central difference is exact in float64, so the result is exactly 2 c theta.
    theta = np.array([[3.0, -2.0, 0.0], [7.0, 1.0, -5.0]])
    c = np.array([[1.0, 2.0, 3.0], [-1.0, 4.0, 0.5]])
    grad = numerical_gradient(lambda: float(np.sum(c * theta**2)), theta, eps=2.0**-20)
    np.testing.assert_array_equal(grad, 2 * c * theta)


def test_numerical_gradient_of_a_quadratic_form() -> None:
    rng = np.random.default_rng(0)
    M = rng.standard_normal((5, 5))
    A, b = M @ M.T, rng.standard_normal(5)
    theta = rng.standard_normal(5)
    grad = numerical_gradient(lambda: float(0.5 * theta @ A @ theta + b @ theta), theta)
    np.testing.assert_allclose(grad, A @ theta + b, rtol=1e-7, atol=1e-8)


def test_numerical_gradient_restores_the_parameter_bit_for_bit() -> None:
    rng = np.random.default_rng(1)
    theta = rng.standard_normal((3, 4)) * 10.0 ** rng.integers(-8, 8, (3, 4))
    theta[0, 0] = -0.0
    before = theta.tobytes()
    numerical_gradient(lambda: float(np.sum(np.sin(theta))), theta, eps=1e-3)
    assert theta.tobytes() == before


def test_numerical_gradient_restores_the_parameter_when_the_loss_raises() -> None:
    theta = np.array([1.0, 2.0, 3.0])
    calls = []

    def loss() -> float:
        calls.append(theta.copy())
        if len(calls) == 4:
            raise RuntimeError("boom")
        return float(theta.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(loss, theta)
    np.testing.assert_array_equal(theta, [1.0, 2.0, 3.0])


def test_relative_error_formula() -> None:
    a = np.array([1.0, 0.0, 1e-9, -2.0])
    n = np.array([1.5, 0.0, 0.0, 2.0])
    np.testing.assert_allclose(relative_error(a, n), [0.5 / 2.5, 0.0, 1e-9 / 1e-8, 1.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_finite_differences_require_float64(dtype: type) -> None:
    theta = np.ones(3, dtype=dtype)
    with pytest.raises(ConfigError, match="float64"):
        numerical_gradient(lambda: float(theta.sum()), theta)
    with pytest.raises(ConfigError, match=r"^w: expected a float64"):
        gradient_check(lambda: float(theta.sum()), {"w": theta}, {"w": np.ones(3)})


def test_gradient_check_rejects_mismatched_analytic_gradients() -> None:
    theta = np.ones(3)
    with pytest.raises(ShapeError, match="'w'"):
        gradient_check(lambda: float(theta.sum()), {"w": theta}, {"v": np.ones(3)})
    with pytest.raises(ShapeError, match=r"analytic\['w'\]: expected shape \(3,\)"):
        gradient_check(lambda: float(theta.sum()), {"w": theta}, {"w": np.ones(4)})


def test_assert_gradients_close_names_the_worst_key_and_index() -> None:
    w, v = np.array([1.0, 2.0]), np.array([[0.5, -1.0], [2.0, 3.0]])

    def loss() -> float:
        return float(np.sum(w**2) + np.sum(v**3))

    right = {"w": 2 * w, "v": 3 * v**2}
    results = assert_gradients_close(loss, {"w": w, "v": v}, right, tol=1e-6)
    assert all(isinstance(result, GradCheckResult) for result in results.values())
    wrong = {"w": 2 * w, "v": 3 * v**2}
    wrong["v"][1, 0] += 0.1
    with pytest.raises(AssertionError, match=r"gradient check failed: v\[1, 0\]"):
        assert_gradients_close(loss, {"w": w, "v": v}, wrong, tol=1e-6)
    result = check_gradients(loss, {"w": w, "v": v}, wrong)["v"]
    assert result.worst_index == (1, 0) and result.analytic == pytest.approx(12.1)


# ----------------------------------------------------------------- BPTT of every cell
CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]
CELL_IDS = ["rnn-tanh", "rnn-relu", "lstm", "gru"]


def bptt_check(
    cell: str, nonlinearity: str, bidirectional: bool, lengths: np.ndarray | None
) -> dict[str, float]:
    """Relative errors of the analytic gradients of L = sum(y R1) + sum(h_n R2) [+ sum(c_n R3)]."""
    rng = np.random.default_rng(SEED)
    model = Recurrent(
        cell, D, H, num_layers=2, bidirectional=bidirectional, nonlinearity=nonlinearity, seed=SEED
    )
    n_states = 2 * model.num_directions
    x = rng.standard_normal((T, B, D))  # (T, B, D)
    h0 = rng.standard_normal((n_states, B, H))  # (L*dirs, B, H)
    c0 = rng.standard_normal((n_states, B, H))
    R1 = rng.standard_normal((T, B, model.output_size))
    R2, R3 = rng.standard_normal((n_states, B, H)), rng.standard_normal((n_states, B, H))
    is_lstm = cell == "lstm"

    def loss() -> float:
        y, h_n = model.forward(x, (h0, c0) if is_lstm else h0, lengths)
        if is_lstm:
            return float(np.sum(y * R1) + np.sum(h_n[0] * R2) + np.sum(h_n[1] * R3))
        return float(np.sum(y * R1) + np.sum(h_n * R2))

    loss()
    dx, dh0, grads = model.backward(R1, (R2, R3) if is_lstm else R2)
    params = {"x": x, "h0": h0, **model.params}
    analytic = {"x": dx, "h0": dh0[0] if is_lstm else dh0, **grads}
    if is_lstm:
        params["c0"], analytic["c0"] = c0, dh0[1]
    return gradient_check(loss, params, analytic, eps=EPS)


def assert_all_below(errors: dict[str, float]) -> None:
    failing = {name: error for name, error in errors.items() if not error < TOL}
    assert not failing, f"relative errors above {TOL}: {failing}"


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize(("cell", "nonlinearity"), CELLS, ids=CELL_IDS)
def test_bptt_matches_finite_differences(cell: str, nonlinearity: str, bidirectional: bool) -> None:
    errors = bptt_check(cell, nonlinearity, bidirectional, lengths=None)
    assert {"x", "h0", "weight_hh_l1"} <= set(errors)
    assert ("weight_ih_l1_reverse" in errors) == bidirectional
    assert_all_below(errors)


@pytest.mark.parametrize(("cell", "nonlinearity"), CELLS, ids=CELL_IDS)
def test_bptt_with_lengths_matches_finite_differences(cell: str, nonlinearity: str) -> None:
    errors = bptt_check(cell, nonlinearity, bidirectional=True, lengths=np.array([2, T]))
    assert_all_below(errors)


def test_a_wrong_gradient_is_caught() -> None:
    # The check has teeth: a sign error in one element of one BPTT gradient is reported.
    model = Recurrent("gru", D, H, seed=SEED)
    x = np.random.default_rng(SEED).standard_normal((T, B, D))
    R1 = np.random.default_rng(SEED + 1).standard_normal((T, B, H))

    loss: Callable[[], float] = lambda: float(np.sum(model.forward(x)[0] * R1))  # noqa: E731
    loss()
    _, _, grads = model.backward(R1)
    grads["weight_hh_l0"][2, 1] *= -1.0
    with pytest.raises(AssertionError, match=r"weight_hh_l0\[2, 1\]"):
        assert_gradients_close(loss, model.params, grads, tol=TOL, eps=EPS)
