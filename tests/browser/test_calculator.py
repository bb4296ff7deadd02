"""The step-by-step calculator in a real browser: the server's equations typeset by the
vendored KaTeX, hand-computed numbers on the page, nothing fetched from elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Console, needs_chromium, shot

pytestmark = needs_chromium


def fmt(x: float) -> str:
    """A number as the page (and the Markdown export) writes it: at most 4 decimals."""
    text = f"{round(x, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def vec(values: list[float]) -> str:
    return "[" + ", ".join(fmt(v) for v in values) + "]"


def ends_with(values: list[float]) -> re.Pattern[str]:
    """An equation's plain text whose result is `values` (as the page writes them)."""
    return re.compile(f" = {re.escape(vec(values))}$")


@pytest.fixture
def requests(page: Page, base_url: str) -> Iterator[list[str]]:
    """Every URL the page asked for (to check that nothing leaves the test server)."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    yield seen


def equation(page: Page, lhs: str) -> Locator:
    """The typeset equation whose left-hand side (plain notation) is `lhs`."""
    return page.locator(f'[data-testid="equation"][data-lhs="{lhs}"]')


def step_to(page: Page, where: str, button: str = "next", limit: int = 20) -> None:
    """Press Next (or Previous) one step at a time until the step heading reads `where`."""
    heading = page.get_by_test_id("step-where")
    for _ in range(limit):
        if heading.inner_text() == where:
            return
        page.get_by_test_id(button).click()
    raise AssertionError(f"never reached {where!r}; last {heading.inner_text()!r}")


def assert_typeset(page: Page) -> None:
    """Every equation of the frame shown is KaTeX's (no error box, no plain fallback)."""
    items = page.get_by_test_id("equation")
    expect(items.first).to_be_visible()
    count = items.count()
    assert count > 0
    expect(page.locator('[data-testid="equation"] .katex-display')).to_have_count(count)
    expect(page.locator(".katex-error")).to_have_count(0)


def test_calculator_typesets_rnn_many_to_one(
    page: Page, console: Console, requests: list[str], base_url: str
) -> None:
    page.goto("/calculator")
    page.select_option("#calc-example", "rnn_many_to_one")
    page.get_by_test_id("load-example").click()
    expect(page.get_by_test_id("grid-W_xh")).to_be_visible()
    expect(page.get_by_test_id("grid-inputs").locator("tbody tr")).to_have_count(3)
    page.get_by_test_id("compute").click()
    where = page.get_by_test_id("step-where")
    expect(where).to_contain_text("Weights and initial state")
    assert_typeset(page)
    expect(page.get_by_test_id("step-note").locator(".katex")).to_have_count(1)  # the loss

    # forward, one time step: t = 1 by hand, z_1 = W_xh x_1 + b_h = [0.5, 0.3]
    page.get_by_test_id("next").click()
    expect(where).to_have_text("Forward, t = 1")
    assert_typeset(page)
    expect(equation(page, "z_1")).to_have_attribute(
        "data-plain", "z_1 = (W_xh x_1 + b_h) + W_hh h_0 = [0.5, 0.3] + [0, 0] = [0.5, 0.3]"
    )
    # by hand: h_1 = [tanh(0.5), tanh(0.3)]; KaTeX typeset the server's LaTeX of it
    h1 = equation(page, "h_1")
    expect(h1).to_have_attribute(
        "data-plain", "h_1 = tanh(z_1) = tanh([0.5, 0.3]) = [0.4621, 0.2913]"
    )
    tex = h1.locator('annotation[encoding="application/x-tex"]')
    expect(tex).to_contain_text("h_{1} &= \\tanh (z_{1})")
    expect(tex).to_contain_text("\\begin{bmatrix}0.4621 \\\\ 0.2913\\end{bmatrix}")
    expect(h1.locator(".katex-html")).to_contain_text("0.4621")
    shot(page, "c1-calculator-forward")

    # the page's deltas are the server's numbers
    spec = next(
        e["spec"]
        for e in page.request.get("/api/trace/examples").json()
        if e["name"] == "rnn_many_to_one"
    )
    result = page.request.post("/api/trace", data={"spec": spec}).json()["result"]
    steps = {s["t"]: s for s in result["backward"]["steps"]}
    step_to(page, "Backward, t = 3")
    assert_typeset(page)
    expect(page.get_by_test_id("frame-b3")).to_have_text("∂ t=3")
    expect(equation(page, "δ_3")).to_have_attribute("data-plain", ends_with(steps[3]["delta"]))
    expect(equation(page, "∂L/∂h_3")).to_have_attribute("data-plain", ends_with(steps[3]["dh"]))
    page.get_by_test_id("next").click()
    expect(where).to_have_text("Backward, t = 2")
    expect(equation(page, "δ_2")).to_have_attribute("data-plain", ends_with(steps[2]["delta"]))
    page.get_by_test_id("prev").click()
    expect(where).to_have_text("Backward, t = 3")
    shot(page, "c2-calculator-backward")
    step_to(page, "Gradients (sums over time)")
    assert_typeset(page)
    grad = "[" + ", ".join(vec(row) for row in result["backward"]["grads"]["W_hh"]) + "]"
    expect(equation(page, "∂L/∂W_hh")).to_have_attribute(
        "data-plain", re.compile(f" = {re.escape(grad)}$")
    )
    expect(page.get_by_test_id("next")).to_be_disabled()

    # export: the server's Markdown, downloaded
    with page.expect_download() as download:
        page.get_by_test_id("export-md").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "h_1 = tanh(z_1)" in text
    assert download.value.suggested_filename.endswith(".md")
    assert not console.errors, console.errors
    # KaTeX and its fonts came from the package; nothing from a CDN or elsewhere
    assert any(url.endswith("/static/vendor/katex/katex.min.js") for url in requests)
    assert any("/static/vendor/katex/fonts/KaTeX_Main-Regular.woff2" in url for url in requests)
    outside = [url for url in requests if not url.startswith((base_url, "blob:", "data:"))]
    assert not outside, outside


