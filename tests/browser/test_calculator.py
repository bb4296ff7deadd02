"""The step-by-step calculator in a real browser: hand-computed numbers on the page."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import Console, needs_chromium, shot

pytestmark = needs_chromium


def fmt(x: float) -> str:
    """A number as the page (and the Markdown export) writes it: at most 4 decimals."""
    text = f"{round(x, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def vec(values: list[float]) -> str:
    return "[" + ", ".join(fmt(v) for v in values) + "]"


def step_to(page: Page, where: str, button: str = "next", limit: int = 20) -> None:
    """Press Next (or Previous) one step at a time until the step heading reads `where`."""
    heading = page.get_by_test_id("step-where")
    for _ in range(limit):
        if heading.inner_text() == where:
            return
        page.get_by_test_id(button).click()
    raise AssertionError(f"never reached {where!r}; last {heading.inner_text()!r}")


def test_calculator_steps_through_rnn_many_to_one(page: Page, console: Console) -> None:
    page.goto("/calculator")
    page.select_option("#calc-example", "rnn_many_to_one")
    page.get_by_test_id("load-example").click()
    expect(page.get_by_test_id("grid-W_xh")).to_be_visible()
    expect(page.get_by_test_id("grid-inputs").locator("tbody tr")).to_have_count(3)
    page.get_by_test_id("compute").click()
    where = page.get_by_test_id("step-where")
    expect(where).to_contain_text("Weights and initial state")

    # forward, one time step: t = 1 by hand, z_1 = W_xh x_1 + b_h = [0.5, 0.3]
    page.get_by_test_id("next").click()
    expect(where).to_have_text("Forward, t = 1")
    expect(page.get_by_test_id("eq-z")).to_contain_text("= [0.5, 0.3]")
    expect(page.get_by_test_id("eq-h")).to_contain_text("h_1 = tanh(z_1)")
    # by hand: h_1 = [tanh(0.5), tanh(0.3)]
    expect(page.get_by_test_id("eq-h")).to_contain_text("= [0.4621, 0.2913]")
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
    expect(page.get_by_test_id("eq-delta")).to_contain_text(vec(steps[3]["delta"]))
    expect(page.get_by_test_id("eq-dh")).to_contain_text(vec(steps[3]["dh"]))
    page.get_by_test_id("next").click()
    expect(where).to_have_text("Backward, t = 2")
    expect(page.get_by_test_id("eq-delta")).to_contain_text(vec(steps[2]["delta"]))
    page.get_by_test_id("prev").click()
    expect(where).to_have_text("Backward, t = 3")
    shot(page, "c2-calculator-backward")
    step_to(page, "Gradients (sums over time)")
    expect(page.get_by_test_id("eq-grad-W_hh")).to_contain_text(
        "[" + ", ".join(vec(row) for row in result["backward"]["grads"]["W_hh"]) + "]"
    )
    expect(page.get_by_test_id("next")).to_be_disabled()

    # export: the server's Markdown, downloaded
    with page.expect_download() as download:
        page.get_by_test_id("export-md").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "h_1 = tanh(z_1)" in text
    assert download.value.suggested_filename.endswith(".md")
    assert not console.errors, console.errors


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
    expect(page.get_by_test_id("eq-h")).to_contain_text("= [0.7616, 0.2913]")
    step_to(page, "Forward, t = 4")
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
