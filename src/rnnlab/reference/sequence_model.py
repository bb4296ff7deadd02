"""The reference engine's twin of ``torch_engine.SequenceModel``: same wiring, same names.

    language-model:  ids (T, B) -> E[ids] -> Recurrent -> every step -> head -> (T, B, V)
    classify:        ids (T, B), lengths -> Recurrent (packed) -> last -> head -> (B, C)
    forecast:        values (T, B, 1) -> Recurrent -> last -> head -> (B, horizon)
    tag:             ids (T, B), lengths -> Recurrent (packed) -> every step -> head -> (T, B, K)

Parameters are one flat dict keyed ``embedding.weight``, ``rnn.<PyTorch name>``,
``head.weight``, ``head.bias`` whose arrays the optimiser updates in place. Dropout
(inverted, rate p) acts on the stack's input and output and between layers.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rnnlab.data.tag_data import IGNORE_INDEX
from rnnlab.errors import ShapeError
from rnnlab.reference.embedding import Embedding
from rnnlab.reference.heads import Linear, Readout
from rnnlab.reference.losses import softmax_cross_entropy, squared_error
from rnnlab.reference.recurrent import Recurrent, State
from rnnlab.spec.model import ModelSpec

Array = np.ndarray


class SequenceModelNP:
    """Embedding (token tasks) -> Recurrent -> Readout -> Linear, all in NumPy."""

    def __init__(
        self,
        task: str,
        spec: ModelSpec,
        input_size: int,
        num_outputs: int,
        vocab_size: int | None = None,
        dtype: object = np.float32,
        seed: int = 0,
    ) -> None:
        """``spec`` is the run's ``model`` section (cell, sizes, directions, dropout); the
        sizes are what the task and data imply (``torch_engine.build.model_sizes``)."""
        self.task, self.spec, self.dropout = task, spec, float(spec.dropout)
        hidden_size, bidirectional = spec.hidden_size, spec.bidirectional
        self.rnn = Recurrent(
            spec.cell,
            input_size,
            hidden_size,
            spec.num_layers,
            bidirectional,
            spec.nonlinearity,
            dtype=dtype,
            seed=seed,
            dropout=spec.dropout,
        )
        every = task in ("language-model", "tag")
        self.readout = Readout("every" if every else "last", hidden_size, bidirectional)
        self.head = Linear(self.rnn.output_size, num_outputs, dtype=dtype, seed=seed)
        self.embedding = None
        if task != "forecast":
            self.embedding = Embedding(np.zeros((vocab_size, input_size), dtype))
        self.rng, self.training = np.random.default_rng(seed), True
        self.frozen: set[str] = set()
        self._masks: tuple[Array | None, Array | None] = (None, None)

    @property
    def params(self) -> dict[str, Array]:
        named = {f"rnn.{k}": v for k, v in self.rnn.params.items()}
        named |= {f"head.{k}": v for k, v in self.head.params.items()}
        if self.embedding is not None:
            named = {"embedding.weight": self.embedding.weight} | named
        return named

    def trainable_params(self) -> dict[str, Array]:
        return {k: v for k, v in self.params.items() if k not in self.frozen}

    def load_state_dict(self, arrays: Mapping[str, Array]) -> None:
        """Copy arrays keyed like ``params`` in place; a mismatch names the key."""
        params = self.params
        if set(arrays) != set(params):
            raise ShapeError(
                f"weights: missing keys {sorted(set(params) - set(arrays))}, "
                f"unexpected keys {sorted(set(arrays) - set(params))}"
            )
        for key, target in params.items():
            value = np.asarray(arrays[key])
            if value.shape != target.shape:
                raise ShapeError(f"{key}: expected shape {target.shape}, received {value.shape}")
            np.copyto(target, value)

    def loss(self, out: Array, y: Array, reduction: str = "mean") -> tuple[float, Array]:
        """The task's loss and dL/d(out): cross-entropy over classes or tokens, MSE for
        forecasts (``reduction="sum"`` of squared_error is the 1/2-sum, see ``losses``);
        a tagger's over the real tokens only (target IGNORE_INDEX at padding, as torch's
        ``cross_entropy`` ignores it: "mean" divides by the real tokens)."""
        if self.task == "forecast":
            return squared_error(out, y.astype(out.dtype), reduction)
        if self.task == "tag":
            return _tag_cross_entropy(out, y, reduction)
        logits = out.reshape(-1, out.shape[-1])  # (N, K)
        loss, grad = softmax_cross_entropy(logits, y.reshape(-1).astype(np.int64), reduction)
        return loss, grad.reshape(out.shape)

    def train(self, mode: bool = True) -> None:
        self.training = self.rnn.training = mode

    def _drop(self, shape: tuple[int, ...]) -> Array | None:
        if not (self.training and self.dropout > 0):
            return None
        keep = self.rng.random(shape) >= self.dropout
        return keep.astype(self.rnn.dtype) / (1.0 - self.dropout)

    def forward(
        self, x: Array, lengths: Array | None = None, state: State | None = None
    ) -> tuple[Array, State]:
        inputs = self.embedding.forward(x) if self.embedding is not None else x  # (T, B, E)
        inputs = inputs.astype(self.rnn.dtype, copy=False)
        in_mask = self._drop(inputs.shape)
        if in_mask is not None:
            inputs = inputs * in_mask
        y, state_n = self.rnn.forward(inputs, state, lengths)  # (T, B, dirs*H)
        features = self.readout.forward(y, lengths)  # (T, B, .) or (B, .)
        out_mask = self._drop(features.shape)
        self._masks = (in_mask, out_mask)
        if out_mask is not None:
            features = features * out_mask
        return self.head.forward(features), state_n  # (T, B, V) or (B, O)

    def backward(self, d_out: Array, d_state: State | None = None) -> dict[str, Array]:
        """Gradients keyed like ``params`` from dL/d(output) (and dL/d(final state))."""
        in_mask, out_mask = self._masks
        d_features, head_grads = self.head.backward(d_out)
        if out_mask is not None:
            d_features = d_features * out_mask
        d_inputs, _, rnn_grads = self.rnn.backward(self.readout.backward(d_features), d_state)
        if in_mask is not None:
            d_inputs = d_inputs * in_mask
        grads = {f"rnn.{k}": v for k, v in rnn_grads.items()}
        grads |= {f"head.{k}": v for k, v in head_grads.items()}
        if self.embedding is not None:
            grads = {"embedding.weight": self.embedding.backward(d_inputs)} | grads
        return grads


def _tag_cross_entropy(out: Array, y: Array, reduction: str) -> tuple[float, Array]:
    """Cross-entropy of out (T, B, K) against tag ids y (T, B), skipping IGNORE_INDEX."""
    logits = out.reshape(-1, out.shape[-1])  # (T*B, K)
    target = y.reshape(-1).astype(np.int64)  # (T*B,)
    real = target != IGNORE_INDEX
    grad = np.zeros_like(logits)
    if not real.any():
        return 0.0, grad.reshape(out.shape)
    loss, grad[real] = softmax_cross_entropy(logits[real], target[real], reduction)
    return loss, grad.reshape(out.shape)
