"""The attention lab's configs and option checks (its training is tested in
tests/cli/test_seq2seq_cli.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rnnlab import service
from rnnlab.errors import ConfigError
from rnnlab.service.attention_lab import attention_lab_config
from rnnlab.spec.run import parse_run_config


def test_a_pair_is_a_seq2seq_run_of_the_lab_budget() -> None:
    options = replace(service.ATTENTION_LAB_DEFAULTS, steps=50, n_train=100, n_val=10)
    config = parse_run_config(attention_lab_config(20, "none", options))
    assert config.task == "seq2seq" and config.name == "lab-attention-reverse-L20-none"
    assert config.data.path == "seq2seq:reverse?size=20&n=100&val=10"
    assert config.model.attention == "none" and config.model.cell == "gru"
    assert config.train.max_steps == 50 and config.train.eval_every == 50
    assert config.train.clip_grad_norm == 1.0 and config.train.probe_every is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lengths": ()}, "lengths: expected at least one"),
        ({"attentions": ()}, "attentions: expected at least one"),
        ({"attentions": ("none", "luong")}, "attention: expected none | additive"),
        ({"task": "copy"}, "task: expected one of reverse"),
        ({"cell": "nope"}, "model.cell: expected one of rnn"),
        ({"lengths": (0,)}, "length"),
    ],
)
def test_bad_options_are_refused_before_any_training(tmp_path, change, message) -> None:
    options = replace(service.ATTENTION_LAB_DEFAULTS, **change)
    with pytest.raises(ConfigError, match=message):
        service.lab_attention(options, home=tmp_path)
    assert service.list_runs(home=tmp_path) == []


def test_options_must_be_attention_lab_options(tmp_path) -> None:
    with pytest.raises(ConfigError, match="options: expected an AttentionLabOptions"):
        service.lab_attention({"lengths": (5,)}, home=tmp_path)  # type: ignore[arg-type]
