"""Issue 9 §2–3 in a real browser against a real server (with its planning worker): staff plan
a week by keyboard alone — generate and watch the progress, move an entry, re-solve, compare
with the published plan, publish — then print it (print media) and download the PDF, which
holds every room and entry of the grid. axe-core checks every plan page on the way; the grid
is checked at 320 px and at 200 % zoom. Screenshots of each step go to test-artifacts/plan/."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import arrived
from tests.browser.test_pages_in_browser import axe_violations, check_reflow, describe

# One process runs this module, so its server and browser (module fixtures) start once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser-plan")]

STAFF = {"email": "leitung@sieker-mitte.example", "password": "raumplan-demo"}
SOLVE_WAIT_MS = 120_000  # the worker solves with the pages' time limit (30 s) at most


# A group meeting in a Gruppenraum (they need no kitchen, garden or confidential room) at a
# time the Saal is free that day: moving it to the Saal keeps every rule.
MOVABLE = """() => {
  const minutes = t => { const [h, m] = t.split(':').map(Number); return h * 60 + m; };
  const span = a => a.querySelector('.when').textContent.split('–').map(minutes);
  for (const day of document.querySelectorAll('section.day-grid')) {
    const rows = [...day.querySelectorAll('tbody tr')];
    const saal = rows.filter(r => r.querySelector('th').textContent.trim() === 'Saal')
      .flatMap(r => [...r.querySelectorAll('td.entry a')].map(span));
    for (const row of rows) {
      if (!row.querySelector('th').textContent.startsWith('Gruppenraum')) continue;
      for (const a of row.querySelectorAll("td.entry a[href*='/eintrag/group-']")) {
        const [s, e] = span(a);
        if (saal.every(([bs, be]) => be <= s || e <= bs)) return a.getAttribute('href');
      }
    }
  }
  return null;
}"""


class Keyboard:
    """Drives a page by keys only: Tab to a control, type, press Enter."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def tab_to(self, selector: str, limit: int = 400) -> None:
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if self.page.evaluate(
                    "s => document.activeElement === document.querySelector(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)


@pytest.fixture
def shots(artifacts: Path) -> Path:
    folder = artifacts / "plan"
    folder.mkdir(exist_ok=True)
    return folder


def audit(page: Any, where: str, found: list[str]) -> None:
    if violations := axe_violations(page):
        found.append(f"{where}:\n{describe(violations)}")


def wait_for_draft(page: Any) -> int:
    """The progress block polls until the run ends, then htmx loads the page again and it
    shows the draft: wait for the grid and for that page to have loaded whole."""
    arrived(page, "table.grid", timeout=SOLVE_WAIT_MS)
    match = re.search(r"/verwaltung/plan/(\d+)", page.url)
    assert match, page.url
    return int(match.group(1))


def login_by_keyboard(page: Any, kb: Keyboard) -> None:
    page.goto("/login?lang=de&weiter=/verwaltung/plan/")
    kb.tab_to("#f-email")
    kb.type(STAFF["email"])
    kb.press("Tab")
    kb.type(STAFF["password"])
    kb.press("Enter")
    page.wait_for_url(re.compile(r"^[^?]*/verwaltung/plan/$"))


def generate_by_keyboard(page: Any, kb: Keyboard, shots: Path, name: str) -> int:
    kb.tab_to("main button[type=submit]")
    kb.press("Enter")
    page.wait_for_url(re.compile(r"/verwaltung/plan/\d+$"))
    # The progress is on screen while the worker solves (or already its end).
    expect(page.locator("#plan-stand")).to_have_text(
        re.compile(r"^(wartet auf den Planer|wird berechnet|Entwurf)$"), use_inner_text=True)
    page.screenshot(path=str(shots / f"{name}-progress.png"), full_page=True)
    run_id = wait_for_draft(page)
    expect(page.locator("#plan-stand")).to_have_text("Entwurf", use_inner_text=True)
    expect(page.locator("#fortschritt")).to_contain_text("bewiesen", use_inner_text=True)
    page.screenshot(path=str(shots / f"{name}-draft.png"), full_page=True)
    return run_id


def test_staff_plan_a_week_by_keyboard_then_print_and_download_the_pdf(
        page: Any, shots: Path) -> None:
    from pypdf import PdfReader

    kb = Keyboard(page)
    found: list[str] = []
    login_by_keyboard(page, kb)
    audit(page, "plan index", found)

    # A first plan, published: the week's plan on the door.
    first = generate_by_keyboard(page, kb, shots, "01-first")
    audit(page, "draft", found)
    kb.tab_to("form[action$='/veroeffentlichen'] button")
    kb.press("Enter")
    page.wait_for_url(re.compile(rf"/verwaltung/plan/{first}\?hinweis=veroeffentlicht"))
    assert "Der Plan ist veröffentlicht." in page.locator("main").inner_text()

    # A new draft of the same week; move a group to the Saal, at the same day and time.
    page.goto("/verwaltung/plan/")
    second = generate_by_keyboard(page, kb, shots, "02-second")
    href = page.evaluate(MOVABLE)
    assert href, "no group in a Gruppenraum while the Saal is free"
    entry = page.locator(f"a[href='{href}']")
    title = entry.locator(".title").inner_text()
    when = entry.locator(".when").inner_text()
    kb.tab_to(f"a[href='{href}']", limit=600)
    kb.press("Enter")
    page.wait_for_url(re.compile(r"/eintrag/group-\d+$"))
    audit(page, "entry", found)
    kb.tab_to("#f-raum")
    kb.type("Saal")
    assert page.locator("#f-raum option:checked").inner_text() == "Saal"
    kb.tab_to("button[value=verschieben]")
    kb.press("Enter")
    page.wait_for_url(re.compile(rf"/verwaltung/plan/{second}\?hinweis=angepasst"))
    page.screenshot(path=str(shots / "03-moved.png"), full_page=True)

    # Re-solve: the entry sits in the Saal, pinned, and the comparison names the move.
    kb.tab_to("form[action$='/neu'] button")
    kb.press("Enter")
    page.wait_for_url(re.compile(r"/verwaltung/plan/\d+$"))
    third = wait_for_draft(page)
    assert third not in (first, second)
    saal_rows = page.locator("tr", has=page.locator("th[scope=row]", has_text=re.compile("^Saal$")))
    moved = saal_rows.locator("td.entry", has_text=title)
    assert moved.count() == 1, "the moved entry is not in the Saal row"
    assert "festgehalten" in moved.inner_text()
    assert when in moved.inner_text()
    changes = page.locator("table.changes").inner_text()
    assert title in changes and "verschoben" in changes
    page.screenshot(path=str(shots / "04-resolved.png"), full_page=True)
    audit(page, "re-solved draft with comparison", found)

    kb.tab_to("form[action$='/veroeffentlichen'] button")
    kb.press("Enter")
    page.wait_for_url(re.compile(rf"/verwaltung/plan/{third}\?hinweis=veroeffentlicht"))
    assert "Der Plan ist veröffentlicht." in page.locator("main").inner_text()

    # What the grid shows, to be found again on paper.
    rooms = page.locator("table.grid th[scope=row]").all_inner_texts()
    titles = set(page.locator("table.grid td.entry .title").all_inner_texts())
    assert titles and rooms

    # Print: the browser's print view on A4 landscape.
    page.goto(f"/verwaltung/plan/{third}/druck?ansicht=woche")
    audit(page, "print view", found)
    page.emulate_media(media="print")
    page.screenshot(path=str(shots / "05-print.png"), full_page=True)
    assert not page.locator("nav.screen-only").is_visible()
    page.emulate_media(media="screen")

    # The PDF download: every room and every entry of the grid is in it.
    with page.expect_download() as download:
        page.click("a[href$='plan.pdf?ansicht=woche']")
    pdf = Path(download.value.path()).read_bytes()
    (shots / "06-plan.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    squeezed = text.replace(" ", "")
    for name in set(rooms) | titles:
        assert name.replace(" ", "") in squeezed, f"{name!r} is missing in the PDF"
    assert "Sieker-Mitte" in text and "Legende" in text

    page.goto(f"/verwaltung/plan/{third}/aushang")
    audit(page, "poster", found)
    page.screenshot(path=str(shots / "07-poster.png"), full_page=True)
    assert not found, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(found)


def test_the_grid_is_usable_at_320_px_and_at_200_percent_zoom(
        browser: Any, server: Any, shots: Path) -> None:
    found: list[str] = []
    for name, viewport, scale in (("320px", {"width": 320, "height": 800}, 1),
                                  ("zoom200", {"width": 640, "height": 450}, 2)):
        # 200 % zoom of a 1280 px window is a 640 CSS px layout drawn at scale 2.
        context = browser.new_context(base_url=server.url, viewport=viewport,
                                      device_scale_factor=scale)
        page = context.new_page()
        page.goto("/login?weiter=/verwaltung/plan/")
        page.fill("#f-email", STAFF["email"])
        page.fill("#f-passwort", STAFF["password"])
        page.click("main button[type=submit]")
        page.wait_for_url(re.compile(r"^[^?]*/verwaltung/plan/$"))
        link = page.locator("main table a").first
        if link.count():
            link.click()
        else:
            page.click("main button[type=submit]")
        wait_for_draft(page)
        check_reflow(page, name, found)
        grid = page.locator(".grid-scroll").first
        # The grid scrolls inside its own region, which the keyboard can reach and scroll.
        assert grid.get_attribute("tabindex") == "0"
        first_entry = grid.locator("td.entry a").first
        first_entry.scroll_into_view_if_needed()
        assert first_entry.is_visible()
        box = first_entry.bounding_box()
        assert box is not None and box["width"] >= 40
        page.screenshot(path=str(shots / f"grid-{name}.png"))
        audit(page, f"grid at {name}", found)
        context.close()
    assert not found, "\n".join(found)
