"""`rnnlab train`: a config with --set overrides, --json, errors, and --resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnlab import service
from rnnlab.events import StepDone

from .conftest import EXAMPLES, SMALL, TINY, invoke, set_args

SENTIMENT = str(EXAMPLES / "sentiment.yaml")


def test_train_prints_the_run_id_last(home: Path) -> None:
    result = invoke("train", SENTIMENT, *set_args(SMALL["sentiment"]))
    assert result.exit_code == 0, result.output
    run_id = result.stdout.strip().splitlines()[-1]
    details = service.show_run(run_id, home=home)
    assert details["id"] == run_id
    assert (details["status"], details["steps"]) == ("finished", 3)
    assert details["config"]["model"]["hidden_size"] == 8
    assert f"run {run_id}" in result.stderr  # progress goes to stderr
    assert "finished" in result.stderr


def test_train_json_prints_the_details(home: Path) -> None:
    result = invoke("train", SENTIMENT, *set_args(SMALL["sentiment"]), "--json")
    assert result.exit_code == 0, result.output
    details = json.loads(result.stdout)  # stdout is the JSON alone
    assert details["status"] == "finished" and details["steps"] == 3
    assert details["config"]["embedding"]["dim"] == 8
    assert {"val_loss", "val_accuracy", "val_f1"} <= set(details["final_metrics"])
    assert details["best_metrics"]["step"] == 3
    assert details == service.show_run(details["id"], home=home)


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("model.hidden_size=abc", "model.hidden_size"),
        ("model.hiden_size=8", "model.hiden_size"),
        ("train.optimizer=lbfgs", "train.optimizer"),
    ],
)
def test_a_bad_set_exits_1_with_a_message(home: Path, override: str, named: str) -> None:
    result = invoke("train", SENTIMENT, "--set", override)
    assert result.exit_code == 1
    assert result.stderr.startswith("error:")
    assert named in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert service.list_runs(home=home) == []


def test_a_missing_config_file_exits_1(home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    result = invoke("train", str(missing))
    assert result.exit_code == 1
    assert "error:" in result.stderr and "missing.yaml" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [[], [SENTIMENT, "--resume", "20260101-000000-abcd"]])
def test_config_xor_resume_else_exit_2(home: Path, args: list[str]) -> None:
    result = invoke("train", *args)
    assert result.exit_code == 2
    assert "CONFIG" in result.stderr and "--resume" in result.stderr
    assert service.list_runs(home=home) == []


def test_resume_continues_an_interrupted_run(home: Path) -> None:
    overrides = [*TINY, "data.seq_len=16", "train.max_steps=6", "train.eval_every=3"]
    trainers = []

    def stop_at_2(event: object) -> None:
        if isinstance(event, StepDone) and event.step == 2:
            trainers[0].request_stop()

    stopped = service.train(
        EXAMPLES / "char_lm.yaml",
        overrides,
        on_event=stop_at_2,
        trainer_hook=trainers.append,
        home=home,
    )
    assert (stopped["status"], stopped["steps"]) == ("interrupted", 2)

    result = invoke("train", "--resume", stopped["id"])

    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == stopped["id"]
    details = service.show_run(stopped["id"], home=home)
    assert (details["status"], details["steps"]) == ("finished", 6)
    loss = service.run_metrics(stopped["id"], home=home)["train"]["loss"]
    assert loss["step"] == [1, 2, 3, 4, 5, 6]


def test_resume_of_an_unknown_run_exits_1(home: Path) -> None:
    result = invoke("train", "--resume", "nope")
    assert result.exit_code == 1
    assert "error:" in result.stderr and "'nope'" in result.stderr
