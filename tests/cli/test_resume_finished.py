"""`rnnlab train --resume` on a run that already finished says so instead of doing nothing."""

from __future__ import annotations

from pathlib import Path

from rnnlab import service

from .conftest import EXAMPLES, SMALL, invoke, set_args


def test_resume_of_a_finished_run_exits_1_and_says_why(home: Path) -> None:
    trained = invoke("train", str(EXAMPLES / "sentiment.yaml"), *set_args(SMALL["sentiment"]))
    assert trained.exit_code == 0, trained.output
    run_id = trained.stdout.strip().splitlines()[-1]
    before = service.show_run(run_id, home=home)

    result = invoke("train", "--resume", run_id)

    assert result.exit_code == 1, result.output
    message = " ".join(result.stderr.split())
    assert f"error: run {run_id} already finished (trained 3 steps)" in message
    assert "nothing to resume" in message and "train.epochs or train.max_steps" in message
    after = service.show_run(run_id, home=home)
    assert (after["status"], after["message"]) == (before["status"], before["message"])
