"""The task pages of issue #15 in a real browser: the Build page draws each task's shapes
of RNN from GET /api/tasks."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from rnnlab import service
from tests.browser.conftest import Console, needs_chromium, shot

pytestmark = needs_chromium


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
