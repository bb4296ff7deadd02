"""`trace --random --save`: the YAML a student edits has no "-0.0"."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rnnlab import service
from rnnlab.trace.random import random_trace_spec


def _numbers(value: object) -> list[float]:
    if isinstance(value, list | tuple):
        return [x for v in value for x in _numbers(v)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _numbers(v)]
    return [value] if isinstance(value, float) else []


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_saved_random_networks_have_no_negative_zero(cell: str, tmp_path: Path) -> None:
    seen_zero = False
    for seed in range(12):  # uniform(-1, 1) rounded to 0.1: about 1 value in 20 is +-0.0
        out = tmp_path / f"{cell}{seed}.yaml"
        spec = service.random_trace(cell=cell, input_size=3, hidden_size=3, steps=4, seed=seed)
        text = service.save_trace_spec(spec, out).read_text()
        assert "-0.0" not in text, f"seed {seed}"
        seen_zero |= 0.0 in _numbers(yaml.safe_load(text))
    assert seen_zero  # the case was met: zeros are there, unsigned


def test_the_random_spec_itself_holds_no_negative_zero() -> None:
    spec = random_trace_spec("lstm", 4, 4, 6, seed=3).model_dump()
    assert all(str(x) != "-0.0" for x in _numbers(spec))


@pytest.mark.parametrize(
    ("cell", "title"), [("rnn", "Random vanilla RNN"), ("lstm-ln", "Random LN-LSTM")]
)
def test_random_titles_use_the_cells_display_name(cell: str, title: str) -> None:
    spec = random_trace_spec(cell, 2, 2, 2, seed=5)
    assert spec.title == f"{title} (seed 5)"
    untitled = spec.model_dump() | {"title": None}
    text = service.trace(untitled, "text")
    assert text.startswith(title.removeprefix("Random ") + " worked example")
