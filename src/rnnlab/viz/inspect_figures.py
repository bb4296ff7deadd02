"""Figures of what a network computes on one sequence (a ``states`` payload of
``rnnlab.probes``): hidden states and gate activations as unit x token heatmaps.

Tokens are placed at positions 0..T-1 (so repeated tokens stay distinct) and named by
``xticklabels``; rows are hidden units 0..H-1.

What a cell has (its gates in storage order, their titles and ranges, whether it carries
a cell state c_t) is read from the cell registry (``rnnlab.cells``), so a figure draws
any registered cell, including ones added after this module was written.
"""

from __future__ import annotations

from typing import Any

from rnnlab import cells
from rnnlab.cells import CellType
from rnnlab.errors import ConfigError, DataError
from rnnlab.viz._common import peak, transpose

Figure = dict[str, Any]


def _cell_of(states: dict[str, Any]) -> CellType:
    """The registered cell a states payload was recorded from; DataError naming it if none."""
    try:
        return cells.get(str(states["cell"]))
    except ConfigError as err:
        raise DataError(f"states: {err}") from None


def _layer(states: dict[str, Any], layer: int, direction: str) -> dict[str, Any]:
    """The entry of `states` for (layer, direction); DataError listing the pairs there are."""
    for entry in states["layers"]:
        if int(entry["layer"]) == layer and entry["direction"] == direction:
            return entry
    pairs = ", ".join(f"({e['layer']}, {e['direction']})" for e in states["layers"]) or "none"
    raise DataError(
        f"states: no layer {layer}, direction {direction!r}; available (layer, direction): {pairs}"
    )


def _units_by_tokens(states: dict[str, Any], rows: list[list[Any]], what: str) -> list[list[Any]]:
    """Rows per token (T x H) as a units x tokens matrix, after checking T."""
    tokens = states["tokens"]
    if len(rows) != len(tokens):
        raise DataError(
            f"states {what}: expected {len(tokens)} rows (one per token), received {len(rows)}"
        )
    return transpose(rows)


def _panel(
    states: dict[str, Any], title: str, z: list[list[Any]], bound: tuple[float, float]
) -> dict[str, Any]:
    return {
        "title": title,
        "z": z,
        "x": list(range(len(states["tokens"]))),
        "xticklabels": [str(t) for t in states["tokens"]],
        "y": list(range(len(z))),
        "zmin": bound[0],
        "zmax": bound[1],
    }


def _symmetric(z: list[list[Any]]) -> tuple[float, float]:
    """(-m, m) for the largest |value| m of `z` (1 when `z` is all zeros)."""
    m = peak(z) or 1.0
    return (-m, m)


def hidden_states(states: dict[str, Any], layer: int = 0, direction: str = "forward") -> Figure:
    """Heatmap of the hidden state h (units x tokens) of one layer and direction.

    tanh-bounded states (LSTM, GRU, tanh RNN) use the colour range -1..1; a ReLU RNN
    (``states["nonlinearity"] == "relu"``, or any |h| > 1) a symmetric range from the data.
    """
    z = _units_by_tokens(states, _layer(states, layer, direction)["h"], "h")
    relu = states.get("nonlinearity") == "relu" or peak(z) > 1.0
    zmin, zmax = _symmetric(z) if relu else (-1.0, 1.0)
    panel = _panel(states, "", z, (zmin, zmax))
    return {
        "kind": "heatmap",
        "title": f"Hidden states: layer {layer}, {direction}",
        "subtitle": f"{_cell_of(states).display_name}, {len(states['tokens'])} tokens",
        "xlabel": "token",
        "ylabel": "hidden unit",
        "colorbar": "h",
        **{k: v for k, v in panel.items() if k != "title"},
    }


def gates(states: dict[str, Any], layer: int = 0, direction: str = "forward") -> Figure:
    """Heatmaps (units x tokens) of every gate of one layer and direction, one panel each.

    The panels follow the cell's gates in storage order (LSTM i, f, g, o; GRU r, z, n),
    each titled and coloured by its record: sigmoid gates 0..1, tanh candidates -1..1; a
    cell with a cell state adds c on a symmetric range from the data.
    """
    cell = _cell_of(states)
    if not cell.gates:
        raise DataError(
            f"gates: cell {cell.name} ({cell.display_name}) has no gates; draw its hidden "
            "states instead (figure states)"
        )
    entry = _layer(states, layer, direction)
    missing = [g for g in cell.gate_names if g not in entry.get("gates", {})]
    if missing:
        raise DataError(
            f"gates: the {cell.display_name} states lack gate(s) {', '.join(missing)}: they "
            "were recorded without gate values (a seq2seq run's encoder runs torch.nn's fused "
            "layers, which do not expose them); draw its hidden states instead (figure states)"
        )
    panels = []
    for gate in cell.gates:
        z = _units_by_tokens(states, entry["gates"][gate.name], f"gate {gate.name}")
        panels.append(_panel(states, gate.title, z, gate.value_range))
    if cell.has_cell_state and "c" in entry:
        z = _units_by_tokens(states, entry["c"], "c")
        panels.append(_panel(states, "cell state c", z, _symmetric(z)))
    return {
        "kind": "heatmaps",
        "title": f"{cell.display_name} gates: layer {layer}, {direction}",
        "xlabel": "token",
        "ylabel": "hidden unit",
        "panels": panels,
    }
