r"""Gradient clipping on a dict of NumPy gradient arrays, in place, as torch.nn.utils does.

Clipping by global norm (``torch.nn.utils.clip_grad_norm_``) scales every gradient
by one factor, so the direction of the whole update is kept:

.. math::

    \|g\| = \sqrt{\sum_k \|g_k\|_2^2},\qquad
    g_k \leftarrow g_k \cdot \min\!\Big(1, \frac{c}{\|g\| + \epsilon}\Big)

Clipping by value (``torch.nn.utils.clip_grad_value_``) clamps each element to
``[-c, c]``, which can change the direction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from rnnlab.errors import ConfigError

Array = np.ndarray


def global_norm(grads: Mapping[str, Array]) -> float:
    """The L2 norm of all arrays taken together: sqrt(sum_k ||g_k||^2) (0.0 for no arrays)."""
    norms = [float(np.linalg.norm(np.ravel(grad))) for grad in grads.values()]
    return float(np.linalg.norm(norms)) if norms else 0.0


def clip_grad_norm(grads: Mapping[str, Array], max_norm: float, eps: float = 1e-6) -> float:
    """Scale every array in place by min(1, max_norm / (norm + eps)); return the pre-clip norm.

    As torch, a non-finite norm is returned as it is and the arrays are scaled by the
    same formula (so an infinite norm zeroes the finite gradients); check the result.
    """
    _check_positive("max_norm", max_norm)
    if isinstance(eps, bool) or not (isinstance(eps, int | float | np.floating) and eps >= 0):
        raise ConfigError(f"eps: expected a number >= 0, received {eps!r}")
    _check_arrays(grads)
    norm = global_norm(grads)
    scale = _clip_scale(norm, float(max_norm), float(eps))
    if scale != 1.0:
        for grad in grads.values():
            grad *= scale
    return norm


def clip_grad_value(grads: Mapping[str, Array], clip_value: float) -> None:
    """Clamp every element of every array in place to [-clip_value, clip_value]."""
    _check_positive("clip_value", clip_value)
    _check_arrays(grads)
    for grad in grads.values():
        np.clip(grad, -clip_value, clip_value, out=grad)


def _clip_scale(norm: float, max_norm: float, eps: float) -> float:
    """min(1, max_norm / (norm + eps)), NaN for a NaN norm (as torch.clamp keeps NaN)."""
    if math.isnan(norm):
        return math.nan
    if norm + eps == 0.0:
        return 1.0
    return min(1.0, max_norm / (norm + eps))


def _check_positive(name: str, value: object) -> None:
    is_number = isinstance(value, int | float | np.floating | np.integer)
    if isinstance(value, bool) or not is_number or not value > 0:
        raise ConfigError(f"{name}: expected a number > 0, received {value!r}")


def _check_arrays(grads: Mapping[str, Array]) -> None:
    for key, grad in grads.items():
        if not (isinstance(grad, np.ndarray) and np.issubdtype(grad.dtype, np.floating)):
            raise ConfigError(
                f"grads[{key!r}]: expected a floating-point NumPy array (clipped in place), "
                f"received {type(grad).__name__}"
            )
