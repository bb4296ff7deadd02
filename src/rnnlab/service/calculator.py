"""The calculator's use cases: trace a file or mapping, make a random network."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from rnnlab import trace as calculator
from rnnlab.errors import DataError
from rnnlab.spec import load_mapping, validation_message

TRACE_FORMATS = calculator.FORMATS


def _trace_spec(source: str | Path | Mapping[str, Any]) -> calculator.TraceSpec:
    if isinstance(source, Mapping):
        try:
            spec = calculator.TraceSpec.model_validate(dict(source))
        except ValidationError as err:
            raise DataError(validation_message(err)) from None
        calculator.validate(spec)  # every shape and target error before any computing
        return spec
    return calculator.read_trace_file(source)


def trace(source: str | Path | Mapping[str, Any], fmt: str = "text", precision: int = 4) -> str:
    """The worked example of a trace file (or mapping) in text | markdown | latex | json."""
    return calculator.render(calculator.compute_trace(_trace_spec(source)), fmt, precision)


def trace_result(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """Every number of the trace as a JSON-able dict (the `--format json` content)."""
    return calculator.to_json(calculator.compute_trace(_trace_spec(source)))


def random_trace(**options: Any) -> dict[str, Any]:
    """A random small network as a trace mapping (see ``trace.random_trace_spec``)."""
    return calculator.random_trace_spec(**options).model_dump(exclude_none=True)


def save_trace_spec(spec: Mapping[str, Any], path: str | Path) -> Path:
    """Write a trace mapping as YAML, to edit and trace again."""
    path = Path(path)
    path.write_text(yaml.safe_dump(dict(spec), sort_keys=False, default_flow_style=None))
    return path


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
    """One trace computed once: ``{"result": the JSON numbers, "markdown", "latex"}``."""
    computed = calculator.compute_trace(_trace_spec(source))
    return {
        "result": calculator.to_json(computed),
        "markdown": calculator.render(computed, "markdown", precision),
        "latex": calculator.render(computed, "latex", precision),
    }
