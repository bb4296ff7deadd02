"""Malformed trace files: each gets an error naming the file, the field and what was expected."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rnnlab import service
from rnnlab.errors import ConfigError, DataError, RnnlabError, ShapeError

GOOD = {
    "cell": "rnn",
    "weights": {
        "W_xh": [[0.5, -0.3], [0.2, 0.8]],
        "W_hh": [[0.1, 0.4], [-0.2, 0.3]],
        "b_h": [0.0, 0.1],
        "W_hy": [[1.2, -0.7]],
    },
    "inputs": [[1, 0], [0, 1]],
    "output": "sigmoid",
    "target": 1,
}
LSTM_GATES = {f"W_{side}{g}": [[0.1, 0.1], [0.1, 0.1]] for side in "xh" for g in "ifgo"}


def write(tmp_path: Path, content: str | bytes, name: str = "net.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def with_changes(**changes) -> dict:
    data = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if key.startswith("w_"):
            name = key[2:]
            if value is None:
                data["weights"].pop(name)
            else:
                data["weights"][name] = value
        else:
            data[key] = value
    return data


@pytest.mark.parametrize(
    ("content", "error", "message"),
    [
        ("", DataError, "the file is empty"),
        (b"cell: rnn\nweights: \xff\xfe\n", DataError, r"line 2: not UTF-8 text"),
        ("cell: rnn\nweights: [1, 2\n", DataError, r"line \d+, column \d+: invalid YAML"),
        ("- 1\n- 2\n", DataError, "expected a mapping of fields at the top, received list"),
    ],
)
def test_unreadable_files(tmp_path, content, error, message):
    path = write(tmp_path, content)
    with pytest.raises(error, match=message) as info:
        service.trace(path)
    assert str(info.value).startswith(str(path))


def test_bad_json_names_line_and_column(tmp_path):
    path = write(tmp_path, '{"cell": "rnn",\n "weights": }', "net.json")
    with pytest.raises(DataError, match=r"net.json: line 2, column 13"):
        service.trace(path)


def test_missing_file():
    with pytest.raises(DataError, match=re.escape("nope.yaml: no such file")):
        service.trace("nope.yaml")


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (
            with_changes(cell="transformer"),
            DataError,
            r"cell: expected one of rnn \| lstm \| gru\b.*, received 'transformer'",
        ),
        (
            {k: v for k, v in GOOD.items() if k != "output"},
            DataError,
            r"output: missing \(required\)",
        ),
        (with_changes(colour="red"), DataError, "colour: unknown field"),
        (with_changes(inputs=[[1, 0], [0, "x"]]), DataError, r"inputs\.1\.1: Input should be"),
        (
            with_changes(w_W_hh=[[0.1, 0.4, 0.0], [-0.2, 0.3, 0.0]]),
            ShapeError,
            r"weights\.W_hh: expected shape \(2, 2\) \(H x H\), received \(2, 3\)",
        ),
        (
            with_changes(w_W_xh=[[0.5], [0.2]]),
            ShapeError,
            r"weights\.W_xh: expected shape \(2, 2\) \(H x D\), received \(2, 1\)",
        ),
        (
            with_changes(w_W_hy=[[1.2, -0.7, 0.1]]),
            ShapeError,
            r"weights\.W_hy: expected shape \(1, 2\) \(O x H\), received \(1, 3\)",
        ),
        (with_changes(w_b_h=[0.0]), ShapeError, r"weights\.b_h: expected shape \(2,\)"),
        (
            with_changes(w_W_xh=[[0.5, -0.3], [0.2]]),
            ShapeError,
            r"weights\.W_xh: row 2 has 1 numbers, row 1 has 2",
        ),
        (
            with_changes(w_W_hh=[[0.1, "a"], [-0.2, 0.3]]),
            ShapeError,
            r"weights\.W_hh: expected numbers, received 'a'",
        ),
        (with_changes(w_W_hh=[0.1, 0.4]), ShapeError, r"weights\.W_hh: expected a matrix"),
        (with_changes(w_W_hy=None), ConfigError, r"weights: missing W_hy"),
        (with_changes(w_W_xq=[[1.0]]), ConfigError, r"weights: unknown names \['W_xq'\]"),
        (with_changes(w_b_ih=[0.0, 0.0]), ConfigError, "give either b_h or b_ih and b_hh"),
        (
            with_changes(inputs=[[1, 0], [0]]),
            ShapeError,
            "inputs: row 2 has 1 numbers, row 1 has 2",
        ),
        (
            with_changes(h0=[0, 0, 0]),
            ShapeError,
            r"h0: expected shape \(2,\) \(H\), received \(3,\)",
        ),
        (
            with_changes(c0=[0, 0]),
            ConfigError,
            r"c0: only a cell with a cell state takes one \(lstm\b.*\); cell is rnn",
        ),
        (with_changes(target=[1, 0]), ShapeError, "target: expected"),
        (with_changes(target=2), ShapeError, r"target: sigmoid targets must lie in \[0, 1\]"),
        (with_changes(output="softmax", target=1.5), ShapeError, "class indices must be integers"),
        (
            with_changes(readout="every", target=[1, 0, 1]),
            ShapeError,
            "target: expected a list of T entries",
        ),
        (with_changes(input_labels=["a"]), ShapeError, "input_labels: expected 2 names"),
        (with_changes(output_labels=["a", "b"]), ShapeError, "output_labels: expected 1 names"),
        (with_changes(cell="gru"), ShapeError, r"weights\.W_hh: expected 3H rows"),
        (
            with_changes(
                cell="lstm", nonlinearity="relu", weights={"W_hy": [[1.0, 1.0]], **LSTM_GATES}
            ),
            ConfigError,
            "nonlinearity: only cell rnn takes one",
        ),
        (
            with_changes(
                cell="lstm",
                weights={
                    "W_xh": [[0.1, 0.1]] * 8,
                    "W_xi": [[0.1, 0.1]] * 2,
                    "W_hh": [[0.1, 0.1]] * 8,
                    "W_hy": [[1.0, 1.0]],
                },
            ),
            ConfigError,
            "give either W_xh or W_xi",
        ),
        (
            with_changes(
                cell="lstm",
                weights={"W_xi": [[0.1, 0.1]] * 2, "W_hh": [[0.1, 0.1]] * 8, "W_hy": [[1.0, 1.0]]},
            ),
            ConfigError,
            "weights: missing W_xf, W_xg, W_xo",
        ),
    ],
)
def test_malformed_networks_name_the_file_field_and_expectation(tmp_path, data, error, message):
    path = write(tmp_path, json.dumps(data), "net.json")
    with pytest.raises(error, match=message) as info:
        service.trace(path)
    assert str(info.value).startswith(f"{path}: ")


def test_gru_refuses_a_single_combined_bias_with_the_reason(tmp_path):
    data = with_changes(
        cell="gru",
        weights={
            "W_xh": [[0.1, 0.1]] * 6,
            "W_hh": [[0.1, 0.1]] * 6,
            "b_h": [0.0] * 6,
            "W_hy": [[1.0, 1.0]],
        },
    )
    with pytest.raises(ConfigError, match="reset gate multiplies only the hidden-side bias"):
        service.trace(write(tmp_path, json.dumps(data), "gru.json"))


def test_mappings_are_checked_like_files():
    with pytest.raises(RnnlabError, match=r"weights\.W_hh: expected shape"):
        service.trace(with_changes(w_W_hh=[[0.1, 0.4, 0.0], [-0.2, 0.3, 0.0]]))
    with pytest.raises(DataError, match="cell: expected one of rnn"):
        service.trace_result(with_changes(cell="cnn"))
