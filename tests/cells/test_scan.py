"""Both ways rnnlab.cells._scan runs h_t = a_t h_{t-1} + b_t (the log-space parallel scan,
and the CPU's loop with its hand-written backward) equal the step-by-step recurrence: on
their own (values and gradients), inside minGRU's and minLSTM's ``sequence`` against their
``step``, in float64 and in float32 over 512 steps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnlab import cells
from rnnlab.cells import _diagonal, _scan
from tests.cells.scan_parity import lengths_mask, steps, weights
from tests.devices import DEVICES

SCAN_CELLS = ("mingru", "minlstm")
FLOAT32_BOUND = 1e-4  # |h32 - h64| <= FLOAT32_BOUND * max(1, |h64|) at T = 512


def _recurrence(log_a: np.ndarray, log_b: np.ndarray, h0: np.ndarray, mask) -> np.ndarray:
    a, b, h, hs = np.exp(log_a), np.exp(log_b), h0, []
    for t in range(len(a)):
        h_new = a[t] * h + b[t]
        h = h_new if mask is None else np.where(mask[t] > 0, h_new, h)
        hs.append(h)
    return np.stack(hs)


def _random_logs(T: int, B: int, H: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return -rng.exponential(0.7, (T, B, H)), rng.normal(-0.5, 1.0, (T, B, H))


@pytest.mark.parametrize("log_space", [True, False])
@pytest.mark.parametrize("h0_kind", ["zero", "signed"])
@pytest.mark.parametrize("mask_kind", [None, "lengths", "starts-late"])
def test_scan_equals_the_recurrence_in_float64(
    h0_kind: str, mask_kind: str | None, log_space: bool
) -> None:
    T, B, H = 150, 3, 4  # more than two chunks
    log_a, log_b = _random_logs(T, B, H, 0)
    h0 = np.zeros((B, H)) if h0_kind == "zero" else np.random.default_rng(1).normal(0, 2, (B, H))
    mask = None if mask_kind is None else lengths_mask([150, 70, 1], T)
    if mask_kind == "starts-late":
        mask = mask[::-1].copy()
    tensors = (torch.tensor(v) for v in (log_a, log_b, h0))
    hs = _scan.scan(*tensors, None if mask is None else torch.tensor(mask), log_space)
    expected = _recurrence(log_a, log_b, h0, mask)
    np.testing.assert_allclose(hs.numpy(), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("log_space", [True, False])
def test_scan_gradients_are_finite_where_the_state_is_only_carried(log_space: bool) -> None:
    log_a, log_b = (torch.tensor(v, requires_grad=True) for v in _random_logs(5, 2, 3, 2))
    mask = torch.tensor(lengths_mask([5, 2], 5)[::-1].copy())  # sequence 2 starts at t = 4
    hs = _scan.scan(log_a, log_b, torch.zeros(2, 3, dtype=torch.float64), mask, log_space)
    hs.sum().backward()
    assert torch.isfinite(log_a.grad).all() and torch.isfinite(log_b.grad).all()
    assert (log_b.grad[:3, 1] == 0).all() and (log_b.grad[3:, 1] != 0).all()


@pytest.mark.parametrize("mask_kind", [None, "lengths"])
def test_the_loop_and_the_log_space_scan_have_autograds_gradients(mask_kind: str | None) -> None:
    """The loop's hand-written backward against autograd through the plain recurrence, and
    the log-space scan's against the same, float64: d/d log a, d/d log b, d/d h0."""
    T, B, H = 70, 3, 4  # past one chunk
    log_a, log_b = _random_logs(T, B, H, 7)
    h0 = np.random.default_rng(8).normal(0, 2, (B, H))
    dy = np.random.default_rng(9).normal(0, 1, (T, B, H))
    mask = None if mask_kind is None else torch.tensor(lengths_mask([70, 33, 2], T))

    def gradients(run) -> list[np.ndarray]:
        leaves = [torch.tensor(v, requires_grad=True) for v in (log_a, log_b, h0)]
        (run(*leaves) * torch.tensor(dy)).sum().backward()
        return [leaf.grad.numpy() for leaf in leaves]

    def plain(la: torch.Tensor, lb: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        hs = []
        for t in range(T):
            h_new = la[t].exp() * h + lb[t].exp()
            h = h_new if mask is None else torch.where(mask[t] > 0, h_new, h)
            hs.append(h)
        return torch.stack(hs)

    expected = gradients(plain)
    for log_space in (False, True):
        got = gradients(lambda la, lb, h, s=log_space: _scan.scan(la, lb, h, mask, s))
        for name, ours, theirs in zip(("log a", "log b", "h0"), got, expected, strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12, err_msg=name)


def test_the_cpu_runs_the_loop_and_the_log_space_scan_is_asked_for() -> None:
    log_a, log_b = (torch.tensor(v, requires_grad=True) for v in _random_logs(4, 2, 3, 1))
    h0 = torch.zeros(2, 3, dtype=torch.float64)
    assert _scan.scan(log_a, log_b, h0, None).grad_fn.name().startswith("DiagonalLoop")
    assert not _scan.scan(log_a, log_b, h0, None, True).grad_fn.name().startswith("Diagonal")


@pytest.mark.parametrize("cell", SCAN_CELLS)
@pytest.mark.parametrize("lengths", [None, [40, 17, 1]])
def test_sequence_equals_step_by_step_in_float64(cell: str, lengths: list[int] | None) -> None:
    rng = np.random.default_rng(3)
    T, B, D, H = 40, 3, 4, 5
    p, x, h0 = weights(cell, D, H, 3), rng.normal(0, 1, (T, B, D)), rng.normal(0, 1, (B, H))
    mask = None if lengths is None else lengths_mask(lengths, T)
    tp = {k: torch.tensor(v) for k, v in p.items()}
    tmask = None if mask is None else torch.tensor(mask)
    hs, h_T, _ = (
        cells.get(cell).torch().sequence(torch.tensor(x), tmask, tp, torch.tensor(h0), None)
    )
    expected = steps(cell, p, x, mask, h0)
    np.testing.assert_allclose(hs.numpy(), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h_T.numpy(), expected[-1], rtol=1e-10, atol=1e-12)


def scan_of(cell: str, x: torch.Tensor, p: dict, h0: torch.Tensor, log_space: bool):
    """A scan cell's hs (T, B, H) by the loop or the log-space scan, whatever the device."""
    zx = _scan.widened(_scan.pre_activations(x, p))  # (T, B, G)
    return _scan.scan(*cells.get(cell).torch().log_coefficients(zx), h0, None, log_space)


@pytest.mark.parametrize("log_space", [True, False])
@pytest.mark.parametrize("cell", SCAN_CELLS)
def test_float32_scan_over_512_steps_stays_within_the_stated_bound(
    cell: str, log_space: bool
) -> None:
    rng = np.random.default_rng(4)
    T, B, D, H = 512, 4, 8, 16
    p, x, h0 = weights(cell, D, H, 4), rng.normal(0, 1, (T, B, D)), rng.normal(0, 1, (B, H))
    exact = steps(cell, p, x, None, h0)  # float64, one step at a time
    f32 = {k: torch.tensor(v, dtype=torch.float32) for k, v in p.items()}
    x32, h32 = torch.tensor(x, dtype=torch.float32), torch.tensor(h0, dtype=torch.float32)
    hs = scan_of(cell, x32, f32, h32, log_space)
    error = np.abs(hs.double().numpy() - exact) / np.maximum(1.0, np.abs(exact))
    assert error.max() <= FLOAT32_BOUND, error.max()


def test_positive_activation_agrees_across_engines_and_is_continuous_at_zero() -> None:
    u = np.array([-30.0, -2.0, -1e-12, 0.0, 1e-12, 0.7, 40.0])
    g = _diagonal.positive(u)
    log_g = np.where(u >= 0, np.log(np.maximum(u, 0) + 0.5), -np.log1p(np.exp(-u)))  # exact
    np.testing.assert_allclose(_scan.positive(torch.tensor(u)).numpy(), g, rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(_scan.log_positive(torch.tensor(u)).numpy(), log_g, rtol=1e-12)
    assert (g > 0).all() and abs(g[2] - 0.5) < 1e-11 and g[3] == 0.5
    t = torch.tensor(u, requires_grad=True)
    _scan.positive(t).sum().backward()  # g' from the output: 1 at u = 0, g (1 - g) below
    np.testing.assert_allclose(t.grad.numpy(), _diagonal.positive_grad_from_output(g), atol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("cell", SCAN_CELLS)
def test_sequence_on_each_device_equals_step_by_step(cell: str, device: str) -> None:
    rng = np.random.default_rng(5)
    T, B, D, H = 200, 3, 4, 5
    p, x, h0 = weights(cell, D, H, 5), rng.normal(0, 1, (T, B, D)), rng.normal(0, 1, (B, H))
    mask = lengths_mask([200, 130, 7], T)[::-1].copy()  # a reverse direction's masks
    on = {k: torch.tensor(v, device=device) for k, v in p.items()}
    x_on, h0_on, mask_on = (torch.tensor(v, device=device) for v in (x, h0, mask))
    hs, _, _ = cells.get(cell).torch().sequence(x_on, mask_on, on, h0_on, None)
    assert hs.device.type == device
    expected = steps(cell, p, x, mask, h0)
    np.testing.assert_allclose(hs.cpu().numpy(), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("log_space", [True, False])
@pytest.mark.parametrize("cell", SCAN_CELLS)
def test_under_bf16_autocast_the_scan_runs_in_float32(cell: str, log_space: bool) -> None:
    p = {k: torch.tensor(v, dtype=torch.float32) for k, v in weights(cell, 8, 16, 6).items()}
    x, h0 = torch.randn(300, 4, 8, generator=torch.Generator().manual_seed(6)), torch.zeros(4, 16)
    exact = scan_of(cell, x, p, h0, log_space)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        hs = scan_of(cell, x, p, h0, log_space)
    assert hs.dtype == torch.float32
    # only the GEMM rounds to bf16 (8 bits): relative errors under 1 %, not growing with T
    np.testing.assert_allclose(hs.numpy(), exact.numpy(), rtol=2e-2, atol=1e-2)
