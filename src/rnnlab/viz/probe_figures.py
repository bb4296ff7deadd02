"""Figures of the training probes (payload formats: ``rnnlab.probes``).

Gradient flow over time steps (a heatmap over training, and the last probe's lines)
and histograms of parameters or gradients.
"""

from __future__ import annotations

from typing import Any

from rnnlab.errors import ConfigError, DataError
from rnnlab.viz._common import ints, log10s, nums, positives

Figure = dict[str, Any]


def _pairs(probes: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """The (layer, direction) pairs recorded by any probe, sorted."""
    return sorted({(int(s["layer"]), str(s["direction"])) for p in probes for s in p["series"]})


def _no_series(layer: int, direction: str, probes: list[dict[str, Any]]) -> DataError:
    if not probes:
        return DataError("gradient flow: no probes recorded (train.probe_every turns them on)")
    pairs = ", ".join(f"({k}, {d})" for k, d in _pairs(probes)) or "none"
    return DataError(
        f"gradient flow: no series for layer {layer}, direction {direction!r} in "
        f"{len(probes)} probe(s); available (layer, direction): {pairs}"
    )


def _norms(probe: dict[str, Any], layer: int, direction: str) -> list[Any] | None:
    """The norms of one probe for (layer, direction), or None when it has no such series."""
    for series in probe["series"]:
        if int(series["layer"]) == layer and series["direction"] == direction:
            return list(series["norms"])
    return None


def gradient_flow(
    probes: list[dict[str, Any]],
    layer: int = 0,
    direction: str = "forward",
    log10: bool = True,
) -> Figure:
    """Heatmap of ||dL/dh_t|| over time step t (x) and training step (y), one row per probe.

    Rows are in training-step order; probes of different lengths T are padded with None
    to the largest T. With `log10`, values are log10 of the norms, None where a norm is 0.
    """
    found = sorted(
        (int(p["step"]), norms)
        for p in probes
        if (norms := _norms(p, layer, direction)) is not None
    )
    if not found:
        raise _no_series(layer, direction, probes)
    T = max(len(norms) for _, norms in found)
    z = [
        (log10s(norms) if log10 else nums(norms)) + [None] * (T - len(norms)) for _, norms in found
    ]
    label = "||dL/dh_t||"
    return {
        "kind": "heatmap",
        "title": f"Gradient flow: layer {layer}, {direction}",
        "subtitle": "small values at early t: vanishing gradients; growing ones: exploding",
        "xlabel": "time step t",
        "ylabel": "training step",
        "x": list(range(1, T + 1)),
        "y": [step for step, _ in found],
        "z": z,
        "colorbar": f"log10 {label}" if log10 else label,
    }


def gradient_flow_last(probes: list[dict[str, Any]]) -> Figure:
    """||dL/dh_t|| against time step t in the latest probe, one line per (layer, direction).

    The classic vanishing-gradient picture, on a log y axis (zero norms are left out).
    """
    if not probes:
        raise _no_series(0, "forward", probes)
    last = max(probes, key=lambda p: int(p["step"]))
    series = [
        {
            "name": f"layer {s['layer']} {s['direction']}",
            "x": list(range(1, len(s["norms"]) + 1)),
            "y": positives(s["norms"]),
            "style": "solid",
        }
        for s in sorted(last["series"], key=lambda s: (int(s["layer"]), str(s["direction"])))
    ]
    return {
        "kind": "lines",
        "title": f"Gradient norm per time step at training step {int(last['step'])}",
        "xlabel": "time step t",
        "ylabel": "||dL/dh_t||",
        "logy": True,
        "series": series,
    }


def histograms(
    payload: dict[str, Any], which: str = "grads", names: list[str] | None = None
) -> Figure:
    """One small histogram per parameter (values or gradients) of a histograms probe."""
    if which not in ("grads", "params"):
        raise ConfigError(f"which: expected one of grads | params, received {which!r}")
    section = payload.get(which) or {}
    available = list(section)
    if not available:
        raise DataError(f"histograms: the probe at step {payload.get('step')} has no {which}")
    unknown = [name for name in names or [] if name not in section]
    if unknown:
        raise DataError(
            f"histograms: unknown parameter(s) {', '.join(unknown)}; "
            f"available: {', '.join(available)}"
        )
    panels = [
        {
            "title": name,
            "edges": nums(section[name]["edges"]),
            "counts": ints(section[name]["counts"]),
        }
        for name in (names or available)
    ]
    what = "Gradient" if which == "grads" else "Parameter"
    return {
        "kind": "histograms",
        "title": f"{what} histograms at training step {payload.get('step')}",
        "xlabel": "gradient" if which == "grads" else "value",
        "ylabel": "count",
        "panels": panels,
    }
