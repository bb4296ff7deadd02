r"""Optimisers of the reference engine: torch.optim's update rules on NumPy arrays.

Each optimiser updates a dict of parameter arrays *in place*, keyed like a model's
``state_dict()``, from a dict of gradients keyed the same way:

    opt = Adam(recurrent.params, lr=1e-3)
    dx, dh0, grads = recurrent.backward(dy, dh_n)
    opt.step(grads)                      # recurrent.params' arrays change in place

Notation of the docstrings: theta_t a parameter after step t, g_t its gradient,
gamma the learning rate ``lr``, lambda the weight decay, t = 1, 2, ... the step.

The optimiser holds the arrays it was given (a shallow copy of the dict); the
models' ``load_state_dict`` copy into those arrays, so an optimiser stays valid.
``state_dict()`` is a flat dict of arrays (``"step"`` as a 0-d int64 array, then
``"<slot>.<param name>"``, e.g. ``"exp_avg.weight_ih_l0"``), ready for safetensors.
Hyper-parameters, ``lr`` included, are configuration and are not part of it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np

from rnnlab.errors import ConfigError, ShapeError, expect_shape

Array = np.ndarray
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")


# ----------------------------------------------------------------- argument checks
def _real(name: str, value: object, allowed: str, ok: Callable[[float], bool]) -> float:
    """`value` as a float if it is a finite real number for which `ok` holds, else ConfigError."""
    is_real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not (is_real and math.isfinite(float(value)) and ok(float(value))):
        raise ConfigError(f"{name}: expected {allowed}, received {value!r}")
    return float(value)


def _positive(name: str, value: object) -> float:
    return _real(name, value, "a number > 0", lambda x: x > 0)


def _non_negative(name: str, value: object) -> float:
    return _real(name, value, "a number >= 0", lambda x: x >= 0)


def _unit_interval(name: str, value: object) -> float:
    return _real(name, value, "a number in [0, 1)", lambda x: 0 <= x < 1)


def _check_params(params: Mapping[str, Array]) -> dict[str, Array]:
    if not isinstance(params, Mapping) or not params:
        raise ConfigError(f"params: expected a non-empty dict of arrays, received {params!r}")
    for key, value in params.items():
        writable_float = (
            isinstance(value, np.ndarray)
            and np.issubdtype(value.dtype, np.floating)
            and value.flags.writeable
        )
        if not writable_float:
            raise ConfigError(
                f"params[{key!r}]: expected a writable floating-point NumPy array "
                f"(updated in place), received {type(value).__name__}"
                + (f" of dtype {value.dtype}" if isinstance(value, np.ndarray) else "")
            )
    return dict(params)


# ----------------------------------------------------------------- base class
class Optimizer:
    """Base class: holds the parameters, the step count t and the per-parameter slots.

    Subclasses declare their slots (state arrays shaped like each parameter) with
    ``_add_slot`` and implement ``_update(key, param, grad)`` for one parameter.
    ``lr`` is a public attribute: a schedule may change it between steps.
    """

    name: ClassVar[str] = "optimizer"

    def __init__(self, params: Mapping[str, Array], lr: float) -> None:
        self.params = _check_params(params)
        self.lr = _positive("lr", lr)
        self.step_count = 0
        self.state: dict[str, dict[str, Array]] = {}  # slot -> param name -> array

    def _add_slot(self, slot: str) -> None:
        self.state[slot] = {key: np.zeros_like(value) for key, value in self.params.items()}

    def step(self, grads: Mapping[str, Array]) -> None:
        """One update of every parameter from `grads` (same keys and shapes as the params)."""
        checked = self._check_grads(grads)
        self.step_count += 1
        for key, param in self.params.items():
            self._update(key, param, checked[key])

    def _update(self, key: str, param: Array, grad: Array) -> None:
        raise NotImplementedError

    def _check_grads(self, grads: Mapping[str, Array]) -> dict[str, Array]:
        missing = [key for key in self.params if key not in grads]
        extra = [key for key in grads if key not in self.params]
        if missing or extra:
            raise ShapeError(
                f"grads: missing keys {missing}, unexpected keys {extra}; "
                f"expected exactly the parameter keys {list(self.params)}"
            )
        checked = {}
        for key, param in self.params.items():
            grad = np.asarray(grads[key], dtype=param.dtype)
            expect_shape(f"grads[{key!r}]", grad.shape, param.shape)
            checked[key] = grad
        return checked

    # ------------------------------------------------------------- state
    def _state_shapes(self) -> dict[str, tuple[int, ...]]:
        shapes: dict[str, tuple[int, ...]] = {"step": ()}
        for slot, arrays in self.state.items():
            shapes.update({f"{slot}.{key}": value.shape for key, value in arrays.items()})
        return shapes

    def state_dict(self) -> dict[str, Array]:
        """A flat copy of the state: ``"step"`` (0-d int64) and ``"<slot>.<param>"`` arrays."""
        state = {"step": np.array(self.step_count, dtype=np.int64)}
        for slot, arrays in self.state.items():
            state.update({f"{slot}.{key}": value.copy() for key, value in arrays.items()})
        return state

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Restore a ``state_dict()`` exactly; nothing changes unless all of it is valid."""
        shapes = self._state_shapes()
        missing = [key for key in shapes if key not in state]
        extra = [key for key in state if key not in shapes]
        if missing or extra:
            raise ConfigError(
                f"{self.name} state: missing keys {missing}, unexpected keys {extra}; "
                f"expected exactly {list(shapes)}"
            )
        step = _state_step(state["step"])
        arrays = {}
        for slot, slot_arrays in self.state.items():
            for key, target in slot_arrays.items():
                arrays[(slot, key)] = _state_array(f"{slot}.{key}", state[f"{slot}.{key}"], target)
        self.step_count = step
        for (slot, key), value in arrays.items():
            np.copyto(self.state[slot][key], value)


