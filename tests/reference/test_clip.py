"""Gradient clipping against torch.nn.utils.clip_grad_norm_ / clip_grad_value_ in float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnlab.errors import ConfigError
from rnnlab.reference.clip import clip_grad_norm, clip_grad_value, global_norm

SHAPES = {"weight_ih_l0": (8, 3), "weight_hh_l0": (8, 2), "bias_ih_l0": (8,)}


def random_grads(seed: int, scale: float = 1.0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {key: scale * rng.standard_normal(shape) for key, shape in SHAPES.items()}


def torch_params_with_grads(grads: dict[str, np.ndarray]) -> list[torch.Tensor]:
    params = []
    for value in grads.values():
        param = torch.zeros(value.shape, dtype=torch.float64, requires_grad=True)
        param.grad = torch.tensor(value)
        params.append(param)
    return params


def test_global_norm_is_l2_over_all_arrays() -> None:
    grads = random_grads(0)
    everything = np.concatenate([value.ravel() for value in grads.values()])
    assert global_norm(grads) == pytest.approx(np.sqrt(np.sum(everything**2)), rel=1e-15)
    assert global_norm({}) == 0.0


@pytest.mark.parametrize(("max_norm", "scale"), [(1.0, 1.0), (0.5, 3.0), (2.0, 0.1), (1e3, 1.0)])
def test_clip_grad_norm_matches_torch(max_norm: float, scale: float) -> None:
    grads = random_grads(1, scale)
    params = torch_params_with_grads(grads)
    expected_norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    norm = clip_grad_norm(grads, max_norm)
    assert norm == pytest.approx(float(expected_norm), rel=1e-14)
    for value, param in zip(grads.values(), params, strict=True):
        np.testing.assert_allclose(value, param.grad.numpy(), rtol=1e-14, atol=0)


def test_clip_grad_norm_returns_pre_clip_norm_and_reaches_max_norm() -> None:
    grads = random_grads(2, scale=5.0)
    before = global_norm(grads)
    assert clip_grad_norm(grads, 1.0) == before
    assert global_norm(grads) == pytest.approx(1.0 * before / (before + 1e-6), rel=1e-12)


def test_clip_grad_norm_under_the_limit_changes_nothing() -> None:
    grads = random_grads(3, scale=0.01)
    before = {key: value.copy() for key, value in grads.items()}
    norm = clip_grad_norm(grads, 10.0)
    assert norm == global_norm(before)
    for key, value in grads.items():
        np.testing.assert_array_equal(value, before[key])


def test_clip_grad_norm_arrays_are_the_same_objects() -> None:
    grads = random_grads(4, scale=10.0)
    identities = {key: id(value) for key, value in grads.items()}
    clip_grad_norm(grads, 1.0)
    assert {key: id(value) for key, value in grads.items()} == identities


@pytest.mark.parametrize("clip_value", [0.1, 0.5, 5.0])
def test_clip_grad_value_matches_torch(clip_value: float) -> None:
    grads = random_grads(5)
    params = torch_params_with_grads(grads)
    torch.nn.utils.clip_grad_value_(params, clip_value)
    assert clip_grad_value(grads, clip_value) is None
    for value, param in zip(grads.values(), params, strict=True):
        np.testing.assert_array_equal(value, param.grad.numpy())
        assert np.abs(value).max() <= clip_value


def test_clip_grad_value_under_the_limit_changes_nothing() -> None:
    grads = random_grads(6, scale=0.01)
    before = {key: value.copy() for key, value in grads.items()}
    clip_grad_value(grads, 1.0)
    for key, value in grads.items():
        np.testing.assert_array_equal(value, before[key])


@pytest.mark.filterwarnings("ignore:invalid value encountered in multiply:RuntimeWarning")
def test_non_finite_norm_is_returned_like_torch() -> None:
    grads = random_grads(7)
    grads["bias_ih_l0"][0] = np.inf
    params = torch_params_with_grads(grads)
    expected = torch.nn.utils.clip_grad_norm_(params, 1.0)
    assert clip_grad_norm(grads, 1.0) == float(expected) == np.inf
    for value, param in zip(grads.values(), params, strict=True):
        np.testing.assert_array_equal(value, param.grad.numpy())


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), "1.0", None])
def test_clip_grad_norm_rejects_non_positive_max_norm(bad: object) -> None:
    with pytest.raises(ConfigError, match=r"^max_norm: expected a number > 0, received"):
        clip_grad_norm(random_grads(0), bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0.0, -0.5, float("nan")])
def test_clip_grad_value_rejects_non_positive_clip_value(bad: float) -> None:
    with pytest.raises(ConfigError, match=r"^clip_value: expected a number > 0, received"):
        clip_grad_value(random_grads(0), bad)


def test_clip_rejects_negative_eps_and_non_arrays() -> None:
    with pytest.raises(ConfigError, match=r"^eps: "):
        clip_grad_norm(random_grads(0), 1.0, eps=-1.0)
    with pytest.raises(ConfigError, match=r"^grads\['w'\]: "):
        clip_grad_norm({"w": [1.0, 2.0]}, 1.0)  # type: ignore[dict-item]
    with pytest.raises(ConfigError, match=r"^grads\['w'\]: "):
        clip_grad_value({"w": np.arange(3)}, 1.0)
