"""Figure use cases: a run's figures as data (for the web page) or as PNG files (CLI)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rnnlab import viz
from rnnlab.errors import ConfigError, DataError
from rnnlab.service.figure_names import FIGURES
from rnnlab.service.runs import predictor, run_probes, run_states
from rnnlab.service.translating import attention_figure
from rnnlab.store import RunRecord, Store
from rnnlab.viz.png import check_png_path

TASK_OF_FIGURE = {"confusion": ("classify", "tag"), "forecast": ("forecast",)}  # the tasks


def _curve_input(store: Store, record: RunRecord) -> dict[str, Any]:
    return {"id": record.id, "name": record.name, "metrics": store.metrics(record.id)}


def _last_probe(store: Store, record: RunRecord, kind: str) -> list[dict[str, Any]]:
    probes = store.probes(record.id, kind)
    if probes:
        return probes
    why = {
        "gradient_flow": " (train.probe_every was off, or no step has run)",
        "histograms": " (train.probe_every was off)",
    }.get(kind, "")
    raise DataError(f"run {record.id} recorded no {kind.replace('_', '-')} data{why}")


def _first_direction(probes: list[dict[str, Any]], layer: int) -> str:
    """The direction of the first series recorded at `layer` (forward when there is none:
    the figure then names the series there are)."""
    for probe in probes:
        for series in probe["series"]:
            if int(series["layer"]) == layer:
                return str(series["direction"])
    return "forward"


def run_figure(
    ref: str,
    figure: str,
    text: str | None = None,
    layer: int = 0,
    direction: str | None = None,
    which: str = "grads",
    home: str | Path | None = None,
) -> dict[str, Any]:
    """Figure data of one run: curves | gradient-flow | gradient-flow-last | states | gates |
    confusion | forecast | histograms | attention. `text` chooses the input of states and
    gates, and the source of attention (a seq2seq run's attention map). `direction` None:
    gradient-flow draws the first series the probes recorded at `layer` (forward, or a
    seq2seq run's encoder), states and gates the forward one."""
    if figure not in FIGURES:
        raise ConfigError(f"figure: expected one of {' | '.join(FIGURES)}, received {figure!r}")
    if figure == "attention":
        return attention_figure(ref, text, home=home)
    if figure in ("states", "gates"):
        states = run_states(ref, text, home)
        draw = viz.hidden_states if figure == "states" else viz.gates
        return draw(states, layer, direction or "forward")
    with Store(home) as store:
        record = store.get_run(ref)
        needed = TASK_OF_FIGURE.get(figure)
        if needed is not None and record.task not in needed:
            raise DataError(
                f"figure {figure}: needs a {' run or a '.join(needed)} run; run {record.id} is "
                f"{record.task}"
            )
        if figure == "curves":
            return viz.curves([_curve_input(store, record)])
        if figure == "gradient-flow":
            probes = _last_probe(store, record, "gradient_flow")
            return viz.gradient_flow(probes, layer, direction or _first_direction(probes, layer))
        if figure == "gradient-flow-last":
            return viz.gradient_flow_last(_last_probe(store, record, "gradient_flow"))
        if figure == "histograms":
            return viz.histograms(_last_probe(store, record, "histograms")[-1], which)
        if figure == "confusion":
            last = _last_probe(store, record, "confusion")[-1]
            return viz.confusion(last["counts"], last["classes"])
        last = _last_probe(store, record, "forecast")[-1]
    return _forecast_figure(record, last, home)


def forecast_steps(config: dict[str, Any]) -> int:
    """Values the forecast figure continues the series by: two seasons, or 12."""
    season = config.get("data", {}).get("season")
    return 2 * season if season else 12


def _forecast_figure(
    record: RunRecord, probe: dict[str, Any], home: str | Path | None
) -> dict[str, Any]:
    """The series, the one-step validation predictions of the last evaluation, and the
    multi-step continuation after the series (what ``rnnlab forecast --steps N`` gives)."""
    steps = forecast_steps(record.config)
    future = predictor(record.id, home).forecast(steps)["forecast"]
    figure = viz.forecast(probe["values"], probe["positions"][0], probe["predicted"], future)
    figure["series"][-1]["name"] = f"forecast ({steps} steps after the series)"
    return figure


def plot_run(
    ref: str, figure: str, out: str | Path, home: str | Path | None = None, **options: Any
) -> Path:
    """A run's figure as a PNG file."""
    check_png_path(out)
    return viz.render_png(run_figure(ref, figure, home=home, **options), out)


def compare_runs(
    refs: list[str], metrics: tuple[str, ...] = ("loss", "val_loss"), home: str | Path | None = None
) -> dict[str, Any]:
    """Curves of several runs overlaid, with the table of config fields that differ."""
    if len(refs) < 2:
        raise ConfigError(f"runs: expected at least 2 runs to compare, received {len(refs)}")
    with Store(home) as store:
        records = [store.get_run(ref) for ref in refs]
        runs = [_curve_input(store, record) for record in records]
    configs = [(record.name or record.id, record.config) for record in records]
    return viz.compare(runs, configs, metrics)


def plot_compare(
    refs: list[str],
    out: str | Path,
    metrics: tuple[str, ...] = ("loss", "val_loss"),
    home: str | Path | None = None,
) -> tuple[Path, dict[str, Any]]:
    check_png_path(out)
    figure = compare_runs(refs, metrics, home)
    return viz.render_png(figure, out), figure["table"]


def gradient_flow_series(ref: str, home: str | Path | None = None) -> list[dict[str, Any]]:
    """The (layer, direction) series run `ref`'s gradient-flow probes recorded, in the
    order of its latest probe (e.g. forward then backward; an encoder-decoder's encoder
    then decoder): ``[{"layer", "direction"}]``, [] without probes."""
    probes = run_probes(ref, "gradient_flow", home, last=1)
    pairs = [(int(s["layer"]), str(s["direction"])) for p in probes for s in p["series"]]
    return [{"layer": layer, "direction": direction} for layer, direction in dict.fromkeys(pairs)]
