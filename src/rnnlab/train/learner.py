"""What the trainer needs from an engine: one interface, two implementations.

A learner owns a model and its optimiser. ``train_step`` does forward, loss,
backward, the pre-clip global gradient norm, clipping, the non-finite check and
(only when everything is finite) the optimiser step. Its whole state leaves and
returns as flat NumPy arrays keyed ``model.<param>``, ``optim.<slot>`` and
``carry.h`` / ``carry.c`` (the hidden state carried across LM windows), so the
trainer never needs to know which engine runs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from rnnlab.data.batches import Batch
from rnnlab.reference.probe import gradient_flow, states
from rnnlab.reference.sequence_model import SequenceModelNP
from rnnlab.spec.run import TrainSpec


@dataclass(frozen=True)
class StepResult:
    loss: float
    grad_norm: float  # global L2 norm before clipping
    clipped: bool
    finite: bool  # loss and gradients finite: the step was taken
    carry: Any  # detached final state (language models), else None


@dataclass(frozen=True)
class EvalOutput:
    loss_sum: float  # summed over the counted items
    count: int  # tokens (LM), sequences (classify), values (forecast)
    outputs: np.ndarray | None  # classify: predicted class (B,); forecast: (B, horizon)
    carry: Any


class Learner(ABC):
    """An engine's model and optimiser behind the trainer's interface."""

    def __init__(self, task: str, spec: TrainSpec) -> None:
        self.task, self.spec = task, spec

    @property
    @abstractmethod
    def lr(self) -> float: ...

    @lr.setter
    @abstractmethod
    def lr(self, value: float) -> None: ...

    @abstractmethod
    def train_step(self, batch: Batch, carry: Any) -> StepResult: ...

    @abstractmethod
    def eval_batch(self, batch: Batch, carry: Any) -> EvalOutput: ...

    @abstractmethod
    def gradients(self, batch: Batch, carry: Any = None) -> dict[str, np.ndarray]:
        """Gradients of the training loss for the trainable parameters (no update)."""

    @abstractmethod
    def model_arrays(self) -> dict[str, np.ndarray]: ...

    @abstractmethod
    def load_model_arrays(self, arrays: dict[str, np.ndarray]) -> None: ...

    @abstractmethod
    def optim_arrays(self) -> dict[str, np.ndarray]: ...

    @abstractmethod
    def load_optim_arrays(self, arrays: dict[str, np.ndarray]) -> None: ...

    @abstractmethod
    def carry_to_arrays(self, carry: Any) -> dict[str, np.ndarray]: ...

    @abstractmethod
    def carry_from_arrays(self, arrays: dict[str, np.ndarray]) -> Any: ...

    @abstractmethod
    def reference_model(self) -> SequenceModelNP:
        """The reference engine's model holding the current weights (for probes)."""

    def probe(self, batch: Batch, carry: Any, step: int) -> tuple[dict, dict]:
        """(gradient_flow, histograms) payloads of the training loss on `batch`.

        NumPy's BLAS runs on one thread here: its worker threads would otherwise contend
        with torch's for the cores (with 2 threads on 2 cores a probe took 5x longer
        inside training than alone; bench/probe_overhead.py).
        """
        arrays = self.carry_to_arrays(carry)
        state = (
            None if not arrays else ((arrays["h"], arrays["c"]) if "c" in arrays else arrays["h"])
        )
        model = self.reference_model()
        with threadpool_limits(limits=1, user_api="blas"):
            return gradient_flow(model, batch.x, batch.y, batch.lengths, state, step)

    def states(self, x: np.ndarray, tokens: list[str]) -> dict[str, Any]:
        """h_t, c_t and gates at every step of one sequence x (T, 1[, D])."""
        model = self.reference_model()
        with threadpool_limits(limits=1, user_api="blas"):
            return states(model, x, tokens, model.rnn.cell_type.name)

    @abstractmethod
    def rng_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """(arrays, JSON-able) of every random generator the learner draws from."""

    @abstractmethod
    def set_rng_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None: ...

    # ------------------------------------------------------------- whole state
    def state_arrays(self) -> dict[str, np.ndarray]:
        arrays = {f"model.{k}": v for k, v in self.model_arrays().items()}
        arrays |= {f"optim.{k}": v for k, v in self.optim_arrays().items()}
        return arrays

    def load_state_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        self.load_model_arrays(_strip(arrays, "model."))
        self.load_optim_arrays(_strip(arrays, "optim."))

    def clip_flags(self, norm: float, grads: list[np.ndarray] | None = None) -> bool:
        """Whether the configured clipping changes gradients of this norm."""
        clipped = self.spec.clip_grad_norm is not None and norm > self.spec.clip_grad_norm
        if self.spec.clip_grad_value is not None and grads is not None:
            clipped = clipped or any(
                np.abs(g).max(initial=0) > self.spec.clip_grad_value for g in grads
            )
        return clipped


def _strip(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
