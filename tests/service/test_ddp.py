"""`train_parallel`: N rank processes train one run; rank 0 alone writes the store.

Ctrl-C stops every rank at the same step with an interrupt checkpoint; a killed rank
ends the run failed with its checkpoint kept; a resumed run on 2 ranks ends with the
weights of an uninterrupted one-process run. Bad input is refused before a run exists.
"""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import numpy as np
import pytest

from rnnlab import service
from rnnlab.errors import ConfigError
from rnnlab.events import Event, StepDone
from rnnlab.store import Store, read_run_checkpoint

# 24 windows of 8 streams per epoch: 3 epochs (the carried state resets at each end)
LM = {
    "task": "language-model",
    "data": {"path": "sample:sample_text", "seq_len": 12},
    "embedding": {"dim": 8},
    "model": {"cell": "lstm", "hidden_size": 8},
    "train": {
        "batch_size": 8,
        "epochs": 3,
        "seed": 3,
        "eval_every": 2,
        "optimizer": "adam",
        "threads": 1,
    },
}


def _weights(home: Path, run_id: str) -> dict[str, np.ndarray]:
    with Store(home) as store:
        folder = store.run_dir(run_id) / "checkpoints"
    arrays, _ = read_run_checkpoint(folder, "last")
    return {k: v for k, v in arrays.items() if k.startswith(("model.", "carry."))}


def _assert_close(got: dict[str, np.ndarray], expected: dict[str, np.ndarray]) -> None:
    assert sorted(got) == sorted(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-5, atol=1e-6, err_msg=name)


def _at_step(step: int, action: object) -> object:
    def watch(event: Event) -> None:
        if isinstance(event, StepDone) and event.step == step:
            action()

    return watch


