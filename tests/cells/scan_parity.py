"""Helpers of the minGRU / minLSTM tests: one layer-direction through both implementations.

The NumPy reference (``CELL.reference``: explicit forward and BPTT) and the torch module
(``CELL.torch().sequence``, differentiated by autograd) run on the same float64 weights,
inputs, h0, dy and dh_n; the tests compare what comes back. ``calculator_twin`` unrolls a
trace file's network from the paper's equations for the calculator's tests.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnnlab import cells
from rnnlab.trace import compute_trace
from rnnlab.trace.spec import TraceSpec, network_weights, targets

Array = np.ndarray


def weights(cell: str, D: int, H: int, seed: int, bias: bool = True) -> dict[str, Array]:
    """Random float64 parameters keyed by stem, wider than the default init (gates vary)."""
    rng = np.random.default_rng(seed)
    return {
        p.stem: rng.normal(0.0, 0.8, p.shape(D, H))
        for p in cells.get(cell).params
        if bias or not p.bias
    }


def lengths_mask(lengths: list[int], T: int) -> Array:
    """(T, B, 1): 1.0 inside each sequence's length, 0.0 past it."""
    return (np.arange(T)[:, None] < np.asarray(lengths)[None, :]).astype(float)[:, :, None]


def reference(
    cell: str, p: dict[str, Array], x: Array, mask: Array | None, h0: Array, dy: Array, dh_n: Array
) -> dict[str, Any]:
    """hs, h_T and the gradients (x, h0, each stem) from the NumPy engine."""
    impl = cells.get(cell).reference("tanh")
    tape = impl.forward(x, mask, p, h0, None)
    dx, dh0, dc0, grads = impl.backward(tape, p, dy, dh_n, None)
    assert dc0 is None
    return {"hs": tape.h[1:], "h_T": tape.h[-1], "x": dx, "h0": dh0, **grads, "tape": tape}


def autograd(
    cell: str, p: dict[str, Array], x: Array, mask: Array | None, h0: Array, dy: Array, dh_n: Array
) -> dict[str, Array]:
    """The same numbers from the torch module's ``sequence`` and autograd."""
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in p.items()}
    tx, th0 = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    tmask = None if mask is None else torch.tensor(mask)
    hs, h_T, c_T = cells.get(cell).torch().sequence(tx, tmask, tp, th0, None)
    assert c_T is None
    loss = (hs * torch.tensor(dy)).sum() + (h_T * torch.tensor(dh_n)).sum()
    loss.backward()
    out = {"hs": hs.detach().numpy(), "h_T": h_T.detach().numpy(), "x": tx.grad.numpy()}
    out["h0"] = th0.grad.numpy()
    out.update({k: v.grad.numpy() for k, v in tp.items()})
    return out


def steps(cell: str, p: dict[str, Array], x: Array, mask: Array | None, h0: Array) -> Array:
    """hs (T, B, H) from the torch module's ``step``, one step at a time (mask applied)."""
    module = cells.get(cell).torch()
    tp = {k: torch.tensor(v) for k, v in p.items()}
    h, hs = torch.tensor(h0), []
    for t in range(x.shape[0]):
        h_new, _ = module.step(torch.tensor(x[t]), tp, h, None)
        h = h_new if mask is None else torch.where(torch.tensor(mask[t]) > 0, h_new, h)
        hs.append(h)
    return torch.stack(hs).numpy()


def case(cell: str, T: int = 6, B: int = 3, D: int = 4, H: int = 5, seed: int = 0) -> dict:
    """Inputs of one comparison: weights, x, h0 (signs mixed), dy, dh_n."""
    rng = np.random.default_rng(seed + 100)
    return {
        "p": weights(cell, D, H, seed),
        "x": rng.normal(0.0, 1.0, (T, B, D)),
        "h0": rng.normal(0.0, 1.0, (B, H)),
        "dy": rng.normal(0.0, 1.0, (T, B, H)),
        "dh_n": rng.normal(0.0, 1.0, (B, H)),
    }


