"""Issue 9's staff desk in a real browser against a real server with the demo centre: staff
log in and land on the dashboard, confirm one request and decline another with a reason, edit
a room and meet a field error; axe-core's WCAG 2.1 A/AA check on every staff page; and the
inbox measured box by box for content that sticks out sideways at 320, 1024 and 1920 px."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import arrived
from tests.browser.test_pages_in_browser import axe_violations, check_reflow, describe
from tests.serverproc import Server

# One process runs this module, so its server and browser (module fixtures) start once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser-staff_desk")]

STAFF = {"email": "leitung@sieker-mitte.example", "password": "raumplan-demo"}


def staff_login(page: Any) -> None:
    page.goto("/login?lang=de")
    page.fill("#f-email", STAFF["email"])
    page.fill("#f-passwort", STAFF["password"])
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/verwaltung$"))


def first_room_edit(page: Any) -> str:
    page.goto("/verwaltung/raeume")
    href = page.get_attribute("main table a[href^='/verwaltung/raeume/']", "href")
    assert href and re.fullmatch(r"/verwaltung/raeume/\d+", href), href
    return str(href)


def test_staff_land_on_the_dashboard_decide_requests_and_edit_a_room(
        page: Any, artifacts: Path) -> None:
    staff_login(page)
    assert page.locator("main h1").inner_text() == "Übersicht für das Team"
    assert page.locator("#offen-titel").is_visible() and page.locator("#heute-titel").is_visible()
    page.screenshot(path=str(artifacts / "staff-1-dashboard.png"), full_page=True)

    page.click("main nav a[href='/verwaltung/anfragen']")
    page.wait_for_url(re.compile(r"/verwaltung/anfragen$"))
    page.screenshot(path=str(artifacts / "staff-2-inbox.png"), full_page=True)
    # Two requests that do not compete with another one: confirming one of a pair that
    # overlaps would decline its rival, and this test wants to decline one itself.
    calm = page.locator("main li.request:not(:has(p.warning))")
    assert calm.count() >= 2, page.locator("main").inner_text()
    confirm_id = calm.nth(0).get_attribute("id").removeprefix("anfrage-")
    decline_id = calm.nth(1).get_attribute("id").removeprefix("anfrage-")

    page.click(f"#anfrage-{confirm_id} button:has-text('Bestätigen')")
    page.wait_for_url(re.compile(r"bestaetigt=" + confirm_id))
    assert f"Anfrage Nr. {confirm_id} wurde bestätigt." in page.locator("main").inner_text()
    assert page.locator(f"#anfrage-{confirm_id}").count() == 0  # no longer pending
    page.screenshot(path=str(artifacts / "staff-3-confirmed.png"), full_page=True)

    page.fill(f"#grund-{decline_id}", "Der Raum wird an dem Tag renoviert.")
    page.click(f"#anfrage-{decline_id} button:has-text('Ablehnen')")
    page.wait_for_url(re.compile(r"abgelehnt=" + decline_id))
    assert f"Anfrage Nr. {decline_id} wurde abgelehnt." in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / "staff-4-declined.png"), full_page=True)

    # The decisions stand in the requests' history, the reason too.
    page.goto("/verwaltung/anfragen?status=alle")
    declined = page.locator(f"#anfrage-{decline_id}")
    declined.locator("summary").click()
    assert "Der Raum wird an dem Tag renoviert." in declined.locator(".history").inner_text()
    assert "bestätigt" in page.locator(f"#anfrage-{confirm_id} .status-confirmed").inner_text()

    edit = first_room_edit(page)
    page.goto(edit)
    page.fill("#f-kapazitaet", "viele")
    page.click("main button:has-text('Speichern')")
    # The answer is a new page (the form posts): its error, not the old page's missing one.
    error = page.locator("#f-kapazitaet-error")
    expect(error).to_be_visible()
    arrived(page, error)
    expect(error).to_have_text("Bitte eine ganze Zahl von 1 bis 10000 angeben.",
                               use_inner_text=True)
    field = page.locator("#f-kapazitaet")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert "f-kapazitaet-error" in (field.get_attribute("aria-describedby") or "").split()
    expect(page.locator(".error-summary a[href='#f-kapazitaet']")).to_be_visible()
    page.screenshot(path=str(artifacts / "staff-5-room-field-error.png"), full_page=True)

    page.fill("#f-kapazitaet", "99")
    page.click("main button:has-text('Speichern')")
    page.wait_for_url(re.compile(r"/verwaltung/raeume\?gespeichert="))
    assert "sind gespeichert" in page.locator("main").inner_text()
    page.screenshot(path=str(artifacts / "staff-6-room-saved.png"), full_page=True)


def test_no_wcag_a_or_aa_violation_on_the_staff_pages(browser: Any, server: Server) -> None:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found: list[str] = []
    try:
        staff_login(page)
        edit = first_room_edit(page)
        page.goto("/verwaltung/programm")
        profile = page.get_attribute("main a[href^='/verwaltung/team/']", "href")
        assert profile, "no staff profile to edit"
        paths = [profile, "/verwaltung", "/verwaltung/anfragen", "/verwaltung/anfragen?status=alle",
                 "/verwaltung/raeume", edit, "/verwaltung/programm", "/verwaltung/schliessungen"]
        for width in (1280, 320):
            page.set_viewport_size({"width": width, "height": 900})
            for lang in ("de", "ar"):
                for path in paths:
                    joiner = "&" if "?" in path else "?"
                    response = page.goto(f"{path}{joiner}lang={lang}")
                    assert response is not None and response.ok, (path, lang)
                    page.locator("details").evaluate_all(
                        "ds => ds.forEach(d => d.open = true)")  # the history too
                    check_reflow(page, f"{path} {lang} {width}px", found)
                    if violations := axe_violations(page):
                        found.append(f"{path} {lang} {width}px:\n{describe(violations)}")
            # The room form with its field errors shown.
            page.goto(edit + "?lang=de")
            page.fill("#f-kapazitaet", "viele")
            page.fill("#f-preis", "zwölf")
            page.click("main button:has-text('Speichern')")
            arrived(page, "#f-kapazitaet-error")  # axe on the whole answer, not half of it
            check_reflow(page, f"{edit} with errors {width}px", found)
            if violations := axe_violations(page):
                found.append(f"{edit} with errors {width}px:\n{describe(violations)}")
    finally:
        context.close()
    assert not found, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(found)


# Every box inside a request card, and the card inside the page: what sticks out on either
# side, or a text box whose content is wider than the box (cut off by overflow), is a finding.
OVERFLOW = """() => {
  const found = [];
  const page = document.documentElement.clientWidth;
  for (const card of document.querySelectorAll('main li.request')) {
    const c = card.getBoundingClientRect();
    if (c.left < -0.5 || c.right > page + 0.5)
      found.push(`${card.id} outside the page: ${c.left}..${c.right} of ${page}`);
    for (const el of card.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;  // hidden (closed history)
      if (r.left < c.left - 0.5 || r.right > c.right + 0.5)
        found.push(`${card.id} ${el.tagName} "${(el.textContent || '').trim().slice(0, 40)}"`
                   + `: ${r.left}..${r.right} outside ${c.left}..${c.right}`);
      if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
        found.push(`${card.id} ${el.tagName} cuts off its content: `
                   + `${el.scrollWidth} > ${el.clientWidth}`);
    }
  }
  return found;
}"""


def test_the_inbox_shows_everything_without_horizontal_overflow(
        browser: Any, server: Server, artifacts: Path) -> None:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        staff_login(page)
        for width in (320, 1024, 1920):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto("/verwaltung/anfragen?status=alle")
            page.locator("details").evaluate_all("ds => ds.forEach(d => d.open = true)")
            cards = page.locator("main li.request")
            assert cards.count() > 0
            problems = page.evaluate(OVERFLOW)
            scroll, client = page.evaluate("() => [document.documentElement.scrollWidth, "
                                           "document.documentElement.clientWidth]")
            page.screenshot(path=str(artifacts / f"staff-inbox-{width}.png"), full_page=True)
            assert scroll <= client, f"{width}px: the page scrolls sideways ({scroll} > {client})"
            assert problems == [], f"{width}px:\n" + "\n".join(problems[:20])
            # The end time, the e-mail address and the purpose are on screen in full.
            first = cards.first
            for part in ("dd .time", "dd a[href^='mailto:']"):
                box = first.locator(part).first.bounding_box()
                assert box is not None and box["x"] + box["width"] <= client, (width, part)
    finally:
        context.close()
