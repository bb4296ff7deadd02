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


@pytest.fixture(scope="module")
def seq2seq_run(browser_home: Path) -> str:
    config = {
        "task": "seq2seq",
        "data": {"path": "seq2seq:reverse"},
        "embedding": {"dim": 8},
        "model": {"cell": "gru", "hidden_size": 16},
        "train": {"max_steps": 12, "batch_size": 16, "eval_every": 6, "probe_every": 6},
    }
    return str(service.train(config, home=browser_home)["id"])


def ready(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def failed_requests(page: Page) -> list[tuple[str, str]]:
    """(url, body) of every request of `page` answered 4xx or 5xx, filled as they come."""
    failed: list[tuple[str, str]] = []
    page.on("response", lambda r: r.status >= 400 and failed.append((r.url, r.request.post_data)))
    return failed


def nothing_failed(failed: list[tuple[str, str]], console: Console) -> None:
    """Every request succeeded (the seq2seq model summary included) and the console is clean."""
    assert failed == [], failed
    assert console.errors == [], console.errors


def test_build_draws_the_shapes_of_each_task(page: Page, console: Console) -> None:
    failed = failed_requests(page)
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
        if task["shapes"][0]["encoder_decoder"]:  # the unrolled panel draws the two networks
            unrolled = page.get_by_test_id("diagram").locator("svg")
            expect(unrolled).to_have_attribute("data-shape", "encoder-decoder")
        shot(page, f"tasks-build-{task['name']}", full_page=False)
    nothing_failed(failed, console)


def test_the_encoder_decoder_diagram_fans_attention_when_it_is_on(
    page: Page, console: Console
) -> None:
    failed = failed_requests(page)
    page.goto("/build?task=seq2seq")
    ready(page)
    svg = page.get_by_test_id("shape-encoder-decoder").locator("svg")
    attention = page.get_by_test_id("model-attention")  # a seq2seq option of the Build page
    expect(attention).to_be_visible()
    page.select_option("[data-testid='model-attention']", "none")
    expect(svg).to_have_attribute("data-attention", "false")
    assert svg.locator("path.attention").count() == 0
    page.select_option("[data-testid='model-attention']", "additive")
    expect(svg).to_have_attribute("data-attention", "true")
    encoder = svg.locator("rect.cell:not(.decoder)").count()
    assert svg.locator("path.attention").count() == encoder  # one line per encoder state
    page.select_option("#task", "classify")  # options of another task are gone
    expect(page.get_by_test_id("model-attention")).to_have_count(0)
    nothing_failed(failed, console)


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


def test_predict_translates_and_draws_the_attention_map(
    page: Page, console: Console, seq2seq_run: str
) -> None:
    page.goto(f"/predict?run={seq2seq_run}")
    ready(page)
    expect(page.locator("#panel-translate")).to_be_visible()
    expect(page.locator("#row-beam-size")).to_be_hidden()  # greedy
    page.fill("#translate-source", "abcd")
    page.get_by_test_id("translate-button").click()
    plot = page.locator("#translate-attention .js-plotly-plot")
    expect(plot).to_be_visible()
    output = page.get_by_test_id("translate-text").text_content() or ""
    rows, columns, labels = plot.evaluate(
        "p => [p.data[0].z.length, p.data[0].z[0].length, p.layout.xaxis.ticktext]"
    )
    assert (rows, columns) == (len(output), 4) and labels == ["a", "b", "c", "d"]
    expect(page.get_by_test_id("translate-info")).to_contain_text("greedy")
    page.select_option("#translate-decoding", "beam")
    expect(page.locator("#row-beam-size")).to_be_visible()
    page.fill("#translate-beam", "3")
    page.get_by_test_id("translate-button").click()
    expect(page.get_by_test_id("translate-info")).to_contain_text("beam search, k = 3")
    shot(page, "tasks-predict-translate", full_page=False)
    assert not console.errors, console.errors


def test_results_show_gradient_flow_through_encoder_and_decoder(
    page: Page, console: Console, seq2seq_run: str
) -> None:
    failed = failed_requests(page)
    page.goto(f"/results?run={seq2seq_run}")
    ready(page)
    choices = page.locator("#flow-direction option").evaluate_all("os => os.map(o => o.value)")
    assert choices == ["encoder", "decoder"]
    flow = page.get_by_test_id("fig-gradient-flow")
    expect(flow.locator(".js-plotly-plot")).to_be_visible()
    expect(flow).to_contain_text("encoder")
    page.select_option("#flow-direction", "decoder")
    expect(flow.locator("h3")).to_contain_text("decoder")
    metric = page.locator(f"#runs-table tr[data-run='{seq2seq_run}'] td").nth(7)
    expect(metric).to_contain_text("exact_match")  # the seq2seq task's headline metric
    expect(page.locator("#detail-facts")).to_contain_text("val_token_accuracy")
    shot(page, "tasks-results-seq2seq")
    # the states over a text have no gates for an encoder-decoder (yet): that figure says so
    assert all("/figures/gates" in url for url, _ in failed), failed
    assert len(console.errors) == len(failed), console.errors


def test_tagged_tokens_take_a_colour_per_tag_type(
    page: Page, console: Console, tag_runs: dict[str, str]
) -> None:
    """B-PER and I-PER share a colour, B-LOC has another, O none (the answer is fixed by
    intercepting the request: a tiny model tags everything O)."""
    tags = ["B-LOC", "B-PER", "I-LOC", "I-PER", "O"]
    sentence = {
        "tokens": ["Anna", "Lee", "flew", "to", "Paris"],
        "tags": ["B-PER", "I-PER", "O", "O", "B-LOC"],
        "probabilities": [
            {t: 0.9 if t == g else 0.025 for t in tags}
            for g in ["B-PER", "I-PER", "O", "O", "B-LOC"]
        ],
    }
    answer = {
        "task": "tag",
        "format": "conll",
        "tags": tags,
        "results": [
            {"text": "Anna Lee flew to Paris", "sentences": [sentence], "punctuated": None}
        ],
        "unknown_tokens": [],
        "warnings": [],
    }
    page.route("**/tag", lambda route: route.fulfill(json=answer))
    page.goto(f"/predict?run={tag_runs['ner']}")
    ready(page)
    page.fill("#tag-text", "Anna Lee flew to Paris")
    page.get_by_test_id("tag-button").click()
    tokens = page.get_by_test_id("tagged-token")
    expect(tokens).to_have_count(5)
    colours = tokens.evaluate_all("ts => ts.map(t => getComputedStyle(t).backgroundColor)")
    anna, lee, flew, to, paris = colours
    assert anna == lee and anna != paris and flew == to
    assert flew not in (anna, paris)
    titles = tokens.evaluate_all("ts => ts.map(t => t.title)")
    assert titles[0] == "B-PER: p = 0.900"
    assert not console.errors, console.errors
