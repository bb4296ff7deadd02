"""Hostile trace files through `rnnlab trace` and the calculator service: inf/NaN
refused naming the entry, overflow a clear error, `--format json` always valid JSON,
parser attacks refused fast; exit code 1 and no traceback (issue 12)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from rnnlab import service
from rnnlab.errors import RnnlabError
from tests.hostile.cli import assert_clear_error, invoke

NET = {
    "cell": "rnn",
    "weights": {
        "W_xh": [[0.5, -0.3], [0.2, 0.8]],
        "W_hh": [[0.1, 0.4], [-0.2, 0.3]],
        "W_hy": [[1.2, -0.7]],
    },
    "inputs": [[1.0, 0.0], [0.0, 1.0]],
    "output": "sigmoid",
    "target": 1,
}
INF, NAN = float("inf"), float("nan")


def changed(path: list[str | int], value: object) -> dict:
    """NET with the entry at `path` replaced by `value`."""
    spec = json.loads(json.dumps(NET))
    node = spec
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return spec


OVERFLOW = {**NET, "weights": {**NET["weights"], "W_hy": [[1.7e308, 1.7e308]]}}
OVERFLOW.update(output="linear", inputs=[[1.0, 1.0]])

CASES = [
    (
        "inf-weight",
        changed(["weights", "W_xh", 1, 1], INF),
        "weights.W_xh: expected finite numbers, received inf at index (1, 1)",
    ),
    (
        "nan-weight",
        changed(["weights", "W_hy", 0, 0], NAN),
        "weights.W_hy: expected finite numbers, received nan",
    ),
    (
        "inf-bias",
        changed(["weights", "b_h"], [0.0, -INF]),
        "weights.b_h: expected finite numbers, received -inf at index 1",
    ),
    (
        "nan-input",
        changed(["inputs", 1, 0], NAN),
        "inputs.1.0: Input should be a finite number, received nan",
    ),
    ("inf-h0", changed(["h0"], [0.0, INF]), "h0.1: Input should be a finite number"),
    ("inf-target", changed(["target"], INF), "target: expected finite numbers, received inf"),
    ("nan-target-list", changed(["target"], [NAN]), "target: expected finite numbers"),
    (
        "bool-input",
        changed(["inputs", 0, 0], True),
        "inputs.0.0: Input should be a valid number, received True",
    ),
    (
        "bool-weight",
        changed(["weights", "W_hh", 0, 0], True),
        "weights.W_hh: expected numbers, received True",
    ),
    (
        "string-weight",
        changed(["weights", "W_hh", 0, 0], "x" * 1000),
        "weights.W_hh: expected numbers, received 'xxx",
    ),
    (
        "huge-hidden",
        changed(["weights", "W_hh"], [[0.0] * 100] * 100),
        "weights: hidden size at most 32 for the calculator, received 100",
    ),
    (
        "long-sequence",
        changed(["inputs"], [[0.0, 0.0]] * 1000),
        "inputs: at most 128 for the calculator, received 1000",
    ),
    ("overflow", OVERFLOW, "loss is inf (the computation overflowed float64)"),
    ("long-label", changed(["input_labels"], ["x" * 10**5, "y"]), "input_labels.0: String should"),
    ("long-title", changed(["title"], "t" * 10**5), "title: String should have at most 200"),
]


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "10000")  # the message on one line


@pytest.mark.parametrize("fmt", ["json", "text"])
@pytest.mark.parametrize(("spec", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_hostile_trace_file_is_a_clear_error(
    tmp_path: Path, spec: dict, expected: str, fmt: str
) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(spec))  # writes .inf / .nan
    result = invoke("trace", str(path), "--format", fmt)
    assert_clear_error(result, expected)
    assert str(path) in result.stderr  # the message names the file
    assert result.stdout == ""  # nothing half-printed, no bare NaN


@pytest.mark.parametrize(("spec", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_hostile_trace_mapping_is_a_clear_error_in_the_service(spec: dict, expected: str) -> None:
    """The web sends mappings to the same service: the same message, no HTTP 500."""
    with pytest.raises(RnnlabError) as info:
        service.trace_result(spec)
    assert expected in str(info.value)


def test_json_nan_literals_in_a_trace_file_are_refused(tmp_path: Path) -> None:
    """Python's json reads NaN and Infinity: the schema still refuses them."""
    path = tmp_path / "net.json"
    path.write_text(json.dumps(changed(["inputs", 0, 1], NAN)))
    assert "NaN" in path.read_text()
    assert_clear_error(invoke("trace", str(path)), "inputs.0.1: Input should be a finite number")


def test_json_output_is_strict_json(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(changed(["weights", "W_hy"], [[1e300, -1e300]])))
    result = invoke("trace", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout, parse_constant=lambda name: pytest.fail(name))
    assert data["output"]["o"] != 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cell: rnn\ncell: gru\n", "line 2, column 1: invalid YAML: duplicate key 'cell'"),
        ("inputs: " + "[" * 50_000 + "]" * 50_000, "nested more than 32 levels deep"),
        (
            "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
            "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
            "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
            "inputs: [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n",
            "more than 30000 values once aliases are expanded",
        ),
        ("cell: rnn\ninputs: [[" + "7" * 5000 + "]]\n", "an integer of 5000 digits"),
    ],
    ids=["duplicate-key", "deep", "alias-bomb", "huge-integer"],
)
def test_a_hostile_trace_yaml_is_refused_fast(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(text)
    started = time.perf_counter()
    result = invoke("trace", str(path), "--format", "json")
    assert time.perf_counter() - started < 2.0
    assert_clear_error(result, expected)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--seed", "-1"], "seed: expected 0..4294967295, received -1"),
        (["--seed", str(10**30)], "seed: expected 0..4294967295"),
        (["--hidden-size", "0"], "hidden_size: expected 1..16 for the calculator, received 0"),
        (["--steps", "100000"], "steps: expected 1..16 for the calculator"),
    ],
)
def test_hostile_random_trace_options_are_clear_errors(args: list[str], expected: str) -> None:
    """Bug: `trace --random --seed -1` ended in NumPy's ValueError traceback."""
    assert_clear_error(invoke("trace", "--random", *args), expected)
