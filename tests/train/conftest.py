"""Small configs on the bundled samples, for fast training tests."""

from __future__ import annotations

from typing import Any

from rnnlab.data import prepare
from rnnlab.spec.run import RunConfig

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
