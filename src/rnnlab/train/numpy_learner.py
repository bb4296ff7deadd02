"""The learner on the reference engine: SequenceModelNP and rnnlab.reference.optim."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rnnlab.data.batches import Batch
from rnnlab.reference.clip import clip_grad_norm, clip_grad_value, global_norm
from rnnlab.reference.optim import make_optimizer
from rnnlab.reference.sequence_model import SequenceModelNP
from rnnlab.spec.run import TrainSpec
from rnnlab.train.learner import EvalOutput, Learner, StepResult


class NumpyLearner(Learner):
    def __init__(
        self,
        model: SequenceModelNP,
        task: str,
        spec: TrainSpec,
        frozen: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(task, spec)
        self.model = model
        model.frozen = set(frozen)
        options: dict[str, Any] = {"weight_decay": spec.weight_decay}
        if spec.optimizer in ("sgd", "rmsprop"):
            options["momentum"] = spec.momentum
        self.optimizer = make_optimizer(
            spec.optimizer, model.trainable_params(), spec.lr, **options
        )

    @property
    def lr(self) -> float:
        return float(self.optimizer.lr)

    @lr.setter
    def lr(self, value: float) -> None:
        self.optimizer.lr = value

    def _grads(self, batch: Batch, carry: Any) -> tuple[float, dict[str, np.ndarray], Any]:
        out, state = self.model.forward(batch.x, batch.lengths, carry)
        loss, d_out = self.model.loss(out, batch.y)
        grads = self.model.backward(d_out)
        return loss, {k: grads[k] for k in self.model.trainable_params()}, state

    def train_step(self, batch: Batch, carry: Any) -> StepResult:
        self.model.train(True)
        loss, grads, state = self._grads(batch, carry)
        if self.spec.clip_grad_norm is not None:
            norm = clip_grad_norm(grads, self.spec.clip_grad_norm)
        else:
            norm = global_norm(grads)
        clipped = self.clip_flags(norm, list(grads.values()) if self.spec.clip_grad_value else None)
        if self.spec.clip_grad_value is not None:
            clip_grad_value(grads, self.spec.clip_grad_value)
        finite = math.isfinite(loss) and math.isfinite(norm)
        if finite:
            self.optimizer.step(grads)
        carry = state if self.task == "language-model" else None
        return StepResult(loss, norm, clipped, finite, carry)

    def eval_batch(self, batch: Batch, carry: Any) -> EvalOutput:
        self.model.train(False)
        out, state = self.model.forward(batch.x, batch.lengths, carry)
        loss_sum, _ = self.model.loss(out, batch.y, "sum")
        if self.task == "forecast":
            loss_sum *= 2.0  # "sum" is the textbook 1/2-sum
        outputs, count = None, int(batch.y.size)
        if self.task == "classify":
            outputs = out.argmax(axis=1)
        elif self.task == "forecast":
            outputs = out.astype(np.float64)
        elif self.task == "tag":  # predicted tag ids (T, B); the loss counts real tokens
            outputs, count = out.argmax(axis=-1), int(batch.n_tokens)
        carry = state if self.task == "language-model" else None
        return EvalOutput(float(loss_sum), count, outputs, carry)

    def gradients(self, batch: Batch, carry: Any = None) -> dict[str, np.ndarray]:
        self.model.train(True)
        _, grads, _ = self._grads(batch, carry)
        return {k: v.copy() for k, v in grads.items()}

    def model_arrays(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self.model.params.items()}

    def load_model_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        self.model.load_state_dict(arrays)

    def optim_arrays(self) -> dict[str, np.ndarray]:
        return self.optimizer.state_dict()

    def load_optim_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        self.optimizer.load_state_dict(arrays)

    def carry_to_arrays(self, carry: Any) -> dict[str, np.ndarray]:
        if carry is None:
            return {}
        parts = carry if isinstance(carry, tuple) else (carry,)
        return {k: np.array(p) for k, p in zip(("h", "c"), parts, strict=False)}

    def carry_from_arrays(self, arrays: dict[str, np.ndarray]) -> Any:
        if not arrays:
            return None
        return (arrays["h"], arrays["c"]) if "c" in arrays else arrays["h"]

    def reference_model(self) -> SequenceModelNP:
        return self.model

    def rng_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {}, {
            "model": self.model.rng.bit_generator.state,
            "rnn": self.model.rnn.rng.bit_generator.state,
        }

    def set_rng_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        if "model" in meta:
            self.model.rng.bit_generator.state = meta["model"]
            self.model.rnn.rng.bit_generator.state = meta["rnn"]
