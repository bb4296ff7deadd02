"""The search space of a sweep: ``--param FIELD=SPEC`` parsed and checked against RunConfig.

SPEC is ``a,b,c`` (categorical: numbers, words, true/false, as --set reads them),
``lo..hi`` (uniform; whole numbers when both bounds are) or ``lo..hi:log`` (log scale).
No optuna here: the sweep turns a ``SweepParam`` into a distribution when it samples.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rnnlab.errors import ConfigError, DataError
from rnnlab.spec.io import parse_text
from rnnlab.spec.run import apply_overrides

Scalar = int | float | str | bool | None
LOG_SUFFIX = ":log"
SWEEP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
NOT_SWEPT = ("task", "name")  # a sweep trains one task; it names its runs itself


@dataclass(frozen=True)
class SweepParam:
    """One swept RunConfig field: its choices, or a range [low, high] (int or float)."""

    field: str  # "model.hidden_size"
    text: str  # the --param as given, for messages
    choices: tuple[Scalar, ...] = ()
    low: float | None = None
    high: float | None = None
    integer: bool = False
    log: bool = False

    @property
    def categorical(self) -> bool:
        return bool(self.choices)

    def extremes(self) -> tuple[Scalar, ...]:
        """The values that bound what the sweep may sample (checked before any trial)."""
        if self.categorical:
            return self.choices
        return (self.low, self.high)

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "choices": list(self.choices) or None,
            "low": self.low,
            "high": self.high,
            "integer": self.integer,
            "log": self.log,
        }


def override(field: str, value: Scalar) -> str:
    """A --set item that reads back as exactly `value` (1e-05 is written 1.0e-05: YAML
    would read the former as a string)."""
    text = yaml.safe_dump(value, default_flow_style=True).strip()
    return f"{field}={text.removesuffix('...').strip()}"


def parse_param(text: str) -> SweepParam:
    """One --param FIELD=SPEC; ConfigError naming it when malformed."""
    field, sep, spec = text.partition("=")
    field, spec = field.strip(), spec.strip()
    if not sep or not field or not spec:
        raise ConfigError(
            f"--param {text!r}: expected FIELD=a,b,c or FIELD=lo..hi or FIELD=lo..hi:log"
        )
    _check_field(field, text)
    if ".." in spec:
        return _parse_range(field, spec, text)
    if spec.endswith(LOG_SUFFIX):
        raise ConfigError(f"--param {text}: {LOG_SUFFIX} needs a range lo..hi, received {spec!r}")
    if any(part.strip() == "" for part in spec.split(",")):
        raise ConfigError(f"--param {text}: an empty value in the list {spec!r}")
    choices = tuple(_scalar(part.strip(), text) for part in spec.split(","))
    if len(set(map(repr, choices))) != len(choices):
        raise ConfigError(f"--param {text}: a value is listed twice in {spec!r}")
    return SweepParam(field, text, choices=choices)


def parse_params(texts: list[str]) -> list[SweepParam]:
    """Every --param, at least one, each field once."""
    if not texts:
        raise ConfigError("--param: expected at least one, e.g. --param model.hidden_size=64,128")
    params = [parse_param(text) for text in texts]
    fields = [p.field for p in params]
    twice = sorted({f for f in fields if fields.count(f) > 1})
    if twice:
        raise ConfigError(f"--param {twice[0]}: given more than once; give each field once")
    return params


def check_against_config(
    params: list[SweepParam], source: str | Path | dict, overrides: list[str]
) -> None:
    """Every value a param may take gives a valid RunConfig (types, bounds, memory)."""
    from rnnlab.service.training import load_config

    load_config(source, overrides)  # the config's own errors name the config, not a param
    for param in params:
        for value in param.extremes():
            try:
                load_config(source, [*overrides, override(param.field, value)])
            except ConfigError as err:
                raise ConfigError(f"--param {param.text}: {value!r} is refused: {err}") from None


def check_sweep_name(name: str) -> str:
    if not isinstance(name, str) or not SWEEP_NAME.fullmatch(name):
        raise ConfigError(
            f"--name: expected 1 to 100 letters, digits, '_', '.' or '-' (starting with a "
            f"letter or digit), received {name!r}"
        )
    return name


def _check_field(field: str, text: str) -> None:
    if field in NOT_SWEPT:
        raise ConfigError(f"--param {text}: {field} cannot be swept")
    try:
        apply_overrides({}, [f"{field}=0"])  # the --set field check: one list of fields
    except ConfigError as err:
        raise ConfigError(str(err).replace(f"--set {field}", f"--param {text}", 1)) from None


def _parse_range(field: str, spec: str, text: str) -> SweepParam:
    log = spec.endswith(LOG_SUFFIX)
    bounds = spec.removesuffix(LOG_SUFFIX) if log else spec
    low_text, _, high_text = bounds.partition("..")
    low, high = _number(low_text.strip(), text), _number(high_text.strip(), text)
    if low >= high:
        raise ConfigError(f"--param {text}: expected lo < hi, received {low!r}..{high!r}")
    if log and low <= 0:
        raise ConfigError(f"--param {text}: a log range needs lo > 0, received {low!r}")
    integer = isinstance(low, int) and isinstance(high, int)
    return SweepParam(field, text, low=low, high=high, integer=integer, log=log)


def _number(text: str, param: str) -> int | float:
    value = _scalar(text, param) if text else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"--param {param}: a range bound must be a number, received {text!r}")
    return value


def _scalar(text: str, param: str) -> Scalar:
    """An int, a finite float (1e-4 included), else the value as --set reads it."""
    for kind in (int, float):
        try:
            value = kind(text)
        except ValueError:
            continue
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"--param {param}: expected a finite number, received {text!r}")
        return value
    try:
        value = parse_text(text, f"--param {param}")
    except DataError as err:  # invalid YAML: a wrong argument, like every other here
        raise ConfigError(str(err)) from None
    if isinstance(value, dict | list):
        raise ConfigError(f"--param {param}: expected a single value, received {text!r}")
    return value  # type: ignore[return-value]
