"""A newcomer's path through the workbench, and the text-generation path, in a real browser."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from tests.browser.conftest import Console, needs_chromium, shot

pytestmark = needs_chromium
FINAL = ("finished", "early-stopped")


def live_samples(page: Page, timeout: float = 120.0) -> list[tuple[str, int]]:
    """(status, plotted train points) every 50 ms until the run leaves `running`."""
    samples: list[tuple[str, int]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, points = page.evaluate(
            "() => [document.querySelector('#run-status').dataset.status || '',"
            " Number(document.querySelector('#live-curve').dataset.points || 0)]"
        )
        samples.append((status, points))
        if status not in ("", "running"):
            return samples
        time.sleep(0.05)
    raise AssertionError(f"the run was still running after {timeout} s: {samples[-3:]}")


def ready(page: Page) -> None:
    """Wait until the page's script has filled the form and attached its handlers
    (state.js markReady): input typed before that is overwritten by the stored state."""
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def test_newcomer_classifies_after_training(page: Page, console: Console) -> None:
    # 1. Build: classify with an LSTM, small
    page.goto("/build")
    ready(page)
    page.select_option("#task", "classify")
    page.select_option("#model-cell", "lstm")
    page.fill("#model-hidden_size", "16")
    page.fill("#embedding-dim", "16")
    page.locator("#model-hidden_size").dispatch_event("change")
    summary = page.get_by_test_id("summary-table")
    expect(summary).to_have_attribute("data-state", "ready")
    # LSTM, H = 16, d = 16: W_xh and W_hh are 4H x 16; two classes read from h_T
    expect(summary.get_by_test_id("param-row").filter(has_text="weight_hh_l0")).to_contain_text(
        "64 × 16"
    )
    expect(summary.get_by_test_id("param-row").filter(has_text="head.weight")).to_contain_text(
        "2 × 16"
    )
    expect(page.locator("#diagram svg")).to_be_visible()
    shot(page, "a1-build")

    # 2. Data: the sentiment sample, previewed
    page.get_by_test_id("next-data").click()
    ready(page)
    expect(page).to_have_url(re.compile(r"/data\?.*task=classify"))
    page.get_by_test_id("dataset-sample:sentiment").check()
    expect(page.get_by_test_id("preview-vocab")).to_have_text(re.compile(r"^\d+$"))
    expect(page.get_by_test_id("preview-classes")).to_contain_text("0, 1")
    expect(page.locator("#preview-lengths .js-plotly-plot")).to_be_visible()
    shot(page, "a2-data")

    # 3. Train: small settings; the loss curve must grow while the run is running
    page.get_by_test_id("next-train").click()
    ready(page)
    expect(page.get_by_test_id("config-line")).to_contain_text("sample:sentiment")
    expect(page.get_by_test_id("config-line")).to_contain_text("LSTM, H = 16")  # display name
    page.fill("#train-epochs", "2")
    page.fill("#train-batch_size", "4")
    page.fill("#train-probe_every", "50")
    page.get_by_test_id("start").click()
    expect(page.get_by_test_id("run-id")).not_to_have_text("—")
    samples = live_samples(page)
    running = [points for status, points in samples if status == "running" and points > 0]
    assert len(set(running)) >= 2 and running[-1] > running[0], (
        f"the plotted loss did not grow while running: {samples[:: max(1, len(samples) // 40)]}"
    )
    status = samples[-1][0]
    assert status in FINAL, page.get_by_test_id("run-message").inner_text()
    final_points = int(page.get_by_test_id("live-curve").get_attribute("data-points") or 0)
    assert final_points >= running[-1]
    shot(page, "a3-train")
    run_id = page.get_by_test_id("run-id").inner_text()

    # 4. Results: the run's gradient-flow figure
    page.get_by_test_id("link-results").click()
    expect(page.get_by_test_id("run-detail")).to_be_visible()
    flow = page.get_by_test_id("fig-gradient-flow")
    expect(flow.locator(".js-plotly-plot")).to_be_visible()
    expect(flow.locator("h3")).to_contain_text("Gradient flow")
    expect(page.get_by_test_id("fig-curves").locator(".js-plotly-plot")).to_be_visible()
    expect(page.get_by_test_id("fig-task").locator(".js-plotly-plot")).to_be_visible()
    shot(page, "a4-results")

    # 5. Predict: classify a sentence and see one probability per class
    page.goto(f"/predict?run={run_id}")
    expect(page.get_by_test_id("predict-run")).to_have_value(run_id)
    page.fill("#classify-text", "a warm and funny film")
    page.get_by_test_id("classify-button").click()
    rows = page.get_by_test_id("prob-row")
    expect(rows).to_have_count(2)
    total = sum(float(rows.nth(k).get_attribute("data-p") or "nan") for k in range(2))
    assert abs(total - 1.0) < 1e-6
    expect(page.get_by_test_id("predicted-label")).to_have_text(re.compile(r"^[01]$"))
    shot(page, "a5-predict")
    assert not console.errors, console.errors


def test_generate_text_with_a_char_model(page: Page, console: Console) -> None:
    page.goto("/build")
    ready(page)
    page.select_option("#task", "language-model")
    page.select_option("#model-cell", "gru")
    page.fill("#model-hidden_size", "32")
    page.locator("#model-hidden_size").dispatch_event("change")
    page.get_by_test_id("next-data").click()
    ready(page)
    page.get_by_test_id("dataset-sample:tiny_stories").check()
    expect(page.get_by_test_id("preview-text")).not_to_be_empty()
    expect(page.locator("#data-tokenizer")).to_have_value("char")
    page.get_by_test_id("next-train").click()
    ready(page)
    page.fill("#train-max_steps", "25")
    page.fill("#train-epochs", "1")
    page.fill("#train-batch_size", "16")
    page.get_by_test_id("start").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-status", re.compile("finished|early-stopped"), timeout=90_000
    )
    page.get_by_test_id("link-predict").click()
    expect(page.locator("#panel-generate")).to_be_visible()
    page.fill("#gen-prompt", "The ")
    page.fill("#gen-length", "60")
    page.fill("#gen-seed", "1")
    page.get_by_test_id("gen-button").click()
    text = page.get_by_test_id("gen-text")
    expect(text).not_to_be_empty()
    expect(page.get_by_test_id("gen-output")).to_contain_text("The ")
    first = text.inner_text()
    page.get_by_test_id("gen-button").click()  # the same seed gives the same text
    expect(page.get_by_test_id("gen-info")).to_contain_text("seed 1")
    expect(text).to_have_text(first)
    shot(page, "b-generate")
    assert not console.errors, console.errors
