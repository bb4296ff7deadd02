"""Probes read the tapes of a pass of the reference engine (no formula is written again).

gradient_flow: after a forward and backward pass on a batch, ``tape.dh`` holds
dL/dh_t in total for every layer, direction and step (the delta recursion of
DESIGN.md); the probe reports, per step t, the mean over sequences of ||dL/dh_t||.
states: after a forward pass on one sequence, the tapes hold h_t, c_t and the
gate activations. Payload shapes are documented in ``rnnlab.probes``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlab import cells
from rnnlab.reference.sequence_model import SequenceModelNP

Array = np.ndarray
BINS = 30


def _time_order(array: Array, reverse: bool) -> Array:
    return array[::-1] if reverse else array


def _directions(model: SequenceModelNP) -> list[tuple[int, str, Any]]:
    rnn = model.rnn
    names = ("forward", "backward")
    return [
        (index // rnn.num_directions, names[index % rnn.num_directions], tape)
        for index, tape in enumerate(rnn.tapes)
    ]


def gradient_flow(
    model: SequenceModelNP,
    x: Array,
    y: Array,
    lengths: Array | None = None,
    carry: Any = None,
    step: int = 0,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(gradient_flow payload, histograms payload) of the training loss on one batch.

    Measured without dropout so that it depends on the weights and the batch only.
    """
    training = model.training
    model.train(False)
    try:
        out, _ = model.forward(x, lengths, carry)
        _, d_out = model.loss(out, y)
        grads = model.backward(d_out)
    finally:
        model.train(training)
    mask = model.rnn._lengths_mask  # (T, B, 1) or None
    series = []
    for layer, direction, tape in _directions(model):
        per_sequence = np.linalg.norm(_time_order(tape.dh, tape.reverse), axis=2)  # (T, B)
        if mask is None:
            norms = per_sequence.mean(axis=1)
        else:
            inside = mask[:, :, 0]  # (T, B)
            counts = inside.sum(axis=1)
            norms = np.where(
                counts > 0, (per_sequence * inside).sum(axis=1) / np.maximum(counts, 1), np.nan
            )
        series.append({"layer": layer, "direction": direction, "norms": [float(v) for v in norms]})
    flow = {
        "step": step,
        "time_steps": int(x.shape[0]),
        "series": series,
        "param_norms": {k: float(np.linalg.norm(g)) for k, g in grads.items()},
    }
    hist = {
        "step": step,
        "params": {k: histogram(v) for k, v in model.params.items()},
        "grads": {k: histogram(g) for k, g in grads.items()},
    }
    return flow, hist


def histogram(values: Array) -> dict[str, list]:
    """BINS counts over the range of the finite values, and the BINS + 1 edges."""
    finite = values[np.isfinite(values)]
    counts, edges = (
        np.histogram(finite, bins=BINS) if finite.size else (np.zeros(BINS), np.zeros(BINS + 1))
    )
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}


def states(model: SequenceModelNP, x: Array, tokens: list[str], cell: str) -> dict[str, Any]:
    """h_t, c_t and gate activations at every step of ONE sequence x (T, 1[, D]).

    The gates are the registered cell's (``rnnlab.cells``), split from the tape's
    (T, B, gates * H) activations in their storage order."""
    training = model.training
    model.train(False)
    try:
        model.forward(x)
    finally:
        model.train(training)
    H = model.rnn.hidden_size
    layers = []
    for layer, direction, tape in _directions(model):
        entry: dict[str, Any] = {
            "layer": layer,
            "direction": direction,
            "h": _rows(_time_order(tape.h[1:, 0], tape.reverse)),
        }
        if tape.c is not None:
            entry["c"] = _rows(_time_order(tape.c[1:, 0], tape.reverse))
        names = cells.get(cell).gate_names
        gates = _time_order(tape.gates[:, 0], tape.reverse) if names else None  # (T, G)
        entry["gates"] = {
            name: _rows(gates[:, k * H : (k + 1) * H]) for k, name in enumerate(names)
        }
        layers.append(entry)
    return {"tokens": list(tokens), "cell": cell, "layers": layers}


def _rows(array: Array) -> list[list[float]]:
    return [[float(v) for v in row] for row in array]
