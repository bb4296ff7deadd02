"""Shared fixtures of the service tests: tiny versions of the example configs, trained once.

Every run goes to a temporary home (the `home=` argument), never to ./.rnnlab.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from rnnlab import service
from rnnlab.events import StepDone
from rnnlab.store import read_checkpoint

EXAMPLES = Path(__file__).parents[2] / "examples" / "configs"

# Small settings per example config: a few steps of a tiny model (well under a second each).
SMALL: dict[str, list[str]] = {
    "char_lm": [
        "model.hidden_size=8",
        "embedding.dim=8",
        "data.seq_len=16",
        "train.max_steps=6",
        "train.eval_every=3",
    ],
    "word_lm": ["model.hidden_size=8", "embedding.dim=8", "data.seq_len=8", "train.max_steps=5"],
    "sentiment": [
        "model.hidden_size=8",
        "embedding.dim=8",
        "train.batch_size=128",
        "train.epochs=2",
    ],
    "forecast": ["model.hidden_size=8", "train.epochs=2"],
}


def config_path(name: str) -> Path:
    return EXAMPLES / f"{name}.yaml"


@dataclass
class Trained:
    home: Path
    runs: dict[str, dict[str, Any]]  # example name -> the details service.train returned
    created: dict[str, list[str]]  # example name -> ids passed to on_created

    def id(self, name: str) -> str:
        return self.runs[name]["id"]


@pytest.fixture(scope="package")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    """Each example config trained once (small settings) into one shared home."""
    home = tmp_path_factory.mktemp("trained-home")
    runs, created = {}, {}
    for name, overrides in SMALL.items():
        created[name] = []
        runs[name] = service.train(
            config_path(name), overrides, on_created=created[name].append, home=home
        )
    return Trained(home, runs, created)


def last_checkpoint(home: Path, run_id: str, tag: str = "last") -> tuple[dict, dict]:
    """(arrays, meta) of a run's checkpoint `tag`."""
    return read_checkpoint(Path(home) / "runs" / run_id / "checkpoints", tag)


def train_interrupted(
    source: str | Path | dict, overrides: list[str], stop_after: int, home: Path
) -> dict[str, Any]:
    """Train, and ask the trainer to stop once step `stop_after` is done."""
    trainers = []

    def stop_at(event: object) -> None:
        if isinstance(event, StepDone) and event.step == stop_after:
            trainers[0].request_stop()

    return service.train(
        source, overrides, on_event=stop_at, trainer_hook=trainers.append, home=home
    )
