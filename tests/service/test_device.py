"""Every torch path on each device: train a tiny model a few steps with probes, look at its
states, use it (classify, generate, forecast), resume it. On CUDA these caught tensors
made on the CPU for a model on the GPU ("mat1 is on cpu", "index is on cpu")."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from rnnlab import service
from rnnlab.events import ProbeTaken
from tests.devices import DEVICES

from .conftest import SMALL, config_path, last_checkpoint, train_interrupted

PROBES = ["train.probe_every=2"]


def tolerance(device: str) -> float:
    """float32 on the CPU against the device: cuDNN may use TF32 for float32 on a GPU."""
    return 1e-5 if device == "cpu" else 2e-3


def train_on(device: str, name: str, home: Path, *extra: str) -> tuple[dict, list]:
    events: list = []
    overrides = [*SMALL[name], *PROBES, f"train.device={device}", *extra]
    run = service.train(config_path(name), overrides, on_event=events.append, home=home)
    return run, [e for e in events if isinstance(e, ProbeTaken)]


def check_probes(probes: list[ProbeTaken], cell_layers: int) -> None:
    flows = [p.payload for p in probes if p.kind == "gradient_flow"]
    assert flows and all(len(f["series"]) == cell_layers for f in flows)
    norms = [v for f in flows for s in f["series"] for v in s["norms"]]
    assert all(math.isfinite(v) and v > 0 for v in norms)
    (states,) = [p.payload for p in probes if p.kind == "states"]
    assert states["layers"] and len(states["layers"][0]["h"]) == len(states["tokens"])


@pytest.mark.parametrize("device", DEVICES)
def test_a_language_model_trains_probes_generates_and_resumes_on(device, tmp_path):
    run, probes = train_on(device, "char_lm", tmp_path)
    assert run["status"] == "finished"
    check_probes(probes, 1)
    here = service.predictor(run["id"], home=tmp_path).to(device)
    on_cpu = service.predictor(run["id"], home=tmp_path)
    sample = dict(prompt="the ", length=12, seed=5, n=3)
    samples = here.generate(**sample)["samples"]
    assert [len(s["tokens"]) for s in samples] == [12] * 3
    assert samples == here.generate(**sample)["samples"]  # the seed decides, on any device
    if device == "cpu":  # elsewhere a near-tie may round the other way
        assert samples == on_cpu.generate(**sample)["samples"]
    states = here.states("the cat")
    np.testing.assert_allclose(
        states["layers"][0]["h"], on_cpu.states("the cat")["layers"][0]["h"], atol=1e-6
    )
    overrides = [*SMALL["char_lm"], f"train.device={device}"]
    stopped = train_interrupted(config_path("char_lm"), overrides, 2, tmp_path)
    resumed = service.resume(stopped["id"], home=tmp_path)
    assert resumed["status"] == "finished" and resumed["steps"] == run["steps"]
    arrays, _ = last_checkpoint(tmp_path, resumed["id"])
    assert all(np.isfinite(v).all() for k, v in arrays.items() if k.startswith("model."))


@pytest.mark.parametrize("device", DEVICES)
def test_a_classifier_trains_probes_and_classifies_on(device, tmp_path):
    run, probes = train_on(device, "sentiment", tmp_path)
    assert run["status"] == "finished"
    check_probes(probes, 2)  # bidirectional: forward and backward series
    texts = ["the soup was great .", "bad ."]  # different lengths: packed on the device
    here = service.predictor(run["id"], home=tmp_path).to(device).classify(texts)
    on_cpu = service.predictor(run["id"], home=tmp_path).classify(texts)
    for a, b in zip(here, on_cpu, strict=True):
        assert a["label"] == b["label"] or device != "cpu"  # a near-tie may flip elsewhere
        for label, p in a["probabilities"].items():
            assert p == pytest.approx(b["probabilities"][label], abs=tolerance(device))


@pytest.mark.parametrize("device", DEVICES)
def test_a_forecaster_trains_probes_and_forecasts_on(device, tmp_path):
    run, probes = train_on(device, "forecast", tmp_path)
    assert run["status"] == "finished"
    check_probes(probes, 1)
    here = service.predictor(run["id"], home=tmp_path).to(device).forecast(5)
    on_cpu = service.predictor(run["id"], home=tmp_path).forecast(5)
    np.testing.assert_allclose(here["forecast"], on_cpu["forecast"], rtol=tolerance(device))


@pytest.mark.parametrize("device", DEVICES)
def test_bf16_training_stays_finite_and_close_to_fp32_on(device, tmp_path):
    losses = {}
    for precision in ("fp32", "bf16"):
        run, _ = train_on(device, "char_lm", tmp_path, f"train.precision={precision}")
        assert run["status"] == "finished"
        metrics = service.run_metrics(run["id"], home=tmp_path)
        losses[precision] = np.array(metrics["train"]["loss"]["value"])
    assert np.isfinite(losses["bf16"]).all()
    assert not np.array_equal(losses["bf16"], losses["fp32"])  # autocast did act
    np.testing.assert_allclose(losses["bf16"], losses["fp32"], rtol=0.03)
