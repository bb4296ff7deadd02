"""A newcomer trains the tasks of issue #15 from the web, in a real browser: a tagger on a
bundled sample (Build, Data, Train, then Predict tags a sentence) and an encoder-decoder
on a small generated reverse task (then Predict translates and draws the attention map).
The Data page shows the rows, formats and defaults GET /api/tasks gives for the task."""

from __future__ import annotations

import re
import time
from urllib.parse import urlencode

from playwright.sync_api import Page, expect

from tests.browser.conftest import Console, needs_chromium, shot

pytestmark = needs_chromium
FINAL = ("finished", "early-stopped")
REVERSE = "seq2seq:reverse?size=3&n=160&val=16"


def ready(page: Page) -> None:
    """Wait until the page's script has filled the form (state.js markReady)."""
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def failed_requests(page: Page) -> list[str]:
    """Every request of `page` answered 4xx or 5xx, filled as they come."""
    failed: list[str] = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    return failed


def row_of(page: Page, testid: str):  # the .field row around a control
    return page.get_by_test_id(testid).locator("xpath=ancestor::div[contains(@class,'field')][1]")


def format_choices(page: Page) -> list[str]:
    return page.locator("#data-format option").evaluate_all("os => os.map(o => o.value)")


def train_until_done(page: Page, epochs: str, batch_size: str, timeout: float = 60.0) -> str:
    """Start the run on the Train page and wait for its end; returns its id."""
    page.fill("#train-epochs", epochs)
    page.fill("#train-batch_size", batch_size)
    page.get_by_test_id("start").click()
    expect(page.get_by_test_id("run-id")).not_to_have_text("—")
    status = page.get_by_test_id("run-status")
    deadline = time.monotonic() + timeout
    while (status.get_attribute("data-status") or "running") in ("", "running"):
        assert time.monotonic() < deadline, "the run did not finish in time"
        time.sleep(0.1)
    assert status.get_attribute("data-status") in FINAL, page.get_by_test_id("run-message")
    return page.get_by_test_id("run-id").inner_text()


def test_picking_a_tag_sample_adopts_the_task_and_its_defaults(
    page: Page, console: Console
) -> None:
    failed = failed_requests(page)
    page.goto("/data")  # the default task, a language model, reads one way
    ready(page)
    expect(row_of(page, "data-seq_len")).to_be_visible()
    page.get_by_test_id("dataset-sample:toy_ner").check()
    expect(page.get_by_test_id("task-name")).to_have_text("sequence labelling")
    expect(page).to_have_url(re.compile(r"task=tag.*model\.bidirectional=true"))
    assert format_choices(page) == ["", "tsv", "conll", "punctuated"]
    for shown in ("data-tokens_column", "data-tags_column", "data-max_length", "data-lowercase"):
        expect(row_of(page, shown)).to_be_visible()
    for hidden in ("data-text_column", "data-tokenizer", "data-seq_len", "data-source_column"):
        expect(row_of(page, hidden)).to_be_hidden()
    expect(page.locator("#embedding-panel")).to_be_visible()
    page.get_by_test_id("dataset-sample:monthly_series").check()  # a forecaster: no tokens
    expect(page.locator("#embedding-panel")).to_be_hidden()
    expect(page).not_to_have_url(re.compile(r"model\.bidirectional=true"))  # tag's default gone
    expect(row_of(page, "data-horizon")).to_be_visible()
    expect(row_of(page, "data-tags_column")).to_be_hidden()
    page.goto("/data?task=classify")  # a task field without a row of its own gets one
    ready(page)
    expect(page.get_by_test_id("data-label_names")).to_be_visible()
    page.fill("#data-label_names", "negative, positive")
    page.locator("#data-label_names").dispatch_event("change")
    expect(page).to_have_url(re.compile(r"data\.label_names=negative%2Cpositive"))
    assert not failed, failed
    assert not console.errors, console.errors


