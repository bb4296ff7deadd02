"""The Build page takes its cells from the registry (GET /api/cells): choices, hints, the
options each cell takes and the diagram's cell state; no cell name lives in the page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from rnnlab import cells
from tests.browser.conftest import Console, needs_chromium, shot

pytestmark = needs_chromium


def _options(page: Page, selector: str) -> list[tuple[str, str, bool]]:
    return page.locator(f"{selector} option").evaluate_all(
        "os => os.map(o => [o.value, o.textContent, o.disabled])"
    )


def test_build_lists_every_registered_cell_with_its_display_name(
    page: Page, console: Console
) -> None:
    page.goto("/build")
    page.wait_for_selector("body[data-ready='true']")
    options = _options(page, "#model-cell")
    assert [value for value, _, _ in options] == list(cells.names())
    for (value, text, _), cell in zip(options, cells.all_cells(), strict=True):
        assert text.startswith(cell.display_name), (value, text)
    expect(page.locator("#model-cell")).to_have_value("lstm")  # ModelSpec's default
    assert not console.errors, console.errors


def test_each_cell_shows_only_the_options_its_record_allows(page: Page, console: Console) -> None:
    page.goto("/build")
    page.wait_for_selector("body[data-ready='true']")
    for cell in cells.all_cells():
        page.select_option("#model-cell", cell.name)
        expect(page.locator("#cell-hint")).to_contain_text(cell.summary)
        nonlinearity = page.locator("#row-nonlinearity")
        (
            expect(nonlinearity).to_be_visible
            if len(cell.nonlinearities) > 1
            else expect(nonlinearity).to_be_hidden
        )()
        forget = page.locator("#row-forget_bias")
        (expect(forget).to_be_visible if cell.forget_gate else expect(forget).to_be_hidden)()
        disabled = {value for value, _, off in _options(page, "#model-init") if off}
        expected = {"identity"} - ({"identity"} if cell.identity_init else set())
        expected |= set() if cell.recurrent else {"orthogonal"}
        assert disabled == expected, cell.name
        boxes = page.locator("#diagram svg").inner_html()
        assert ("c_1" in boxes) is cell.has_cell_state, cell.name
        assert cell.display_name in boxes, cell.name
    page.select_option("#model-cell", "rnn")
    page.select_option("#model-nonlinearity", "relu")
    page.select_option("#model-init", "identity")
    page.select_option("#model-cell", "gru")  # takes neither: both fall back
    expect(page.locator("#model-init")).to_have_value("default")
    expect(page.locator("#model-nonlinearity")).to_have_value("tanh")
    expect(page.get_by_test_id("summary-table")).to_have_attribute("data-state", "ready")
    expect(page.locator("#summary-table tbody")).to_contain_text("r z n")
    shot(page, "build-cells")
    assert not console.errors, console.errors
