r"""The gradient-flow probe on the model's own device: dL/dh_t by autograd, unrolled.

nn.LSTM / GRU / RNN (cuDNN on a GPU) hand back dL/dy_t only, the gradient arriving from
above; the probe wants dL/dh_t in total (from above and from step t+1). So the probe runs
the same weights through torch's single-step cells (``torch.lstm_cell`` etc., PyTorch's
equations and gate order) one step at a time, keeps every h_t with ``retain_grad`` and
reads ``h_t.grad`` after one backward pass:

    h_t = cell(x_t, h_{t-1})            per layer and direction, t in time order
    dL/dh_t = h_t.grad                  (T, B, H): from the output at t and from step t+1

Variable lengths follow PackedSequence semantics as ExplicitRecurrent and the reference
engine do: past its length a sequence keeps its state and outputs zeros, and the reverse
direction starts at the sequence's own last step. The weights are detached views (no
copy) made leaves, so frozen parameters get gradients too and the model's own ``.grad``
stays untouched. Everything stays on the model's device; a few scalars per series and
parameter come back to the host at the end. The payloads are those of
``reference.probe.gradient_flow``, which the tests use as the oracle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from rnnlab.torch_engine.model import SequenceModel

BINS = 30  # the reference probe's bins (reference/probe.py)
LossFn = Callable[[Tensor, Tensor], Tensor]


def _cell_step(cell: str, nonlinearity: str) -> Callable[..., Any]:
    if cell == "lstm":
        return torch.lstm_cell
    if cell == "gru":
        return torch.gru_cell
    return torch.rnn_relu_cell if nonlinearity == "relu" else torch.rnn_tanh_cell


def _direction(
    step: Callable[..., Any],
    x: Tensor,
    state: tuple[Tensor, ...],
    inside: Tensor | None,
    weights: list[Tensor],
    reverse: bool,
) -> tuple[list[Tensor], tuple[Tensor, ...]]:
    """h_t for t = 0..T-1 in time order (each retaining its gradient) and the final state.

    x (T, B, D); state (h0,) or (h0, c0), each (B, H); inside (T, B, 1) bool or None."""
    T = x.shape[0]
    hs: list[Tensor] = [x] * T  # placeholders, all replaced below
    for t in reversed(range(T)) if reverse else range(T):
        new = step(x[t], state if len(state) == 2 else state[0], *weights)
        new = new if isinstance(new, tuple) else (new,)
        if inside is not None:  # past the length: keep the state
            new = tuple(torch.where(inside[t], n, s) for n, s in zip(new, state, strict=True))
        new[0].retain_grad()
        hs[t], state = new[0], new
    return hs, state


def _initial_state(
    carry: Any, index: int, B: int, H: int, like: Tensor, lstm: bool
) -> tuple[Tensor, ...]:
    if carry is None:
        zeros = like.new_zeros(B, H)
        return (zeros, zeros) if lstm else (zeros,)
    parts = carry if isinstance(carry, tuple) else (carry,)
    return tuple(p[index].to(like.dtype) for p in parts)


def unrolled_forward(
    model: SequenceModel,
    weights: dict[str, Tensor],
    x: Tensor,
    lengths: Tensor | None,
    carry: Any,
) -> tuple[Tensor, list[list[Tensor]], Tensor | None]:
    """(output, h_t lists per layer and direction, inside mask (T, B) or None) of the model
    on `weights` (its parameters, keyed like its state_dict), without dropout."""
    rnn, lstm = model.rnn, model.cell == "lstm"
    step = _cell_step(model.cell, getattr(rnn, "nonlinearity", "tanh"))
    layer_input = x if model.embedding is None else F.embedding(x, weights["embedding.weight"])
    T, B = layer_input.shape[:2]
    dirs, H = 2 if rnn.bidirectional else 1, rnn.hidden_size
    inside = None
    if lengths is not None:
        steps = torch.arange(T, device=layer_input.device)[:, None]
        inside = (steps < lengths.to(layer_input.device)[None, :])[:, :, None]  # (T, B, 1)
    series: list[list[Tensor]] = []
    finals: list[Tensor] = []
    for layer in range(rnn.num_layers):
        outputs = []
        for direction in range(dirs):
            sfx = f"_l{layer}" + ("_reverse" if direction else "")
            w = [weights[f"rnn.{n}{sfx}"] for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            state = _initial_state(carry, layer * dirs + direction, B, H, layer_input, lstm)
            hs, final = _direction(step, layer_input, state, inside, w, bool(direction))
            series.append(hs)
            finals.append(final[0])
            outputs.append(torch.stack(hs))  # (T, B, H)
        layer_input = torch.cat(outputs, dim=2) if dirs == 2 else outputs[0]
        if inside is not None:
            layer_input = layer_input * inside  # zero outputs past the lengths
    features = layer_input if model.task == "language-model" else torch.cat(finals[-dirs:], 1)
    out = F.linear(features, weights["head.weight"], weights["head.bias"])
    return out, series, None if inside is None else inside[:, :, 0]


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
        out, series, inside = unrolled_forward(model, weights, x, lengths, carry)
        loss_fn(out.float() if out.dtype == torch.bfloat16 else out, y).backward()
    per_sequence = torch.stack(
        [torch.stack([h.grad for h in hs]).norm(dim=2) for hs in series]
    )  # (S, T, B): ||dL/dh_t|| per series, step and sequence
    if inside is None:
        norms = per_sequence.mean(dim=2)
    else:
        counts = inside.sum(dim=1).to(per_sequence.dtype)  # (T,)
        norms = (per_sequence * inside).sum(dim=2) / counts.clamp(min=1)
        norms = torch.where(counts > 0, norms, torch.full_like(norms, float("nan")))
    grads = {k: w.grad for k, w in weights.items()}
    param_norms = torch.stack([g.norm() for g in grads.values()]).tolist()
    dirs, names = (2 if model.rnn.bidirectional else 1), ("forward", "backward")
    flow = {
        "step": step,
        "time_steps": int(x.shape[0]),
        "series": [
            {"layer": index // dirs, "direction": names[index % dirs], "norms": row}
            for index, row in enumerate(norms.tolist())
        ],
        "param_norms": dict(zip(grads, param_norms, strict=True)),
    }
    hist = {
        "step": step,
        "params": {k: histogram(w.detach()) for k, w in weights.items()},
        "grads": {k: histogram(g) for k, g in grads.items()},
    }
    return flow, hist


def histogram(values: Tensor) -> dict[str, list]:
    """np.histogram's payload (BINS bins over the finite values' range), on the device."""
    finite = values[torch.isfinite(values)].double()
    if finite.numel() == 0:
        return {"edges": [0.0] * (BINS + 1), "counts": [0] * BINS}
    lo, hi = torch.aminmax(finite)
    lo, hi = float(lo), float(hi)
    if lo == hi:  # np.histogram's range for a constant
        lo, hi = lo - 0.5, hi + 0.5
    counts = torch.histc(finite, bins=BINS, min=lo, max=hi)
    edges = torch.linspace(lo, hi, BINS + 1, dtype=torch.float64)
    return {"edges": edges.tolist(), "counts": [int(c) for c in counts.tolist()]}