def test_calculator_edits_weights_and_steps(page: Page, console: Console) -> None:
    page.goto("/calculator?example=rnn_many_to_one")
    expect(page.get_by_test_id("grid-W_xh")).to_be_visible()
    # one more time step: T = 4, computed by the server, stepped through on the page
    page.get_by_test_id("add-step").click()
    expect(page.get_by_test_id("grid-inputs").locator("tbody tr")).to_have_count(4)
    cell = page.get_by_label("W_xh row 1 column 1")
    cell.fill("1")  # z_1 = [1, 0.3] -> h_1 = [tanh 1, tanh 0.3] = [0.7616, 0.2913]
    page.get_by_test_id("compute").click()
    page.get_by_test_id("next").click()
    expect(equation(page, "h_1")).to_have_attribute(
        "data-plain", re.compile(r"= \[0\.7616, 0\.2913\]$")
    )
    step_to(page, "Forward, t = 4")
    assert_typeset(page)
    # a bad number is refused on the page, before any request
    cell.fill("one")
    page.get_by_test_id("compute").click()
    expect(page.get_by_test_id("calc-error")).to_contain_text("not numbers")
    # a shape error comes back with the server's text
    cell.fill("0.5")
    page.fill("#calc-target", "[1, 0]")
    page.get_by_test_id("compute").click()
    expect(page.get_by_test_id("calc-error")).to_contain_text("target")
    assert all("422" in e or "Failed to load resource" in e for e in console.errors), console.errors


def test_calculator_takes_its_cells_from_the_server(page: Page, console: Console) -> None:
    page.goto("/calculator?example=lstm_sequence")
    cells = page.request.get("/api/trace/cells").json()
    options = page.get_by_test_id("rnd-cell").locator("option")
    expect(options).to_have_count(len(cells))
    assert options.all_inner_texts() == [cell["name"] for cell in cells]
    # the LSTM's editor: gate rows, a cell state, no choice of nonlinearity
    expect(page.get_by_test_id("calc-cell")).to_have_text("LSTM (gates i f g o)")
    expect(page.get_by_test_id("grid-c0")).to_be_visible()
    expect(page.get_by_test_id("calc-nonlinearity")).to_be_disabled()
    page.get_by_test_id("compute").click()
    step_to(page, "Forward, t = 1")
    assert_typeset(page)
    expect(equation(page, "i_1")).to_have_attribute(
        "data-plain", "i_1 = σ(z^i_1) = σ([0.5, 0.1]) = [0.6225, 0.525]"
    )
    tex = equation(page, "c_1").locator('annotation[encoding="application/x-tex"]')
    expect(tex).to_contain_text("f_{1}  \\odot  c_{0}")
    # a random GRU: its gates from the server, typeset through the backward pass
    page.select_option("#rnd-cell", "gru")
    page.get_by_test_id("load-random").click()
    expect(page.get_by_test_id("calc-cell")).to_have_text("GRU (gates r z n)")
    expect(page.get_by_test_id("grid-c0")).to_have_count(0)
    page.get_by_test_id("compute").click()
    step_to(page, "Backward, t = 1")
    assert_typeset(page)
    expect(equation(page, "δʰ_1")).to_have_count(1)
    assert not console.errors, console.errors


def test_every_example_typesets_in_every_frame(page: Page, console: Console) -> None:
    """Each bundled example (every cell's), each step: KaTeX rendered it, no error box."""
    page.goto("/calculator")
    expect(page.get_by_test_id("grid-W_hy")).to_be_visible()  # the examples are listed
    names = page.locator("#calc-example option").evaluate_all("els => els.map(e => e.value)")
    assert len(names) >= 5
    for name in names:
        page.select_option("#calc-example", name)
        page.get_by_test_id("load-example").click()
        expect(page.locator("#steps-panel")).to_be_hidden()  # the last example's steps gone
        page.get_by_test_id("compute").click()
        expect(page.locator("#steps-panel")).to_be_visible()
        expect(page.get_by_test_id("step-where")).to_contain_text("Weights and initial state")
        frames = page.locator("#timeline button").evaluate_all(
            """buttons => buttons.map((b) => {
                b.click();
                const items = document.querySelectorAll('[data-testid="equation"]');
                const typeset = document.querySelectorAll('[data-testid="equation"] .katex');
                const errors = document.querySelectorAll(".katex-error");
                return [items.length, typeset.length, errors.length];
            })"""
        )
        assert frames and all(n > 0 and k == n and e == 0 for n, k, e in frames), (name, frames)
    assert not console.errors, console.errors
