"""The compiled recurrence refuses any input it cannot read: RuntimeError, never a crash.

Each entry point checks device (CPU), dtype, contiguity and shapes with TORCH_CHECK before
it reads a pointer (a CUDA tensor read on the host killed the process with exit 139).
"""

from __future__ import annotations

import pytest
import torch

from rnnlab.torch_engine.fast_cells import ExplicitRecurrent
from rnnlab.torch_engine.kernel import load_kernel
from tests.devices import DEVICES

KERNEL = load_kernel(build=True)
needs_kernel = pytest.mark.skipif(
    KERNEL is None, reason="the compiled recurrence could not be built (no C++ compiler)"
)
T, B, H = 4, 3, 5


def gru_inputs(**replace: torch.Tensor) -> list[torch.Tensor]:
    inputs = {
        "zx": torch.randn(T, B, 3 * H),
        "h0": torch.randn(B, H),
        "W_hh": torch.randn(3 * H, H),
        "b_hh": torch.randn(3 * H),
        "mask": torch.ones(T, B, 1),
    }
    return list((inputs | replace).values())


def rnn_inputs(**replace: torch.Tensor) -> list:
    inputs = {
        "zx": torch.randn(T, B, H),
        "h0": torch.randn(B, H),
        "W_hh": torch.randn(H, H),
        "relu": False,
        "mask": torch.empty(0),
    }
    return list((inputs | replace).values())


BAD = {
    "a strided view": ("h0", torch.randn(H, B).t(), "contiguous"),
    "float64 among float32": ("W_hh", torch.randn(3 * H, H, dtype=torch.float64), "dtype"),
    "a meta tensor": ("h0", torch.empty(B, H, device="meta"), "CPU only"),
    "a wrong shape": ("W_hh", torch.randn(3 * H, H + 1), "shape"),
    "a wrong rank": ("zx", torch.randn(T, B), "dimensions"),
    "a wrong mask": ("mask", torch.ones(T, B + 1, 1), "mask"),
    "half precision": ("zx", torch.randn(T, B, 3 * H).half(), "float32 or float64"),
}


@needs_kernel
@pytest.mark.parametrize("case", list(BAD))
def test_gru_forward_raises_on_a_bad_input(case):
    name, value, message = BAD[case]
    with pytest.raises(RuntimeError, match=message):
        KERNEL.gru_forward(*gru_inputs(**{name: value}))


@needs_kernel
def test_gru_backward_raises_on_bad_inputs():
    hs, act, n_all = KERNEL.gru_forward(*gru_inputs())
    dy, dh_n = torch.randn(T, B, H), torch.randn(B, H)
    W_hh, mask = torch.randn(3 * H, H), torch.empty(0)
    KERNEL.gru_backward(dy, dh_n, hs, act, n_all, W_hh, mask)  # the good call runs
    with pytest.raises(RuntimeError, match="hs: expected shape"):
        KERNEL.gru_backward(dy, dh_n, hs[1:], act, n_all, W_hh, mask)
    strided = act.transpose(0, 1).contiguous().transpose(0, 1)  # same shape, other strides
    with pytest.raises(RuntimeError, match="act: expected a contiguous"):
        KERNEL.gru_backward(dy, dh_n, hs, strided, n_all, W_hh, mask)
    with pytest.raises(RuntimeError, match="dh_n: expected dtype"):
        KERNEL.gru_backward(dy, dh_n.double(), hs, act, n_all, W_hh, mask)
    with pytest.raises(RuntimeError, match="CPU only"):
        KERNEL.gru_backward(dy.to("meta"), dh_n, hs, act, n_all, W_hh, mask)


@needs_kernel
def test_rnn_entry_points_raise_on_bad_inputs():
    KERNEL.rnn_forward(*rnn_inputs())  # the good call runs
    with pytest.raises(RuntimeError, match="W_hh: expected shape"):
        KERNEL.rnn_forward(*rnn_inputs(W_hh=torch.randn(3 * H, H)))
    with pytest.raises(RuntimeError, match="CPU only"):
        KERNEL.rnn_forward(*rnn_inputs(zx=torch.empty(T, B, H, device="meta")))
    with pytest.raises(RuntimeError, match="mask: expected shape"):
        KERNEL.rnn_forward(*rnn_inputs(mask=torch.ones(T + 1, B, 1)))
    hs = KERNEL.rnn_forward(*rnn_inputs())
    dy, dh_n, W_hh = torch.randn(T, B, H), torch.randn(B, H), torch.randn(H, H)
    with pytest.raises(RuntimeError, match="hs: expected shape"):
        KERNEL.rnn_backward(dy, dh_n, hs[:T], W_hh, False, torch.empty(0))
    with pytest.raises(RuntimeError, match="dh_n: expected a contiguous"):
        KERNEL.rnn_backward(dy, torch.randn(H, B).t(), hs, W_hh, False, torch.empty(0))


@needs_kernel
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_cuda_tensor_is_refused_not_read_on_the_host():
    with pytest.raises(RuntimeError, match="CPU only"):
        KERNEL.gru_forward(*gru_inputs(zx=torch.randn(T, B, 3 * H, device="cuda")))


@needs_kernel
@pytest.mark.parametrize("mode", ["gru", "rnn"])
def test_explicit_layers_use_the_compiled_loop_only_for_cpu_inputs(mode):
    """On another device the explicit layers run their Python loop (here on the meta
    device, where the compiled loop would refuse the tensors)."""
    layer = ExplicitRecurrent(mode, 3, H, num_layers=2, bidirectional=True, kernel=KERNEL)
    x, lengths = torch.randn(T, B, 3), torch.tensor([4, 2, 1])
    y, h_n = layer(x, None, lengths)  # CPU: the compiled loop
    assert y.shape == (T, B, 2 * H) and h_n.shape == (4, B, H)
    y_meta, h_meta = layer.to("meta")(x.to("meta"), None, lengths)
    assert y_meta.device.type == "meta" and y_meta.shape == y.shape and h_meta.shape == h_n.shape


@pytest.mark.parametrize("device", DEVICES)
def test_explicit_layers_equal_torch_nn_on(device):
    torch.manual_seed(0)
    reference = torch.nn.GRU(3, H, num_layers=2).to(device)
    layer = ExplicitRecurrent("gru", 3, H, num_layers=2, kernel=KERNEL).to(device)
    layer.load_state_dict(reference.state_dict())
    x = torch.randn(T, B, 3, device=device)
    with torch.no_grad():
        torch.testing.assert_close(layer(x)[0], reference(x)[0], rtol=2e-3, atol=2e-3)
