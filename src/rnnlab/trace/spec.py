"""The calculator's input: a small network and one input sequence, read from JSON or YAML.

    cell: rnn | lstm | gru | ...      any cell of the registry (rnnlab.cells) with equations
    nonlinearity: tanh | relu         the cell's choices (default its first)
    weights:                          # column-vector convention of DESIGN.md
      W_xh, W_hh, b_ih, b_hh          # each parameter by its symbol (Param.symbol), stacked
                                      #   in gate order (LSTM i f g o, GRU r z n) ...
      W_xi, W_hi, ... / W_xr, ...     # ... or one block per gate (the cell's Spelling)
      b_h | b_i ...                   # a merged bias where the cell has one (b_hh = 0)
      W_hy, b_y                       # readout (b_y optional)
    inputs: [[x_1], [x_2], ...]       # T rows of D numbers
    h0: [...]   c0: [...]             # optional, zeros by default (c0: cells with a c_t)
    output: sigmoid | softmax | linear
    readout: last | every             # many-to-one or many-to-many (default last)
    target: 1 | [..] | [[..], ..]     # optional; with it come the loss and BPTT
    input_labels: [A, B, ...]         # optional names of the T inputs, for display
    output_labels: [...]              # optional names of the O outputs

Which names a cell's weights take comes from the registry: each ``Param``'s symbol, the
per-gate and merged spellings of the cell's ``Spelling`` (``rnnlab.cells.equation``).
Biases default to zero and parameters initialised to a constant (a layer norm's gain)
to that constant; the other matrices are required. A merged bias b_h (or b_i, b_f ...)
is loaded as b_ih with b_hh = 0. A GRU has no merged bias: its reset gate multiplies
only the hidden side of n's bias, so it takes b_ih and b_hh (or b_xn and b_hn ...).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rnnlab import cells
from rnnlab.cells.base import CellType
from rnnlab.errors import ConfigError, DataError, ShapeError
from rnnlab.spec import load_mapping, validation_message
from rnnlab.spec.io import check_plain_data, short_repr
from rnnlab.trace.weights import (
    cell_weights,
    check_names,
    hidden_size,
    matrix,
    numbers,
    shaped,
    vector,
    weight_names,
)

Array = np.ndarray
Number = float
Label = Annotated[str, Field(max_length=40)]  # a table column heading
MAX_SIZE = 32  # D, H and O of a trace file
MAX_STEPS = 128  # T of a trace file


class TraceSpec(BaseModel):
    """One small network and one input sequence (see the module docstring)."""

    # strict: true is not the number 1; allow_inf_nan=False: .inf and .nan are refused
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    title: str | None = Field(None, max_length=200)
    cell: str  # a registered cell (checked below)
    nonlinearity: str | None = None  # one of the cell's; None: its first (checked by validate)
    weights: dict[str, Any]  # checked by network_weights, with named shapes
    inputs: list[list[Number]] = Field(min_length=1)
    h0: list[Number] | None = None
    c0: list[Number] | None = None
    output: Literal["sigmoid", "softmax", "linear"]
    readout: Literal["last", "every"] = "last"
    target: Any = None  # checked against output and readout by targets()
    input_labels: list[Label] | None = None
    output_labels: list[Label] | None = None

    @field_validator("cell")
    @classmethod
    def _registered(cls, name: str) -> str:
        try:
            calculator_cell(name)
        except ConfigError as err:  # pydantic reports it as "cell: <message>"
            raise ValueError(str(err).removeprefix("cell: ")) from None
        return name


def calculator_cell(name: str) -> CellType:
    """The registered cell `name`, if the calculator has its equations; else ConfigError."""
    cell = cells.get(name)
    if not cell.equations:
        raise ConfigError(f"cell: the calculator has no equations for cell {name} yet")
    return cell


def calculator_cells() -> list[dict[str, Any]]:
    """The cells the calculator traces, with what its editor shows of each: gates, cell
    state, nonlinearities and the weight names a file may give (``weight_names``)."""
    return [
        {
            "name": cell.name,
            "display_name": cell.display_name,
            "gates": list(cell.gate_names),
            "has_cell_state": cell.has_cell_state,
            "nonlinearities": list(cell.nonlinearities),
            "weights": weight_names(cell),
        }
        for cell in cells.all_cells()
        if cell.equations
    ]


def nonlinearity_of(spec: TraceSpec) -> str:
    """The spec's nonlinearity, or its cell's default (the first it lists)."""
    return spec.nonlinearity or cells.get(spec.cell).nonlinearities[0]


class NetworkWeights(BaseModel):
    """The weights of a TraceSpec, checked and stacked in PyTorch's layout."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    recurrent: dict[str, Array]  # by state_dict name: weight_ih_l0, weight_hh_l0, ...
    head: dict[str, Array]  # weight (O, H), bias (O,)
    combined_bias: bool  # the file gave the cell's merged bias (b_h: b_hh = 0)
    input_size: int
    hidden_size: int
    output_size: int


