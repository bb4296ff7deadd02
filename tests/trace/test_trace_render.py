"""The four formats: each shows the engine's numbers, laid out as promised."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from rnnlab.errors import ConfigError
from rnnlab.trace import FORMATS, compute_trace, read_trace_file, render
from rnnlab.trace.render import _latex_text, latex_symbols, number

EXAMPLES = sorted((Path(__file__).parents[2] / "examples" / "trace").glob("*.*"))
RNN_EXAMPLE = EXAMPLES[0].parent / "rnn_many_to_one.yaml"


@pytest.fixture(scope="module")
def rnn_result() -> dict:
    return compute_trace(read_trace_file(RNN_EXAMPLE))


def test_markdown_fills_the_numbers_into_each_equation(rnn_result):
    md = render(rnn_result, "markdown")
    # by hand: W_xh x_1 + b_h = [0.5, 0.2] + [0, 0.1]; tanh(0.5) = 0.46212, tanh(0.3) = 0.29131
    assert "- `z_1 = (W_xh x_1 + b_h) + W_hh h_0 = [0.5, 0.3] + [0, 0] = [0.5, 0.3]`" in md
    assert "- `h_1 = tanh(z_1) = tanh([0.5, 0.3]) = [0.4621, 0.2913]`" in md
    assert "## Forward, t = 3" in md and "input movie" in md
    loss = number(rnn_result["loss"], 4)
    assert f"- `L = -Σ_k [y_k log ŷ_k + (1 - y_k) log(1 - ŷ_k)] = {loss}`" in md
    assert re.search(r"`δ_3 = ∂L/∂h_3 ⊙ \(1 - h_3²\) = \[.*\] ⊙ \[.*\] = \[.*\]`", md)
    assert "`∂L/∂W_hh = Σ_t δ_t h_{t-1}ᵀ = [[" in md


def test_text_has_a_table_per_time_step_with_values(rnn_result):
    text = render(rnn_result, "text")
    for title in [
        "Forward, t = 1",
        "Forward, t = 3",
        "Backward, t = 3",
        "Backward, t = 1",
        "Gradients (sums over time)",
    ]:
        assert title in text
    assert re.search(r"h_1\s+│ tanh\(z_1\)\s+│ \[0\.4621, 0\.2913\]", text)


def test_latex_is_a_balanced_document_with_column_vectors(rnn_result):
    tex = render(rnn_result, "latex")
    assert tex.startswith("\\documentclass{article}") and tex.rstrip().endswith("\\end{document}")
    assert tex.count("\\begin{align*}") == tex.count("\\end{align*}") > 5
    assert tex.count("{") == tex.count("}")
    assert tex.count("\\left(") == tex.count("\\right)")
    assert "h_{1} &= \\tanh (z_{1})" in tex
    assert "\\begin{bmatrix}0.4621 \\\\ 0.2913\\end{bmatrix}" in tex
    assert "Σ" not in tex and "⊙" not in tex and "ŷ" not in tex  # pdflatex-safe


def test_latex_symbols_translate_the_notation():
    assert latex_symbols("∂L/∂W_hh") == "\\partial L/\\partial W_{hh}"
    assert latex_symbols("δ^i_3 ⊙ ŷ") == "\\delta ^{i}_{3}  \\odot  \\hat{y}"
    assert latex_symbols("Σ_t δʰ_t h_{t-1}ᵀ") == "\\sum_{t}  \\delta^{h}_{t} h_{t-1}^{\\top}"


def test_json_is_every_number_with_vectors_as_lists(rnn_result):
    data = json.loads(render(rnn_result, "json"))
    assert data["output"]["o"] == [pytest.approx(rnn_result["output"]["o"][0])]
    assert isinstance(data["output"]["y"], list) and len(data["output"]["y"]) == 1
    assert data["forward"][0]["t"] == 1 and isinstance(data["forward"][0]["h"], list)
    assert data["backward"]["steps"][0]["t"] == 3
    assert set(data["backward"]["grads"]) == {"W_xh", "W_hh", "b_ih", "b_hh", "b_h", "W_hy", "b_y"}
    np.testing.assert_allclose(
        data["backward"]["grads"]["W_hh"], rnn_result["backward"]["grads"]["W_hh"], rtol=0, atol=0
    )


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_example_renders_in_every_format(path, fmt):
    result = compute_trace(read_trace_file(path))
    out = render(result, fmt)
    if fmt == "json":  # full precision
        data = json.loads(out)
        assert data["forward"][-1]["h"] == result["forward"][-1]["h"].tolist()
        assert data["loss"] == result["loss"]
        return
    assert number(result["forward"][-1]["h"][0], 4) in out  # the last state is shown
    assert number(result["loss"], 4) in out


def test_lstm_and_gru_show_their_gates():
    lstm = render(
        compute_trace(read_trace_file(EXAMPLES[0].parent / "lstm_sequence.yaml")), "markdown"
    )
    for line in [
        "`i_1 = σ(z^i_1) = σ([0.5, 0.1]) = [0.6225, 0.525]`",
        "`c_1 = f_1 ⊙ c_0 + i_1 ⊙ g_1 = ",
        "`δ^f_1 = ∂L/∂c_1 ⊙ c_0 ⊙ f_1",
    ]:
        assert line in lstm
    gru = json.loads(
        render(compute_trace(read_trace_file(EXAMPLES[0].parent / "gru_classifier.yaml")), "json")
    )
    assert {"r", "z", "n", "pre", "h"} <= set(gru["forward"][0])
    assert "b_h" not in gru["backward"]["grads"]  # a GRU keeps two biases


def test_precision_and_unknown_format(rnn_result):
    assert "[0.46212, 0.29131]" in render(rnn_result, "markdown", precision=5)
    with pytest.raises(ConfigError, match=re.escape("format: expected one of text | markdown")):
        render(rnn_result, "pdf")


def test_numbers_print_without_trailing_zeros_or_negative_zero():
    assert [number(v, 4) for v in (0.5, -0.00001, 1.0, 0.46211, -0.25)] == [
        "0.5",
        "0",
        "1",
        "0.4621",
        "-0.25",
    ]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_latex_of_every_example_is_plain_ascii_for_pdflatex(path):
    tex = render(compute_trace(read_trace_file(path)), "latex")
    assert tex.isascii(), sorted({c for c in tex if not c.isascii()})


def test_latex_prose_sets_the_notations_symbols_as_math():
    prose = "g(a) = a + ½ for a ≥ 0, σ(a) for a < 0; 50% of `z_t`"
    assert _latex_text(prose) == (
        "g(a) = a + $\\tfrac{1}{2}$ for a $\\geq $ 0, $\\sigma$(a) for a $<$ 0; 50\\% of $z_{t}$"
    )


def test_each_step_shows_its_input_and_the_gradients_reach_the_inputs(rnn_result):
    md = render(rnn_result, "markdown")
    forward_1 = md.split("## Forward, t = 1")[1].split("##")[0]
    assert forward_1.strip().splitlines()[2] == "- `x_1 = [1, 0]`"  # after the note: the input
    gradients = md.split("## Gradients (sums over time)")[1]
    for t, dx in enumerate(rnn_result["backward"]["dx"], start=1):
        assert f"- `∂L/∂x_{t} = [{number(dx[0], 4)}, {number(dx[1], 4)}]`" in gradients
