"""rnnlab's explicit GRU/RNN layers equal nn.GRU / nn.RNN: values and every gradient.

Both paths are checked: the Python loop and the compiled recurrence (built once per
machine; the test builds it if needed). float64 to 1e-12; float32 within rounding.
"""

from __future__ import annotations

import itertools

import pytest
import torch

from rnnlab.torch_engine.fast_cells import ExplicitRecurrent
from rnnlab.torch_engine.kernel import load_kernel

KERNEL = load_kernel(build=True)
CASES = list(
    itertools.product(
        [("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu")],
        [(1, False, 7), (2, True, 19)],  # layers, bidirectional, H (the compiled
        # float loop runs 8-wide vectors: 7 is all tail, 19 is two vectors and a tail)
        [False, True],
        ["python", "compiled"],
    )
)


def _run(module, x, h0, lengths, gy, gh):
    x.grad = h0.grad = None
    module.zero_grad()
    if isinstance(module, ExplicitRecurrent):
        y, h_n = module(x, h0, lengths)
    elif lengths is not None:
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        y_packed, h_n = module(packed, h0)
        y, _ = torch.nn.utils.rnn.pad_packed_sequence(y_packed, total_length=x.shape[0])
    else:
        y, h_n = module(x, h0)
    ((y * gy).sum() + (h_n * gh).sum()).backward()
    return [y, h_n, x.grad, h0.grad] + [p.grad for p in module.parameters()]


@pytest.mark.parametrize(
    ("cell", "shape", "packed", "path"), CASES, ids=["-".join(map(str, c)) for c in CASES]
)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_equal_to_torch_nn(cell, shape, packed, path, dtype):
    (mode, nonlinearity), (layers, bidirectional, hidden) = cell, shape
    if path == "compiled" and KERNEL is None:
        pytest.fail("the compiled recurrence could not be built on this machine")
    torch.manual_seed(0)
    kwargs = {"nonlinearity": nonlinearity} if mode == "rnn" else {}
    reference = {"gru": torch.nn.GRU, "rnn": torch.nn.RNN}[mode](
        5, hidden, num_layers=layers, bidirectional=bidirectional, **kwargs
    ).to(dtype)
    explicit = ExplicitRecurrent(
        mode,
        5,
        hidden,
        layers,
        bidirectional,
        nonlinearity=nonlinearity,
        kernel=KERNEL if path == "compiled" else None,
    ).to(dtype)
    explicit.load_state_dict(reference.state_dict())
    x = torch.randn(9, 4, 5, dtype=dtype, requires_grad=True)
    h0 = torch.randn(
        layers * (2 if bidirectional else 1), 4, hidden, dtype=dtype, requires_grad=True
    )
    lengths = torch.tensor([9, 3, 6, 1]) if packed else None
    gy = torch.randn(9, 4, hidden * (2 if bidirectional else 1), dtype=dtype)
    gh = torch.randn_like(h0)
    expected = [t.detach().clone() for t in _run(reference, x, h0, lengths, gy, gh)]
    received = _run(explicit, x, h0, lengths, gy, gh)
    tolerance = 1e-12 if dtype == torch.float64 else 2e-5
    for want, got in zip(expected, received, strict=True):
        torch.testing.assert_close(got, want, rtol=tolerance, atol=tolerance)


def test_a_missing_compiler_falls_back_to_the_python_loop(monkeypatch):
    from rnnlab.torch_engine import kernel as kernel_module

    def broken(*args, **kwargs):
        raise RuntimeError("no compiler here")

    monkeypatch.setattr("torch.utils.cpp_extension.load", broken)
    kernel_module._load.cache_clear()
    monkeypatch.setattr(kernel_module, "kernel_built", lambda: False)
    with pytest.warns(RuntimeWarning, match="using the Python loop instead"):
        assert kernel_module.load_kernel(build=True) is None
    kernel_module._load.cache_clear()


@pytest.mark.parametrize("scale", [0.01, 1.0, 30.0, 300.0])
def test_the_fused_float_gru_step_matches_aten_from_tiny_to_saturated_gates(scale):
    """The compiled float step's sigmoid/tanh (fast vector exp) against ATen's, for
    pre-activations from near zero (tanh's cancellation) to far in saturation (overflow)."""
    if KERNEL is None:
        pytest.fail("the compiled recurrence could not be built on this machine")
    torch.manual_seed(1)
    T, B, H = 5, 3, 21
    zx = torch.randn(T, B, 3 * H) * scale  # (T, B, 3H)
    h0 = torch.randn(B, H)  # (B, H)
    W_hh = torch.randn(3 * H, H) * scale / H  # (3H, H)
    b_hh = torch.randn(3 * H) * scale  # (3H,)
    hs, act, n_all = KERNEL.gru_forward(zx, h0, W_hh, b_hh, torch.empty(0))
    h = h0
    for t in range(T):
        zh = b_hh + h @ W_hh.t()  # (B, 3H)
        r = torch.sigmoid(zx[t, :, :H] + zh[:, :H])
        z = torch.sigmoid(zx[t, :, H : 2 * H] + zh[:, H : 2 * H])
        n = torch.tanh(zx[t, :, 2 * H :] + r * zh[:, 2 * H :])
        h = (1 - z) * n + z * h
        for got, want in ((act[t, :, :H], r), (act[t, :, H : 2 * H], z), (n_all[t], n)):
            torch.testing.assert_close(got, want, rtol=2e-5, atol=2e-6)
        torch.testing.assert_close(hs[t + 1], h, rtol=2e-5, atol=2e-6)
        assert torch.isfinite(hs[t + 1]).all()
        h = hs[t + 1]  # compare one step at a time
