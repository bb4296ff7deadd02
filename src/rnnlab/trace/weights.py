"""A trace file's numbers, checked: each weight by the names its cell's registry entry gives.

A cell's parameters (``Param``: symbol, rows in H-blocks, columns D or H) may be written
stacked under their symbol or, where the cell's ``Spelling`` (``rnnlab.cells.equation``)
names a pattern, one gate block at a time; a merged bias (``b_h``) stands for the
input-side part with the hidden side zero. Every error names the weight, the shape
expected (in words: ``4H x D``) and the one received.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlab.cells.base import CellType, Param
from rnnlab.cells.equation import Spelling
from rnnlab.errors import ConfigError, ShapeError
from rnnlab.spec.io import short_repr

Array = np.ndarray


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


def matrix(name: str, value: object) -> Array:
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


def vector(name: str, value: object) -> Array:
    if isinstance(value, list) and value and isinstance(value[0], list):
        if any(not isinstance(row, list) or len(row) != 1 for row in value):
            raise ShapeError(f"weights.{name}: expected a vector, received a matrix")
        value = [row[0] for row in value]  # a column given as [[a], [b]]
    return np.atleast_1d(numbers(f"weights.{name}", value))


def shaped(name: str, array: Array, shape: tuple[int, ...], meaning: str) -> Array:
    if array.shape != shape:
        raise ShapeError(
            f"weights.{name}: expected shape {shape} ({meaning}), received {array.shape}"
        )
    return array


def _spelling(cell: CellType) -> Spelling:
    return cell.equations["spelling"]


def _gate_keys(cell: CellType, param: Param, pattern: str) -> list[str]:
    """The per-gate names of `param` under `pattern` (``W_x{g}``), if stacked by gate."""
    if not pattern or len(cell.gates) < 2 or param.rows != len(cell.gates):
        return []
    return [pattern.format(g=g) for g in cell.gate_names]


def _spellings(cell: CellType, param: Param, merged: bool) -> tuple[str, list[str]]:
    """(stacked name, per-gate names) of `param`: its own, or the merged bias's."""
    spelling = _spelling(cell)
    if merged:
        assert spelling.merged is not None
        return spelling.merged.symbol, _gate_keys(cell, param, spelling.merged.per_gate)
    return param.symbol, _gate_keys(cell, param, spelling.per_gate.get(param.symbol, ""))


def weight_names(cell: CellType) -> list[dict[str, Any]]:
    """Every weight name a trace file may give for `cell`, in reading order (each
    parameter stacked, then per gate; a merged bias before its parts; the readout last):
    ``{"name", "meaning", "gate_blocks"}``, gate_blocks: its rows are stacked gate blocks."""
    spelling, names = _spelling(cell), []
    merged = spelling.merged
    for param in cell.params:
        spellings = [_spellings(cell, param, False)]
        if merged is not None and param.symbol == merged.parts[0]:
            spellings.insert(0, _spellings(cell, param, True))
        blocks = len(cell.gates) > 1 and param.rows == len(cell.gates)
        for stacked, per_gate in spellings:
            meaning = spelling.meanings.get(stacked, "")
            names.append({"name": stacked, "meaning": meaning, "gate_blocks": blocks})
            for key, gate in zip(per_gate, cell.gate_names, strict=False):
                gate_meaning = f"{meaning}, gate {gate}" if meaning else f"gate {gate}"
                names.append({"name": key, "meaning": gate_meaning, "gate_blocks": False})
    readout = [("W_hy", "hidden → output (readout)"), ("b_y", "output bias")]
    return names + [{"name": k, "meaning": m, "gate_blocks": False} for k, m in readout]


def check_names(cell: CellType, w: dict[str, Any]) -> None:
    allowed = {entry["name"] for entry in weight_names(cell)} | set(_spelling(cell).refused)
    unknown = sorted(set(w) - allowed)
    if unknown:
        listed = ", ".join(sorted(allowed))
        raise ConfigError(f"weights: unknown names {unknown} for a {cell.name}; allowed: {listed}")


def _rows(param: Param) -> str:
    return "H" if param.rows == 1 else f"{param.rows}H"


