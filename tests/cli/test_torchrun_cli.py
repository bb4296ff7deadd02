"""`torchrun ... -m rnnlab.cli.main train CONFIG`: each process is one rank of one run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rnnlab import service

from .conftest import EXAMPLES, TINY, set_args

STEPS = ["data.seq_len=16", "train.max_steps=4", "train.eval_every=2", "train.threads=1"]


def test_two_torchrun_processes_train_one_run_that_rank_0_reports(home: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node",
        "2",
        "-m",
        "rnnlab.cli.main",
        "train",
        str(EXAMPLES / "char_lm.yaml"),
        *set_args([*TINY, *STEPS]),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=180, env=dict(os.environ), check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    runs = service.list_runs(home=home)
    assert [(r["status"], r["steps"]) for r in runs] == [("finished", 4)]
    assert done.stdout.split() == [runs[0]["id"]]  # rank 1 prints nothing
    assert done.stderr.count(f"run {runs[0]['id']}") == 1
    assert service.show_run(runs[0]["id"], home=home)["summary"]["processes"] == 2