def test_newcomer_trains_a_tagger_and_tags_a_sentence(page: Page, console: Console) -> None:
    failed = failed_requests(page)
    # 1. Build: a tagger, small; it reads both ways by default and scores K tags at each step
    page.goto("/build")
    ready(page)
    page.select_option("#task", "tag")
    page.fill("#model-hidden_size", "8")
    page.fill("#embedding-dim", "8")
    page.locator("#model-hidden_size").dispatch_event("change")
    expect(page.locator("#model-bidirectional")).to_be_checked()
    summary = page.get_by_test_id("summary-table")
    expect(summary).to_have_attribute("data-state", "ready")
    expect(summary.get_by_test_id("param-row").filter(has_text="head.weight")).to_contain_text(
        "× 16"  # K x 2H: both directions' states
    )

    # 2. Data: the bundled NER sample, previewed
    page.get_by_test_id("next-data").click()
    ready(page)
    page.get_by_test_id("dataset-sample:toy_ner").check()
    expect(page.get_by_test_id("preview-vocab")).to_have_text(re.compile(r"^\d+$"))
    shot(page, "tasks-train-tag-data")

    # 2. Train one short epoch: the config line says bidirectional and the embedding
    page.get_by_test_id("next-train").click()
    ready(page)
    line = page.get_by_test_id("config-line")
    expect(line).to_contain_text("sample:toy_ner")
    expect(line).to_contain_text("bidirectional")
    expect(line).to_contain_text("embedding")
    run_id = train_until_done(page, epochs="1", batch_size="2")

    # 3. Predict: tag a sentence, a tag per token
    page.goto(f"/predict?run={run_id}")
    ready(page)
    page.fill("#tag-text", "Anna flew to Paris")
    page.get_by_test_id("tag-button").click()
    tokens = page.get_by_test_id("tagged-token")
    expect(tokens).to_have_count(4)
    assert tokens.locator(".word").all_text_contents() == ["Anna", "flew", "to", "Paris"]
    shot(page, "tasks-train-tag-predict", full_page=False)
    assert not failed, failed
    assert not console.errors, console.errors


def test_newcomer_trains_an_encoder_decoder_and_translates(page: Page, console: Console) -> None:
    failed = failed_requests(page)
    # 1. Build: the encoder-decoder's weights table lists the encoder, attention and decoder
    query = {
        "task": "seq2seq",
        "data.path": REVERSE,
        "model.hidden_size": 16,
        "embedding.dim": 8,
        "train.lr": 0.03,
    }
    page.goto(f"/build?{urlencode(query)}")
    ready(page)
    summary = page.get_by_test_id("summary-table")
    expect(summary).to_have_attribute("data-state", "ready")
    params = summary.get_by_test_id("param-row")
    expect(params.filter(has_text="decoder.attention.v.weight")).to_contain_text("1 × 16")
    expect(params.filter(has_text="encoder.rnn.weight_hh_l0")).to_contain_text("W_hh (encoder")

    # 2. Data: the seq2seq rows and its one format; the generated pairs previewed
    page.get_by_test_id("next-data").click()
    ready(page)
    assert format_choices(page) == ["", "tsv"]
    for shown in ("data-source_column", "data-target_column", "data-max_target_len"):
        expect(row_of(page, shown)).to_be_visible()
    for hidden in ("data-tokens_column", "data-seq_len", "data-label_column"):
        expect(row_of(page, hidden)).to_be_hidden()
    expect(page.get_by_test_id("preview-rows-table")).to_be_visible()
    shot(page, "tasks-train-seq2seq-data")

    # 3. Train a few epochs of nine steps each
    page.get_by_test_id("next-train").click()
    ready(page)
    expect(page.get_by_test_id("config-line")).to_contain_text(REVERSE)
    expect(page.locator("#train-engine option[value='numpy']")).to_be_disabled()  # torch only
    run_id = train_until_done(page, epochs="4", batch_size="16")

    # 4. Predict: translate a source; the attention map has a column per source token
    page.goto(f"/predict?run={run_id}")
    ready(page)
    page.fill("#translate-source", "abc")
    page.get_by_test_id("translate-button").click()
    plot = page.locator("#translate-attention .js-plotly-plot")
    expect(plot).to_be_visible()
    labels = plot.evaluate("p => p.layout.xaxis.ticktext")
    assert labels == ["a", "b", "c"]
    shot(page, "tasks-train-seq2seq-predict", full_page=False)
    assert not failed, failed
    assert not console.errors, console.errors
