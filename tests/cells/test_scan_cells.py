"""What minGRU and minLSTM share, checked on each: the NumPy reference (explicit BPTT)
against torch autograd on the scan and against finite differences, and the calculator's
example file (equal to its autograd twin, rendered, W_hh refused with the reason)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnnlab.errors import ConfigError
from rnnlab.trace import FORMATS, compute_trace, render
from rnnlab.trace.spec import parse_trace, read_trace_file
from tests.cells.scan_parity import (
    assert_calculator_equals_twin,
    autograd,
    case,
    finite_difference,
    lengths_mask,
    reference,
)

EXAMPLES = Path(__file__).parents[2] / "src/rnnlab/trace/examples"
KEYS = ("hs", "h_T", "x", "h0", "weight_ih", "bias_ih")
SEEDS = {"mingru": 0, "minlstm": 1}  # the random case each cell is compared on


@pytest.mark.parametrize("cell", list(SEEDS))
@pytest.mark.parametrize("lengths", [None, [6, 3, 1]])
def test_reference_equals_autograd_in_float64(cell: str, lengths: list[int] | None) -> None:
    c = case(cell, seed=SEEDS[cell])
    mask = None if lengths is None else lengths_mask(lengths, 6)
    args = (c["p"], c["x"], mask, c["h0"], c["dy"], c["dh_n"])
    ours, theirs = reference(cell, *args), autograd(cell, *args)
    for key in KEYS:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-8, atol=1e-10, err_msg=key)


@pytest.mark.parametrize("cell", list(SEEDS))
def test_reference_gradients_equal_finite_differences(cell: str) -> None:
    c = case(cell, T=3, B=2, D=2, H=2, seed=3)
    mask = lengths_mask([3, 2], 3)
    zero = np.zeros_like(c["h0"])
    ours = reference(cell, c["p"], c["x"], mask, c["h0"], c["dy"], zero)
    numeric = finite_difference(cell, c["p"], c["x"], mask, c["h0"], c["dy"], 1e-6)
    for stem in ("weight_ih", "bias_ih"):
        np.testing.assert_allclose(ours[stem], numeric[stem], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("cell", list(SEEDS))
def test_calculator_example_equals_the_paper_unrolled_by_autograd(cell: str) -> None:
    assert_calculator_equals_twin(read_trace_file(EXAMPLES / f"{cell}.yaml"))


@pytest.mark.parametrize(
    ("cell", "equation", "order"),
    [("mingru", "z_1 = σ(zx^z_1)", "z n"), ("minlstm", "f'_1 = f_1 / (f_1 + i_1)", "i f n")],
)
def test_calculator_example_renders_in_every_format(cell: str, equation: str, order: str) -> None:
    result = compute_trace(read_trace_file(EXAMPLES / f"{cell}.yaml"))
    outputs = {fmt: render(result, fmt) for fmt in FORMATS}
    assert equation in outputs["markdown"]
    assert "g(a) = a + ½ for a ≥ 0" in outputs["markdown"]
    assert f"gate order {order}" in outputs["text"]


@pytest.mark.parametrize(("cell", "name"), [("mingru", "minGRU"), ("minlstm", "minLSTM")])
def test_calculator_refuses_hidden_to_hidden_weights_with_the_reason(cell: str, name: str) -> None:
    data = read_trace_file(EXAMPLES / f"{cell}.yaml").model_dump(exclude_none=True)
    data["weights"]["W_hh"] = [[0.0, 0.0], [0.0, 0.0]]
    with pytest.raises(ConfigError, match=rf"weights\.W_hh: a {name} has no hidden-to-hidden"):
        parse_trace(data)
