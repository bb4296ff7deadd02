"""The calculator's input: a small network and one input sequence, read from JSON or YAML.

    cell: rnn | lstm | gru            nonlinearity: tanh | relu (rnn only)
    weights:                          # column-vector convention of DESIGN.md
      W_xh, W_hh                      # stacked in gate order (LSTM i f g o, GRU r z n) ...
      W_xi, W_hi, ... / W_xr, ...     # ... or one matrix per gate
      b_h | b_ih + b_hh | b_i ... | b_xi + b_hi ...   # biases (optional, zero by default)
      W_hy, b_y                       # readout (b_y optional)
    inputs: [[x_1], [x_2], ...]       # T rows of D numbers
    h0: [...]   c0: [...]             # optional, zeros by default
    output: sigmoid | softmax | linear
    readout: last | every             # many-to-one or many-to-many (default last)
    target: 1 | [..] | [[..], ..]     # optional; with it come the loss and BPTT
    input_labels: [A, B, ...]         # optional names of the T inputs, for display
    output_labels: [...]              # optional names of the O outputs

A combined bias b_h (or b_i, b_f ...) is loaded as b_ih with b_hh = 0. A GRU's
candidate bias b_n is likewise b_xn with b_hn = 0; give b_xn and b_hn to set both.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rnnlab.errors import ConfigError, DataError, ShapeError
from rnnlab.spec import load_mapping, validation_message
from rnnlab.spec.io import check_plain_data, short_repr

Array = np.ndarray
Number = float
Label = Annotated[str, Field(max_length=40)]  # a table column heading
MAX_SIZE = 32  # D, H and O of a trace file
MAX_STEPS = 128  # T of a trace file
GATE_NAMES = {"rnn": ("",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}


class TraceSpec(BaseModel):
    """One small network and one input sequence (see the module docstring)."""

    # strict: true is not the number 1; allow_inf_nan=False: .inf and .nan are refused
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

    title: str | None = Field(None, max_length=200)
    cell: Literal["rnn", "lstm", "gru"]
    nonlinearity: Literal["tanh", "relu"] = "tanh"
    weights: dict[str, Any]  # checked by network_weights, with named shapes
    inputs: list[list[Number]] = Field(min_length=1)
    h0: list[Number] | None = None
    c0: list[Number] | None = None
    output: Literal["sigmoid", "softmax", "linear"]
    readout: Literal["last", "every"] = "last"
    target: Any = None  # checked against output and readout by targets()
    input_labels: list[Label] | None = None
    output_labels: list[Label] | None = None


class NetworkWeights(BaseModel):
    """The weights of a TraceSpec, checked and stacked in PyTorch's layout."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    recurrent: dict[str, Array]  # weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0
    head: dict[str, Array]  # weight (O, H), bias (O,)
    combined_bias: bool  # the file gave one bias per gate block (b_hh = 0)
    input_size: int
    hidden_size: int
    output_size: int


def numbers(name: str, value: object) -> Array:
    """A float64 array of finite numbers from nested lists, or an error naming `name`."""
    flat = np.array(value, dtype=object).ravel() if isinstance(value, list) else [value]
    for item in flat:
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise ShapeError(f"{name}: expected numbers, received {short_repr(item)}")
    try:
        array = np.array(value, dtype=np.float64)
    except OverflowError:  # an integer beyond float64
        raise ShapeError(f"{name}: expected numbers within float64's range") from None
    if not np.all(np.isfinite(array)):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        entry = f" at index {where[0] if len(where) == 1 else where}" if where else ""
        bad = array[where] if where else array
        raise ShapeError(f"{name}: expected finite numbers, received {float(bad)}{entry}")
    return array


def _matrix(name: str, value: object) -> Array:
    rows = value if isinstance(value, list) else [value]
    if not rows or not all(isinstance(r, list) for r in rows):
        raise ShapeError(
            f"weights.{name}: expected a matrix (a list of rows), received {short_repr(value)}"
        )
    lengths = [len(r) for r in rows]
    if len(set(lengths)) > 1:
        bad = next(i for i, n in enumerate(lengths) if n != lengths[0])
        raise ShapeError(
            f"weights.{name}: row {bad + 1} has {lengths[bad]} numbers, row 1 has {lengths[0]}"
        )
    return numbers(f"weights.{name}", rows)


def _vector(name: str, value: object) -> Array:
    if isinstance(value, list) and value and isinstance(value[0], list):
        if any(not isinstance(row, list) or len(row) != 1 for row in value):
            raise ShapeError(f"weights.{name}: expected a vector, received a matrix")
        value = [row[0] for row in value]  # a column given as [[a], [b]]
    return np.atleast_1d(numbers(f"weights.{name}", value))


def _shaped(name: str, array: Array, shape: tuple[int, ...], meaning: str) -> Array:
    if array.shape != shape:
        raise ShapeError(
            f"weights.{name}: expected shape {shape} ({meaning}), received {array.shape}"
        )
    return array


def _allowed_keys(cell: str) -> set[str]:
    keys = {"W_xh", "W_hh", "b_h", "b_ih", "b_hh", "W_hy", "b_y"}
    for g in GATE_NAMES[cell] if cell != "rnn" else ():
        keys |= {f"W_x{g}", f"W_h{g}", f"b_{g}", f"b_x{g}", f"b_h{g}"}
    return keys


