"""Elementwise activations and their derivatives, written in terms of the outputs.

Each derivative takes the activation's *output* (what the forward pass caches), so
the backward pass never recomputes the forward non-linearity:

    sigmoid'(a) = s (1 - s)        s = sigmoid(a)
    tanh'(a)    = 1 - t^2          t = tanh(a)
    relu'(a)    = [a > 0] = [r > 0] r = relu(a)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnlab.errors import ConfigError

Array = np.ndarray


def sigmoid(a: Array, out: Array | None = None) -> Array:
    """sigmoid(a) = 1 / (1 + exp(-a)), computed as (1 + tanh(a / 2)) / 2.

    The tanh form never overflows (exp(-a) does for a < -88 in float32) and costs
    one transcendental call; it agrees with the exp form to the last bit or two.
    """
    out = np.multiply(a, 0.5, out=out)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def sigmoid_grad_from_output(s: Array) -> Array:
    return s * (1.0 - s)


def tanh(a: Array, out: Array | None = None) -> Array:
    return np.tanh(a, out=out)


def tanh_grad_from_output(t: Array) -> Array:
    return 1.0 - t * t


def relu(a: Array, out: Array | None = None) -> Array:
    return np.maximum(a, 0.0, out=out)


def relu_grad_from_output(r: Array) -> Array:
    return (r > 0).astype(r.dtype)


ACTIVATIONS: dict[str, tuple[Callable[..., Array], Callable[[Array], Array]]] = {
    "tanh": (tanh, tanh_grad_from_output),
    "relu": (relu, relu_grad_from_output),
}


def activation(name: str) -> tuple[Callable[..., Array], Callable[[Array], Array]]:
    """The (function, derivative-from-output) pair for a hidden non-linearity."""
    if name not in ACTIVATIONS:
        allowed = " | ".join(ACTIVATIONS)
        raise ConfigError(f"nonlinearity: expected one of {allowed}, received {name!r}")
    return ACTIVATIONS[name]
