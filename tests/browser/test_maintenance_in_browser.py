"""Issue 9 §5 in a real browser against a real server with the demo centre: staff create a
room (by keyboard alone), a door that opens it, an offer, a group with a contact person, and
release a pin on the weekly plan; axe-core finds no WCAG 2.1 A/AA violation on any new
maintenance page (empty, and with its field errors shown), in German and Arabic, at 1280 and
320 px, and nothing scrolls sideways at 320 px. Screenshots go to test-artifacts/maintenance/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import arrived
from tests.browser.test_pages_in_browser import axe_violations, check_reflow, describe
from tests.browser.test_plan_in_browser import SOLVE_WAIT_MS, Keyboard
from tests.browser.test_staff_desk_in_browser import staff_login
from tests.serverproc import Server

# One process runs this module, so its server and browser (module fixtures) start once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser-maintenance")]


@pytest.fixture
def shots(artifacts: Path) -> Path:
    folder = artifacts / "maintenance"
    folder.mkdir(exist_ok=True)
    return folder


def both_widths(page: Any, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 320, "height": 800})
    page.screenshot(path=str(shots / f"{name}-320.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_staff_create_a_room_door_offer_and_group_and_release_a_pin(
        page: Any, shots: Path) -> None:
    staff_login(page)
    kb = Keyboard(page)

    # A room, by keyboard alone.
    page.goto("/verwaltung/raeume/neu")
    kb.tab_to("#f-name")
    kb.type("Werkstatt")
    kb.tab_to("#f-kapazitaet")
    kb.type("8")
    kb.press("Tab")
    kb.type("24,5")
    kb.tab_to("#f-merkmal-storage")
    kb.press("Space")
    both_widths(page, shots, "01-room-form")
    kb.tab_to("main form button[type=submit]")
    kb.press("Enter")
    page.wait_for_url(re.compile(r"/verwaltung/raeume\?gespeichert=\d+"))
    main = page.locator("main").inner_text()
    assert "Die Angaben zu Werkstatt sind gespeichert." in main
    assert "24,5 m²" in main
    both_widths(page, shots, "02-rooms")

    # A door that opens it; first a field error at its field.
    page.goto("/verwaltung/tueren/neu")
    page.click("main button[type=submit]")
    arrived(page, "#f-name-error")  # the answer to the post, loaded whole
    expect(page.locator("#f-name-error")).to_have_text("Bitte einen Namen angeben.",
                                                       use_inner_text=True)
    expect(page.locator(".error-summary a[href='#f-name']")).to_be_visible()
    both_widths(page, shots, "03-door-error")
    page.fill("#f-name", "Tür Werkstatt")
    page.check("#f-art-room")
    page.get_by_label("Werkstatt", exact=True).check()
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/verwaltung/tueren\?gespeichert=\d+"))
    row = page.locator("main tr", has_text="Tür Werkstatt")
    assert "Werkstatt" in row.locator("td").nth(1).inner_text()
    both_widths(page, shots, "04-doors")

    # An offer run by residents themselves.
    page.goto("/verwaltung/angebote/neu")
    page.fill("#f-titel", "Reparaturcafé")
    page.select_option("#f-thema", "sustainability")
    page.check("#f-eigenregie")
    both_widths(page, shots, "05-offer-form")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/verwaltung/programm\?angebot=\d+"))
    assert "Reparaturcafé (Nachhaltigkeit), Eigenregie" in page.locator("main").inner_text()

    # A group with a contact person of the centre.
    page.goto("/verwaltung/gruppen/neu")
    page.fill("#f-name", "Reparaturteam")
    page.select_option("#f-art", "initiative")
    contact = page.locator("main input[name=kontakte]").first
    contact_name = page.locator(f"label[for='{contact.get_attribute('id')}']").inner_text()
    contact.check()
    both_widths(page, shots, "06-group-form")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/verwaltung/programm\?gruppe=\d+"))
    item = page.locator("main li", has_text="Reparaturteam").inner_text()
    assert contact_name.split(" (")[0] in item, (contact_name, item)
    both_widths(page, shots, "07-programme")

    # A pin on the weekly plan, released again.
    page.goto("/verwaltung/plan/")
    page.click("main form button[type=submit]")
    # The run's page shows the grid once htmx has reloaded it with the draft.
    arrived(page, "table.grid", timeout=SOLVE_WAIT_MS)
    href = page.get_attribute("td.entry a[href*='/eintrag/group-']", "href")
    assert href
    page.goto(href)
    page.click("button:has-text('Hier festhalten')")
    page.wait_for_url(re.compile(r"hinweis=angepasst"))
    page.goto(href)
    assert "ja, bleibt beim Neuplanen" in page.locator("main").inner_text()
    both_widths(page, shots, "08-pinned-entry")
    page.click("button:has-text('Festlegung aufheben')")
    page.wait_for_url(re.compile(r"hinweis=freigegeben"))
    assert "Die Festlegung ist aufgehoben." in page.locator("main").inner_text()
    page.goto(href)
    assert "ja, bleibt beim Neuplanen" not in page.locator("main").inner_text()
    assert page.locator("button:has-text('Hier festhalten')").is_visible()


def test_no_wcag_a_or_aa_violation_on_the_maintenance_pages(browser: Any,
                                                            server: Server) -> None:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found: list[str] = []
    try:
        staff_login(page)
        page.goto("/verwaltung/programm")
        edits = [page.get_attribute(f"main a[href^='/verwaltung/{kind}/']", "href")
                 for kind in ("angebote", "gruppen", "bedarf")]
        new_forms = ["/verwaltung/raeume/neu", "/verwaltung/tueren/neu",
                     "/verwaltung/angebote/neu", "/verwaltung/gruppen/neu",
                     "/verwaltung/bedarf/neu"]
        page.goto("/verwaltung/tueren")
        door = page.get_attribute("main a[href^='/verwaltung/tueren/']:not([href$='neu'])",
                                  "href")
        paths = ["/verwaltung/tueren", "/verwaltung/programm", *new_forms,
                 *[p for p in [*edits, door] if p]]
        for width in (1280, 320):
            page.set_viewport_size({"width": width, "height": 900})
            for lang in ("de", "ar"):
                for path in paths:
                    response = page.goto(f"{path}?lang={lang}")
                    assert response is not None and response.ok, (path, lang)
                    check_reflow(page, f"{path} {lang} {width}px", found)
                    if violations := axe_violations(page):
                        found.append(f"{path} {lang} {width}px:\n{describe(violations)}")
            # Each new form sent empty: its field errors and summary on screen.
            for path in new_forms:
                page.goto(f"{path}?lang=de")
                page.locator("main form.narrow-wide input[name=name], "
                             "main form.narrow-wide input[name=titel]").first.fill("")
                page.click("main form.narrow-wide button[type=submit]")
                # The form posts: the summary is on the answer, which axe must see whole.
                expect(page.locator(".error-summary"), path).to_be_visible()
                arrived(page, ".error-summary")
                check_reflow(page, f"{path} with errors {width}px", found)
                if violations := axe_violations(page):
                    found.append(f"{path} with errors {width}px:\n{describe(violations)}")
    finally:
        context.close()
    assert not found, "\n".join(found)


def test_an_admin_picks_a_centre_in_the_subnav(browser: Any, server: Server,
                                               shots: Path) -> None:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found: list[str] = []
    try:
        token = page.request.post("/api/login", data={
            "email": "admin@raumplan.example", "password": "raumplan-demo"}).json()["token"]
        made = page.request.post("/api/centres", headers={"Authorization": f"Bearer {token}"},
                                 data={"slug": "baumheide", "name": "Stadtteilzentrum Baumheide",
                                       "address": "Rabenhof 1, Bielefeld",
                                       "timezone": "Europe/Berlin"})
        assert made.ok, made.text()
        page.goto("/login?lang=de")
        page.fill("#f-email", "admin@raumplan.example")
        page.fill("#f-passwort", "raumplan-demo")
        page.click("main button[type=submit]")
        # The login's answer before the next page: a goto could cut the post off, and
        # wait_for_load_state alone may answer for the login page still on screen.
        page.wait_for_url(re.compile(r"/verwaltung$"))
        page.goto("/verwaltung/raeume")
        kb = Keyboard(page)
        kb.tab_to("#zentrum-wahl")
        page.select_option("#zentrum-wahl", label="Stadtteilzentrum Baumheide")
        kb.tab_to(".centre-picker button")
        # The answer comes back to the same address: wait for the new page, not the URL.
        with page.expect_navigation():
            kb.press("Enter")
        page.wait_for_url(re.compile(r"/verwaltung/raeume$"))
        assert "Räume in Stadtteilzentrum Baumheide" in page.locator("main").inner_text()
        assert "Noch keine Räume erfasst." in page.locator("main").inner_text()
        for width in (1280, 320):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(shots / f"09-picker-{width}.png"), full_page=True)
            check_reflow(page, f"picker {width}px", found)
            if violations := axe_violations(page):
                found.append(f"picker {width}px:\n{describe(violations)}")
    finally:
        context.close()
    assert not found, "\n".join(found)
