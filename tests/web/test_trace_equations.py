"""The calculator page's equations come from the server, typeset by a KaTeX shipped inside
the package: the structured equations, the cells' editor data, the vendored files, and
no copy of a formula or a cell's gates in the page's JavaScript."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rnnlab import cells, service
from rnnlab.trace import compute_trace, read_trace_file
from rnnlab.trace.equations import document
from rnnlab.web import pages

from .conftest import TestClient

EXAMPLES = Path(__file__).parents[2] / "examples" / "trace"
STATIC = Path(pages.STATIC_DIR)
KATEX = STATIC / "vendor" / "katex"
PAGE_SCRIPTS = ["calc-steps.js", "calc-grid.js", "calculator.js"]


def test_a_trace_carries_its_equations_in_plain_text_and_latex(client: TestClient) -> None:
    example = next(e for e in service.trace_examples() if e["name"] == "lstm_sequence")
    spec = example["spec"]
    answer = client.post("/api/trace", json={"spec": spec}).json()
    equations = answer["equations"]
    sections = document(compute_trace(read_trace_file(EXAMPLES / "lstm_sequence.yaml")))
    assert equations["title"] == spec["title"]
    assert [s["title"] for s in equations["sections"]] == [s.title for s in sections]
    assert [s["key"] for s in equations["sections"]][:3] == ["start", "f1", "f2"]
    assert equations["sections"][-1]["key"] == "grads"
    forward = next(s for s in equations["sections"] if s["key"] == "f1")
    i_1 = next(eq for eq in forward["equations"] if eq["lhs"] == "i_1")
    # the plain form is the Markdown's line, the LaTeX one the export's align* rows
    plain = f"{i_1['lhs']} = {i_1['rule']} = {i_1['numbers']} = {i_1['result']}"
    assert f"- `{plain}`" in answer["markdown"]
    assert plain == "i_1 = σ(z^i_1) = σ([0.5, 0.1]) = [0.6225, 0.525]"
    assert i_1["tex"]["aligned"] in answer["latex"]
    assert i_1["tex"]["rule"] == "\\sigma(z^{i}_{1})"
    assert i_1["tex"]["result"] == "\\begin{bmatrix}0.6225 \\\\ 0.525\\end{bmatrix}"
    note = equations["sections"][0]["note"]
    assert {"tex": "L = 1/2 \\sum _{k} (\\hat{y}_{k} - y_{k})^{2}"} in note


def test_precision_reaches_the_structured_equations(client: TestClient) -> None:
    spec = next(e for e in service.trace_examples() if e["name"] == "rnn_many_to_one")["spec"]
    answer = client.post("/api/trace", json={"spec": spec, "precision": 6}).json()
    forward = answer["equations"]["sections"][1]
    h_1 = next(eq for eq in forward["equations"] if eq["lhs"] == "h_1")
    assert h_1["result"] == "[0.462117, 0.291313]"


def test_the_calculator_cells_come_from_the_registry(client: TestClient) -> None:
    listed = client.get("/api/trace/cells").json()
    with_equations = [cell.name for cell in cells.all_cells() if cell.equations]
    assert [cell["name"] for cell in listed] == with_equations
    assert {"rnn", "lstm", "gru"} <= set(with_equations)
    lstm = next(cell for cell in listed if cell["name"] == "lstm")
    assert lstm["gates"] == ["i", "f", "g", "o"] and lstm["has_cell_state"] is True
    names = [w["name"] for w in lstm["weights"]]
    assert names[:6] == ["W_xh", "W_xi", "W_xf", "W_xg", "W_xo", "W_hh"]
    assert names.index("b_h") < names.index("b_ih") and names[-2:] == ["W_hy", "b_y"]
    stacked = {w["name"]: w["gate_blocks"] for w in lstm["weights"]}
    assert stacked["W_xh"] and stacked["b_h"] and not stacked["W_xi"] and not stacked["W_hy"]
    gru = next(cell for cell in listed if cell["name"] == "gru")
    assert "b_h" not in [w["name"] for w in gru["weights"]]  # the reset gate: no merged bias
    rnn = next(cell for cell in listed if cell["name"] == "rnn")
    assert rnn["nonlinearities"] == ["tanh", "relu"] and rnn["gates"] == []


def test_katex_is_served_from_the_package_with_its_licence_and_fonts(client: TestClient) -> None:
    script = client.get("/static/vendor/katex/katex.min.js")
    assert script.status_code == 200 and "katex" in script.text[:2000]
    css = client.get("/static/vendor/katex/katex.min.css")
    assert css.status_code == 200
    fonts = sorted(set(re.findall(r"url\((fonts/[^)]+\.woff2)\)", css.text)))
    assert len(fonts) >= 10
    for font in fonts:  # every woff2 font the stylesheet names is shipped
        assert client.get(f"/static/vendor/katex/{font}").status_code == 200, font
    assert "MIT License" in (KATEX / "LICENSE").read_text(encoding="utf-8")


def test_the_calculator_page_loads_katex_from_the_package_only() -> None:
    html = (STATIC / "pages" / "calculator.html").read_text(encoding="utf-8")
    assert 'src="/static/vendor/katex/katex.min.js"' in html
    assert 'href="/static/vendor/katex/katex.min.css"' in html
    scripts = html + "".join((STATIC / "js" / name).read_text() for name in PAGE_SCRIPTS)
    assert not re.search(r"https?://", scripts), "the calculator must not need the network"


@pytest.mark.parametrize("name", PAGE_SCRIPTS)
def test_the_page_scripts_hold_no_copy_of_a_formula_or_a_cell(name: str) -> None:
    """The equations and what a cell is come from the server: none written in the page."""
    code = (STATIC / "js" / name).read_text(encoding="utf-8")
    code = re.sub(r"^\s*(//|/\*\*|\*).*$", "", code, flags=re.MULTILINE)  # comments aside
    for copy in ["W_hh", "W_xh", "b_ih", "tanh(", "σ(", "⊙", "δ", "∂L", "ŷ", "z^"]:
        assert copy not in code, f"{name} writes {copy!r}: equations come from the server"
    for cell in cells.names():
        assert f'"{cell}"' not in code, f"{name} names cell {cell!r}: ask /api/trace/cells"
    assert not re.search(r'"[a-z]", "[a-z]", "[a-z]"', code), f"{name} lists gate names"


def test_a_random_network_takes_the_cells_default_nonlinearity(client: TestClient) -> None:
    rnn = client.post("/api/trace/random", json={"cell": "rnn", "nonlinearity": "relu"}).json()
    assert rnn["nonlinearity"] == "relu"
    lstm = client.post("/api/trace/random", json={"cell": "lstm"}).json()
    assert "nonlinearity" not in lstm  # the cell's own default (its first)
    result = client.post("/api/trace", json={"spec": lstm}).json()["result"]
    assert result["nonlinearity"] == cells.get("lstm").nonlinearities[0]
    bad = client.post("/api/trace/random", json={"cell": "lstm", "nonlinearity": "relu"})
    assert bad.status_code == 422
    assert "nonlinearity: only cell rnn takes one" in bad.json()["detail"]
