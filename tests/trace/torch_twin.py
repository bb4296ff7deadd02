"""An independent PyTorch computation of a trace file's network, unrolled by hand.

Written from PyTorch's documented equations, with autograd for every gradient:
pre-activations and states are kept (retain_grad) so dL/dz_t and dL/dh_t can be
compared with the calculator's numbers.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from rnnlab.trace.spec import TraceSpec, network_weights, nonlinearity_of, targets


def _leaf(array) -> torch.Tensor:
    return torch.tensor(array, dtype=torch.float64, requires_grad=True)


def _step(cell, nl, x, h, c, W_ih, W_hh, b_ih, b_hh, keep):
    zx, zh = W_ih @ x + b_ih, W_hh @ h + b_hh
    if cell == "rnn":
        z = zx + zh
        keep.update(z=z)
        return (torch.tanh(z) if nl == "tanh" else torch.relu(z)), None
    if cell == "lstm":
        z = zx + zh
        keep.update(z=z)
        i, f, g, o = z.chunk(4)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c_new), c_new
    keep.update(zx=zx, zh=zh)
    r, u = (zx[: 2 * len(h)] + zh[: 2 * len(h)]).sigmoid().chunk(2)
    n = torch.tanh(zx[2 * len(h) :] + r * zh[2 * len(h) :])
    return (1 - u) * n + u * h, None


def _loss(kind, o, y):
    if kind == "softmax":
        return F.cross_entropy(o, y, reduction="sum")
    if kind == "sigmoid":
        return F.binary_cross_entropy_with_logits(o, y, reduction="sum")
    return 0.5 * ((o - y) ** 2).sum()


def unroll(spec: TraceSpec) -> dict:
    net = network_weights(spec)
    w = {k: _leaf(v) for k, v in net.recurrent.items()}
    W_hy, b_y = _leaf(net.head["weight"]), _leaf(net.head["bias"])
    H = net.hidden_size
    xs = [_leaf(row) for row in spec.inputs]
    h0 = _leaf(spec.h0 if spec.h0 is not None else [0.0] * H)
    c = torch.tensor(spec.c0 if spec.c0 is not None else [0.0] * H, dtype=torch.float64)
    h, hs, keeps = h0, [], []
    for x in xs:
        keep: dict = {}
        h, c = _step(
            spec.cell,
            nonlinearity_of(spec),
            x,
            h,
            c,
            w["weight_ih_l0"],
            w["weight_hh_l0"],
            w["bias_ih_l0"],
            w["bias_hh_l0"],
            keep,
        )
        for tensor in [h, *keep.values()]:
            tensor.retain_grad()
        hs.append(h)
        keeps.append(keep)
    read = hs if spec.readout == "every" else hs[-1:]
    o = torch.stack([W_hy @ hh + b_y for hh in read])  # (T_out, O)
    result = {"h": hs, "keeps": keeps, "o": o, "loss": None}
    y = targets(spec, len(read), net.output_size)
    if y is not None:
        loss = _loss(spec.output, o, torch.tensor(y))
        loss.backward()
        result.update(
            loss=loss.item(),
            W_ih=w["weight_ih_l0"].grad,
            W_hh=w["weight_hh_l0"].grad,
            b_ih=w["bias_ih_l0"].grad,
            b_hh=w["bias_hh_l0"].grad,
            W_hy=W_hy.grad,
            b_y=b_y.grad,
            dh0=h0.grad,
            dx=torch.stack([x.grad for x in xs]),
        )
    return result
