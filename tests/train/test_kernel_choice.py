"""train.kernel: which recurrent layers a run gets, and that the choice changes no result."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rnnlab import service
from rnnlab.errors import ConfigError
from rnnlab.spec.run import parse_run_config
from rnnlab.torch_engine.fast_cells import ExplicitRecurrent
from rnnlab.train import Trainer, build_learner
from rnnlab.train import build as build_module
from tests.train.conftest import prepared_for, small_config


def layers_of(cell: str, kernel: str, **train):
    """The recurrent layers a CPU run gets (the compiled recurrence is CPU code)."""
    config = small_config(
        "classify", model={"cell": cell}, train={"kernel": kernel, "device": "cpu", **train}
    )
    return build_learner(config, prepared_for(config)).model.rnn


def test_nn_lstm_and_explicit_choices():
    assert not isinstance(layers_of("gru", "nn"), ExplicitRecurrent)
    assert not isinstance(layers_of("lstm", "explicit"), ExplicitRecurrent)  # LSTM: fused
    explicit = layers_of("gru", "explicit")
    assert isinstance(explicit, ExplicitRecurrent) and explicit.kernel is not None


def test_auto_builds_only_when_the_run_is_long_enough(monkeypatch):
    monkeypatch.setattr(build_module, "kernel_built", lambda: False)
    built = []
    monkeypatch.setattr(build_module, "load_kernel", lambda build: built.append(build) or "K")
    assert not isinstance(layers_of("rnn", "auto", max_steps=2), ExplicitRecurrent)
    assert built == []  # a short run: no build
    long_run = layers_of("rnn", "auto", max_steps=None, epochs=10_000)
    assert isinstance(long_run, ExplicitRecurrent) and built == [True]


def test_auto_uses_an_already_built_kernel(monkeypatch):
    monkeypatch.setattr(build_module, "kernel_built", lambda: True)
    assert isinstance(layers_of("gru", "auto", max_steps=2), ExplicitRecurrent)


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_training_with_either_kernel_ends_at_the_same_weights(cell):
    results = []
    for kernel in ("nn", "explicit"):
        config = small_config(
            "language-model",
            model={"cell": cell, "num_layers": 2},
            train={"kernel": kernel, "device": "cpu", "max_steps": 8, "probe_every": None},
        )
        prepared = prepared_for(config)
        learner = build_learner(config, prepared)
        Trainer(learner, prepared, config).fit()
        results.append(learner.model_arrays())
    for key, value in results[0].items():
        np.testing.assert_allclose(results[1][key], value, rtol=1e-4, atol=1e-5, err_msg=key)


def test_explicit_with_device_cuda_is_refused_by_the_config():
    data = {"task": "classify", "data": {"path": "x.tsv"}}
    with pytest.raises(ConfigError, match=r"train\.kernel: explicit .* device cuda expected nn"):
        parse_run_config({**data, "train": {"kernel": "explicit", "device": "cuda"}})


def test_explicit_where_auto_chooses_a_gpu_is_refused_before_the_run_exists(
    monkeypatch, tmp_path: Path
):
    """The compiled recurrence read CUDA pointers on the host (exit 139): now an error
    names both settings before any run or model exists, on any machine."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # auto would pick cuda
    config = small_config("classify", model={"cell": "gru"}, train={"kernel": "explicit"})
    message = r"train\.kernel: explicit .* train\.device auto chose cuda; expected .* nn or auto"
    with pytest.raises(ConfigError, match=message):
        build_learner(config, prepared_for(config))
    examples = Path(__file__).parents[2] / "examples" / "configs"
    overrides = ["model.cell=gru", "train.kernel=explicit"]
    with pytest.raises(ConfigError, match=message):
        service.train(examples / "sentiment.yaml", overrides, home=tmp_path)
    assert service.list_runs(home=tmp_path) == []
