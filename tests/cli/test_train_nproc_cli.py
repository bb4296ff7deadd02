"""`rnnlab train --nproc`: bad values exit 1 with the service's message, nothing created."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnlab import service

from .conftest import EXAMPLES, SMALL, invoke, set_args

CHAR_LM = str(EXAMPLES / "char_lm.yaml")


@pytest.mark.parametrize(
    ("nproc", "expected"),
    [
        ("0", "error: --nproc: expected an integer >= 1, received 0"),
        ("3", "error: train.batch_size: 16 does not split into 3 equal shards (--nproc 3)"),
    ],
)
def test_a_bad_nproc_exits_1_and_creates_no_run(home: Path, nproc: str, expected: str) -> None:
    result = invoke("train", CHAR_LM, *set_args(SMALL["char_lm"]), "--nproc", nproc)
    assert result.exit_code == 1, result.output
    assert expected in " ".join(result.stderr.split())
    assert service.list_runs(home=home) == []


def test_nproc_under_torchrun_is_refused(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORLD_SIZE", "2")
    result = invoke("train", CHAR_LM, "--nproc", "2")
    assert result.exit_code == 2, result.output
    assert "torchrun starts the processes; leave it out" in " ".join(result.stderr.split())
