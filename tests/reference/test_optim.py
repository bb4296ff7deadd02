"""The reference optimisers against torch.optim in float64, step by step."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

from rnnlab.errors import ConfigError, ShapeError
from rnnlab.reference.optim import SGD, Adam, AdamW, Optimizer, RMSprop, make_optimizer

SHAPES = {"weight_ih_l0": (6, 3), "weight_hh_l0": (6, 2), "bias_ih_l0": (6,)}
STEPS = 6

TORCH_CLASSES = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
}

CASES = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    ("adam", {"lr": 1e-2}),
    ("adam", {"lr": 1e-2, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
    ("adamw", {"lr": 1e-2}),
    ("adamw", {"lr": 3e-2, "betas": (0.5, 0.9), "weight_decay": 0.2}),
    ("rmsprop", {"lr": 1e-2}),
    ("rmsprop", {"lr": 1e-2, "alpha": 0.9, "momentum": 0.7}),
    ("rmsprop", {"lr": 1e-2, "centered": True, "weight_decay": 0.05}),
    ("rmsprop", {"lr": 1e-2, "centered": True, "momentum": 0.5, "eps": 1e-4}),
]


def random_params(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {key: rng.standard_normal(shape) for key, shape in SHAPES.items()}


def random_grads(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {key: rng.standard_normal(shape) for key, shape in SHAPES.items()}


class TorchTwin:
    """The matching torch.optim optimiser on float64 copies of the same parameters."""

    def __init__(self, name: str, params: dict[str, np.ndarray], options: dict) -> None:
        self.tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
        self.optimizer = TORCH_CLASSES[name](list(self.tensors.values()), **options)

    def step(self, grads: dict[str, np.ndarray]) -> None:
        for key, tensor in self.tensors.items():
            tensor.grad = torch.tensor(grads[key])
        self.optimizer.step()

    def params(self) -> dict[str, np.ndarray]:
        return {k: t.detach().numpy() for k, t in self.tensors.items()}


def assert_params_equal(ours: dict[str, np.ndarray], theirs: dict[str, np.ndarray]) -> None:
    for key in SHAPES:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=0, atol=1e-12, err_msg=key)


@pytest.mark.parametrize(("name", "options"), CASES)
def test_matches_torch_step_by_step(name: str, options: dict) -> None:
    params = random_params(0)
    twin = TorchTwin(name, params, options)
    optimizer = make_optimizer(name, params, **options)
    rng = np.random.default_rng(1)
    for _ in range(STEPS):
        grads = random_grads(rng)
        optimizer.step(grads)
        twin.step(grads)
        assert_params_equal(params, twin.params())
    assert optimizer.step_count == STEPS


@pytest.mark.parametrize(("name", "options"), CASES)
def test_state_dict_round_trip_continues_exactly(name: str, options: dict) -> None:
    rng = np.random.default_rng(2)
    all_grads = [random_grads(rng) for _ in range(STEPS)]
    straight, interrupted = random_params(3), random_params(3)
    uninterrupted = make_optimizer(name, straight, **options)
    for grads in all_grads:
        uninterrupted.step(grads)

    first = make_optimizer(name, interrupted, **options)
    for grads in all_grads[:3]:
        first.step(grads)
    saved = first.state_dict()
    assert saved["step"].dtype == np.int64 and saved["step"].shape == ()
    assert all(isinstance(value, np.ndarray) for value in saved.values())
    resumed = make_optimizer(name, interrupted, **options)
    resumed.load_state_dict(saved)
    for grads in all_grads[3:]:
        resumed.step(grads)
    for key in SHAPES:
        np.testing.assert_array_equal(interrupted[key], straight[key])
    for key, value in uninterrupted.state_dict().items():
        np.testing.assert_array_equal(resumed.state_dict()[key], value, err_msg=key)


def test_state_dict_keys_name_slot_and_parameter() -> None:
    optimizer = Adam(random_params(0))
    assert set(optimizer.state_dict()) == {"step"} | {
        f"{slot}.{key}" for slot in ("exp_avg", "exp_avg_sq") for key in SHAPES
    }
    rms = RMSprop(random_params(0), centered=True, momentum=0.5)
    assert {key.split(".")[0] for key in rms.state_dict()} == {
        "step",
        "square_avg",
        "grad_avg",
        "momentum_buffer",
    }
    assert set(SGD(random_params(0), lr=0.1).state_dict()) == {"step"}


def test_state_dict_is_a_copy() -> None:
    optimizer = Adam(random_params(0))
    optimizer.step(random_grads(np.random.default_rng(0)))
    saved = optimizer.state_dict()
    saved["exp_avg.bias_ih_l0"][:] = 99.0
    assert not np.any(optimizer.state["exp_avg"]["bias_ih_l0"] == 99.0)


def test_lr_is_mutable_between_steps() -> None:
    params = random_params(0)
    twin = TorchTwin("sgd", params, {"lr": 0.1, "momentum": 0.9})
    optimizer = SGD(params, lr=0.1, momentum=0.9)
    rng = np.random.default_rng(4)
    for lr in (0.1, 0.05, 0.01):
        optimizer.lr = lr
        for group in twin.optimizer.param_groups:
            group["lr"] = lr
        grads = random_grads(rng)
        optimizer.step(grads)
        twin.step(grads)
    assert_params_equal(params, twin.params())


def test_float32_params_are_updated_in_float32() -> None:
    params = {key: value.astype(np.float32) for key, value in random_params(0).items()}
    before = {key: value.copy() for key, value in params.items()}
    Adam(params, lr=0.1).step(random_grads(np.random.default_rng(0)))
    for key, value in params.items():
        assert value.dtype == np.float32
        assert not np.array_equal(value, before[key])


# ----------------------------------------------------------------- errors
BAD_ARGUMENTS: list[tuple[Callable[[], Optimizer], str]] = [
    (lambda: SGD(random_params(0), lr=0.0), "lr"),
    (lambda: SGD(random_params(0), lr=-1.0), "lr"),
    (lambda: SGD(random_params(0), lr=float("nan")), "lr"),
    (lambda: SGD(random_params(0), lr="0.1"), "lr"),  # type: ignore[arg-type]
    (lambda: SGD(random_params(0), lr=0.1, momentum=-0.5), "momentum"),
    (lambda: SGD(random_params(0), lr=0.1, dampening=1.5), "dampening"),
    (lambda: SGD(random_params(0), lr=0.1, weight_decay=-1e-3), "weight_decay"),
    (lambda: SGD(random_params(0), lr=0.1, nesterov=True), "nesterov"),
    (lambda: SGD(random_params(0), lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "nesterov"),
    (lambda: SGD(random_params(0), lr=0.1, nesterov="yes"), "nesterov"),  # type: ignore[arg-type]
    (lambda: Adam(random_params(0), lr=-1e-3), "lr"),
    (lambda: Adam(random_params(0), betas=(1.0, 0.999)), "betas[0]"),
    (lambda: Adam(random_params(0), betas=(0.9, -0.1)), "betas[1]"),
    (lambda: Adam(random_params(0), betas=(0.9,)), "betas"),  # type: ignore[arg-type]
    (lambda: Adam(random_params(0), eps=-1e-8), "eps"),
    (lambda: Adam(random_params(0), weight_decay=-0.1), "weight_decay"),
    (lambda: AdamW(random_params(0), betas=(0.9, 1.0)), "betas[1]"),
    (lambda: AdamW(random_params(0), weight_decay=-0.01), "weight_decay"),
    (lambda: RMSprop(random_params(0), lr=0.0), "lr"),
    (lambda: RMSprop(random_params(0), alpha=1.0), "alpha"),
    (lambda: RMSprop(random_params(0), alpha=-0.1), "alpha"),
    (lambda: RMSprop(random_params(0), eps=-1.0), "eps"),
    (lambda: RMSprop(random_params(0), momentum=-0.9), "momentum"),
    (lambda: RMSprop(random_params(0), weight_decay=-1.0), "weight_decay"),
    (lambda: RMSprop(random_params(0), centered=1), "centered"),  # type: ignore[arg-type]
    (lambda: Adam({}), "params"),
    (lambda: Adam({"w": [1.0, 2.0]}), "params['w']"),  # type: ignore[dict-item]
    (lambda: Adam({"w": np.arange(3)}), "params['w']"),
]


@pytest.mark.parametrize(("build", "argument"), BAD_ARGUMENTS)
def test_bad_argument_names_itself(build: Callable[[], Optimizer], argument: str) -> None:
    with pytest.raises(ConfigError) as raised:
        build()
    message = str(raised.value)
    assert message.startswith(f"{argument}: expected"), message
    assert "received" in message


def test_bad_argument_message_has_allowed_and_received_values() -> None:
    with pytest.raises(
        ConfigError, match=r"^betas\[0\]: expected a number in \[0, 1\), received 1.5$"
    ):
        Adam(random_params(0), betas=(1.5, 0.999))
    with pytest.raises(ConfigError, match=r"^lr: expected a number > 0, received -0.1$"):
        SGD(random_params(0), lr=-0.1)


def test_unknown_optimizer_name() -> None:
    with pytest.raises(ConfigError) as raised:
        make_optimizer("x", random_params(0), lr=0.1)
    assert (
        str(raised.value) == "optimizer: expected one of sgd | adam | adamw | rmsprop, received 'x'"
    )


def test_unknown_option_is_named() -> None:
    with pytest.raises(ConfigError, match="amsgrad"):
        make_optimizer("adam", random_params(0), lr=0.1, amsgrad=True)


def test_make_optimizer_builds_each_class() -> None:
    for name, cls in (("sgd", SGD), ("adam", Adam), ("adamw", AdamW), ("rmsprop", RMSprop)):
        assert type(make_optimizer(name, random_params(0), lr=0.1)) is cls


@pytest.mark.parametrize("change", ["missing", "extra", "shape"])
def test_bad_grads_name_the_key(change: str) -> None:
    params = random_params(0)
    before = {key: value.copy() for key, value in params.items()}
    optimizer = Adam(params)
    grads = random_grads(np.random.default_rng(0))
    if change == "missing":
        del grads["weight_hh_l0"]
        key = "weight_hh_l0"
    elif change == "extra":
        grads["bias_hh_l0"] = np.zeros(6)
        key = "bias_hh_l0"
    else:
        grads["weight_hh_l0"] = np.zeros((2, 6))
        key = "weight_hh_l0"
    with pytest.raises(ShapeError, match=key):
        optimizer.step(grads)
    assert optimizer.step_count == 0
    for name, value in params.items():
        np.testing.assert_array_equal(value, before[name])


def test_load_state_dict_rejects_wrong_keys() -> None:
    optimizer = Adam(random_params(0))
    state = optimizer.state_dict()
    del state["exp_avg.bias_ih_l0"]
    with pytest.raises(ConfigError, match=r"exp_avg\.bias_ih_l0"):
        optimizer.load_state_dict(state)
    with pytest.raises(ConfigError, match="momentum_buffer"):
        SGD(random_params(0), lr=0.1).load_state_dict(
            SGD(random_params(0), lr=0.1, momentum=0.9).state_dict()
        )


def test_load_state_dict_rejects_wrong_shape_without_changing_anything() -> None:
    optimizer = Adam(random_params(0))
    optimizer.step(random_grads(np.random.default_rng(0)))
    before = optimizer.state_dict()
    state = optimizer.state_dict()
    state["step"] = np.array(7, dtype=np.int64)
    state["exp_avg_sq.weight_hh_l0"] = np.zeros((6, 3))
    with pytest.raises(ShapeError) as raised:
        optimizer.load_state_dict(state)
    assert str(raised.value) == "exp_avg_sq.weight_hh_l0: expected shape (6, 2), received (6, 3)"
    assert optimizer.step_count == 1
    for key, value in optimizer.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


@pytest.mark.parametrize("step", [np.array(-1), np.array(2.5), np.array([3])])
def test_load_state_dict_rejects_bad_step(step: np.ndarray) -> None:
    optimizer = SGD(random_params(0), lr=0.1)
    with pytest.raises((ConfigError, ShapeError), match=r"^step: expected"):
        optimizer.load_state_dict({"step": step})
