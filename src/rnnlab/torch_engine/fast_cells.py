r"""GRU and vanilla-RNN layers for the CPU with explicit BPTT (torch.autograd.Function).

PyTorch's CPU nn.GRU runs each time step as separate autograd operations. These
layers follow the reference engine's structure instead, in torch tensors:

- the input projections of every step in ONE GEMM before the loop:
  ``zx = X W_xh^T + b_ih``  (T*B x D) @ (D x G)
- per step one GEMM for ``zh = h_{t-1} W_hh^T + b_hh`` and a few elementwise ops,
  without building an autograd graph;
- backward is the BPTT recursion of ``rnnlab.reference`` (same equations, see
  ``reference/gru.py`` and ``reference/rnn.py``), with the weight gradients as single
  GEMMs over all steps after the loop: ``dW_xh = sum_t delta_t x_t^T`` etc.

Gate order r, z, n and parameter names are PyTorch's, so a state_dict moves between
``nn.GRU`` and these layers unchanged; results agree with nn.GRU / nn.RNN within
float32 rounding (tests/torch_engine). Variable lengths follow PackedSequence
semantics by masking, as the reference engine does.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn


class _GRUFunction(torch.autograd.Function):
    """One direction of one GRU layer over a whole sequence."""

    @staticmethod
    def forward(
        ctx: Any,
        x: Tensor,
        h0: Tensor,
        mask: Tensor | None,
        W_ih: Tensor,
        W_hh: Tensor,
        b_ih: Tensor,
        b_hh: Tensor,
        kernel: Any,
    ) -> tuple[Tensor, Tensor]:
        T, B, D = x.shape
        H = h0.shape[1]
        zx = torch.addmm(b_ih, x.reshape(T * B, D), W_ih.t()).view(T, B, 3 * H)  # (T, B, 3H)
        ctx.kernel = kernel
        if kernel is not None:  # the compiled loop
            # act: r, z and W_hn h + b_hn per step; n_all: the candidates n_t
            hs, act, n_all = kernel.gru_forward(zx, h0.contiguous(), W_hh, b_hh, _mask(mask))
            ctx.save_for_backward(x, hs, act, n_all, mask, W_ih, W_hh)
            return hs[1:].clone(), hs[T].clone()
        hs = x.new_empty(T + 1, B, H)  # h_0 .. h_T
        gates = x.new_empty(T, B, 3 * H)  # r, z, n activated
        zhn = x.new_empty(T, B, H)  # W_hn h_{t-1} + b_hn
        hs[0] = h0
        W_hh_t = W_hh.t()
        for t in range(T):
            h_prev = hs[t]
            zh = torch.addmm(b_hh, h_prev, W_hh_t)  # (B, 3H)
            rz = torch.sigmoid(zx[t, :, : 2 * H] + zh[:, : 2 * H], out=gates[t, :, : 2 * H])
            r, z = rz[:, :H], rz[:, H:]
            zhn[t] = zh[:, 2 * H :]
            n = torch.tanh(torch.addcmul(zx[t, :, 2 * H :], r, zhn[t]), out=gates[t, :, 2 * H :])
            h_new = torch.addcmul(n, z, h_prev - n)  # (1 - z) n + z h_prev
            if mask is None:
                hs[t + 1] = h_new
            else:
                torch.lerp(h_prev, h_new, mask[t], out=hs[t + 1])  # past the length: keep
        ctx.save_for_backward(x, hs, gates, zhn, mask, W_ih, W_hh)
        return hs[1:].clone(), hs[T].clone()

    @staticmethod
    def backward(ctx: Any, dy: Tensor, dh_n: Tensor) -> tuple[Tensor | None, ...]:
        x, hs, gates, zhn, mask, W_ih, W_hh = ctx.saved_tensors
        if ctx.kernel is not None:  # here gates is the kernel's act and zhn its n_all
            d_zx, d_zh, dh0 = ctx.kernel.gru_backward(
                dy.contiguous(), dh_n.contiguous(), hs, gates, zhn, W_hh, _mask(mask)
            )
            return (*_weight_grads(x, hs, d_zx, d_zh, W_ih, dh0), None)
        T, B, _ = x.shape
        H = hs.shape[2]
        d_zx = x.new_empty(T, B, 3 * H)  # delta (input side)
        d_zh = x.new_empty(T, B, 3 * H)  # delta_h (hidden side)
        dh_next = dh_n.clone()
        for t in reversed(range(T)):
            dh = dy[t] + dh_next
            carried = None
            if mask is not None:
                carried = dh * (1.0 - mask[t])
                dh = dh * mask[t]
            r, z, n = gates[t, :, :H], gates[t, :, H : 2 * H], gates[t, :, 2 * H :]
            d_n = dh * (1.0 - z) * (1.0 - n * n)
            d_z = dh * (hs[t] - n) * z * (1.0 - z)
            d_r = d_n * zhn[t] * r * (1.0 - r)
            torch.cat((d_r, d_z, d_n), dim=1, out=d_zx[t])
            torch.cat((d_r, d_z, d_n * r), dim=1, out=d_zh[t])
            dh_next = torch.addmm(dh * z, d_zh[t], W_hh)  # dh z + W_hh^T delta_h
            if carried is not None:
                dh_next = dh_next + carried
        return (*_weight_grads(x, hs, d_zx, d_zh, W_ih, dh_next), None)


class _RNNFunction(torch.autograd.Function):
    """One direction of one tanh or ReLU Elman layer over a whole sequence."""

    @staticmethod
    def forward(
        ctx: Any,
        x: Tensor,
        h0: Tensor,
        mask: Tensor | None,
        W_ih: Tensor,
        W_hh: Tensor,
        b_ih: Tensor,
        b_hh: Tensor,
        relu: bool,
        kernel: Any,
    ) -> tuple[Tensor, Tensor]:
        T, B, D = x.shape
        H = h0.shape[1]
        zx = torch.addmm(b_ih + b_hh, x.reshape(T * B, D), W_ih.t()).view(T, B, H)
        ctx.relu, ctx.kernel = relu, kernel
        if kernel is not None:  # the compiled loop
            hs = kernel.rnn_forward(zx, h0.contiguous(), W_hh, relu, _mask(mask))
            ctx.save_for_backward(x, hs, mask, W_ih, W_hh)
            return hs[1:].clone(), hs[T].clone()
        hs = x.new_empty(T + 1, B, H)
        hs[0] = h0
        W_hh_t = W_hh.t()
        act = torch.relu if relu else torch.tanh
        for t in range(T):
            h_new = act(torch.addmm(zx[t], hs[t], W_hh_t))  # f(z_t)
            if mask is None:
                hs[t + 1] = h_new
            else:
                torch.lerp(hs[t], h_new, mask[t], out=hs[t + 1])
        ctx.save_for_backward(x, hs, mask, W_ih, W_hh)
        return hs[1:].clone(), hs[T].clone()

    @staticmethod
    def backward(ctx: Any, dy: Tensor, dh_n: Tensor) -> tuple[Tensor | None, ...]:
        x, hs, mask, W_ih, W_hh = ctx.saved_tensors
        if ctx.kernel is not None:
            deltas, dh0 = ctx.kernel.rnn_backward(
                dy.contiguous(), dh_n.contiguous(), hs, W_hh, ctx.relu, _mask(mask)
            )
            return (*_weight_grads(x, hs, deltas, deltas, W_ih, dh0), None, None)
        T, B, _ = x.shape
        deltas = x.new_empty(T, B, hs.shape[2])
        dh_next = dh_n.clone()
        for t in reversed(range(T)):
            dh = dy[t] + dh_next
            h = hs[t + 1]
            f_prime = (h > 0).to(h.dtype) if ctx.relu else 1.0 - h * h
            delta = dh * f_prime if mask is None else dh * f_prime * mask[t]
            deltas[t] = delta
            dh_next = delta @ W_hh  # W_hh^T delta_t
            if mask is not None:
                dh_next = dh_next + dh * (1.0 - mask[t])
        grads = _weight_grads(x, hs, deltas, deltas, W_ih, dh_next)
        return (*grads, None, None)


def _mask(mask: Tensor | None) -> Tensor:
    """The kernel takes an empty tensor for "no mask"."""
    return torch.empty(0) if mask is None else mask.contiguous()


def _weight_grads(
    x: Tensor, hs: Tensor, d_zx: Tensor, d_zh: Tensor, W_ih: Tensor, dh0: Tensor
) -> tuple[Tensor | None, ...]:
    """dx, dh0, (no mask grad), dW_ih, dW_hh, db_ih, db_hh: GEMMs over all steps at once."""
    T, B, D = x.shape
    G = d_zx.shape[2]
    flat_x, flat_h = d_zx.view(T * B, G), d_zh.view(T * B, G)
    dx = (flat_x @ W_ih).view(T, B, D)
    dW_ih = flat_x.t() @ x.reshape(T * B, D)
    dW_hh = flat_h.t() @ hs[:-1].reshape(T * B, -1)
    return dx, dh0, None, dW_ih, dW_hh, flat_x.sum(0), flat_h.sum(0)


class ExplicitRecurrent(nn.Module):
    """A stack of GRU or Elman layers on the functions above, shaped like nn.GRU / nn.RNN.

    forward(x (T, B, D), h0 (L*dirs, B, H) | None, lengths (B,) | None)
        -> y (T, B, dirs*H), h_n (L*dirs, B, H)
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        nonlinearity: str = "tanh",
        kernel: Any = None,
    ) -> None:
        super().__init__()
        self.kernel = kernel  # the compiled recurrence, or None: Python
        if mode not in ("gru", "rnn"):
            raise ValueError(f"mode: expected gru | rnn, received {mode!r}")
        self.mode, self.nonlinearity = mode, nonlinearity
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.bidirectional, self.dropout = num_layers, bidirectional, dropout
        gates = 3 if mode == "gru" else 1
        directions = 2 if bidirectional else 1
        bound = hidden_size**-0.5
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else directions * hidden_size
            for direction in range(directions):
                sfx = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = {
                    "weight_ih": (gates * hidden_size, layer_in),
                    "weight_hh": (gates * hidden_size, hidden_size),
                    "bias_ih": (gates * hidden_size,),
                    "bias_hh": (gates * hidden_size,),
                }
                for name, shape in shapes.items():
                    param = nn.Parameter(torch.empty(shape).uniform_(-bound, bound))
                    self.register_parameter(name + sfx, param)

    def _direction(
        self, x: Tensor, h0: Tensor, mask: Tensor | None, sfx: str, reverse: bool
    ) -> tuple[Tensor, Tensor]:
        weights = [
            getattr(self, f"{n}{sfx}") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        ]
        # The compiled loops read CPU memory; on another device the Python loop runs
        kernel = self.kernel if x.device.type == "cpu" else None
        if reverse:
            x = x.flip(0)
            mask = None if mask is None else mask.flip(0)
        if self.mode == "gru":
            y, h_last = _GRUFunction.apply(x, h0, mask, *weights, kernel)
        else:
            y, h_last = _RNNFunction.apply(
                x, h0, mask, *weights, self.nonlinearity == "relu", kernel
            )
        return (y.flip(0) if reverse else y), h_last

    def forward(
        self, x: Tensor, h0: Tensor | None = None, lengths: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        """Under autocast (train.precision bf16) the recurrence runs in the weights' dtype:
        the compiled loops take float32/float64 only."""
        if x.device.type in ("cpu", "cuda") and torch.is_autocast_enabled(x.device.type):
            dtype = self.weight_hh_l0.dtype
            with torch.autocast(x.device.type, enabled=False):
                return self._forward(x.to(dtype), None if h0 is None else h0.to(dtype), lengths)
        return self._forward(x, h0, lengths)

    def _forward(
        self, x: Tensor, h0: Tensor | None = None, lengths: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        T, B, _ = x.shape
        directions = 2 if self.bidirectional else 1
        if h0 is None:
            h0 = x.new_zeros(self.num_layers * directions, B, self.hidden_size)
        mask = None
        if lengths is not None:
            steps = torch.arange(T, device=x.device)[:, None]
            mask = (steps < lengths.to(x.device)[None, :]).to(x.dtype)[:, :, None]  # (T, B, 1)
        finals, layer_input = [], x
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                sfx = f"_l{layer}" + ("_reverse" if direction else "")
                y, h_last = self._direction(
                    layer_input, h0[layer * directions + direction], mask, sfx, bool(direction)
                )
                outputs.append(y)
                finals.append(h_last)
            layer_input = torch.cat(outputs, dim=2) if directions == 2 else outputs[0]
            if mask is not None:
                layer_input = layer_input * mask  # zero outputs past lengths
            if self.training and self.dropout > 0 and layer < self.num_layers - 1:
                layer_input = nn.functional.dropout(layer_input, self.dropout)
        return layer_input, torch.stack(finals)
