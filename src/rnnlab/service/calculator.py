"""The calculator's use cases: trace a file or mapping, make a random network."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from rnnlab import trace as calculator
from rnnlab.data.checks import check_output_path
from rnnlab.errors import DataError
from rnnlab.service.arguments import check_seed
from rnnlab.spec import load_mapping
from rnnlab.trace.spec import calculator_cells, parse_trace, refuse_non_finite

TRACE_FORMATS = calculator.FORMATS


def _trace_spec(source: str | Path | Mapping[str, Any]) -> calculator.TraceSpec:
    if isinstance(source, Mapping):  # every shape and target error before any computing
        return parse_trace(dict(source))
    return calculator.read_trace_file(source)


def _computed(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """The trace's numbers, or a DataError naming the first that overflowed."""
    with np.errstate(all="ignore"):  # overflow is reported below, not warned about
        result = calculator.compute_trace(_trace_spec(source))
    source_name = "trace" if isinstance(source, Mapping) else str(source)
    refuse_non_finite(calculator.to_json(result), source_name)
    return result


def trace(source: str | Path | Mapping[str, Any], fmt: str = "text", precision: int = 4) -> str:
    """The worked example of a trace file (or mapping) in text | markdown | latex | json."""
    return calculator.render(_computed(source), fmt, precision)


def trace_result(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """Every number of the trace as a JSON-able dict (the `--format json` content)."""
    return calculator.to_json(_computed(source))


def random_trace(**options: Any) -> dict[str, Any]:
    """A random small network as a trace mapping (see ``trace.random_trace_spec``, where
    the defaults live: an option given as None takes its default there)."""
    given = {name: value for name, value in options.items() if value is not None}
    check_seed(given.get("seed", 0))
    return calculator.random_trace_spec(**given).model_dump(exclude_none=True)


def save_trace_spec(spec: Mapping[str, Any], path: str | Path) -> Path:
    """Write a trace mapping as YAML, to edit and trace again."""
    path = check_output_path(path, "trace file")
    text = yaml.safe_dump(dict(spec), sort_keys=False, default_flow_style=None)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise DataError(f"{path}: cannot write the trace file: {err.strerror or err}") from None
    return path


def trace_cells() -> list[dict[str, Any]]:
    """The cells the calculator traces: name, gates, cell state, nonlinearities and the
    weight names (with their meanings) a trace file may give, for the page's editor."""
    return calculator_cells()


def trace_examples() -> list[dict[str, Any]]:
    """The calculator's bundled examples: ``{"name": file stem, "title", "spec": mapping}``."""
    folder = Path(calculator.__file__).with_name("examples")
    examples = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".yaml", ".yml", ".json"):
            continue
        spec = load_mapping(path)
        examples.append({"name": path.stem, "title": spec.get("title") or path.stem, "spec": spec})
    return examples


def trace_bundle(source: str | Path | Mapping[str, Any], precision: int = 4) -> dict[str, Any]:
    """One trace computed once: ``{"result": the JSON numbers, "markdown", "latex",
    "equations": {"title", "sections"}}``, the last for a page to typeset (its equations
    in plain text and LaTeX math, ``trace.structured``)."""
    computed = _computed(source)
    return {
        "result": calculator.to_json(computed),
        "markdown": calculator.render(computed, "markdown", precision),
        "latex": calculator.render(computed, "latex", precision),
        "equations": calculator.structured(computed, precision),
    }
