"""The staff's closures page in a real browser against the demo centre (issue 9 §5, issue 10
§2): staff close the centre for a week, see which series dates it takes, move the closure and
see those dates come back; no WCAG 2.1 A/AA violation (axe-core) and no sideways scrolling at
320 px; screenshots at 1280 and 320 px for a person to look at."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import arrived
from tests.browser.test_pages_in_browser import axe_violations, check_reflow, describe
from tests.browser.test_staff_desk_in_browser import STAFF, staff_login

# One process runs this module, so its server and browser (module fixtures) start once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser-closures")]


def _listed(page: Any, heading: str) -> list[str]:
    """The dates listed under a heading of the answer, read once the answer has loaded (a form
    post navigates; reading the list right after the click could catch the old page or the new
    one half-parsed). The heading must be one the page before did not have."""
    arrived(page, f"#{heading}")
    return list(page.locator(f"#{heading} + ul li").all_inner_texts())


def _lost(page: Any) -> list[str]:
    return _listed(page, "done-lost")


def _early_series(page: Any, first: date) -> None:
    """A series of the demo centre's first room at 06:00 every day, through the API."""
    login = page.request.post("/api/login", data={"email": STAFF["email"],
                                                  "password": STAFF["password"]})
    assert login.ok, login.text()
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    rooms = page.request.get("/api/rooms").json()
    made = page.request.post("/api/series", headers=headers, data={
        "kind": "programme", "title": "Frühsport", "room_id": rooms[0]["id"],
        "start_time": "06:00", "duration_minutes": 30, "first_date": first.isoformat(),
        "count": 60, "pattern": {"kind": "weekly",
                                 "weekdays": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]}})
    assert made.status == 201, made.text()


def test_staff_close_a_week_move_the_closure_and_see_the_dates_come_back(
        page: Any, artifacts: Path) -> None:
    monday = date.today() + timedelta(days=21 - date.today().weekday())
    _early_series(page, monday - timedelta(days=7))
    staff_login(page)
    page.goto("/verwaltung")
    page.click("nav.subnav >> text=Schließtage")
    page.wait_for_url(re.compile(r"/verwaltung/schliessungen$"))
    expect(page.locator("main h1")).to_have_text("Schließtage", use_inner_text=True)
    found: list[str] = []
    if violations := axe_violations(page):
        found.append("empty page:\n" + describe(violations))
    page.fill("#f-von", monday.isoformat())
    page.fill("#f-bis", (monday + timedelta(days=6)).isoformat())
    page.fill("#f-grund", "Renovierung")
    page.click("button[value=vorschau]")
    expect(page.locator("#preview-title")).to_be_visible()
    arrived(page, "#preview-title")
    page.click("button[value=speichern]")
    expect(page.locator("#done-title")).to_have_text("Die Schließung ist gespeichert.",
                                                     use_inner_text=True)
    # Every day of the week but a public holiday (skipped already) is taken: the early
    # series' dates are among what the closure takes, beside the demo programme's.
    lost = [x for x in _lost(page) if "Frühsport" in x]
    assert lost, _lost(page)
    page.screenshot(path=str(artifacts / "closures-saved-1280.png"), full_page=True)
    page.click("main table >> text=Verschieben oder löschen")
    # The answer page has a new-closure form with the same fields: fill the move form only.
    page.wait_for_url(re.compile(r"/verwaltung/schliessungen/\d+$"))
    expect(page.locator("#form-title")).to_contain_text("Schließung verschieben")
    later = monday + timedelta(days=28)
    page.fill("#f-von", later.isoformat())
    page.fill("#f-bis", (later + timedelta(days=6)).isoformat())
    page.click("button[value=vorschau]")
    back = _listed(page, "preview-back")
    assert lost[0] in back
    if violations := axe_violations(page):
        found.append("move preview:\n" + describe(violations))
    page.set_viewport_size({"width": 320, "height": 800})
    check_reflow(page, "move preview at 320 px", found)
    page.screenshot(path=str(artifacts / "closures-preview-320.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("button[value=speichern]")
    expect(page.locator("#done-title")).to_have_text("Die Schließung ist verschoben.",
                                                     use_inner_text=True)
    assert lost[0] in _listed(page, "done-back")
    page.fill("#f-von", "2027-01-10")
    page.fill("#f-bis", "2027-01-01")
    page.fill("#f-grund", "")
    page.click("button[value=speichern]")
    expect(page.locator("#f-bis")).to_have_attribute("aria-invalid", "true")
    arrived(page, "#f-bis[aria-invalid=true]")
    if violations := axe_violations(page):
        found.append("field errors:\n" + describe(violations))
    assert not found, "\n".join(found)