def _state_step(value: object) -> int:
    array = np.asarray(value)
    expect_shape("step", array.shape, ())
    if not np.issubdtype(array.dtype, np.integer) or int(array) < 0:
        raise ConfigError(f"step: expected a non-negative integer, received {array!r}")
    return int(array)


def _state_array(name: str, value: object, target: Array) -> Array:
    try:
        array = np.asarray(value, dtype=target.dtype)
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{name}: expected a numeric array, received {value!r}") from error
    expect_shape(name, array.shape, target.shape)
    return array


# ----------------------------------------------------------------- optimisers
class SGD(Optimizer):
    r"""Stochastic gradient descent with momentum, as ``torch.optim.SGD``.

    .. math::

        g_t &\leftarrow g_t + \lambda \theta_{t-1}                       (weight decay)
        b_1 &= g_1,\quad b_t = \mu b_{t-1} + (1 - \tau) g_t               (momentum \mu > 0)
        g_t &\leftarrow g_t + \mu b_t \text{ (nesterov)} \;|\; b_t
        \theta_t &= \theta_{t-1} - \gamma g_t

    with momentum mu and dampening tau. Slot: ``momentum_buffer`` (b) when mu > 0.
    """

    name = "sgd"
    OPTIONS: ClassVar[tuple[str, ...]] = ("momentum", "dampening", "nesterov", "weight_decay")

    def __init__(
        self,
        params: Mapping[str, Array],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _non_negative("momentum", momentum)
        self.dampening = _real("dampening", dampening, "a number in [0, 1]", lambda x: 0 <= x <= 1)
        self.weight_decay = _non_negative("weight_decay", weight_decay)
        self.nesterov = _check_nesterov(nesterov, self.momentum, self.dampening)
        if self.momentum > 0:
            self._add_slot("momentum_buffer")

    def _update(self, key: str, param: Array, grad: Array) -> None:
        if self.weight_decay:
            grad = grad + self.weight_decay * param
        if self.momentum:
            buf = self.state["momentum_buffer"][key]
            if self.step_count == 1:
                buf[...] = grad
            else:
                buf *= self.momentum
                buf += (1.0 - self.dampening) * grad
            grad = grad + self.momentum * buf if self.nesterov else buf
        param -= self.lr * grad


def _check_nesterov(nesterov: object, momentum: float, dampening: float) -> bool:
    if not isinstance(nesterov, bool | np.bool_):
        raise ConfigError(f"nesterov: expected True | False, received {nesterov!r}")
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ConfigError(
            "nesterov: expected False unless momentum > 0 and dampening == 0, received "
            f"nesterov=True with momentum={momentum!r}, dampening={dampening!r}"
        )
    return bool(nesterov)


def _check_betas(betas: object) -> tuple[float, float]:
    if not isinstance(betas, tuple | list) or len(betas) != 2:
        raise ConfigError(f"betas: expected a pair (beta1, beta2) in [0, 1), received {betas!r}")
    return _unit_interval("betas[0]", betas[0]), _unit_interval("betas[1]", betas[1])


class Adam(Optimizer):
    r"""Adam, as ``torch.optim.Adam`` (L2 weight decay added to the gradient; no amsgrad).

    .. math::

        g_t &\leftarrow g_t + \lambda \theta_{t-1}
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}
                    \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    with m_0 = v_0 = 0. Slots: ``exp_avg`` (m) and ``exp_avg_sq`` (v).
    """

    name = "adam"
    OPTIONS: ClassVar[tuple[str, ...]] = ("betas", "eps", "weight_decay")
    decoupled_weight_decay: ClassVar[bool] = False

    def __init__(
        self,
        params: Mapping[str, Array],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.betas = _check_betas(betas)
        self.eps = _non_negative("eps", eps)
        self.weight_decay = _non_negative("weight_decay", weight_decay)
        self._add_slot("exp_avg")
        self._add_slot("exp_avg_sq")

    def _update(self, key: str, param: Array, grad: Array) -> None:
        beta1, beta2 = self.betas
        if self.weight_decay and self.decoupled_weight_decay:
            param *= 1.0 - self.lr * self.weight_decay
        elif self.weight_decay:
            grad = grad + self.weight_decay * param
        m, v = self.state["exp_avg"][key], self.state["exp_avg_sq"][key]
        m += (1.0 - beta1) * (grad - m)  # = beta1 m + (1 - beta1) g, torch's lerp form
        v *= beta2
        v += (1.0 - beta2) * grad * grad
        t = self.step_count
        step_size = self.lr / (1.0 - beta1**t)
        denom = np.sqrt(v) / math.sqrt(1.0 - beta2**t) + self.eps
        param -= step_size * m / denom


class AdamW(Adam):
    r"""AdamW, as ``torch.optim.AdamW``: Adam with decoupled weight decay.

    .. math::

        \theta_{t-1} &\leftarrow \theta_{t-1} (1 - \gamma \lambda)
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g_t^2
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}
                    \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    The gradient itself is not changed by the decay. Slots: ``exp_avg``, ``exp_avg_sq``.
    """

    name = "adamw"
    decoupled_weight_decay = True

    def __init__(
        self,
        params: Mapping[str, Array],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


class RMSprop(Optimizer):
    r"""RMSprop, as ``torch.optim.RMSprop``.

    .. math::

        g_t &\leftarrow g_t + \lambda \theta_{t-1}
        v_t &= \alpha v_{t-1} + (1 - \alpha) g_t^2
        \tilde v_t &= v_t - \bar g_t^2,\quad \bar g_t = \alpha \bar g_{t-1} + (1 - \alpha) g_t
                      \quad \text{(centered; else } \tilde v_t = v_t)
        b_t &= \mu b_{t-1} + g_t / (\sqrt{\tilde v_t} + \epsilon)        (momentum \mu > 0)
        \theta_t &= \theta_{t-1} - \gamma b_t
                    \quad | \quad \theta_{t-1} - \gamma g_t / (\sqrt{\tilde v_t} + \epsilon)

    with every slot starting at 0. Slots: ``square_avg`` (v), ``grad_avg`` (g bar,
    centered only), ``momentum_buffer`` (b, momentum > 0 only).
    """

    name = "rmsprop"
    OPTIONS: ClassVar[tuple[str, ...]] = ("alpha", "eps", "momentum", "centered", "weight_decay")

    def __init__(
        self,
        params: Mapping[str, Array],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        centered: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = _unit_interval("alpha", alpha)
        self.eps = _non_negative("eps", eps)
        self.momentum = _non_negative("momentum", momentum)
        self.weight_decay = _non_negative("weight_decay", weight_decay)
        if not isinstance(centered, bool | np.bool_):
            raise ConfigError(f"centered: expected True | False, received {centered!r}")
        self.centered = bool(centered)
        self._add_slot("square_avg")
        if self.centered:
            self._add_slot("grad_avg")
        if self.momentum > 0:
            self._add_slot("momentum_buffer")

    def _update(self, key: str, param: Array, grad: Array) -> None:
        if self.weight_decay:
            grad = grad + self.weight_decay * param
        v = self.state["square_avg"][key]
        v *= self.alpha
        v += (1.0 - self.alpha) * grad * grad
        if self.centered:
            g_bar = self.state["grad_avg"][key]
            g_bar += (1.0 - self.alpha) * (grad - g_bar)  # torch's lerp form
            avg = np.sqrt(v - g_bar * g_bar) + self.eps
        else:
            avg = np.sqrt(v) + self.eps
        if self.momentum > 0:
            buf = self.state["momentum_buffer"][key]
            buf *= self.momentum
            buf += grad / avg
            param -= self.lr * buf
        else:
            param -= self.lr * grad / avg


# ----------------------------------------------------------------- factory
OPTIMIZER_CLASSES: dict[str, type[SGD | Adam | RMSprop]] = {
    "sgd": SGD,
    "adam": Adam,
    "adamw": AdamW,
    "rmsprop": RMSprop,
}


def make_optimizer(name: str, params: Mapping[str, Array], lr: float, **options: Any) -> Optimizer:
    """The optimiser called `name` (sgd | adam | adamw | rmsprop) with its `options`."""
    cls = OPTIMIZER_CLASSES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ConfigError(f"optimizer: expected one of {' | '.join(OPTIMIZERS)}, received {name!r}")
    unknown = [option for option in options if option not in cls.OPTIONS]
    if unknown:
        raise ConfigError(
            f"{name} options: expected some of {' | '.join(cls.OPTIONS)}, received {unknown}"
        )
    return cls(params, lr, **options)
