"""Small configs on the bundled samples, for fast training tests."""

from __future__ import annotations

from typing import Any

from rnnlab.data import prepare
from rnnlab.spec.run import RunConfig
from rnnlab.train import build_learner
from rnnlab.train.trainer import Trainer

BASE: dict[str, dict[str, Any]] = {
    "language-model": {"data": {"path": "sample:sample_text", "seq_len": 12}},
    "classify": {
        "data": {
            "path": "sample:sentiment",
            "format": "tsv",
            "tokenizer": "word",
            "lowercase": True,
            "val_fraction": 0.2,
        }
    },
    "forecast": {
        "data": {
            "path": "sample:monthly_series",
            "format": "csv",
            "value_column": "value",
            "seq_len": 12,
            "season": 12,
        }
    },
    "tag": {"data": {"path": "sample:toy_ner", "val_fraction": 0.2}},
}


def small_config(task: str, **sections: dict[str, Any]) -> RunConfig:
    """A tiny model for `task`; keyword sections update the defaults."""
    data = {
        "task": task,
        "data": dict(BASE[task]["data"]),
        "embedding": {"dim": 8},
        "model": {"cell": "lstm", "hidden_size": 8},
        "train": {"batch_size": 8, "epochs": 1, "max_steps": 6, "seed": 3},
    }
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return RunConfig.model_validate(data)


def prepared_for(config: RunConfig) -> Any:
    return prepare(config)


def learners_on_both_engines(config: RunConfig, prepared: Any) -> tuple[list[Any], Any]:
    """([torch learner, numpy learner] in float64 for `config`, the first training batch)."""
    learners = [
        build_learner(
            config.model_copy(update={"train": config.train.model_copy(update={"engine": e})}),
            prepared,
            dtype="float64",
        )
        for e in ("torch", "numpy")
    ]
    return learners, next(iter(Trainer(learners[0], prepared, config).batches("train", 0)))