def _stacked_matrix(cell: str, w: dict, side: str, shape: tuple[int, int], what: str) -> Array:
    """W_xh / W_hh either stacked or assembled from per-gate blocks."""
    gates = GATE_NAMES[cell]
    stacked_key = f"W_{side}h"
    per_gate = [f"W_{side}{g}" for g in gates] if cell != "rnn" else []
    given = [k for k in per_gate if k in w]
    if stacked_key in w and given:
        raise ConfigError(f"weights: give either {stacked_key} or {', '.join(per_gate)}, not both")
    G = len(gates) * shape[0]
    if stacked_key in w:
        return _shaped(
            stacked_key,
            _matrix(stacked_key, w[stacked_key]),
            (G, shape[1]),
            f"{len(gates)}H x {what}" if cell != "rnn" else f"H x {what}",
        )
    if not per_gate or len(given) != len(per_gate):
        missing = [stacked_key] if not per_gate else [k for k in per_gate if k not in w]
        raise ConfigError(f"weights: missing {', '.join(missing)}")
    return np.concatenate(
        [_shaped(k, _matrix(k, w[k]), shape, f"H x {what}") for k in per_gate], axis=0
    )


def _biases(cell: str, w: dict, H: int) -> tuple[Array, Array, bool]:
    """(b_ih, b_hh, combined?) from any of the accepted bias spellings."""
    gates = GATE_NAMES[cell]
    G = len(gates) * H
    if "b_h" in w:
        if "b_ih" in w or "b_hh" in w:
            raise ConfigError("weights: give either b_h or b_ih and b_hh, not both")
        if cell == "gru":
            raise ConfigError(
                "weights.b_h: a GRU needs b_ih and b_hh (or per-gate biases): "
                "its reset gate multiplies only the hidden-side bias of n"
            )
        return _shaped("b_h", _vector("b_h", w["b_h"]), (G,), "one per gate row"), np.zeros(G), True
    if "b_ih" in w or "b_hh" in w:
        parts = []
        for key in ("b_ih", "b_hh"):
            vec = _vector(key, w[key]) if key in w else np.zeros(G)
            parts.append(_shaped(key, vec, (G,), "one per gate row"))
        return parts[0], parts[1], False
    if cell == "rnn":
        return np.zeros(G), np.zeros(G), True
    b_ih, b_hh, combined = [], [], True
    for g in gates:
        x_key, h_key, one_key = f"b_x{g}", f"b_h{g}", f"b_{g}"
        x_part = w.get(x_key, w.get(one_key))
        combined = combined and h_key not in w
        b_ih.append(
            _shaped(x_key, _vector(x_key, x_part), (H,), "H") if x_part is not None else np.zeros(H)
        )
        b_hh.append(
            _shaped(h_key, _vector(h_key, w[h_key]), (H,), "H") if h_key in w else np.zeros(H)
        )
    return np.concatenate(b_ih), np.concatenate(b_hh), combined


def _hidden_size(cell: str, w: dict) -> int:
    """H from the rows of W_hh (G = gates * H rows) or of the first per-gate block."""
    key = "W_hh" if "W_hh" in w or cell == "rnn" else f"W_h{GATE_NAMES[cell][0]}"
    if key not in w:
        raise ConfigError(f"weights: missing {key} (the hidden-to-hidden weights)")
    rows = _matrix(key, w[key]).shape[0]
    gates = len(GATE_NAMES[cell]) if key == "W_hh" else 1
    if rows % gates:
        raise ShapeError(
            f"weights.{key}: expected {gates}H rows (gates stacked in order "
            f"{' '.join(GATE_NAMES[cell])}), received {rows}"
        )
    return rows // gates


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
    w = spec.weights
    unknown = sorted(set(w) - _allowed_keys(spec.cell))
    if unknown:
        allowed = ", ".join(sorted(_allowed_keys(spec.cell)))
        raise ConfigError(f"weights: unknown names {unknown} for a {spec.cell}; allowed: {allowed}")
    D = len(spec.inputs[0])
    for t, row in enumerate(spec.inputs, start=1):
        if len(row) != D:
            raise ShapeError(f"inputs: row {t} has {len(row)} numbers, row 1 has {D}")
    if spec.input_labels is not None and len(spec.input_labels) != len(spec.inputs):
        raise ShapeError(
            f"input_labels: expected {len(spec.inputs)} names (one per input row), "
            f"received {len(spec.input_labels)}"
        )
    H = _hidden_size(spec.cell, w)
    _small_enough(len(spec.inputs), D, H)
    W_xh = _stacked_matrix(spec.cell, w, "x", (H, D), "D")
    W_hh = _stacked_matrix(spec.cell, w, "h", (H, H), "H")
    b_ih, b_hh, combined = _biases(spec.cell, w, H)
    if "W_hy" not in w:
        raise ConfigError("weights: missing W_hy (the readout, O x H)")
    W_hy = _matrix("W_hy", w["W_hy"])
    O = W_hy.shape[0]
    if O > MAX_SIZE:
        raise ShapeError(
            f"weights.W_hy: at most {MAX_SIZE} outputs for the calculator, received {O}"
        )
    _shaped("W_hy", W_hy, (O, H), "O x H")
    b_y = _shaped("b_y", _vector("b_y", w["b_y"]), (O,), "O") if "b_y" in w else np.zeros(O)
    if spec.output_labels is not None and len(spec.output_labels) != O:
        raise ShapeError(
            f"output_labels: expected {O} names (one per output), "
            f"received {len(spec.output_labels)}"
        )
    return NetworkWeights(
        recurrent={
            "weight_ih_l0": W_xh,
            "weight_hh_l0": W_hh,
            "bias_ih_l0": b_ih,
            "bias_hh_l0": b_hh,
        },
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
    if spec.cell != "rnn" and spec.nonlinearity != "tanh":
        raise ConfigError(
            f"nonlinearity: only cell rnn takes one, received "
            f"{spec.nonlinearity!r} for cell {spec.cell}"
        )
    if spec.c0 is not None and spec.cell != "lstm":
        raise ConfigError(f"c0: only an LSTM has a cell state; cell is {spec.cell}")
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
