"""A trace file's weights for a cell that is not PyTorch's four tensors: the names, shapes,
defaults and errors come from the cell's registry entry (Params and Spelling), not a table."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnlab.cells.base import CellType, Gate, Param
from rnnlab.cells.equation import Spelling, hooks
from rnnlab.errors import ConfigError, DataError, ShapeError
from rnnlab.trace import compute_trace, render
from rnnlab.trace.spec import parse_trace, validate
from rnnlab.trace.weights import weight_names
from tests.toy_cells import TOY, register


def _none(*_args: object) -> list:
    return []


# Two gates, no W_hh, a gain initialised to ones and a zero bias: what minGRU or a
# layer-normalised cell look like to the calculator's reader.
GAINED = CellType(
    name="gained",
    display_name="Gained toy",
    summary="a test-only cell: W_x, a gain and a bias per gate, no W_hh",
    gates=(Gate("a", "gate a"), Gate("b", "gate b", "tanh")),
    blocks=2,
    has_cell_state=False,
    params=(
        Param("weight_ih", 2, "input", "W_x"),
        Param("gain", 2, None, "gamma", init="ones"),
        Param("bias", 2, None, "b", init="zeros", bias=True),
    ),
    reference=lambda nonlinearity: None,  # type: ignore[arg-type,return-value]
    nonlinearities=("softsign", "tanh"),
    equations=hooks(
        forward_values=lambda tape, s: {},
        backward_values=lambda tape, s, f: {},
        forward=_none,
        backward=_none,
        dh_from_next=lambda k: "0",
        gradients=_none,
        spelling=Spelling(
            per_gate={"W_x": "W_x{g}", "gamma": "gamma_{g}"},
            refused={"W_hh": "a gained toy has no recurrent weights"},
            meanings={"W_x": "input → gates"},
        ),
    ),
)


@pytest.fixture
def gained(monkeypatch: pytest.MonkeyPatch) -> CellType:
    return register(monkeypatch, GAINED)


def trace(weights: dict, **fields: object) -> dict:
    return {
        "cell": "gained",
        "weights": {"W_hy": [[1.0, -1.0]], **weights},
        "inputs": [[1.0], [0.5]],
        "output": "linear",
        **fields,
    }


STACKED = [[0.1], [0.2], [0.3], [0.4]]  # 2H x D with H = 2, D = 1


def test_names_come_from_the_params_and_the_spelling(gained: CellType) -> None:
    names = [w["name"] for w in weight_names(gained)]
    assert names == ["W_x", "W_xa", "W_xb", "gamma", "gamma_a", "gamma_b", "b", "W_hy", "b_y"]
    meanings = {w["name"]: w["meaning"] for w in weight_names(gained)}
    assert meanings["W_x"] == "input → gates" and meanings["W_xb"] == "input → gates, gate b"


def test_stacked_weights_load_with_their_inits_as_defaults(gained: CellType) -> None:
    net = validate(parse_trace(trace({"W_x": STACKED})))
    assert net.hidden_size == 2 and net.input_size == 1  # H from W_x's 2H rows: no W_hh
    np.testing.assert_array_equal(net.recurrent["weight_ih_l0"], STACKED)
    np.testing.assert_array_equal(net.recurrent["gain_l0"], np.ones(4))  # init ones
    np.testing.assert_array_equal(net.recurrent["bias_l0"], np.zeros(4))  # init zeros
    assert net.combined_bias is False  # no merged bias in this cell's spelling


def test_per_gate_blocks_stack_in_gate_order_and_missing_gain_blocks_default(
    gained: CellType,
) -> None:
    weights = {"W_xa": [[0.1], [0.2]], "W_xb": [[0.3], [0.4]], "gamma_b": [2.0, 3.0]}
    net = validate(parse_trace(trace(weights)))
    np.testing.assert_array_equal(net.recurrent["weight_ih_l0"], STACKED)
    np.testing.assert_array_equal(net.recurrent["gain_l0"], [1.0, 1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("weights", "fields", "error", "message"),
    [
        ({}, {}, ConfigError, "weights: missing W_xa (the input weights)"),
        ({"W_xa": [[0.1], [0.2]]}, {}, ConfigError, "weights: missing W_xb"),
        (
            {"W_x": STACKED, "W_xa": [[0.1], [0.2]]},
            {},
            ConfigError,
            "weights: give either W_x or W_xa, W_xb, not both",
        ),
        (
            {"W_x": STACKED, "W_hh": [[0.0]]},
            {},
            ConfigError,
            "weights.W_hh: a gained toy has no recurrent weights",
        ),
        ({"W_x": STACKED, "b_ih": [0.0]}, {}, ConfigError, "weights: unknown names ['b_ih']"),
        (
            {"W_x": STACKED[:3]},
            {},
            ShapeError,
            "weights.W_x: expected 2H rows (gates stacked in order a b), received 3",
        ),
        (
            {"W_x": STACKED, "gamma": [1.0, 1.0, 1.0]},
            {},
            ShapeError,
            "weights.gamma: expected shape (4,) (2H), received (3,)",
        ),
        (
            {"W_x": STACKED, "b": [0.0]},
            {},
            ShapeError,
            "weights.b: expected shape (4,) (one per gate row), received (1,)",
        ),
        (
            {"W_x": STACKED},
            {"nonlinearity": "relu"},
            ConfigError,
            "nonlinearity: expected one of softsign | tanh for cell gained, received 'relu'",
        ),
        (
            {"W_x": STACKED},
            {"c0": [0.0, 0.0]},
            ConfigError,
            "c0: only a cell with a cell state takes one (",
        ),
    ],
)
def test_errors_name_the_cells_own_weights(
    gained: CellType, weights: dict, fields: dict, error: type, message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        parse_trace(trace(weights, **fields))


def test_a_cell_without_calculator_equations_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    register(monkeypatch, TOY)
    with pytest.raises(DataError, match="cell: the calculator has no equations for cell toy yet"):
        parse_trace({**trace({}), "cell": "toy"})


LSTM = {f"W_{side}{g}": [[0.1]] for side in "xh" for g in "ifgo"} | {"W_hy": [[1.0]]}
GRU = {"W_xh": [[0.1]] * 3, "W_hh": [[0.2]] * 3, "W_hy": [[1.0]]}


def classic(cell: str, weights: dict) -> dict:
    return {"cell": cell, "weights": weights, "inputs": [[1.0]], "output": "linear", "target": 0.5}


def test_a_merged_bias_per_gate_is_the_input_side_with_the_hidden_side_zero() -> None:
    net = validate(parse_trace(classic("lstm", LSTM | {"b_f": [1.0]})))
    np.testing.assert_array_equal(net.recurrent["bias_ih_l0"], [0.0, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(net.recurrent["bias_hh_l0"], np.zeros(4))
    assert net.combined_bias  # shown as b_h
    net = validate(parse_trace(classic("lstm", LSTM | {"b_xf": [1.0]})))
    assert net.combined_bias  # input side only: b_h = b_ih as well
    net = validate(parse_trace(classic("lstm", LSTM | {"b_hf": [1.0]})))
    assert not net.combined_bias
    np.testing.assert_array_equal(net.recurrent["bias_hh_l0"], [0.0, 1.0, 0.0, 0.0])


def test_a_merged_bias_and_its_parts_together_are_refused() -> None:
    with pytest.raises(ConfigError, match="give either b_h or b_ih and b_hh, not both"):
        parse_trace(classic("lstm", LSTM | {"b_f": [1.0], "b_xi": [0.5]}))


def test_a_gru_without_biases_traces_with_both_sides_shown() -> None:
    """It once crashed (KeyError b_h): a GRU has no merged bias to show."""
    result = compute_trace(parse_trace(classic("gru", GRU)))
    assert result["combined_bias"] is False
    markdown = render(result, "markdown")
    assert "- `b_ih = [0, 0, 0]`" in markdown and "- `b_hh = [0, 0, 0]`" in markdown


@pytest.mark.parametrize("name", ["b_h", "b_r", "b_n"])
def test_a_gru_refuses_a_merged_bias_with_the_reason(name: str) -> None:
    with pytest.raises(ConfigError, match=f"weights.{name}: a GRU needs b_ih and b_hh"):
        parse_trace(classic("gru", GRU | {name: [0.0]}))
