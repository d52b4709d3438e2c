"""A real server on SQLite with the demo centre, and Debian's Chromium driven by Playwright.

Playwright's own browser download does not work on these machines: the tests drive
``/usr/bin/chromium`` (``.ci/run`` installs it). Locally a missing Chromium skips the tests;
with ``CI=true`` it fails them, like a missing PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from booking.migrate import upgrade
from tests.conftest import need_service
from tests.serverproc import Server, running_server

CHROMIUM = os.environ.get("RAUMPLAN_CHROMIUM", "/usr/bin/chromium")
RESIDENT = {"email": "anna.becker@example.org", "password": "raumplan-demo"}
# Screenshots and other artifacts a person may want to look at after the run (gitignored).
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Playwright's expect() retries for 5 s by default; a loaded CI machine answers a form post
# slower than that at times. As long as an action's own default wait.
EXPECT_TIMEOUT_MS = 30_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def arrived(page: Any, only_new: Any, timeout: float | None = None) -> None:
    """Wait for the page that a click, a key or htmx's reload (``HX-Refresh``) brings up.

    ``only_new`` (a selector or a locator) is an element that page has and the page before it
    had not. A click that posts a form or follows a link returns before the new page is parsed:
    a read right after it sees the old page, or the new one half-parsed (a CI run read a list
    as []), and ``wait_for_load_state`` alone may answer for the old page. So: wait until the
    element is in the document, then until that document has loaded; reads after this see the
    whole new page."""
    target = page.locator(only_new) if isinstance(only_new, str) else only_new
    expect(target.first).to_be_attached(timeout=timeout)
    page.wait_for_load_state("load", timeout=timeout)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser-server")
    url = f"sqlite:///{folder / 'raumplan.sqlite3'}"
    upgrade(url)
    with running_server(url, folder, demo=True) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        need_service("Playwright", exc)
    executable = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if executable is None:
        need_service("Chromium", FileNotFoundError(CHROMIUM))
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as p:
        try:
            launched = p.chromium.launch(executable_path=executable, headless=True, args=args)
        except Exception as exc:
            need_service("Chromium", exc)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(base_url=server.url,
                                  viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
