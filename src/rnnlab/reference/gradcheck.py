r"""Finite-difference gradient check: the analytic BPTT gradients against the definition.

For a scalar loss L and one element theta_i of a parameter, the central difference

.. math::

    n_i = \frac{L(\theta + \epsilon e_i) - L(\theta - \epsilon e_i)}{2 \epsilon}

has error O(eps^2) (plus the loss's rounding error divided by 2 eps). It is compared
with the analytic gradient a_i by the relative error

.. math::

    r_i = \frac{|a_i - n_i|}{\max(10^{-8}, |a_i| + |n_i|)}

and a parameter's error is max_i r_i. The floor 1e-8 keeps r finite where both are 0.
Finite differences need float64: in float32 a step of 2e-5 is lost in the rounding. The default
step 2e-5 balances truncation (~eps^2) against rounding (~1e-16 |L| / eps) for losses of order 1.

    loss = lambda: float(np.sum(model.forward(x)[0] * R))
    errors = gradient_check(loss, {"x": x, **model.params}, {"x": dx, **grads})
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from rnnlab.errors import ConfigError, ShapeError, expect_shape

Array = np.ndarray
LossFn = Callable[[], float]
RELATIVE_FLOOR = 1e-8


@dataclass(frozen=True)
class GradCheckResult:
    """The worst element of one parameter: where it is, both gradients, their relative error."""

    name: str
    max_relative_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numerical: float


def relative_error(analytic: Array, numerical: Array) -> Array:
    """Elementwise |a - n| / max(1e-8, |a| + |n|)."""
    scale = np.maximum(RELATIVE_FLOOR, np.abs(analytic) + np.abs(numerical))
    return np.abs(analytic - numerical) / scale


def numerical_gradient(loss_fn: LossFn, param: Array, eps: float = 2e-5) -> Array:
    """dL/dparam by central differences, perturbing `param` in place one element at a time.

    Every element is restored to its exact original value after use (also when
    `loss_fn` raises), so `param` is bit-for-bit unchanged afterwards.
    """
    _check_float64("param", param)
    if not eps > 0:
        raise ConfigError(f"eps: expected a number > 0, received {eps!r}")
    grad = np.zeros_like(param)
    for index in np.ndindex(param.shape):
        original = param[index]
        try:
            param[index] = original + eps
            loss_plus = float(loss_fn())
            param[index] = original - eps
            loss_minus = float(loss_fn())
        finally:
            param[index] = original
        grad[index] = (loss_plus - loss_minus) / (2.0 * eps)
    return grad


def check_gradients(
    loss_fn: LossFn, params: Mapping[str, Array], analytic: Mapping[str, Array], eps: float = 2e-5
) -> dict[str, GradCheckResult]:
    """For each parameter, the worst element's relative error between analytic and numerical."""
    _check_keys(params, analytic)
    results = {}
    for name, param in params.items():
        _check_float64(name, param)
        expected = np.asarray(analytic[name])
        expect_shape(f"analytic[{name!r}]", expected.shape, param.shape)
        numerical = numerical_gradient(loss_fn, param, eps)
        results[name] = _worst(name, expected, numerical)
    return results


def gradient_check(
    loss_fn: LossFn, params: Mapping[str, Array], analytic: Mapping[str, Array], eps: float = 2e-5
) -> dict[str, float]:
    """Per parameter, max_i |a_i - n_i| / max(1e-8, |a_i| + |n_i|) (see the module docstring)."""
    results = check_gradients(loss_fn, params, analytic, eps)
    return {name: result.max_relative_error for name, result in results.items()}


def assert_gradients_close(
    loss_fn: LossFn,
    params: Mapping[str, Array],
    analytic: Mapping[str, Array],
    tol: float = 1e-6,
    eps: float = 2e-5,
) -> dict[str, GradCheckResult]:
    """Raise AssertionError naming the worst parameter and element if its error is above `tol`."""
    results = check_gradients(loss_fn, params, analytic, eps)
    worst = max(results.values(), key=lambda result: result.max_relative_error, default=None)
    if worst is not None and not worst.max_relative_error <= tol:
        raise AssertionError(
            f"gradient check failed: {worst.name}{list(worst.worst_index)} has relative error "
            f"{worst.max_relative_error:.3e} > {tol:.1e} (analytic {worst.analytic:.12e}, "
            f"numerical {worst.numerical:.12e}); per parameter: "
            + ", ".join(f"{r.name} {r.max_relative_error:.1e}" for r in results.values())
        )
    return results


def _worst(name: str, analytic: Array, numerical: Array) -> GradCheckResult:
    if analytic.size == 0:
        return GradCheckResult(name, 0.0, (), 0.0, 0.0)
    errors = relative_error(analytic, numerical)
    errors = np.where(np.isnan(errors), np.inf, errors)  # a NaN gradient is the worst error
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(errors)), errors.shape))
    return GradCheckResult(
        name, float(errors[index]), index, float(analytic[index]), float(numerical[index])
    )


def _check_float64(name: str, array: object) -> None:
    if not isinstance(array, np.ndarray) or array.dtype != np.float64:
        received = array.dtype if isinstance(array, np.ndarray) else type(array).__name__
        raise ConfigError(
            f"{name}: expected a float64 NumPy array (finite differences at eps ~2e-5 need "
            f"float64), received {received}"
        )
    if not array.flags.writeable:
        raise ConfigError(
            f"{name}: expected a writable array (perturbed in place), received a read-only one"
        )


def _check_keys(params: Mapping[str, Array], analytic: Mapping[str, Array]) -> None:
    missing = [key for key in params if key not in analytic]
    extra = [key for key in analytic if key not in params]
    if missing or extra:
        raise ShapeError(
            f"analytic: missing keys {missing}, unexpected keys {extra}; "
            f"expected exactly the keys of params {list(params)}"
        )