def _small_enough(T: int, D: int, H: int) -> None:
    """The calculator prints every number: refuse networks no one could read."""
    for name, value, limit in (("inputs", T, MAX_STEPS), ("inputs[0]", D, MAX_SIZE)):
        if value > limit:
            raise ShapeError(f"{name}: at most {limit} for the calculator, received {value}")
    if H > MAX_SIZE:
        raise ShapeError(
            f"weights: hidden size at most {MAX_SIZE} for the calculator, received {H}"
        )


def network_weights(spec: TraceSpec) -> NetworkWeights:
    """Check every matrix's shape against D, H and O and stack it as PyTorch does."""
    cell, w = cells.get(spec.cell), spec.weights
    check_names(cell, w)
    D = len(spec.inputs[0])
    for t, row in enumerate(spec.inputs, start=1):
        if len(row) != D:
            raise ShapeError(f"inputs: row {t} has {len(row)} numbers, row 1 has {D}")
    if spec.input_labels is not None and len(spec.input_labels) != len(spec.inputs):
        raise ShapeError(
            f"input_labels: expected {len(spec.inputs)} names (one per input row), "
            f"received {len(spec.input_labels)}"
        )
    H = hidden_size(cell, w)
    _small_enough(len(spec.inputs), D, H)
    recurrent, combined = cell_weights(cell, w, (D, H))
    if "W_hy" not in w:
        raise ConfigError("weights: missing W_hy (the readout, O x H)")
    W_hy = matrix("W_hy", w["W_hy"])
    O = W_hy.shape[0]
    if O > MAX_SIZE:
        raise ShapeError(
            f"weights.W_hy: at most {MAX_SIZE} outputs for the calculator, received {O}"
        )
    shaped("W_hy", W_hy, (O, H), "O x H")
    b_y = shaped("b_y", vector("b_y", w["b_y"]), (O,), "O") if "b_y" in w else np.zeros(O)
    if spec.output_labels is not None and len(spec.output_labels) != O:
        raise ShapeError(
            f"output_labels: expected {O} names (one per output), "
            f"received {len(spec.output_labels)}"
        )
    return NetworkWeights(
        recurrent=recurrent,
        head={"weight": W_hy, "bias": b_y},
        combined_bias=combined,
        input_size=D,
        hidden_size=H,
        output_size=O,
    )


def targets(spec: TraceSpec, steps_out: int, O: int) -> Array | None:
    """The target as a (steps_out, O) array, or None.

    readout last: a number (a class index for softmax; the value when O = 1) or a
    list of O numbers (probabilities for softmax). readout every: a list of T such
    entries. Errors say which form was expected.
    """
    if spec.target is None:
        return None
    y = numbers("target", spec.target)
    scalar_shape = () if spec.readout == "last" else (steps_out,)
    if y.shape == scalar_shape:
        y = y.reshape(steps_out)  # (T_out,)
        if spec.output == "softmax":
            if np.any(y != np.round(y)) or y.min() < 0 or y.max() >= O:
                raise ShapeError(
                    f"target: class indices must be integers in 0..{O - 1}, "
                    f"received {short_repr(spec.target)}"
                )
            return np.eye(O)[y.astype(int)]  # (T_out, O) one-hot
        if O != 1:
            raise ShapeError(
                f"target: the network has {O} outputs, so each target needs "
                f"{O} numbers, received {short_repr(spec.target)}"
            )
        y = y.reshape(steps_out, 1)
    elif y.shape == (*scalar_shape, O):
        y = y.reshape(steps_out, O)
    else:
        each = "a class index or" if spec.output == "softmax" else "a number (O = 1) or"
        form = "a list of T entries, each" if spec.readout == "every" else ""
        raise ShapeError(
            f"target: expected {form} {each} {O} numbers (readout {spec.readout}, "
            f"T = {steps_out if spec.readout == 'every' else len(spec.inputs)}), "
            f"received {short_repr(spec.target)}".replace("  ", " ")
        )
    if spec.output == "softmax" and (y.min() < 0 or not np.allclose(y.sum(axis=1), 1.0)):
        raise ShapeError("target: each softmax target must be probabilities summing to 1")
    if spec.output == "sigmoid" and (y.min() < 0 or y.max() > 1):
        raise ShapeError("target: sigmoid targets must lie in [0, 1]")
    return y


