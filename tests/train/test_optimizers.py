"""The torch learner's optimisers: Adam and AdamW run fused, with torch.optim's update."""

from __future__ import annotations

import pytest
import torch

from rnnlab.spec.run import TrainSpec
from rnnlab.train.torch_learner import make_optimizer


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_fused_adam_takes_the_same_steps_as_the_per_tensor_one(name: str) -> None:
    spec = TrainSpec(optimizer=name, lr=1e-2, weight_decay=0.01)
    torch.manual_seed(0)
    start = [torch.randn(5, 3), torch.randn(3)]
    fused = [torch.nn.Parameter(p.clone()) for p in start]
    plain = [torch.nn.Parameter(p.clone()) for p in start]
    optimizer = make_optimizer(spec, fused)
    assert optimizer.defaults["fused"] is True
    reference = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[name](
        plain, lr=1e-2, weight_decay=0.01, foreach=False
    )
    for step in range(5):
        grads = [torch.randn_like(p) for p in start]
        for params, opt in ((fused, optimizer), (plain, reference)):
            for p, g in zip(params, grads, strict=True):
                p.grad = g.clone()
            opt.step()
        for got, want in zip(fused, plain, strict=True):
            torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-7, msg=f"step {step}")
