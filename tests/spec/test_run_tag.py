"""task: tag in the run config: its data fields, the bidirectional default, select_by f1."""

from __future__ import annotations

from typing import Any

import pytest

from rnnlab.errors import ConfigError
from rnnlab.spec.model import ModelSpec
from rnnlab.spec.run import RunConfig, parse_run_config


def _config(**data: Any) -> dict[str, Any]:
    return {"task": "tag", "data": {"path": "sample:toy_ner", **data}}


def test_tag_is_bidirectional_unless_the_config_says_otherwise() -> None:
    assert parse_run_config(_config()).model.bidirectional is True
    one_way = {**_config(), "model": {"bidirectional": False}}
    assert parse_run_config(one_way).model.bidirectional is False
    lm = {"task": "language-model", "data": {"path": "sample:tiny_stories"}}
    assert parse_run_config(lm).model.bidirectional is False


def test_a_model_spec_object_gets_the_task_default_too() -> None:
    made = RunConfig(task="tag", data={"path": "x.conll"}, model=ModelSpec(hidden_size=8))
    assert made.model.bidirectional is True and made.model.hidden_size == 8
    kept = RunConfig(task="tag", data={"path": "x.conll"}, model=ModelSpec(bidirectional=False))
    assert kept.model.bidirectional is False


def test_the_schema_says_the_task_dependent_default() -> None:
    field = RunConfig.model_json_schema()["$defs"]["ModelSpec"]["properties"]["bidirectional"]
    assert field["default"] is False
    assert "true for task tag" in field["description"]


def test_tag_selects_by_macro_f1_by_default_and_takes_accuracy_or_loss() -> None:
    assert parse_run_config(_config()).selection_metric == "f1"
    chosen = {**_config(), "train": {"select_by": "accuracy"}}
    assert parse_run_config(chosen).selection_metric == "accuracy"
    with pytest.raises(ConfigError, match=r"train.select_by: a tag run selects by auto \| f1"):
        parse_run_config({**_config(), "train": {"select_by": "rmse"}})


@pytest.mark.parametrize("fmt", ["conll", "tsv", "punctuated"])
def test_tag_formats_are_accepted(fmt: str) -> None:
    assert parse_run_config(_config(format=fmt)).data.format == fmt


def test_a_text_format_is_refused_for_tag_naming_the_formats() -> None:
    with pytest.raises(ConfigError, match=r"data.format: task tag reads conll \| tsv \| punct"):
        parse_run_config(_config(format="text"))


def test_tag_formats_are_refused_for_other_tasks() -> None:
    data = {"path": "a.conll", "format": "conll"}
    with pytest.raises(ConfigError, match=r"conll files are for task tag; received task 'cl"):
        parse_run_config({"task": "classify", "data": data})


def test_max_length_is_for_tag_only_and_positive() -> None:
    assert parse_run_config(_config(max_length=100)).data.max_length == 100
    with pytest.raises(ConfigError, match=r"data.max_length: only task tag cuts"):
        parse_run_config({"task": "classify", "data": {"path": "a.tsv", "max_length": 5}})
    with pytest.raises(ConfigError, match=r"data.max_length"):
        parse_run_config(_config(max_length=0))


def test_the_tokens_and_tags_columns_must_differ() -> None:
    with pytest.raises(ConfigError, match=r"tags_column: expected a column other than"):
        parse_run_config(_config(tokens_column="words", tags_column="words"))
