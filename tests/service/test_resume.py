"""A run stopped with request_stop() after k steps resumes to the same weights as a run
that was never stopped: same data order, optimiser state, carried hidden state and RNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnlab import service
from rnnlab.errors import ConfigError
from rnnlab.events import StepDone
from tests.devices import DEVICES

from .conftest import config_path, last_checkpoint, train_interrupted

TINY = ["model.hidden_size=8", "embedding.dim=8"]
CASES = {
    # char LM: the hidden state is carried across windows; stop mid-epoch, after an eval
    "char-lm-torch": (
        "char_lm",
        [*TINY, "data.seq_len=16", "train.max_steps=8", "train.eval_every=3"],
        4,
    ),
    # sentiment: batches shuffled per epoch, dropout 0.2, bidirectional; stop inside epoch 0
    "sentiment-torch": (
        "sentiment",
        [*TINY, "train.batch_size=128", "train.epochs=2"],
        3,
    ),
    # sentiment stopped exactly at the end of an epoch (the next epoch starts on resume)
    "sentiment-torch-epoch-end": (
        "sentiment",
        [*TINY, "train.batch_size=128", "train.epochs=2"],
        7,
    ),
    "char-lm-numpy": (
        "char_lm",
        [*TINY, "data.seq_len=16", "train.max_steps=7", "train.eval_every=3", "train.engine=numpy"],
        5,
    ),
    "sentiment-numpy": (
        "sentiment",
        [*TINY, "train.batch_size=256", "train.epochs=2", "train.engine=numpy"],
        2,
    ),
}


# Torch cases on each device; on CUDA with train.deterministic (cuDNN and cuBLAS may
# otherwise sum in another order from one run to the next: README, "Exact resume").
DEVICE_CASES = [
    pytest.param(case, device.values[0], id=f"{case}-{device.id}", marks=device.marks)
    for case in CASES
    for device in (DEVICES if case.endswith("-torch") or "-torch-" in case else DEVICES[:1])
]


def device_overrides(case: str, device: str) -> list[str]:
    if "numpy" in case:
        return []
    return [f"train.device={device}"] + (["train.deterministic=true"] if device == "cuda" else [])


@pytest.mark.parametrize(("case", "device"), DEVICE_CASES)
def test_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(
    tmp_path: Path, case: str, device: str
) -> None:
    name, overrides, k = CASES[case]
    overrides = [*overrides, *device_overrides(case, device)]
    home = tmp_path / "home"
    whole = service.train(config_path(name), overrides, home=home)
    assert whole["status"] == "finished" and whole["steps"] > k

    stopped = train_interrupted(config_path(name), overrides, k, home)

    assert stopped["status"] == "interrupted"
    assert stopped["steps"] == k
    assert f"step {k}" in stopped["message"]
    assert "last" in stopped["checkpoints"]
    _, meta = last_checkpoint(home, stopped["id"])
    assert (meta["step"], meta["reason"]) == (k, "interrupt")
    assert service.list_runs(status="interrupted", home=home)[0]["id"] == stopped["id"]

    resumed = service.resume(stopped["id"], home=home)

    assert resumed["id"] == stopped["id"]
    assert resumed["status"] == "finished"
    assert resumed["steps"] == whole["steps"]
    expected, _ = last_checkpoint(home, whole["id"])
    actual, actual_meta = last_checkpoint(home, stopped["id"])
    assert actual_meta["step"] == whole["steps"]
    assert set(actual) == set(expected)
    assert any(key.startswith("optim.exp_avg.") for key in expected)  # Adam's state is kept
    for key in expected:
        np.testing.assert_array_equal(actual[key], expected[key], err_msg=key)

    # the metrics read as one run: every step once, the same losses and evaluations
    got = service.run_metrics(stopped["id"], home=home)
    want = service.run_metrics(whole["id"], home=home)
    assert got["train"]["loss"]["step"] == list(range(1, whole["steps"] + 1))
    np.testing.assert_array_equal(got["train"]["loss"]["value"], want["train"]["loss"]["value"])
    assert got["val"] == want["val"]
    assert resumed["final_metrics"] == whole["final_metrics"]
    assert resumed["best_metrics"] == whole["best_metrics"]


def test_resume_of_a_finished_run_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    overrides = [*TINY, "train.max_steps=3"]
    run = service.train(config_path("forecast"), overrides, home=tmp_path)
    before, _ = last_checkpoint(tmp_path, run["id"])
    refused = r"already finished \(trained 3 steps\); nothing to resume"
    with pytest.raises(ConfigError, match=refused):
        service.resume(run["id"], home=tmp_path)
    after, _ = last_checkpoint(tmp_path, run["id"])
    shown = service.show_run(run["id"], home=tmp_path)
    assert (shown["status"], shown["steps"]) == ("finished", 3)
    for key in before:
        np.testing.assert_array_equal(after[key], before[key], err_msg=key)


def test_a_resumed_run_can_be_interrupted_again(tmp_path: Path) -> None:
    overrides = [*TINY, "data.seq_len=16", "train.max_steps=9", "train.eval_every=4"]
    whole = service.train(config_path("char_lm"), overrides, home=tmp_path)
    stopped = train_interrupted(config_path("char_lm"), overrides, 2, tmp_path)
    trainers = []

    def stop_at_6(event: object) -> None:
        if isinstance(event, StepDone) and event.step == 6:
            trainers[0].request_stop()

    second = service.resume(
        stopped["id"], on_event=stop_at_6, trainer_hook=trainers.append, home=tmp_path
    )
    assert (second["status"], second["steps"]) == ("interrupted", 6)
    final = service.resume(stopped["id"], home=tmp_path)
    assert (final["status"], final["steps"]) == ("finished", 9)
    expected, _ = last_checkpoint(tmp_path, whole["id"])
    actual, _ = last_checkpoint(tmp_path, stopped["id"])
    for key in expected:
        np.testing.assert_array_equal(actual[key], expected[key], err_msg=key)