def finite_difference(
    cell: str, p: dict[str, Array], x: Array, mask: Array | None, h0: Array, dy: Array, eps: float
) -> dict[str, Array]:
    """Central differences of L = sum(hs * dy) with respect to every parameter entry."""
    impl = cells.get(cell).reference("tanh")

    def loss() -> float:
        return float((impl.forward(x, mask, p, h0, None).h[1:] * dy).sum())

    grads = {}
    for stem, value in p.items():
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            kept = value[index]
            value[index] = kept + eps
            up = loss()
            value[index] = kept - eps
            down = loss()
            value[index] = kept
            grad[index] = (up - down) / (2 * eps)
        grads[stem] = grad
    return grads


# ---------------------------------------------------------------- the calculator's twin
def _g(a: torch.Tensor) -> torch.Tensor:
    return torch.where(a >= 0, a + 0.5, torch.sigmoid(a))


def _paper_step(cell: str, zx: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """One step as the paper writes it, from the pre-activations zx (G,) and h_{t-1} (H,)."""
    if cell == "mingru":
        a_z, a_n = zx.chunk(2)
        z = torch.sigmoid(a_z)
        return (1 - z) * h + z * _g(a_n)
    a_i, a_f, a_n = zx.chunk(3)
    i, f = torch.sigmoid(a_i), torch.sigmoid(a_f)
    return f / (f + i) * h + i / (f + i) * _g(a_n)


def calculator_twin(spec: TraceSpec) -> dict[str, Any]:
    """A trace file's network unrolled in torch from the paper's equations, with autograd
    for every gradient (an independent check of the calculator's numbers)."""
    net = network_weights(spec)
    leaf = {k: torch.tensor(v, requires_grad=True) for k, v in net.recurrent.items()}
    W_hy, b_y = (torch.tensor(net.head[k], requires_grad=True) for k in ("weight", "bias"))
    xs = [torch.tensor(row, dtype=torch.float64, requires_grad=True) for row in spec.inputs]
    h0 = torch.zeros(net.hidden_size, dtype=torch.float64, requires_grad=True)
    h, hs, zxs = h0, [], []
    for x in xs:
        zx = leaf["weight_ih_l0"] @ x + leaf["bias_ih_l0"]
        h = _paper_step(spec.cell, zx, h)
        for kept in (zx, h):
            kept.retain_grad()
        zxs.append(zx)
        hs.append(h)
    read = hs if spec.readout == "every" else hs[-1:]
    o = torch.stack([W_hy @ state + b_y for state in read])  # (T_out, O)
    y = torch.tensor(targets(spec, len(read), net.output_size))
    if spec.output == "sigmoid":
        loss = F.binary_cross_entropy_with_logits(o, y, reduction="sum")
    else:
        assert spec.output == "linear"
        loss = 0.5 * ((o - y) ** 2).sum()
    loss.backward()
    return {
        "h": hs,
        "zx": zxs,
        "loss": loss.item(),
        "grads": {
            "W_xh": leaf["weight_ih_l0"].grad,
            "b_ih": leaf["bias_ih_l0"].grad,
            "W_hy": W_hy.grad,
            "b_y": b_y.grad,
        },
        "dh0": h0.grad,
        "dx": torch.stack([x.grad for x in xs]),
    }


def assert_calculator_equals_twin(spec: TraceSpec) -> None:
    """Every number of the calculator's result against ``calculator_twin``, to 1e-12."""
    result, twin = compute_trace(spec), calculator_twin(spec)
    close = partial(np.testing.assert_allclose, rtol=0, atol=1e-12)
    for step, h, zx in zip(result["forward"], twin["h"], twin["zx"], strict=True):
        close(step["h"], h.detach().numpy())
        close(step["zx"], zx.detach().numpy())
    assert result["loss"] == pytest.approx(twin["loss"], abs=1e-12)
    for step in result["backward"]["steps"]:
        close(step["dh"], twin["h"][step["t"] - 1].grad.numpy())
        close(step["delta"], twin["zx"][step["t"] - 1].grad.numpy())
    for symbol, grad in twin["grads"].items():
        close(result["backward"]["grads"][symbol], grad.numpy())
    close(result["backward"]["dh0"], twin["dh0"].numpy())
    close(result["backward"]["dx"], twin["dx"].numpy())