def initial_state(name: str, value: list[float] | None, H: int) -> Array:
    if value is None:
        return np.zeros(H)
    array = numbers(name, value)
    if array.shape != (H,):
        raise ShapeError(f"{name}: expected shape ({H},) (H), received {array.shape}")
    return array


def validate(spec: TraceSpec) -> NetworkWeights:
    """Every check of a spec: weight shapes, states, labels, the cell's options, the target."""
    net = network_weights(spec)
    cell = cells.get(spec.cell)
    if spec.nonlinearity is not None and spec.nonlinearity not in cell.nonlinearities:
        choosers = [c.name for c in cells.all_cells() if len(c.nonlinearities) > 1]
        raise ConfigError(
            f"nonlinearity: only cell {' | '.join(choosers)} takes one, received "
            f"{spec.nonlinearity!r} for cell {spec.cell}"
            if len(cell.nonlinearities) == 1
            else f"nonlinearity: expected one of {' | '.join(cell.nonlinearities)} for cell "
            f"{spec.cell}, received {spec.nonlinearity!r}"
        )
    if spec.c0 is not None and not cell.has_cell_state:
        with_c = [c.name for c in cells.all_cells() if c.has_cell_state]
        raise ConfigError(
            f"c0: only a cell with a cell state takes one ({', '.join(with_c)}); "
            f"cell is {spec.cell}"
        )
    initial_state("h0", spec.h0, net.hidden_size)
    initial_state("c0", spec.c0, net.hidden_size)
    steps_out = len(spec.inputs) if spec.readout == "every" else 1
    targets(spec, steps_out, net.output_size)
    return net


def read_trace_file(path: str | Path) -> TraceSpec:
    """Read and validate a trace file; every error names the file."""
    return parse_trace(load_mapping(path), str(path))


def parse_trace(data: dict[str, Any], source: str | None = None) -> TraceSpec:
    """Validate a trace mapping; errors start with `source` when given."""
    prefix = f"{source}: " if source else ""
    check_plain_data(data, source or "trace")
    try:
        spec = TraceSpec.model_validate(data)
        validate(spec)
    except (ConfigError, ShapeError) as err:
        raise type(err)(f"{prefix}{err}") from None
    except ValidationError as err:
        raise DataError(f"{prefix}{validation_message(err)}") from None
    return spec


def refuse_non_finite(result: object, source: str = "trace") -> None:
    """Raise DataError naming the first inf or NaN in a computed trace (as ``to_json``
    gives it): numbers that overflowed float64 are no worked example, and no JSON."""
    found = _first_non_finite(result, "")
    if found is not None:
        where, value = found
        raise DataError(
            f"{source}: {where or 'a value'} is {value} (the computation overflowed float64); "
            "use smaller weights or inputs"
        )


def _first_non_finite(value: object, where: str) -> tuple[str, float] | None:
    if isinstance(value, float):
        return None if math.isfinite(value) else (where, value)
    if isinstance(value, dict):
        named = [(f"{where}.{key}" if where else str(key), item) for key, item in value.items()]
    elif isinstance(value, list):
        named = [(f"{where}[{index}]", item) for index, item in enumerate(value)]
    else:
        return None
    for name, item in named:
        found = _first_non_finite(item, name)
        if found is not None:
            return found
    return None
