r"""Output functions and losses, each returning the loss and dL/do.

For each output the loss is chosen so that the error signal is the same simple
expression, the one DESIGN.md's BPTT formulas start from:

.. math::

    softmax:  y_hat = softmax(o),  L = -\sum_k y_k \log y_hat_k          dL/do = y_hat - y
    sigmoid:  y_hat = \sigma(o),   L = -\sum_k [y_k \log y_hat_k + (1-y_k) \log(1-y_hat_k)]
                                                                           dL/do = y_hat - y
    linear:   y_hat = o,           L = \tfrac12 \sum_k (y_hat_k - y_k)^2   dL/do = y_hat - y

(per example). ``reduction="sum"`` adds over examples (and time steps);
``reduction="mean"`` divides by the number of examples, as PyTorch's
``CrossEntropyLoss`` and ``BCEWithLogitsLoss`` do per element. The squared error
follows ``MSELoss`` under "mean" (mean of (y_hat - y)^2 over elements, no 1/2)
and the textbook 1/2-sum under "sum".

o has shape (N, K); softmax targets are class indices (N,) or distributions (N, K).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnlab.cells.functions import sigmoid
from rnnlab.errors import ConfigError, ShapeError

Array = np.ndarray
REDUCTIONS = ("mean", "sum")


def softmax(o: Array) -> Array:
    shifted = o - o.max(axis=-1, keepdims=True)  # (N, K) no overflow
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(o: Array) -> Array:
    shifted = o - o.max(axis=-1, keepdims=True)  # (N, K)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ConfigError(f"reduction: expected one of mean | sum, received {reduction!r}")


def _as_distribution(target: Array, n: int, k: int, dtype: np.dtype) -> Array:
    target = np.asarray(target)
    if target.shape == (n,) and np.issubdtype(target.dtype, np.integer):
        if target.min() < 0 or target.max() >= k:
            raise ShapeError(f"target: class indices must be in 0..{k - 1}, received {target}")
        one_hot = np.zeros((n, k), dtype)  # (N, K)
        one_hot[np.arange(n), target] = 1.0
        return one_hot
    if target.shape != (n, k):
        raise ShapeError(
            f"target: expected class indices ({n},) or a distribution ({n}, {k}), "
            f"received shape {target.shape}"
        )
    return target.astype(dtype)


def softmax_cross_entropy(o: Array, target: Array, reduction: str = "mean") -> tuple[float, Array]:
    """Cross-entropy of softmax(o) against class indices or distributions."""
    _check_reduction(reduction)
    n, k = o.shape
    y = _as_distribution(target, n, k, o.dtype)  # (N, K)
    loss = -(y * log_softmax(o)).sum()
    grad = softmax(o) * y.sum(axis=1, keepdims=True) - y  # (N, K) y_hat - y when sum y = 1
    scale = 1.0 / n if reduction == "mean" else 1.0
    return float(loss * scale), grad * scale


def sigmoid_binary_cross_entropy(
    o: Array, target: Array, reduction: str = "mean"
) -> tuple[float, Array]:
    """Binary cross-entropy of sigmoid(o) (elementwise, stable in o)."""
    _check_reduction(reduction)
    y = np.asarray(target, dtype=o.dtype)
    if y.shape != o.shape:
        raise ShapeError(f"target: expected shape {o.shape}, received {y.shape}")
    if y.size and (y.min() < 0 or y.max() > 1):
        raise ShapeError("target: binary targets must lie in [0, 1]")
    # -[y log s + (1-y) log(1-s)] = max(o, 0) - o y + log(1 + exp(-|o|))
    loss = (np.maximum(o, 0) - o * y + np.log1p(np.exp(-np.abs(o)))).sum()
    grad = sigmoid(o) - y  # y_hat - y
    scale = 1.0 / o.size if reduction == "mean" else 1.0
    return float(loss * scale), grad * scale


def squared_error(o: Array, target: Array, reduction: str = "mean") -> tuple[float, Array]:
    """mean: mean((o - y)^2) as MSELoss; sum: 1/2 sum((o - y)^2), the textbook form."""
    _check_reduction(reduction)
    y = np.asarray(target, dtype=o.dtype)
    if y.shape != o.shape:
        raise ShapeError(f"target: expected shape {o.shape}, received {y.shape}")
    diff = o - y  # (N, K)
    if reduction == "mean":
        return float((diff**2).mean()), 2.0 * diff / o.size
    return float(0.5 * (diff**2).sum()), diff


OutputFn = Callable[[Array], Array]
LossFn = Callable[[Array, Array, str], tuple[float, Array]]

OUTPUTS: dict[str, tuple[OutputFn, LossFn]] = {
    "softmax": (softmax, softmax_cross_entropy),
    "sigmoid": (lambda o: sigmoid(o), sigmoid_binary_cross_entropy),
    "linear": (lambda o: o.copy(), squared_error),
}


def output_and_loss(name: str) -> tuple[OutputFn, LossFn]:
    """The (y_hat function, loss function) pair of an output kind."""
    if name not in OUTPUTS:
        raise ConfigError(f"output: expected one of softmax | sigmoid | linear, received {name!r}")
    return OUTPUTS[name]
