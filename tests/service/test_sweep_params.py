"""The --param syntax of rnnlab sweep: choices, ranges, log ranges, and every bad form."""

from __future__ import annotations

import pytest

from rnnlab.errors import ConfigError
from rnnlab.service.sweep_params import (
    SweepParam,
    check_against_config,
    check_sweep_name,
    override,
    parse_param,
    parse_params,
)
from rnnlab.spec.run import apply_overrides

from .conftest import config_path


@pytest.mark.parametrize(
    ("text", "choices"),
    [
        ("model.hidden_size=64,128,256", (64, 128, 256)),
        ("train.lr=1e-4, 0.01", (1e-4, 0.01)),  # 1e-4 is a number here (YAML reads a string)
        ("model.cell=lstm,gru", ("lstm", "gru")),
        ("model.bidirectional=true,false", (True, False)),
        ("model.hidden_size=32", (32,)),
    ],
)
def test_a_list_is_categorical(text: str, choices: tuple) -> None:
    param = parse_param(text)
    assert param.categorical
    assert param.choices == choices
    assert [type(c) for c in param.choices] == [type(c) for c in choices]
    assert param.field == text.partition("=")[0]


@pytest.mark.parametrize(
    ("text", "low", "high", "integer", "log"),
    [
        ("model.hidden_size=16..256", 16, 256, True, False),
        ("model.dropout=0.0..0.5", 0.0, 0.5, False, False),
        ("train.lr=1e-4..1e-2:log", 1e-4, 1e-2, False, True),
        ("model.hidden_size=8..512:log", 8, 512, True, True),
        ("train.lr=0..1.5", 0, 1.5, False, False),  # float unless both bounds are whole
    ],
)
def test_a_range(text: str, low: float, high: float, integer: bool, log: bool) -> None:
    param = parse_param(text)
    assert not param.categorical
    assert (param.low, param.high, param.integer, param.log) == (low, high, integer, log)
    assert param.extremes() == (low, high)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model.hidden_size", "--param 'model.hidden_size': expected FIELD=a,b,c or FIELD=lo"),
        ("=1,2", "--param '=1,2': expected FIELD=a,b,c"),
        ("model.hidden_size=", "--param 'model.hidden_size=': expected FIELD=a,b,c"),
        ("model.size=1,2", "--param model.size=1,2: unknown field; known: model.attention"),
        ("modle.hidden_size=1,2", "--param modle.hidden_size=1,2: unknown field; known: data."),
        ("train.lr=0.1..0.01", "--param train.lr=0.1..0.01: expected lo < hi, received 0.1..0.01"),
        ("train.lr=1..1", "--param train.lr=1..1: expected lo < hi, received 1..1"),
        ("train.lr=0..1:log", "--param train.lr=0..1:log: a log range needs lo > 0, received 0"),
        ("train.lr=a..1", "--param train.lr=a..1: a range bound must be a number, received 'a'"),
        ("train.lr=..1", "--param train.lr=..1: a range bound must be a number, received ''"),
        ("train.lr=1..nan", "--param train.lr=1..nan: expected a finite number, received 'nan'"),
        ("train.lr=0.1,0.2:log", "--param train.lr=0.1,0.2:log: :log needs a range lo..hi"),
        ("model.hidden_size=8,,16", "--param model.hidden_size=8,,16: an empty value in the"),
        ("model.hidden_size=8,8", "--param model.hidden_size=8,8: a value is listed twice"),
        ("model.cell=[a, b]", "--param model.cell=[a, b]: line 1, column 3: invalid YAML"),
        ("model.cell={a: 1}", "--param model.cell={a: 1}: expected a single value"),
        ("task=classify", "--param task=classify: task cannot be swept"),
        ("name=a,b", "--param name=a,b: name cannot be swept"),
    ],
)
def test_a_malformed_param_is_refused_naming_it(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_param(text)
    assert str(caught.value).startswith(message)


def test_params_need_one_at_least_and_each_field_once() -> None:
    with pytest.raises(ConfigError, match="--param: expected at least one"):
        parse_params([])
    with pytest.raises(ConfigError, match=r"--param train\.lr: given more than once"):
        parse_params(["train.lr=0.1,0.2", "model.hidden_size=8", "train.lr=0.01..0.1"])
    assert [p.field for p in parse_params(["train.lr=0.1,0.2", "model.cell=gru"])] == [
        "train.lr",
        "model.cell",
    ]


@pytest.mark.parametrize("value", [1e-05, 0.5, 64, "lstm", True, 1e20])
def test_an_override_reads_back_as_the_same_value(value: object) -> None:
    item = override("train.lr", value)
    assert apply_overrides({}, [item])["train"]["lr"] == value
    assert type(apply_overrides({}, [item])["train"]["lr"]) is type(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model.hidden_size=0,8", "--param model.hidden_size=0,8: 0 is refused: "),
        ("train.lr=-1..1", "--param train.lr=-1..1: -1 is refused: "),
        ("model.cell=lstm,cnn", "--param model.cell=lstm,cnn: 'cnn' is refused: "),
        ("model.hidden_size=8.5,16", "--param model.hidden_size=8.5,16: 8.5 is refused: "),
    ],
)
def test_every_value_a_param_may_take_is_checked_against_the_config(
    text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        check_against_config([parse_param(text)], config_path("char_lm"), [])
    assert str(caught.value).startswith(message)
    assert text.partition("=")[0] in str(caught.value).removeprefix(message)  # the field


def test_a_valid_space_passes_the_config_check() -> None:
    space = parse_params(["model.hidden_size=8..64:log", "model.cell=lstm,gru,rnn"])
    check_against_config(space, config_path("char_lm"), ["train.max_steps=3"])
    assert isinstance(space[0], SweepParam)


@pytest.mark.parametrize("name", ["", "-x", "a b", "x" * 101, "a/b"])
def test_a_bad_sweep_name_is_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="--name: expected 1 to 100 letters"):
        check_sweep_name(name)
    assert check_sweep_name("lr-sweep_2.1") == "lr-sweep_2.1"
