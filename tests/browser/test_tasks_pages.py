"""The task pages of issue #15 in a real browser: the Build page draws each task's shapes
of RNN from GET /api/tasks; the Predict page tags text with a tag run; the Results page
shows a tag run's per-tag scores beside the baselines. Runs are trained in-process, tiny,
into the served home."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from rnnlab import service
from tests.browser.conftest import Console, needs_chromium, shot

pytestmark = needs_chromium
EXAMPLES = Path(__file__).parents[2] / "examples" / "configs"
TINY = ["model.hidden_size=8", "embedding.dim=8", "train.epochs=2"]


@pytest.fixture(scope="module")
def tag_runs(browser_home: Path) -> dict[str, str]:
    ner = service.train(EXAMPLES / "toy_ner.yaml", [*TINY, "train.batch_size=2"], home=browser_home)
    punct = service.train(
        EXAMPLES / "punctuation.yaml",
        [*TINY, "train.batch_size=4", "data.max_length=30"],
        home=browser_home,
    )
    return {"ner": ner["id"], "punctuation": punct["id"]}


def ready(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def test_build_draws_the_shapes_of_each_task(page: Page, console: Console) -> None:
    page.goto("/build")
    ready(page)
    values = page.locator("#task option").evaluate_all("os => os.map(o => o.value)")
    assert values == list(service.task_names())
    for task in service.list_tasks():
        page.select_option("#task", task["name"])
        expect(page.get_by_test_id("task-hint")).to_have_text(task["hint"])
        for shape in task["shapes"]:
            svg = page.get_by_test_id(f"shape-{shape['name']}").locator("svg")
            expect(svg).to_have_attribute("data-shape", shape["name"])
            # boxes: inputs (io), states (cell), outputs (out) as the shape says
            cells = svg.locator("rect.cell").count()
            inputs = svg.locator("rect.io").count()
            outputs = svg.locator("rect.out").count()
            if shape["encoder_decoder"]:
                assert svg.locator("rect.decoder").count() > 0, task["name"]
            else:
                assert inputs == (cells if shape["inputs"] == "every" else 1), shape
                assert outputs == (cells if shape["outputs"] == "every" else 1), shape
        shown = page.get_by_test_id("task-shapes").locator("svg").count()
        assert shown == len(task["shapes"]), task["name"]
        (
            expect(page.locator("#model-bidirectional")).to_be_enabled
            if task["bidirectional"]
            else expect(page.locator("#model-bidirectional")).to_be_disabled
        )()
        # a task's own default (a tag run reads both ways) is what the form shows
        bidirectional = task["defaults"].get("model.bidirectional", False)
        expect(page.locator("#model-bidirectional")).to_be_checked(checked=bidirectional)
        shot(page, f"tasks-build-{task['name']}", full_page=False)
    assert not console.errors, console.errors


def test_predict_tags_each_token_and_restores_punctuation(
    page: Page, console: Console, tag_runs: dict[str, str]
) -> None:
    page.goto(f"/predict?run={tag_runs['ner']}")
    ready(page)
    expect(page.locator("#panel-tag")).to_be_visible()
    expect(page.locator("#panel-classify")).to_be_hidden()
    page.fill("#tag-text", "Anna flew to Paris\nBo sings")
    page.get_by_test_id("tag-button").click()
    tokens = page.get_by_test_id("tagged-token")
    expect(tokens).to_have_count(6)
    words = tokens.locator(".word").all_text_contents()
    assert words == ["Anna", "flew", "to", "Paris", "Bo", "sings"]
    tags = tokens.evaluate_all("ts => ts.map(t => t.dataset.tag)")
    assert set(tags) <= {"O", "B-PER", "I-PER", "B-LOC", "I-LOC"}, tags
    assert tokens.locator(".tag").all_text_contents() == tags
    expect(page.get_by_test_id("restored")).to_have_count(0)  # not a punctuation run
    shot(page, "tasks-predict-tag", full_page=False)

    page.select_option("#predict-run", tag_runs["punctuation"])
    expect(page.locator("#tag-text")).to_have_attribute("placeholder", "學而時習之不亦說乎")
    page.fill("#tag-text", "學而時習之不亦說乎")
    page.get_by_test_id("tag-button").click()
    expect(page.get_by_test_id("tagged-token")).to_have_count(9)
    restored = page.get_by_test_id("restored").text_content() or ""
    marks = page.get_by_test_id("tagged-token").evaluate_all(
        "ts => ts.map(t => t.querySelector('.word').textContent"
        " + (t.dataset.tag === 'O' ? '' : t.dataset.tag)).join('')"
    )
    assert restored == marks, (restored, marks)
    assert not console.errors, console.errors
    # an empty text: the service's message (the browser logs the 422 itself, nothing else)
    page.fill("#tag-text", "  ")
    page.get_by_test_id("tag-button").click()
    expect(page.get_by_test_id("predict-error")).to_contain_text("texts: expected at least one")
    assert all("status of 422" in e for e in console.errors), console.errors


def test_results_show_a_tag_runs_scores_beside_the_baselines(
    page: Page, console: Console, tag_runs: dict[str, str]
) -> None:
    page.goto(f"/results?run={tag_runs['punctuation']}")
    ready(page)
    rows = page.get_by_test_id("task-report-rows").locator("tbody tr")
    expect(rows).to_have_count(8)  # O and the seven marks
    head = page.get_by_test_id("task-report-rows").locator("th").all_text_contents()
    assert {"tag", "support", "precision", "recall", "f1"} <= set(head), head
    assert "bigram_f1" in head
    baselines = page.get_by_test_id("task-report-baselines").locator("tbody tr td:first-child")
    expect(baselines).to_have_text(["majority", "unigram", "bigram"])
    metric = page.locator(f"#runs-table tr[data-run='{tag_runs['punctuation']}'] td").nth(7)
    expect(metric).to_contain_text("f1")  # the tag task's headline metric
    shot(page, "tasks-results-tag")
    assert not console.errors, console.errors
