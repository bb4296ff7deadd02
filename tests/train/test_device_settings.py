"""The GPU-facing training settings, checked on the CPU: precision, deterministic, the host
syncs of a step, and clipping by value after the step's single device-to-host copy."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from rnnlab.errors import ConfigError
from rnnlab.events import StepDone
from rnnlab.spec.run import parse_run_config
from rnnlab.train import Trainer, build_learner
from rnnlab.train.torch_learner import CUBLAS_WORKSPACE
from tests.devices import DEVICES
from tests.train.conftest import prepared_for, small_config


def losses(config) -> list[float]:
    prepared = prepared_for(config)
    events: list = []
    Trainer(build_learner(config, prepared), prepared, config, [events.append]).fit()
    return [e.loss for e in events if isinstance(e, StepDone)]


def test_bf16_with_the_numpy_engine_is_refused():
    data = {"task": "forecast", "data": {"path": "x.csv"}}
    with pytest.raises(ConfigError, match=r"train\.precision: bf16 needs engine torch"):
        parse_run_config({**data, "train": {"precision": "bf16", "engine": "numpy"}})


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize(("cell", "kernel"), [("gru", "explicit"), ("lstm", "nn"), ("rnn", "nn")])
def test_bf16_keeps_the_loss_curve_of_fp32(cell, kernel, device):
    """autocast on the model's device; rnnlab's compiled GRU/RNN recurrence (CPU) runs in
    float32 inside it, since it takes float32/float64 only."""
    if device == "cuda" and kernel == "explicit":
        kernel = "nn"  # explicit is CPU code (refused on CUDA)
    curves = [
        losses(
            small_config(
                "language-model",
                model={"cell": cell},
                train={"precision": p, "kernel": kernel, "device": device, "max_steps": 8},
            )
        )
        for p in ("fp32", "bf16")
    ]
    assert np.isfinite(curves[1]).all()
    np.testing.assert_allclose(curves[1], curves[0], rtol=0.03)


def test_deterministic_sets_torch_and_the_cublas_workspace(monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    before = torch.are_deterministic_algorithms_enabled()
    try:
        config = small_config("classify", train={"deterministic": True})
        build_learner(config, prepared_for(config))
        assert torch.are_deterministic_algorithms_enabled()
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == CUBLAS_WORKSPACE == ":4096:8"
        build_learner(small_config("classify"), prepared_for(config))  # the default: off
        assert not torch.are_deterministic_algorithms_enabled()
    finally:
        torch.use_deterministic_algorithms(before)


@pytest.mark.parametrize("device", DEVICES)
def test_a_training_step_copies_from_the_device_once(device, monkeypatch):
    """On a GPU every .item() / float() waits for the queued kernels: a step makes one copy
    (loss, norm and largest |gradient| together)."""
    config = small_config(
        "classify", train={"device": device, "clip_grad_value": 0.01, "clip_grad_norm": 1.0}
    )
    prepared = prepared_for(config)
    learner = build_learner(config, prepared)
    batch = next(iter(Trainer(learner, prepared, config).batches("train", 0)))
    learner.train_step(batch, None)  # warm-up
    copies: list[str] = []

    def counted(name: str):
        real = getattr(torch.Tensor, name)

        def method(self, *args, **kwargs):
            copies.append(name)
            return real(self, *args, **kwargs)

        return method

    # (lengths are made on the CPU for packing: their .cpu() copies nothing)
    for name in ("item", "tolist", "__float__", "numpy"):
        monkeypatch.setattr(torch.Tensor, name, counted(name))
    result = learner.train_step(batch, None)
    assert copies == ["tolist"]
    assert result.finite and result.clipped


@pytest.mark.parametrize("clip", [{"clip_grad_value": 1e-3}, {"clip_grad_value": 1e3}])
def test_clipping_by_value_matches_the_reference_engine(clip):
    config = small_config("classify", model={"cell": "gru"}, train={"clip_grad_norm": None, **clip})
    prepared = prepared_for(config)
    learners = [
        build_learner(
            config.model_copy(update={"train": config.train.model_copy(update={"engine": e})}),
            prepared,
            dtype="float64",
        )
        for e in ("torch", "numpy")
    ]
    batch = next(iter(Trainer(learners[0], prepared, config).batches("train", 0)))
    results = [learner.train_step(batch, None) for learner in learners]
    assert results[0].clipped == results[1].clipped == (clip["clip_grad_value"] < 1)
    assert results[0].loss == pytest.approx(results[1].loss, rel=1e-10)
    for key, value in learners[1].model_arrays().items():
        np.testing.assert_allclose(learners[0].model_arrays()[key], value, rtol=1e-9, atol=1e-12)
