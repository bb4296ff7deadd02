"""The pages' defaults and choices come from RunConfig's schema (GET /api/config/schema)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, expect

from rnnlab.spec.run import EMBEDDING_INITS, EmbeddingSpec
from tests.browser.conftest import Console, needs_chromium

pytestmark = needs_chromium


def test_build_shows_the_schemas_embedding_default_and_n01_can_be_chosen(
    page: Page, console: Console
) -> None:
    page.goto("/build")
    page.wait_for_selector("body[data-ready='true']")
    select = page.locator("#embedding-init")
    expect(select).to_have_value(EmbeddingSpec().init)  # xavier, as a run uses
    expect(select.locator("option:checked")).to_have_text(re.compile(r"\(default\)$"))
    values = select.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert sorted(values) == sorted(EMBEDDING_INITS)
    page.select_option("#embedding-init", "random")  # N(0, 1): now differs from the default
    expect(page).to_have_url(re.compile(r"embedding\.init=random"))
    assert parse_qs(urlparse(page.url).query)["embedding.init"] == ["random"]
    assert not console.errors, console.errors


def test_train_page_words_an_interrupted_run_for_the_web(page: Page) -> None:
    page.goto("/train")
    page.wait_for_selector("body[data-ready='true']")
    words = page.evaluate(
        "async () => (await import('/static/js/train.js'))"
        ".webWords('stopped at step 12; resume with --resume')"
    )
    assert words == "stopped at step 12: checkpoint saved; press Resume to continue from it"
    assert "--resume" not in words


def test_data_page_builds_embeddings_at_the_runs_dimension(page: Page, console: Console) -> None:
    page.goto("/data")
    page.wait_for_selector("body[data-ready='true']")
    expect(page.locator("#embed-dim")).to_have_value(str(EmbeddingSpec().dim))
    expect(page.locator("#embed-window")).to_have_value(str(EmbeddingSpec().window))
    page.goto("/data?embedding.dim=24")
    page.wait_for_selector("body[data-ready='true']")
    expect(page.locator("#embed-dim")).to_have_value("24")
    assert not console.errors, console.errors
