"""Hostile run configs through `rnnlab train` and the service: every one is a clear
error naming the field (or the file and line), exit code 1, no traceback, a short
message, and quickly (issue 12: "no tracebacks, no silent nonsense")."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import pytest
import yaml

from rnnlab import service
from rnnlab.errors import RnnlabError
from tests.hostile.cli import assert_clear_error, invoke

GOOD = {
    "task": "language-model",
    "data": {"path": "sample:tiny_stories", "seq_len": 16},
    "embedding": {"dim": 8},
    "model": {"cell": "lstm", "hidden_size": 8},
    "train": {"max_steps": 1},
}


def alias_bomb(levels: int, width: int = 9) -> str:
    """A "billion laughs" YAML: each level lists the previous one `width` times
    (9 levels of 9: 387 million strings from about 340 bytes)."""
    names = "abcdefghijklmnop"
    lines = [f"a: &a [{','.join(['lol'] * width)}]"]
    for before, name in itertools.pairwise(names[:levels]):
        lines.append(f"{name}: &{name} [{','.join([f'*{before}'] * width)}]")
    return "\n".join(lines) + "\n"


def with_field(section: str, field: str, value: object) -> dict:
    config = json.loads(json.dumps(GOOD))
    config[section][field] = value
    return config


# (case id, file text, suffix, what the message must contain)
YAML_CASES = [
    (
        "bool-int",
        yaml.safe_dump(with_field("model", "hidden_size", True)),
        "model.hidden_size: Input should be a valid integer, received True",
    ),
    (
        "float-int",
        yaml.safe_dump(with_field("model", "hidden_size", 2.5)),
        "model.hidden_size: Input should be a valid integer, received 2.5",
    ),
    (
        "string-int",
        yaml.safe_dump(with_field("train", "batch_size", "16")),
        "train.batch_size: Input should be a valid integer",
    ),
    (
        "inf-forget-bias",
        yaml.safe_dump(with_field("model", "forget_bias", float("inf"))),
        "model.forget_bias: Input should be a finite number, received inf",
    ),
    (
        "inf-weight-decay",
        yaml.safe_dump(with_field("train", "weight_decay", float("inf"))),
        "train.weight_decay: Input should be a finite number",
    ),
    (
        "nan-lr",
        yaml.safe_dump(with_field("train", "lr", float("nan"))),
        "train.lr: Input should be a finite number, received nan",
    ),
    (
        "bool-lr",
        yaml.safe_dump(with_field("train", "lr", True)),
        "train.lr: Input should be a valid number, received True",
    ),
    (
        "negative-data-seed",
        yaml.safe_dump(with_field("data", "seed", -1)),
        "data.seed: Input should be greater than or equal to 0, received -1",
    ),
    (
        "huge-train-seed",
        yaml.safe_dump(with_field("train", "seed", 2**32)),
        "train.seed: Input should be less than 4294967296",
    ),
    (
        "huge-epochs",
        yaml.safe_dump(with_field("train", "epochs", 10**9)),
        "train.epochs: Input should be less than or equal to",
    ),
    (
        "huge-max-steps",
        yaml.safe_dump(with_field("train", "max_steps", 10**15)),
        "train.max_steps: Input should be less than or equal to",
    ),
    (
        "huge-eval-every",
        yaml.safe_dump(with_field("train", "eval_every", 10**15)),
        "train.eval_every: Input should be less than or equal to",
    ),
    (
        "huge-clip",
        yaml.safe_dump(with_field("train", "clip_grad_norm", 1e300)),
        "train.clip_grad_norm: Input should be less than or equal to",
    ),
    (
        "huge-weight-decay",
        yaml.safe_dump(with_field("train", "weight_decay", 1e9)),
        "train.weight_decay: Input should be less than or equal to 1",
    ),
    (
        "huge-forget-bias",
        yaml.safe_dump(with_field("model", "forget_bias", 1e30)),
        "model.forget_bias: Input should be less than or equal to 100",
    ),
    (
        "huge-max-seconds",
        yaml.safe_dump(with_field("train", "max_seconds", 1e30)),
        "train.max_seconds: Input should be less than or equal to",
    ),
    (
        "memory",
        yaml.safe_dump({**GOOD, "model": {"cell": "lstm", "hidden_size": 8192, "num_layers": 16}}),
        "model.hidden_size 8192 x model.num_layers 16",
    ),
    (
        "duplicate-key",
        "task: language-model\nmodel:\n  hidden_size: 8\n  hidden_size: 9\n",
        "line 4, column 3: invalid YAML: duplicate key 'hidden_size' (first on line 3)",
    ),
    ("alias-bomb", alias_bomb(9), "values once aliases are expanded"),
    ("alias-bomb-7", alias_bomb(7, 10), "values once aliases are expanded"),
    ("recursive-alias", "task: &a [*a]\n", "an alias refers to a value that contains it"),
    (
        "too-many-aliases",
        "a: &a 1\nb: [" + ", ".join(["*a"] * 10_001) + "]\n",
        "more than 10000 aliases",
    ),
    (
        "deep-flow",
        "model: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "invalid YAML: nested more than 32 levels deep",
    ),
    (
        "deep-block",
        "a:\n" + "".join("  " * i + "k:\n" for i in range(1, 200)),
        "invalid YAML: nested more than 32 levels deep",
    ),
    (
        "huge-integer",
        "task: language-model\ntrain:\n  seed: " + "9" * 5000 + "\n",
        "line 3, column 9: invalid YAML: an integer of 5000 digits",
    ),
    ("long-unknown-field", yaml.safe_dump({**GOOD, "x" * 5000: 1}), "... (5000 chars): unknown"),
    (
        "long-bad-value",
        yaml.safe_dump(with_field("model", "cell", "z" * 100_000)),
        "model.cell: expected one of rnn | lstm | gru",
    ),
    (
        "long-name",
        yaml.safe_dump({**GOOD, "name": "n" * 10**6}),
        "name: String should have at most",
    ),
    ("nul-byte", "task: language-model\nname: a\x00b\n", "line 2: invalid YAML: character #x0000"),
    (
        "python-tag",
        "task: !!python/object/apply:os.system [ls]\n",
        "could not determine a constructor",
    ),
    ("int-key", yaml.safe_dump({**GOOD, 1: 2}), "1: Keys should be strings, received 1"),
    ("two-documents", "task: classify\n---\ntask: forecast\n", "but found another document"),
]

JSON_CASES = [
    (
        "json-duplicate-key",
        '{"task": "classify",\n "model": {"hidden_size": 8,\n  "hidden_size": 9}}',
        "line 3, column 3: duplicate key 'hidden_size'",
    ),
    (
        "json-nan",
        json.dumps(with_field("train", "lr", float("nan"))),
        "train.lr: Input should be a finite number, received nan",
    ),
    (
        "json-infinity-seed",
        json.dumps(with_field("data", "seed", float("inf"))),
        "data.seed: Input should be a valid integer",
    ),
    (
        "json-deep",
        '{"model": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "nested more than 32 levels deep",
    ),
    (
        "json-deep-100",
        '{"model": ' + "[" * 100 + "]" * 100 + "}",
        "nested more than 32 levels deep",
    ),
    ("json-huge-integer", '{"train": {"seed": ' + "9" * 5000 + "}}", "an integer of 5000 digits"),
    (
        "json-bool-int",
        json.dumps(with_field("model", "hidden_size", True)),
        "model.hidden_size: Input should be a valid integer, received True",
    ),
]

SET_CASES = [
    ("set-bool", ["model.hidden_size=true"], "model.hidden_size: Input should be a valid integer"),
    ("set-inf", ["train.lr=.inf"], "train.lr: Input should be a finite number"),
    ("set-negative-seed", ["train.seed=-5"], "train.seed: Input should be greater than or equal"),
    ("set-recursive", ["model.hidden_size=&a [*a]"], "--set model.hidden_size: line 1"),
    ("set-deep", ["model.hidden_size=" + "[" * 5000], "nested more than 32 levels deep"),
    ("set-huge-integer", ["train.seed=" + "1" * 5000], "an integer of 5000 digits"),
    ("set-no-equals", ["x" * 10_000], "... (10002 chars): expected section.field=value"),
]


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RNNLAB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "10000")  # the message on one line


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in YAML_CASES], ids=[c[0] for c in YAML_CASES]
)
def test_a_hostile_yaml_config_is_a_clear_error(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(text)
    started = time.perf_counter()
    result = invoke("train", str(path))
    assert time.perf_counter() - started < 5.0
    assert_clear_error(result, expected)
    assert str(path) in result.stderr  # the message names the file


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in JSON_CASES], ids=[c[0] for c in JSON_CASES]
)
def test_a_hostile_json_config_is_a_clear_error(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "run.json"
    path.write_text(text)
    result = invoke("train", str(path))
    assert_clear_error(result, expected)
    assert str(path) in result.stderr


@pytest.mark.parametrize(
    ("overrides", "expected"), [c[1:] for c in SET_CASES], ids=[c[0] for c in SET_CASES]
)
def test_a_hostile_override_is_a_clear_error(
    tmp_path: Path, overrides: list[str], expected: str
) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(GOOD))
    result = invoke("train", str(path), *[p for item in overrides for p in ("--set", item)])
    assert_clear_error(result, expected)


def test_the_alias_bomb_is_refused_in_well_under_a_second(tmp_path: Path) -> None:
    """Bug: a 344-byte alias bomb hung `rnnlab train` at 1.4 GB."""
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(9))
    assert path.stat().st_size < 400
    started = time.perf_counter()
    with pytest.raises(RnnlabError, match="aliases are expanded"):
        service.load_config(path)
    assert time.perf_counter() - started < 0.5


def test_a_bomb_through_the_service_mapping_is_refused_fast() -> None:
    """A request body arrives parsed: shared lists expand just the same."""
    laughs: list = ["lol"] * 10
    for _ in range(8):
        laughs = [laughs] * 10
    started = time.perf_counter()
    with pytest.raises(RnnlabError, match="more than 30000 values"):
        service.load_config({**GOOD, "model": {"hidden_size": laughs}})
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    ("section", "field", "value", "expected"),
    [
        ("model", "hidden_size", True, "model.hidden_size: Input should be a valid integer"),
        ("model", "num_layers", 1.0, "model.num_layers: Input should be a valid integer"),
        ("model", "forget_bias", float("inf"), "model.forget_bias: Input should be a finite"),
        ("train", "momentum", float("nan"), "train.momentum: Input should be a finite"),
        ("train", "seed", -1, "train.seed: Input should be greater than or equal to 0"),
        ("data", "seed", 2**40, "data.seed: Input should be less than 4294967296"),
        ("data", "val_fraction", True, "data.val_fraction: Input should be a valid number"),
    ],
)
def test_a_hostile_mapping_through_the_service_names_the_field(
    section: str, field: str, value: object, expected: str
) -> None:
    """The web passes mappings to the same service call: the same messages."""
    with pytest.raises(RnnlabError) as info:
        service.load_config(with_field(section, field, value))
    assert expected in str(info.value)


def test_a_deep_mapping_through_the_service_is_refused() -> None:
    deep: list = []
    for _ in range(500):
        deep = [deep]
    with pytest.raises(RnnlabError, match="config: nested more than 32 levels deep"):
        service.load_config({**GOOD, "name": deep})