def _meaning(param: Param, rows: str) -> str:
    """The shape in words for an error: ``4H x D``, ``H x H``, ``one per gate row``."""
    if param.cols is None:
        return "one per gate row" if param.bias else rows
    return f"{rows} x {'D' if param.cols == 'input' else 'H'}"


def _optional(param: Param) -> bool:
    """Biases default to zero, constant-initialised parameters to their constant."""
    return param.bias or param.init in ("ones", "zeros")


def _default(param: Param, shape: tuple[int, ...]) -> Array:
    return np.ones(shape) if param.init == "ones" else np.zeros(shape)


def _load(key: str, value: object, param: Param, shape: tuple[int, ...], rows: str) -> Array:
    array = vector(key, value) if param.cols is None else matrix(key, value)
    return shaped(key, array, shape, _meaning(param, rows))


def _param(cell: CellType, param: Param, w: dict, sizes: tuple[int, int], merged: bool) -> Array:
    """One parameter, given stacked or block by block per gate (missing blocks of an
    optional parameter take its default)."""
    shape = param.shape(*sizes)
    stacked, per_gate = _spellings(cell, param, merged)
    given = [k for k in per_gate if k in w]
    if stacked in w and given:
        raise ConfigError(f"weights: give either {stacked} or {', '.join(per_gate)}, not both")
    if stacked in w:
        return _load(stacked, w[stacked], param, shape, _rows(param))
    missing = [k for k in per_gate if k not in w] if per_gate else [stacked]
    if missing and not _optional(param):
        raise ConfigError(f"weights: missing {', '.join(missing)}")
    if not per_gate:
        return _default(param, shape)
    block = (sizes[1], *shape[1:])  # (H, ...) of one gate
    return np.concatenate(
        [_load(k, w[k], param, block, "H") if k in w else _default(param, block) for k in per_gate]
    )


def _names(cell: CellType, param: Param, merged: bool = False) -> set[str]:
    stacked, per_gate = _spellings(cell, param, merged)
    return {stacked, *per_gate}


def _merged_bias(cell: CellType, w: dict) -> tuple[str, bool]:
    """(the symbol of the part the file's merged bias stands for, or ""; whether the bias
    shown is the merged one: no hidden-side part and no stacked input-side one given)."""
    merged = _spelling(cell).merged
    if merged is None:
        return "", False
    first, second = (next(p for p in cell.params if p.symbol == s) for s in merged.parts)
    given = _names(cell, first, merged=True) & set(w)
    if given and (_names(cell, first) | _names(cell, second)) & set(w):
        raise ConfigError(
            f"weights: give either {merged.symbol} or {first.symbol} and {second.symbol}, not both"
        )
    shown_merged = not (_names(cell, second) | {first.symbol}) & set(w)
    return (first.symbol if given else ""), shown_merged


def cell_weights(cell: CellType, w: dict, sizes: tuple[int, int]) -> tuple[dict, bool]:
    """The cell's parameters by state_dict name, and whether the bias shown is the merged
    one (given as such, or no hidden-side part given: b_hh = 0)."""
    for key, reason in _spelling(cell).refused.items():
        if key in w:
            raise ConfigError(f"weights.{key}: {reason}")
    alias, combined = _merged_bias(cell, w)
    values = {p.name(0): _param(cell, p, w, sizes, p.symbol == alias) for p in cell.params}
    return values, combined


def hidden_size(cell: CellType, w: dict) -> int:
    """H from the rows of the first recurrent matrix (else the first matrix): G = blocks * H
    rows stacked, or H in its first gate block."""
    matrices = [p for p in cell.params if p.cols is not None]
    param = next((p for p in matrices if p.recurrent), matrices[0])
    per_gate = _spellings(cell, param, False)[1]
    key = param.symbol if param.symbol in w or not per_gate else per_gate[0]
    if key not in w:
        what = "hidden-to-hidden" if param.recurrent else "input"
        raise ConfigError(f"weights: missing {key} (the {what} weights)")
    rows = matrix(key, w[key]).shape[0]
    blocks = param.rows if key == param.symbol else 1
    if rows % blocks:
        raise ShapeError(
            f"weights.{key}: expected {blocks}H rows (gates stacked in order "
            f"{' '.join(cell.gate_names)}), received {rows}"
        )
    return rows // blocks
