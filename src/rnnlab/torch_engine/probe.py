r"""The gradient-flow probe on the model's own device: dL/dh_t by autograd, unrolled.

nn.LSTM / GRU / RNN (cuDNN on a GPU) hand back dL/dy_t only, the gradient arriving from
above; the probe wants dL/dh_t in total (from above and from step t+1). So the probe runs
the same weights through the cell equations (PyTorch's, and its gate order) one step at
a time, keeps every h_t with ``retain_grad`` and reads ``h_t.grad`` after one backward:

    h_t = cell(x_t, h_{t-1})            per layer and direction, t in time order
    dL/dh_t = h_t.grad                  (T, B, H): from the output at t and from step t+1

Variable lengths follow PackedSequence semantics as ExplicitRecurrent and the reference
engine do: past its length a sequence keeps its state and outputs zeros, and the reverse
direction starts at the sequence's own last step. The weights are detached views (no
copy) made leaves, so frozen parameters get gradients too and the model's own ``.grad``
stays untouched; dL/dW_hh is one GEMM per direction after backward. A registered cell
without a torch.nn form (``torch_native`` None) steps through its own torch ``step``
instead, and autograd gives every parameter's gradient. Everything stays on
the model's device; a few numbers per series and parameter come back to the host. The
payloads are those of ``reference.probe.gradient_flow``, the oracle of the tests.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from rnnlab.reference.probe import BINS
from rnnlab.reference.probe import histogram as reference_histogram
from rnnlab.torch_engine.cell_layer import cell_functions
from rnnlab.torch_engine.model import SequenceModel

LossFn = Callable[[Tensor, Tensor], Tensor]


@dataclass
class Direction:
    """One layer and direction of the unrolled pass: h_t (T of (B, H), time order, each
    retaining its gradient), and per step the recurrent GEMM's output ``pre`` (retaining
    its gradient) and its input h_{t-1}, from which dL/dW_hh is one GEMM after backward.
    For a cell stepped through its own ``step`` (no torch.nn form) ``W_hh`` is None and
    autograd fills every parameter's gradient itself."""

    W_hh: str | None  # the key of this direction's W_hh (torch.nn cells)
    hs: list[Tensor] = field(default_factory=list)
    pres: list[Tensor] = field(default_factory=list)
    h_prevs: list[Tensor] = field(default_factory=list)

    @torch.no_grad()
    def d_W_hh(self) -> Tensor:
        """sum_t dL/dpre_t^T h_{t-1}: (G, H)."""
        d_pre = torch.cat(
            [p.grad if p.grad is not None else torch.zeros_like(p) for p in self.pres]
        )
        return d_pre.t() @ torch.cat(self.h_prevs)


def _lstm_step(zx_t: Tensor, state: tuple[Tensor, ...], W_hh_t: Tensor, b_hh: Tensor):
    pre = torch.addmm(zx_t, state[0], W_hh_t)  # zx_t holds b_ih + b_hh
    i, f, g, o = pre.chunk(4, dim=1)
    c = torch.sigmoid(f) * state[1] + torch.sigmoid(i) * torch.tanh(g)
    return (torch.sigmoid(o) * torch.tanh(c), c), pre


def _gru_step(zx_t: Tensor, state: tuple[Tensor, ...], W_hh_t: Tensor, b_hh: Tensor):
    h = state[0]
    H = h.shape[1]
    zh = pre = torch.addmm(b_hh, h, W_hh_t)
    rz = torch.sigmoid(zx_t[:, : 2 * H] + zh[:, : 2 * H])
    r, z = rz[:, :H], rz[:, H:]
    n = torch.tanh(zx_t[:, 2 * H :] + r * zh[:, 2 * H :])
    return (n + z * (h - n),), pre  # (1 - z) n + z h


def _rnn_step(zx_t: Tensor, state: tuple[Tensor, ...], W_hh_t: Tensor, b_hh: Tensor, relu):
    pre = torch.addmm(zx_t, state[0], W_hh_t)
    return (torch.relu(pre) if relu else torch.tanh(pre),), pre


# (new state, the recurrent GEMM's output) of one step of torch.nn's cells, keyed by the
# registry's torch_native: PyTorch's equations and gate order (LSTM i f g o, GRU r z n).
# zx_t is W_ih x_t + b_ih (+ b_hh, except for GRU, whose b_hn sits inside r * (...)).
NATIVE_STEPS: dict[str, tuple[Callable, bool]] = {  # step, b_hh inside the step
    "LSTM": (_lstm_step, False),
    "GRU": (_gru_step, True),
    "RNN": (_rnn_step, False),
}


