"""Browser tests of the web workbench: the real app (rnnlab.web.app.create_app) served by
uvicorn in a background thread on a free port with a temporary RNNLAB home, driven by
Debian's Chromium through Playwright's sync API. Screenshots go to test-artifacts/.

Skipped, with the reason, only when /usr/bin/chromium is missing (`make test` installs it).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from playwright import sync_api

# Starting a training worker imports torch in a new process: on a busy 2-core CI machine
# that alone can take several seconds, so assertions wait longer than Playwright's 5 s.
sync_api.expect.set_options(timeout=30_000)

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
UPLOAD_MB = 1  # small, so that a test can meet the 413 of too large an upload
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Every browser test module carries this mark: without the browser there is nothing to drive.
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser tests need Debian's chromium at {CHROMIUM} (`make browser-deps` installs it)",
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def browser_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The served app's RNNLAB home (a test may train runs into it in-process)."""
    return tmp_path_factory.mktemp("rnnlab-home")


@pytest.fixture(scope="session")
def base_url(browser_home: Path) -> Iterator[str]:
    """The real app on 127.0.0.1:<free port>, its store in a temporary RNNLAB home."""
    from rnnlab.web.app import create_app

    home = browser_home  # training processes get it from the app
    port = _free_port()
    app = create_app(home=home, max_upload_mb=UPLOAD_MB)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="rnnlab-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the rnnlab web server did not start within 30 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Console:
    """What a page reported: console errors and uncaught exceptions."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: sync_api.Page) -> None:
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser: sync_api.Browser, base_url: str, console: Console) -> Iterator[sync_api.Page]:
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1400, "height": 1000}, accept_downloads=True
    )
    context.set_default_timeout(20_000)
    tab = context.new_page()
    console.attach(tab)
    yield tab
    context.close()


def shot(page: sync_api.Page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot as test-artifacts/<name>.png (git-ignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
