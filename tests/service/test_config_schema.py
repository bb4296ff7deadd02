"""The run-config schema's bounds and its safe YAML/JSON reader (rnnlab.spec): what is
allowed still loads, the estimate of training memory counts the model's real
parameters, and the reader's limits say where the problem is."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rnnlab.errors import ConfigError, DataError
from rnnlab.spec.io import check_plain_data, load_mapping, parse_text, short_repr
from rnnlab.spec.memory import GIB, estimate_training_memory, memory_problem
from rnnlab.spec.run import RunConfig, load_run_config, parse_run_config
from rnnlab.torch_engine.build import model_from_config

EXAMPLES = sorted((Path(__file__).parents[2] / "examples" / "configs").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_config_is_within_the_bounds(path: Path) -> None:
    assert isinstance(load_run_config(path), RunConfig)


def test_integers_are_accepted_where_floats_are_expected() -> None:
    config = parse_run_config({"task": "classify", "data": {"path": "x"}, "train": {"lr": 1}})
    assert config.train.lr == 1.0 and isinstance(config.train.lr, float)


@pytest.mark.parametrize(
    ("task", "cell", "layers", "bidirectional", "init"),
    [
        ("language-model", "lstm", 2, False, "xavier"),
        ("language-model", "gru", 1, False, "xavier"),
        ("language-model", "rnn", 1, False, "onehot"),
        ("forecast", "rnn", 3, False, "xavier"),
        ("forecast", "lstm", 2, True, "xavier"),
    ],
)
def test_the_estimate_counts_the_models_parameters(
    task: str, cell: str, layers: int, bidirectional: bool, init: str
) -> None:
    config = parse_run_config(
        {
            "task": task,
            "data": {"path": "x", "max_vocab": 50, "horizon": 3},
            "embedding": {"dim": 5, "init": init},
            "model": {
                "cell": cell,
                "hidden_size": 7,
                "num_layers": layers,
                "bidirectional": bidirectional,
            },
        }
    )
    model = model_from_config(config, vocab_size=50)
    expected = sum(p.numel() for p in model.parameters())
    estimate = estimate_training_memory(config)
    assert estimate.parameters == expected
    assert estimate.parameter_bytes == 16 * expected


def test_an_absurd_model_is_refused_with_the_estimate_and_the_limit() -> None:
    data = {
        "task": "classify",
        "data": {"path": "x"},
        "model": {"cell": "lstm", "hidden_size": 8192, "num_layers": 16},
    }
    with pytest.raises(ConfigError) as info:
        parse_run_config(data, "run.yaml")
    message = str(info.value)
    assert message.startswith("run.yaml: model: training needs about 1")
    assert "above the limit of 32 GiB" in message
    assert "model.hidden_size 8192 x model.num_layers 16" in message
    assert "train.batch_size 32 x data.seq_len 64" in message


def test_the_limit_is_a_parameter_of_the_check() -> None:
    config = parse_run_config({"task": "classify", "data": {"path": "x"}})
    assert memory_problem(config) is None
    assert "above the limit of 0 GiB" in (memory_problem(config, limit=GIB // 1024) or "")


def test_merge_keys_still_work_and_override() -> None:
    data = parse_text("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  x: 3\n", "f")
    assert data == {"base": {"x": 1, "y": 2}, "other": {"x": 3, "y": 2}}


def test_the_same_key_in_two_json_objects_is_no_duplicate() -> None:
    text = '{"model": {"seed": 1}, "train": {"seed": 2}, "x": [{"a": 1}, {"a": 2}]}'
    assert parse_text(text, "f", "json")["train"] == {"seed": 2}


def test_a_json_duplicate_is_located_in_a_nested_object() -> None:
    text = '{\n  "a": {"k": {"k": 1}},\n  "b": {"k": 1, "j": [1, {"k": 2}], "k": 3}\n}'
    with pytest.raises(DataError, match=r"^f: line 3, column 37: duplicate key 'k'$"):
        parse_text(text, "f", "json")


def test_a_yaml_duplicate_names_both_lines() -> None:
    with pytest.raises(
        DataError, match=r"line 4, column 1: .*duplicate key 'b' \(first on line 2\)"
    ):
        parse_text("a: 1\nb: 2\nc: 3\nb: 4\n", "f")


def test_a_big_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as out:
        out.truncate(2**20 + 1)
    with pytest.raises(DataError, match="expected a settings file of at most 1048576 bytes"):
        load_mapping(path)


def test_short_repr_cuts_long_values_and_huge_integers() -> None:
    assert short_repr("abc") == "'abc'"
    cut = short_repr("x" * 1000)
    assert len(cut) < 100 and cut.endswith("... (1002 chars)")
    assert short_repr(10**5000).startswith("<an integer of about 5000 digits")


def test_a_list_shared_by_reference_counts_at_every_use() -> None:
    row = [0.0] * 100
    check_plain_data({"rows": [row] * 290}, "body")  # 29 292 values
    with pytest.raises(DataError, match="body: more than 30000 values"):
        check_plain_data({"rows": [row] * 300}, "body")


def test_a_long_flat_yaml_list_stops_at_the_value_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pure-Python parser reads ~20 000 values a second: it stops at the limit,
    not at the end of a 300 000-value file."""
    monkeypatch.setattr("rnnlab.spec.io.MAX_NODES", 1000)
    text = "name: [" + ",".join(["1"] * 300_000) + "]\n"
    started = time.perf_counter()
    with pytest.raises(
        DataError, match=r"^f: line 1, column 2002: invalid YAML: more than 1000 values"
    ):
        parse_text(text, "f")
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(("text", "line"), [("a: 1\nb: \x00\n", 2), ("a: \x07", 1)])
def test_a_control_character_names_its_line(text: str, line: int) -> None:
    with pytest.raises(DataError, match=rf"^f: line {line}: invalid YAML: character #x000"):
        parse_text(text, "f")


def test_users_yaml_is_parsed_in_one_place() -> None:
    """yaml.safe_load has none of the limits (alias bombs, depth, duplicate keys):
    every YAML a user gives goes through rnnlab.spec.io."""
    src = Path(__file__).parents[2] / "src" / "rnnlab"
    calls = [
        f"{path.relative_to(src)}:{number}"
        for path in sorted(src.rglob("*.py"))
        if path != src / "spec" / "io.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "yaml.safe_load(" in line or "yaml.load(" in line or "yaml.full_load(" in line
    ]
    assert calls == []
