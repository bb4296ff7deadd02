r"""Readout heads: which hidden states are read, and the linear map that reads them.

.. math::

    o = W_{hy} h + b_y          y_hat = softmax(o) | sigmoid(o) | o   (see ``losses``)

- ``Readout("last")`` (many-to-one) reads one feature vector per sequence: the
  forward direction's state at the sequence's last step and, when bidirectional,
  the backward direction's state at the first step (the backward pass ends there).
  These are exactly the top layer's final states h_n.
- ``Readout("every")`` (many-to-many) reads y_t at every step.

``Linear`` stores W_hy (O x H) and b_y (O) as PyTorch's ``nn.Linear`` does
(``weight``, ``bias``).
"""

from __future__ import annotations

import numpy as np

from rnnlab.errors import ConfigError, ShapeError, expect_shape

Array = np.ndarray
READOUTS = ("last", "every")


class Linear:
    """o = W_hy h + b_y over the last axis: h (..., H) -> o (..., O)."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        dtype: object = np.float64,
        seed: int | None = None,
    ) -> None:
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name}: expected a positive integer, received {value!r}")
        bound = 1.0 / np.sqrt(in_features)  # PyTorch's default for nn.Linear
        rng = np.random.default_rng(seed)
        self.params = {
            "weight": rng.uniform(-bound, bound, (out_features, in_features)).astype(dtype),
            "bias": rng.uniform(-bound, bound, (out_features,)).astype(dtype),
        }
        self._h: Array | None = None

    def load_state_dict(self, state: dict[str, Array]) -> None:
        """Copy weights in place (optimisers keep their arrays); names as nn.Linear's."""
        checked = {}
        for name, current in self.params.items():
            if name not in state:
                raise ShapeError(f"state_dict: missing key {name!r} of the linear head")
            checked[name] = np.asarray(state[name], dtype=current.dtype)
            expect_shape(name, checked[name].shape, current.shape)
        for name, value in checked.items():
            np.copyto(self.params[name], value)

    def forward(self, h: Array) -> Array:
        W, b = self.params["weight"], self.params["bias"]
        if h.shape[-1] != W.shape[1]:
            raise ShapeError(f"h: expected last axis of size {W.shape[1]}, received {h.shape}")
        self._h = h  # (..., H)
        return h @ W.T + b  # (..., O)

    def backward(self, do: Array) -> tuple[Array, dict[str, Array]]:
        """do (..., O) = dL/do -> (dL/dh, {"weight": dL/dW_hy, "bias": dL/db_y})."""
        if self._h is None:
            raise ConfigError("backward: call forward first")
        W = self.params["weight"]
        h2 = self._h.reshape(-1, W.shape[1])  # (N, H)
        do2 = do.reshape(-1, W.shape[0])  # (N, O)
        grads = {"weight": do2.T @ h2, "bias": do2.sum(axis=0)}  # sum over N of do h^T
        return do @ W, grads  # (..., H)


class Readout:
    """Selects what the head reads from the top layer's output y (T, B, dirs*H)."""

    def __init__(self, mode: str, hidden_size: int, bidirectional: bool = False) -> None:
        if mode not in READOUTS:
            raise ConfigError(f"readout: expected one of last | every, received {mode!r}")
        self.mode, self.hidden_size, self.bidirectional = mode, hidden_size, bidirectional
        self._shape: tuple[int, ...] | None = None
        self._last: Array | None = None

    def forward(self, y: Array, lengths: Array | None = None) -> Array:
        """every: y itself (T, B, dirs*H); last: (B, dirs*H) features per sequence."""
        self._shape = y.shape
        if self.mode == "every":
            return y
        T, B, _ = y.shape
        last = np.full(B, T - 1) if lengths is None else np.asarray(lengths) - 1  # (B,)
        self._last = last
        H = self.hidden_size
        forward_part = y[last, np.arange(B), :H]  # (B, H) at each last step
        if not self.bidirectional:
            return forward_part
        backward_part = y[0, :, H:]  # (B, H) reverse pass ends at t=1
        return np.concatenate([forward_part, backward_part], axis=1)  # (B, 2H)

    def backward(self, d_features: Array) -> Array:
        """Scatter dL/d(features) back to dL/dy (T, B, dirs*H)."""
        if self._shape is None:
            raise ConfigError("backward: call forward first")
        if self.mode == "every":
            return d_features
        dy = np.zeros(self._shape, d_features.dtype)  # (T, B, dirs*H)
        B, H = self._shape[1], self.hidden_size
        dy[self._last, np.arange(B), :H] = d_features[:, :H]
        if self.bidirectional:
            dy[0, :, H:] += d_features[:, H:]
        return dy