def test_ctrl_c_stops_every_rank_and_resuming_on_2_ranks_equals_one_process(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    one = service.train(LM, home=home)["id"]
    interrupt = _at_step(1, lambda: os.kill(os.getpid(), signal.SIGINT))
    stopped = service.train_parallel(LM, nproc=2, on_event=interrupt, home=home)
    assert stopped["status"] == "interrupted", stopped["message"]
    assert 1 <= stopped["steps"] < 72
    assert stopped["summary"]["processes"] == 2
    assert any("probes" in w and "are off" in w for w in stopped["summary"]["warnings"])
    resumed = service.train_parallel(None, nproc=2, resume_ref=stopped["id"], home=home)
    assert (resumed["status"], resumed["steps"]) == ("finished", 72)
    _assert_close(_weights(home, resumed["id"]), _weights(home, one))
    assert len(service.list_runs(home=home)) == 2  # rank 1 wrote no run of its own


PAIRS = {
    "task": "seq2seq",
    "data": {"path": "seq2seq:reverse?size=5&n=96&val=16"},
    "embedding": {"dim": 8},
    "model": {"cell": "gru", "hidden_size": 8, "attention": "additive"},
    "train": {
        "batch_size": 12,  # 8 batches of 12 per epoch; with 2 ranks, shards of 6
        "max_steps": 12,
        "seed": 3,
        "eval_every": 4,
        "teacher_forcing": 0.5,  # the draws must be the whole batch's on every rank
        "threads": 1,
    },
}


TAGS = {
    "task": "tag",
    "data": {"path": "sample:toy_ner", "val_fraction": 0.2},
    "embedding": {"dim": 8},
    "model": {"cell": "lstm", "hidden_size": 8, "bidirectional": True},
    "train": {"batch_size": 6, "max_steps": 12, "seed": 3, "eval_every": 4, "threads": 1},
}


@pytest.mark.parametrize(
    ("config", "metrics"),
    [
        (PAIRS, ("val_loss", "val_exact_match", "val_token_accuracy")),
        (TAGS, ("val_loss", "val_accuracy", "val_f1")),  # sentences of uneven lengths
    ],
    ids=["seq2seq", "tag"],
)
def test_2_ranks_interrupted_and_resumed_equal_one_process(
    tmp_path: Path, config: dict, metrics: tuple[str, ...]
) -> None:
    home = tmp_path / "home"
    one = service.train(config, home=home)
    interrupt = _at_step(5, lambda: os.kill(os.getpid(), signal.SIGINT))
    stopped = service.train_parallel(config, nproc=2, on_event=interrupt, home=home)
    assert stopped["status"] == "interrupted", stopped["message"]
    resumed = service.train_parallel(None, nproc=2, resume_ref=stopped["id"], home=home)
    assert (resumed["status"], resumed["steps"]) == ("finished", 12)
    _assert_close(_weights(home, resumed["id"]), _weights(home, one["id"]))
    for metric in metrics:
        expected = one["final_metrics"][metric]
        assert resumed["final_metrics"][metric] == pytest.approx(expected, rel=1e-4), metric


def test_a_killed_rank_fails_the_run_and_keeps_its_checkpoint(tmp_path: Path) -> None:
    home, pids = tmp_path / "home", []
    kill = _at_step(5, lambda: os.kill(pids[1], signal.SIGKILL))  # checkpoints at 2 and 4
    failed = service.train_parallel(LM, nproc=2, on_event=kill, home=home, on_ranks=pids.extend)
    assert failed["status"] == "failed"
    assert failed["message"].startswith("rank 1 was killed by signal 9 (SIGKILL)"), failed[
        "message"
    ]
    assert _weights(home, failed["id"])  # the last checkpoint is there, and readable
    resumed = service.train_parallel(None, nproc=2, resume_ref=failed["id"], home=home)
    assert (resumed["status"], resumed["steps"]) == ("finished", 72)


def test_nproc_1_trains_in_this_process(tmp_path: Path) -> None:
    config = {**LM, "train": {**LM["train"], "max_steps": 3}}
    details = service.train_parallel(config, nproc=1, home=tmp_path)
    assert (details["status"], details["steps"]) == ("finished", 3)
    assert details["summary"].get("processes") is None  # no ranks were started


def test_a_terminated_rank_0_marks_its_run_failed_first(tmp_path: Path) -> None:
    home, pids = tmp_path / "home", []
    end = _at_step(5, lambda: os.kill(pids[0], signal.SIGTERM))
    failed = service.train_parallel(LM, nproc=2, on_event=end, home=home, on_ranks=pids.extend)
    assert failed["status"] == "failed"
    assert "rank 0 failed (SystemExit: rank 0 was ended by SIGTERM" in failed["message"]
    assert _weights(home, failed["id"])  # the checkpoint of step 4 is kept


@pytest.mark.parametrize("nproc", [0, -1])
def test_nproc_below_1_is_refused_before_a_run_exists(tmp_path: Path, nproc: int) -> None:
    with pytest.raises(ConfigError, match=rf"--nproc: expected an integer >= 1, received {nproc}"):
        service.train_parallel(LM, nproc=nproc, home=tmp_path)
    assert service.list_runs(home=tmp_path) == []


def test_a_master_port_in_use_is_refused_before_a_run_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("MASTER_PORT", str(port))
        with pytest.raises(ConfigError, match=rf"MASTER_PORT: port {port} on 127.0.0.1 is in use"):
            service.train_parallel(LM, nproc=2, home=tmp_path)
    assert service.list_runs(home=tmp_path) == []


@pytest.mark.parametrize(
    ("section", "field", "value", "expected"),
    [
        ("train", "batch_size", 5, "train.batch_size: 5 does not split into 2 equal shards"),
        ("train", "engine", "numpy", "train.engine: numpy trains in one process"),
        ("train", "max_seconds", 60, "train.max_seconds: a time budget is not supported"),
    ],
)
def test_configs_two_ranks_cannot_train_are_refused(
    tmp_path: Path, section: str, field: str, value: object, expected: str
) -> None:
    config = {**LM, section: {**LM[section], field: value}}
    with pytest.raises(ConfigError, match=expected):
        service.train_parallel(config, nproc=2, home=tmp_path)
    assert service.list_runs(home=tmp_path) == []


def test_a_rank_error_before_the_run_exists_keeps_its_kind() -> None:
    from rnnlab.errors import DataError
    from rnnlab.service.parallel import _error

    seen = [(1, "ConfigError", "another rank failed"), (0, "DataError", "data.path: gone")]
    error = _error(seen, [1, 1])
    assert isinstance(error, DataError) and str(error) == "data.path: gone"
    assert (
        str(_error([], [1, -9])) == "the rank processes ended before training (exit codes [1, -9])"
    )
