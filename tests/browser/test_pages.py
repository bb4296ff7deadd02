"""Every page loads cleanly, and a Build configuration survives as a link."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import UPLOAD_MB, Console, needs_chromium, shot

pytestmark = needs_chromium
PAGES = ["build", "data", "train", "results", "predict", "calculator"]
BUILD_VALUES = {
    "#task": "classify",
    "#model-cell": "gru",
    "#model-num_layers": "2",
    "#model-hidden_size": "48",
    "#model-dropout": "0.3",
    "#embedding-dim": "24",
    "#embedding-init": "orthogonal",
}


def test_build_configuration_reloads_from_its_url(
    page: Page, browser: Browser, base_url: str
) -> None:
    page.goto("/build")
    for selector, value in BUILD_VALUES.items():
        if page.locator(selector).evaluate("e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
            page.locator(selector).dispatch_event("change")
    page.check("#model-bidirectional")
    expect(page).to_have_url(re.compile(r"model\.bidirectional=true"))
    query = parse_qs(urlparse(page.url).query)
    assert query["model.cell"] == ["gru"] and query["model.hidden_size"] == ["48"]
    expect(page.get_by_test_id("next-data")).to_have_attribute(
        "href", re.compile(r"model\.cell=gru")
    )
    # 2 layers x 2 directions of a GRU: W_xh, W_hh, b_ih, b_hh each, plus embedding and head
    expect(page.get_by_test_id("summary-table")).to_have_attribute("data-state", "ready")
    expect(page.locator("#summary-table tbody")).to_contain_text("weight_hh_l1_reverse")
    shared = page.url

    fresh = browser.new_context(base_url=base_url).new_page()
    fresh.goto(shared)
    for selector, value in BUILD_VALUES.items():
        expect(fresh.locator(selector)).to_have_value(value)
    expect(fresh.locator("#model-bidirectional")).to_be_checked()
    expect(fresh.locator("#diagram svg")).to_be_visible()
    # the state travels on: the Data and Train pages read the same link
    fresh.get_by_test_id("next-data").click()
    expect(fresh.get_by_test_id("task-name")).to_have_text("classify")
    assert parse_qs(urlparse(fresh.url).query)["model.hidden_size"] == ["48"]
    fresh.context.close()


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_without_console_errors(page: Page, console: Console, name: str) -> None:
    page.goto(f"/{name}")
    page.wait_for_selector("body[data-ready='true']")
    page.wait_for_timeout(300)  # late errors (a failed request after the first ones) show too
    expect(page.locator("header nav a[aria-current='page']")).to_have_count(1)
    expect(page.locator("h1")).to_be_visible()
    # every control a test or a person uses has a label
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(e => !e.closest('.hidden'))
              .filter(e => !e.labels?.length && !e.getAttribute('aria-label'))
              .map(e => e.id || e.outerHTML.slice(0, 80))"""
    )
    assert not unlabelled, f"controls without a label on /{name}: {unlabelled}"
    shot(page, f"e-{name}")
    assert not console.errors, f"/{name}: {console.errors}"


def test_data_uploads_show_the_servers_errors(page: Page, console: Console) -> None:
    page.goto("/data?task=classify")
    page.wait_for_selector("body[data-ready='true']")
    upload_error = page.get_by_test_id("upload-error")

    big = {"name": "big.txt", "mimeType": "text/plain", "buffer": b"a" * (UPLOAD_MB * 2**20 + 1)}
    page.set_input_files("#upload-file", files=[big])
    page.get_by_test_id("upload-button").click()
    expect(upload_error).to_contain_text("413")

    bad = {"name": "bad.txt", "mimeType": "text/plain", "buffer": b"caf\xe9 \xff\xfe\n"}
    page.set_input_files("#upload-file", files=[bad])
    page.get_by_test_id("upload-button").click()
    expect(upload_error).to_contain_text("422")
    expect(upload_error).to_contain_text("UTF-8")

    rows = "".join(
        f"{'a fine warm film' if k % 2 else 'dull and slow'}\t{k % 2}\n" for k in range(40)
    )
    table = {
        "name": "reviews.tsv",
        "mimeType": "text/tab-separated-values",
        "buffer": f"text\tlabel\n{rows}".encode(),
    }
    page.set_input_files("#upload-file", files=[table])
    page.get_by_test_id("upload-button").click()
    expect(upload_error).to_be_empty()
    checked = page.locator("#dataset-list input:checked")
    expect(checked).to_have_attribute("value", re.compile(r"^upload:"))
    expect(page.get_by_test_id("preview-classes")).to_contain_text("0, 1")
    expect(page.get_by_test_id("task-name")).to_have_text("classify")
    shot(page, "e-data-upload")
    assert all("413" in e or "422" in e for e in console.errors), console.errors
