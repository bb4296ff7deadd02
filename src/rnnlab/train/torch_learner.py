"""The learner on the fast engine: torch_engine.SequenceModel and torch.optim."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from rnnlab.data.batches import Batch
from rnnlab.errors import ConfigError, ShapeError
from rnnlab.reference.sequence_model import SequenceModelNP
from rnnlab.spec.run import TrainSpec
from rnnlab.torch_engine import SequenceModel, load_numpy, reference_twin, to_numpy
from rnnlab.train.learner import EvalOutput, Learner, StepResult

OPTIMIZERS = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
}


def resolve_device(device: str) -> torch.device:
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            "train.device: cuda was asked for but no CUDA device is available; use auto or cpu"
        )
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def make_optimizer(spec: TrainSpec, params: list[torch.nn.Parameter]) -> torch.optim.Optimizer:
    options: dict[str, Any] = {"lr": spec.lr, "weight_decay": spec.weight_decay}
    if spec.optimizer in ("sgd", "rmsprop"):
        options["momentum"] = spec.momentum
    if spec.optimizer in ("adam", "adamw"):
        # One fused kernel for every parameter instead of ~7 ops per tensor: the same
        # update up to rounding (bench/tutorial.py word LM, 2 threads: 1.07 -> 0.94 s)
        options["fused"] = True
    return OPTIMIZERS[spec.optimizer](params, **options)


class TorchLearner(Learner):
    def __init__(
        self,
        model: SequenceModel,
        task: str,
        spec: TrainSpec,
        frozen: frozenset[str] = frozenset(),
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__(task, spec)
        self.device = resolve_device(spec.device)
        self.dtype = dtype
        if spec.threads is not None:
            torch.set_num_threads(spec.threads)
        if self.device.type == "cpu":
            # Vanishing gradients reach subnormal floats (< 1.2e-38), which x86 CPUs
            # process about 100x slower; flushing them to zero changes no result that
            # matters and made CPU training up to 30 % faster (bench/throughput.py).
            torch.set_flush_denormal(True)
        self.model = model.to(self.device, dtype)
        for name, param in self.model.named_parameters():
            param.requires_grad_(name not in frozen)
        self.named = [(n, p) for n, p in self.model.named_parameters() if p.requires_grad]
        self.optimizer = make_optimizer(spec, [p for _, p in self.named])

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    @lr.setter
    def lr(self, value: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = value

    def _inputs(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
        as_float = self.task == "forecast"
        x = torch.as_tensor(batch.x, device=self.device)
        y = torch.as_tensor(batch.y, device=self.device)
        x, y = (x.to(self.dtype), y.to(self.dtype)) if as_float else (x.long(), y.long())
        lengths = None if batch.lengths is None else torch.as_tensor(batch.lengths)
        return x, lengths, y

    def _loss(self, out: torch.Tensor, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
        if self.task == "forecast":
            return F.mse_loss(out, y, reduction=reduction)
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1), reduction=reduction)

    def _forward_loss(self, batch: Batch, carry: Any) -> tuple[torch.Tensor, Any]:
        x, lengths, y = self._inputs(batch)
        out, state = self.model(x, lengths, carry)
        return self._loss(out, y), state

    def train_step(self, batch: Batch, carry: Any) -> StepResult:
        self.model.train()
        loss, state = self._forward_loss(batch, carry)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        params = [p for _, p in self.named]
        limit = self.spec.clip_grad_norm or math.inf
        norm = float(torch.nn.utils.clip_grad_norm_(params, limit))
        grads = None
        if self.spec.clip_grad_value is not None:  # only then are the values needed
            grads = [p.grad.detach().cpu().numpy() for p in params if p.grad is not None]
        clipped = self.clip_flags(norm, grads)
        if self.spec.clip_grad_value is not None:
            torch.nn.utils.clip_grad_value_(params, self.spec.clip_grad_value)
        finite = math.isfinite(loss.item()) and math.isfinite(norm)
        if finite:
            self.optimizer.step()
        return StepResult(loss.item(), norm, clipped, finite, self._detach(state))

    def _detach(self, state: Any) -> Any:
        if self.task != "language-model":
            return None
        return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()

    @torch.no_grad()
    def eval_batch(self, batch: Batch, carry: Any) -> EvalOutput:
        self.model.eval()
        x, lengths, y = self._inputs(batch)
        out, state = self.model(x, lengths, carry)
        loss_sum = float(self._loss(out, y, "sum"))
        outputs = None
        if self.task == "classify":
            outputs = out.argmax(dim=1).cpu().numpy()
        elif self.task == "forecast":
            outputs = out.cpu().numpy().astype(np.float64)
        return EvalOutput(loss_sum, int(y.numel()), outputs, self._detach(state))

    def gradients(self, batch: Batch, carry: Any = None) -> dict[str, np.ndarray]:
        self.model.train()
        loss, _ = self._forward_loss(batch, carry)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        return {n: p.grad.detach().cpu().numpy().copy() for n, p in self.named}

    def model_arrays(self) -> dict[str, np.ndarray]:
        return to_numpy(self.model)

    def load_model_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        load_numpy(self.model, arrays)

    def optim_arrays(self) -> dict[str, np.ndarray]:
        """torch.optim's per-parameter state, keyed `<slot>.<param name>`."""
        names = [n for n, _ in self.named]
        arrays: dict[str, np.ndarray] = {}
        for index, slots in self.optimizer.state_dict()["state"].items():
            for slot, value in slots.items():
                if isinstance(value, torch.Tensor):
                    arrays[f"{slot}.{names[index]}"] = value.detach().cpu().numpy().copy()
        return arrays

    def load_optim_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        names = [n for n, _ in self.named]
        state: dict[int, dict[str, torch.Tensor]] = {}
        for key, value in arrays.items():
            slot, _, name = key.partition(".")
            if name not in names:
                raise ShapeError(f"optim.{key}: no trainable parameter named {name!r}")
            state.setdefault(names.index(name), {})[slot] = torch.from_numpy(np.array(value))
        current = self.optimizer.state_dict()
        self.optimizer.load_state_dict({"state": state, "param_groups": current["param_groups"]})

    def carry_to_arrays(self, carry: Any) -> dict[str, np.ndarray]:
        if carry is None:
            return {}
        parts = carry if isinstance(carry, tuple) else (carry,)
        return {k: p.cpu().numpy().copy() for k, p in zip(("h", "c"), parts, strict=False)}

    def carry_from_arrays(self, arrays: dict[str, np.ndarray]) -> Any:
        if not arrays:
            return None
        h = torch.as_tensor(arrays["h"], device=self.device)
        return (h, torch.as_tensor(arrays["c"], device=self.device)) if "c" in arrays else h

    def reference_model(self) -> SequenceModelNP:
        """The reference twin (built once, weights refreshed on every call)."""
        dtype = np.float64 if self.dtype == torch.float64 else np.float32
        if getattr(self, "_twin", None) is None:
            self._twin = reference_twin(self.model, dtype)
        else:
            self._twin.load_state_dict(to_numpy(self.model))
        return self._twin

    def rng_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {"torch": torch.get_rng_state().numpy().copy()}, {}

    def set_rng_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        if "torch" in arrays:
            torch.set_rng_state(torch.from_numpy(np.array(arrays["torch"], dtype=np.uint8)))