def native_direction(
    model: SequenceModel,
    x: Tensor,
    state: tuple[Tensor, ...],
    inside: Tensor | None,
    p: dict[str, Tensor],
    record: Direction,
    reverse: bool,
) -> tuple[Tensor, ...]:
    """Steps through x (T, B, D) from state (h0,) or (h0, c0) (each (B, H)), filling
    `record`; the final state. inside (T, B, 1) bool or None. The input projections of all
    steps are one GEMM whose per-step views go back as one stack (indexing x[t] would
    zero-fill a (T, B, D) gradient for every step); W_hh enters detached, so backward runs
    one GEMM per step (dL/dh_{t-1}), not two."""
    step, b_hh_inside = NATIVE_STEPS[model.cell_type.torch_native]
    if len(model.cell_type.nonlinearities) > 1:  # nn.RNN: tanh | relu
        step = functools.partial(step, relu=model.rnn.nonlinearity == "relu")
    T, B, D = x.shape
    bias = p["bias_ih"] if b_hh_inside else p["bias_ih"] + p["bias_hh"]
    zx = torch.addmm(bias, x.reshape(T * B, D), p["weight_ih"].t()).view(T, B, -1).unbind(0)
    W_hh_t = p["weight_hh"].detach().t()
    for t in reversed(range(T)) if reverse else range(T):
        new, pre = step(zx[t], state, W_hh_t, p["bias_hh"])
        if inside is not None:  # past the length: keep the state
            new = tuple(torch.where(inside[t], n, s) for n, s in zip(new, state, strict=True))
        pre.retain_grad()
        record.pres.append(pre)
        record.h_prevs.append(state[0])
        state = _keep(new, record)
    if reverse:
        record.hs.reverse()  # time order
    return state


def cell_direction(
    model: SequenceModel,
    x: Tensor,
    state: tuple[Tensor, ...],
    inside: Tensor | None,
    p: dict[str, Tensor],
    record: Direction,
    reverse: bool,
) -> tuple[Tensor, ...]:
    """As ``native_direction``, for a registered cell without a torch.nn form: its own
    ``step`` (rnnlab.cells.<name>_torch) per time step, autograd for every gradient."""
    _, step = cell_functions(model.cell_type, model.rnn.nonlinearity)
    steps = x.unbind(0)  # (B, D) each; one stack on the way back
    with_c = model.cell_type.has_cell_state
    for t in reversed(range(len(steps))) if reverse else range(len(steps)):
        h, c = step(steps[t], p, state[0], state[1] if with_c else None)
        new = (h, c) if with_c else (h,)
        if inside is not None:  # past the length: keep the state
            new = tuple(torch.where(inside[t], n, s) for n, s in zip(new, state, strict=True))
        state = _keep(new, record)
    if reverse:
        record.hs.reverse()  # time order
    return state


def _keep(state: tuple[Tensor, ...], record: Direction) -> tuple[Tensor, ...]:
    """Record h_t (retaining its gradient, dL/dh_t in total after backward)."""
    state[0].retain_grad()
    record.hs.append(state[0])
    return state


def _initial_state(
    carry: Any, index: int, B: int, H: int, like: Tensor, with_c: bool
) -> tuple[Tensor, ...]:
    if carry is None:
        zeros = like.new_zeros(B, H)
        return (zeros, zeros) if with_c else (zeros,)
    parts = carry if isinstance(carry, tuple) else (carry,)
    return tuple(p[index].to(like.dtype) for p in parts)


