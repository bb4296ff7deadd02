"""The learner on the fast engine: torch_engine.SequenceModel and torch.optim."""

from __future__ import annotations

import contextlib
import math
import os
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from rnnlab.data.batches import Batch
from rnnlab.errors import ConfigError, ShapeError
from rnnlab.reference.sequence_model import SequenceModelNP
from rnnlab.spec.run import TrainSpec
from rnnlab.torch_engine import SequenceModel, load_numpy, reference_twin, to_numpy
from rnnlab.torch_engine.probe import gradient_flow
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


# cuBLAS reproducibility needs a fixed workspace, set before CUDA's first GEMM
# (https://docs.nvidia.com/cuda/cublas/#results-reproducibility)
CUBLAS_WORKSPACE = ":4096:8"


def set_determinism(deterministic: bool) -> None:
    """train.deterministic for this process: deterministic torch kernels (bitwise-equal
    repeats and resumes on CUDA; the CPU kernels are deterministic already). An op without a
    deterministic version warns instead of failing the run."""
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", CUBLAS_WORKSPACE)
    torch.use_deterministic_algorithms(deterministic, warn_only=True)


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
        set_determinism(spec.deterministic)
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
        self.train_module: torch.nn.Module = self.model  # a DDP wrapper under torch.distributed
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
        x, y = self._to_device(batch.x), self._to_device(batch.y)
        x, y = (x.to(self.dtype), y.to(self.dtype)) if as_float else (x.long(), y.long())
        lengths = None if batch.lengths is None else torch.as_tensor(batch.lengths)  # CPU
        return x, lengths, y

    def _to_device(self, array: np.ndarray) -> torch.Tensor:
        """A batch array on the model's device. To a GPU through pinned memory without
        waiting: a copy from pageable memory first waits for every queued kernel."""
        tensor = torch.as_tensor(array)
        if self.device.type != "cuda":
            return tensor.to(self.device)
        return tensor.pin_memory().to(self.device, non_blocking=True)

    def _loss(self, out: torch.Tensor, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
        if self.task == "forecast":
            return F.mse_loss(out, y, reduction=reduction)
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1), reduction=reduction)

    def _autocast(self) -> contextlib.AbstractContextManager:
        """train.precision bf16: autocast on the model's device type (fp32: nothing)."""
        if self.spec.precision != "bf16":
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=torch.bfloat16)

    def _model_out(
        self, batch: Batch, carry: Any, module: torch.nn.Module | None = None
    ) -> tuple[torch.Tensor, Any, torch.Tensor]:
        """(outputs in the learner's dtype, final state, targets) of `module` (the model by
        default) on a batch."""
        x, lengths, y = self._inputs(batch)
        with self._autocast():
            out, state = (module or self.model)(x, lengths, carry)
        if out.dtype != self.dtype:  # bf16 under autocast: loss and carried state in full
            out = out.to(self.dtype)
            parts = state if isinstance(state, tuple) else (state,)
            parts = tuple(s.to(self.dtype) for s in parts)
            state = parts if isinstance(state, tuple) else parts[0]
        return out, state, y

    def _forward_loss(self, batch: Batch, carry: Any) -> tuple[torch.Tensor, Any]:
        out, state, y = self._model_out(batch, carry, self.train_module)
        return self._loss(out, y), state

    def train_step(self, batch: Batch, carry: Any) -> StepResult:
        self.model.train()
        loss, state = self._forward_loss(batch, carry)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        loss_value, norm, largest = self._step_numbers(loss)
        clipped = self.clip_flags(norm) or (
            self.spec.clip_grad_value is not None and largest > self.spec.clip_grad_value
        )
        finite = math.isfinite(loss_value) and math.isfinite(norm)
        if finite:
            self.optimizer.step()
        return StepResult(loss_value, norm, clipped, finite, self._detach(state))

    def _step_numbers(self, loss: torch.Tensor) -> tuple[float, float, float]:
        """(loss, pre-clip gradient norm, largest |gradient|) after clipping the gradients
        as configured: one device-to-host copy per step (on a GPU each .item() waits for
        the queued kernels, and the GPU idles while the host catches up; there were three)."""
        params = [p for _, p in self.named if p.grad is not None]
        norm = torch.nn.utils.get_total_norm([p.grad for p in params])
        if self.spec.clip_grad_norm is not None:  # without a limit the factor is 1: skip it
            torch.nn.utils.clip_grads_with_norm_(params, self.spec.clip_grad_norm, norm)
        numbers = [loss.detach().to(norm.dtype), norm]
        if self.spec.clip_grad_value is not None:
            numbers.append(torch.stack([p.grad.abs().amax() for p in params]).amax())
            torch.nn.utils.clip_grad_value_(params, self.spec.clip_grad_value)
        values = torch.stack(numbers).tolist()
        return values[0], values[1], values[2] if len(values) > 2 else 0.0

    def _detach(self, state: Any) -> Any:
        if self.task != "language-model":
            return None
        return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()

    @torch.no_grad()
    def eval_batch(self, batch: Batch, carry: Any) -> EvalOutput:
        self.model.eval()
        out, state, y = self._model_out(batch, carry)
        loss_sum = float(self._loss(out, y, "sum"))
        outputs, count = None, int(y.numel())
        if self.task == "classify":
            outputs = out.argmax(dim=1).cpu().numpy()
        elif self.task == "forecast":
            outputs = out.cpu().numpy().astype(np.float64)
        elif self.task == "tag":  # predicted tag ids (T, B); the loss counts real tokens
            outputs, count = out.argmax(dim=-1).cpu().numpy(), int(batch.n_tokens)
        return EvalOutput(loss_sum, count, outputs, self._detach(state))

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

    def probe(self, batch: Batch, carry: Any, step: int) -> tuple[dict, dict]:
        """On a GPU the probe runs there (device_probe): copying the batch to the host for
        the reference engine took ~16 s per probe at config c. On the CPU the reference
        engine's probe stays: timed there per probe (1 thread), it was as fast as the torch
        one at 2 x 512 and up to ~20 % faster at config a, and it is the oracle the torch
        probe is tested against."""
        if self.device.type == "cpu":
            return super().probe(batch, carry, step)
        return self.device_probe(batch, carry, step)

    def device_probe(self, batch: Batch, carry: Any, step: int) -> tuple[dict, dict]:
        """Gradient flow and histograms on the model's device (torch_engine.probe), in full
        precision whatever train.precision says."""
        x, lengths, y = self._inputs(batch)
        return gradient_flow(self.model, x, y, lengths, carry, self._loss, step)

    def reference_model(self) -> SequenceModelNP:
        """The reference twin (built once, weights refreshed on every call)."""
        dtype = np.float64 if self.dtype == torch.float64 else np.float32
        if getattr(self, "_twin", None) is None:
            self._twin = reference_twin(self.model, dtype)
        else:
            self._twin.load_state_dict(to_numpy(self.model))
        return self._twin

    def rng_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The CPU generator and, on a GPU, the device's (its dropout masks come from it)."""
        arrays = {"torch": torch.get_rng_state().numpy().copy()}
        if self.device.type == "cuda":
            arrays["torch_cuda"] = torch.cuda.get_rng_state(self.device).numpy().copy()
        return arrays, {}

    def set_rng_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        if "torch" in arrays:
            torch.set_rng_state(torch.from_numpy(np.array(arrays["torch"], dtype=np.uint8)))
        if "torch_cuda" in arrays and self.device.type == "cuda":
            state = torch.from_numpy(np.array(arrays["torch_cuda"], dtype=np.uint8))
            torch.cuda.set_rng_state(state, self.device)
