"""Helpers of the minGRU / minLSTM tests: one layer-direction through both implementations.

The NumPy reference (``CELL.reference``: explicit forward and BPTT) and the torch module
(``CELL.torch().sequence``, differentiated by autograd) run on the same float64 weights,
inputs, h0, dy and dh_n; the tests compare what comes back.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from rnnlab import cells

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