def unrolled_forward(
    model: SequenceModel,
    weights: dict[str, Tensor],
    x: Tensor,
    lengths: Tensor | None,
    carry: Any,
) -> tuple[Tensor, list[Direction], Tensor | None]:
    """(output, one record per layer and direction, inside mask (T, B) or None) of the
    model on `weights` (its parameters, keyed like its state_dict), without dropout."""
    rnn, cell = model.rnn, model.cell_type
    native = cell.torch_native is not None
    run = native_direction if native else cell_direction
    layer_input = x if model.embedding is None else F.embedding(x, weights["embedding.weight"])
    T, B = layer_input.shape[:2]
    dirs, H = 2 if rnn.bidirectional else 1, rnn.hidden_size
    inside = None
    if lengths is not None:
        steps = torch.arange(T, device=layer_input.device)[:, None]
        inside = (steps < lengths.to(layer_input.device)[None, :])[:, :, None]  # (T, B, 1)
    records: list[Direction] = []
    finals: list[Tensor] = []
    for layer in range(rnn.num_layers):
        outputs = []
        for direction in range(dirs):
            sfx = f"_l{layer}" + ("_reverse" if direction else "")
            p = {q.stem: weights[f"rnn.{q.name(layer, bool(direction))}"] for q in cell.params}
            index = layer * dirs + direction
            state = _initial_state(carry, index, B, H, layer_input, cell.has_cell_state)
            records.append(Direction(f"rnn.weight_hh{sfx}" if native else None))
            final = run(model, layer_input, state, inside, p, records[-1], bool(direction))
            finals.append(final[0])
            outputs.append(torch.stack(records[-1].hs))  # (T, B, H)
        layer_input = torch.cat(outputs, dim=2) if dirs == 2 else outputs[0]
        if inside is not None:
            layer_input = layer_input * inside  # zero outputs past the lengths
    features = layer_input if model.task == "language-model" else torch.cat(finals[-dirs:], 1)
    out = F.linear(features, weights["head.weight"], weights["head.bias"])
    return out, records, None if inside is None else inside[:, :, 0]


def gradient_flow(
    model: SequenceModel,
    x: Tensor,
    y: Tensor,
    lengths: Tensor | None,
    carry: Any,
    loss_fn: LossFn,
    step: int = 0,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(gradient_flow payload, histograms payload) of the loss on one batch (see
    rnnlab.probes), computed on the model's device."""
    weights = {k: v.detach().requires_grad_() for k, v in model.named_parameters()}
    with torch.enable_grad():
        out, records, inside = unrolled_forward(model, weights, x, lengths, carry)
        loss_fn(out, y).backward()
    grads = {k: _grad(w) for k, w in weights.items()}
    grads |= {r.W_hh: r.d_W_hh() for r in records if r.W_hh is not None}
    dirs, names = (2 if model.rnn.bidirectional else 1), ("forward", "backward")
    param_norms = torch.stack([g.norm() for g in grads.values()]).tolist()
    flow = {
        "step": step,
        "time_steps": int(x.shape[0]),
        "series": [
            {"layer": index // dirs, "direction": names[index % dirs], "norms": row}
            for index, row in enumerate(_mean_norms(records, inside).tolist())
        ],
        "param_norms": dict(zip(grads, param_norms, strict=True)),
    }
    hist = {
        "step": step,
        "params": {k: histogram(w.detach()) for k, w in weights.items()},
        "grads": {k: histogram(g) for k, g in grads.items()},
    }
    return flow, hist


def _grad(weight: Tensor) -> Tensor:
    """A weight's gradient (zeros where the loss does not reach it, or it entered detached:
    W_hh of a torch.nn cell, whose gradient ``Direction.d_W_hh`` computes)."""
    return weight.grad if weight.grad is not None else torch.zeros_like(weight)


def _mean_norms(records: list[Direction], inside: Tensor | None) -> Tensor:
    """(S, T): the mean over the sequences inside their length of ||dL/dh_t||, per series
    and step (NaN at a step no sequence reaches)."""
    per_sequence = torch.stack(
        [torch.stack([h.grad for h in r.hs]).norm(dim=2) for r in records]
    )  # (S, T, B)
    if inside is None:
        return per_sequence.mean(dim=2)
    counts = inside.sum(dim=1).to(per_sequence.dtype)  # (T,)
    norms = (per_sequence * inside).sum(dim=2) / counts.clamp(min=1)
    return torch.where(counts > 0, norms, torch.full_like(norms, float("nan")))


def histogram(values: Tensor) -> dict[str, list]:
    """The reference probe's histogram payload: NumPy's on the CPU; on another device
    torch.histc over the finite values' range (the same edges; a value within rounding of
    an edge may fall in the neighbouring bin), so only 2 x 31 numbers cross to the host."""
    if values.device.type == "cpu":
        return reference_histogram(values.detach().numpy())
    finite = values[torch.isfinite(values)].double()
    if finite.numel() == 0:
        return reference_histogram(np.zeros(0))
    lo, hi = (float(v) for v in torch.aminmax(finite))
    if lo == hi:  # np.histogram's range for a constant
        lo, hi = lo - 0.5, hi + 0.5
    counts = torch.histc(finite, bins=BINS, min=lo, max=hi)
    edges = torch.linspace(lo, hi, BINS + 1, dtype=torch.float64)
    return {"edges": edges.tolist(), "counts": [int(c) for c in counts.tolist()]}
