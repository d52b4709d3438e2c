"""Issue 11 §8 in a real browser against a real server (with its worker) and the demo centre's
open spring term: a group's contact applies with two sections (a window and a section added by
the form's own buttons), staff run the round by keyboard alone — end the application period,
compute the allocation and watch its progress, lock a slot and re-run, publish — and the
contact reads the result. axe-core checks every new page in German and Arabic at 1280 and
320 px, which must not scroll sideways. Screenshots go to test-artifacts/term/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import arrived
from tests.browser.test_pages_in_browser import axe_violations, check_reflow, describe
from tests.browser.test_plan_in_browser import Keyboard
from tests.serverproc import Server

# One process runs this module, so its server and browser (module fixtures) start once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("browser-term")]

STAFF = {"email": "leitung@sieker-mitte.example", "password": "raumplan-demo"}
# Contact of the Nachbarschaftsverein, which has not applied in the demo round yet.
CONTACT = {"email": "hp.wiegand@example.org", "password": "raumplan-demo"}
GROUP = "Nachbarschaftsverein Sieker-Mitte e.V."
SOLVE_WAIT_MS = 120_000  # the worker solves with the pages' time limit (30 s) at most


@pytest.fixture
def shots(artifacts: Path) -> Path:
    folder = artifacts / "term"
    folder.mkdir(exist_ok=True)
    return folder


def login(page: Any, who: dict[str, str], target: str) -> None:
    """Log in and land on ``target``; a ``?lang=`` in it becomes the account's language."""
    page.goto(f"/login?lang=de&weiter={quote(target, safe='/')}")
    page.fill("#f-email", who["email"])
    page.fill("#f-passwort", who["password"])
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(rf"{re.escape(target)}$"))


def check(page: Any, where: str, found: list[str], shots: Path, name: str) -> None:
    """axe at 1280 px, then reflow and axe at 320 px, with a screenshot at each width."""
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        check_reflow(page, f"{where} {width}px", found)
        if violations := axe_violations(page):
            found.append(f"{where} {width}px:\n{describe(violations)}")
    page.set_viewport_size({"width": 1280, "height": 900})


# First in the file: on the same server the journey below closes the application round.
def test_no_wcag_violation_on_the_round_pages_in_german_and_arabic(
        browser: Any, server: Server, shots: Path) -> None:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found: list[str] = []
    try:
        login(page, CONTACT, "/antraege?lang=de")
        mine = page.locator("main h3 a[href^='/antraege/']").first.get_attribute("href")
        contact_pages = ["/antraege", mine, f"{mine}/bearbeiten",
                         page.locator("a[href^='/antraege/neu']").first.get_attribute("href")]
        for path in contact_pages:
            for lang in ("ar", "de"):
                joiner = "&" if "?" in path else "?"
                page.goto(f"{path}{joiner}lang={lang}")
                check(page, f"{path} {lang}", found, shots, f"axe-contact-{lang}")
        # A form sent with mistakes shows them at their fields, and passes axe too.
        page.goto(contact_pages[-1] + "&lang=de")
        page.fill("#f-t0-min", "120")
        page.fill("#f-t0-max", "60")
        page.get_by_role("button", name="Antrag einreichen").click()
        # The form posts: count on the answer (loaded whole for axe), not on the form sent.
        expect(page.locator(".error-summary")).to_have_count(1)
        arrived(page, ".error-summary")
        expect(page.locator("#f-t0-titel-error")).to_have_text(
            "Bitte geben Sie einen Titel an.", use_inner_text=True)
        check(page, "form with errors", found, shots, "axe-form-errors")
        context.clear_cookies()
        login(page, STAFF, "/verwaltung?lang=de")
        for path in ["/verwaltung/vergabe/", "/verwaltung/vergabe/1"]:
            for lang in ("ar", "de"):  # German last: the account's language stays German
                page.goto(f"{path}?lang={lang}")
                check(page, f"{path} {lang}", found, shots, f"axe-staff-{lang}")
    finally:
        context.close()
    assert not found, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(found)


def test_a_contact_applies_staff_allocate_by_keyboard_and_the_contact_reads_the_result(
        browser: Any, server: Server, shots: Path) -> None:
    found: list[str] = []

    # --- the group's contact applies with two sections ---------------------------------------
    contact = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    page = contact.new_page()
    login(page, CONTACT, "/antraege?lang=de")
    check(page, "my applications", found, shots, "01-mine")
    page.get_by_role("link", name="Antrag für Frühjahr 2027 stellen").click()
    page.wait_for_url(re.compile(r"/antraege/neu\?saison=\d+$"))
    check(page, "application form", found, shots, "02-form")
    page.select_option("#f-gruppe", label=GROUP)
    page.fill("#f-t0-titel", "Stammtisch")
    page.select_option("#f-t0-thema", "other")
    page.fill("#f-t0-min", "90")
    page.fill("#f-t0-max", "120")
    page.select_option("#f-t0-f0-tag", "2")
    page.fill("#f-t0-f0-von", "18:00")
    page.fill("#f-t0-f0-bis", "21:00")
    page.select_option("#f-t0-raum1", label="Stadtteilcafé")
    # Another window row: the form comes back from the server with what was typed.
    page.get_by_role("button", name="Weiteres Zeitfenster").click()
    arrived(page, "#f-t0-f2-tag")
    expect(page.locator("#f-t0-titel")).to_have_value("Stammtisch")
    page.select_option("#f-t0-f2-tag", "2")
    page.fill("#f-t0-f2-von", "19:00")
    page.fill("#f-t0-f2-bis", "21:00")
    page.select_option("#f-t0-f2-art", "wunsch1")
    page.get_by_role("button", name="Weitere Aktivität hinzufügen").click()
    arrived(page, "#f-t1-titel")
    page.fill("#f-t1-titel", "Kulturabend")
    page.select_option("#f-t1-thema", "culture")
    page.fill("#f-t1-min", "120")
    page.fill("#f-t1-max", "150")
    page.select_option("#f-t1-haeufigkeit", "monthly")
    page.check("#f-t1-mw-3")
    page.select_option("#f-t1-f0-tag", "4")
    page.fill("#f-t1-f0-von", "18:00")
    page.fill("#f-t1-f0-bis", "21:00")
    page.select_option("#f-t1-raum1", label="Saal")
    page.screenshot(path=str(shots / "03-form-filled-1280.png"), full_page=True)
    page.get_by_role("button", name="Antrag einreichen").click()
    page.wait_for_url(re.compile(r"/antraege/\d+\?hinweis=neu$"))
    application = int(re.search(r"/antraege/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    assert "Der Antrag ist eingereicht." in page.locator("main").inner_text()
    assert page.locator("h3", has_text="Stammtisch").count() == 1
    assert page.locator("h3", has_text="Kulturabend").count() == 1
    check(page, "application", found, shots, "04-detail")

    # --- staff run the round by keyboard alone ------------------------------------------------
    staff = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    desk = staff.new_page()
    kb = Keyboard(desk)
    desk.goto("/login?lang=de&weiter=" + quote("/verwaltung/vergabe/?lang=de", safe="/"))
    kb.tab_to("#f-email")
    kb.type(STAFF["email"])
    kb.press("Tab")
    kb.type(STAFF["password"])
    kb.press("Enter")
    desk.wait_for_url(re.compile(r"/verwaltung/vergabe/\?lang=de$"))
    check(desk, "terms", found, shots, "05-terms")
    kb.tab_to("main a[href^='/verwaltung/vergabe/']:not([href$='/klassen'])")
    kb.press("Enter")
    desk.wait_for_url(re.compile(r"/verwaltung/vergabe/\d+$"))
    assert "Stammtisch" in desk.locator("table.wishes").inner_text()
    check(desk, "round", found, shots, "06-round")
    kb.tab_to("form[action$='/status'] input[value='allocating'] + button")
    kb.press("Enter")
    desk.wait_for_url(re.compile(r"hinweis=status$"))
    assert desk.locator("#saison-status").inner_text() == "in der Vergabe"
    kb.tab_to("#berechnen")
    kb.press("Enter")
    desk.wait_for_url(re.compile(r"/verwaltung/vergabe/lauf/\d+$"))
    expect(desk.locator("#vergabe-stand")).to_have_text(
        re.compile(r"^(wartet auf den Planer|wird berechnet|Entwurf)$"), use_inner_text=True)
    desk.screenshot(path=str(shots / "07-progress-1280.png"), full_page=True)
    # htmx loads the page again when the run ends; read the result from that page, whole.
    arrived(desk, "#veroeffentlichen", timeout=SOLVE_WAIT_MS)
    progress = desk.locator("#fortschritt").inner_text()
    assert "Vergeben" in progress and "Bewiesen" in progress, progress
    check(desk, "run", found, shots, "08-run")

    # Lock the Stammtisch's slot (or rule it out if it has none) and re-run, by keyboard.
    card = "li#teil-" + desk.evaluate(
        "() => [...document.querySelectorAll('li.card')].find("
        "li => li.querySelector('h3').textContent.startsWith('Stammtisch')).id.split('-')[1]")
    first_run = desk.url
    kb.tab_to(f"{card} details summary")
    kb.press("Enter")
    choice = f"{card} input[value='lock']"
    if desk.locator(choice).count():
        kb.tab_to(f"{card} input[name='aktion']:checked")
        while not desk.evaluate("s => document.querySelector(s).checked", choice):
            kb.press("ArrowDown")
    kb.tab_to(f"{card} form.pin button[type=submit]")
    kb.press("Enter")
    desk.wait_for_url(lambda url: "/lauf/" in url and url != first_run)
    arrived(desk, "#veroeffentlichen", timeout=SOLVE_WAIT_MS)
    expect(desk.locator(f"{card} h3")).to_contain_text("(festgelegt)", use_inner_text=True)
    kb.tab_to("#veroeffentlichen")
    kb.press("Enter")
    desk.wait_for_url(re.compile(r"hinweis=veroeffentlicht$"))
    assert "Die Vergabe ist veröffentlicht" in desk.locator("main").inner_text()
    desk.screenshot(path=str(shots / "09-published-1280.png"), full_page=True)
    staff.close()

    # --- the contact reads the result, in their language --------------------------------------
    page.goto(f"/antraege/{application}")
    results = page.locator("p.result")
    assert results.count() == 2, page.locator("main").inner_text()
    texts = [results.nth(i).inner_text() for i in range(2)]
    assert all(t.startswith(("Ihr Platz:", "Leider kein Platz.")) for t in texts), texts
    check(page, "result", found, shots, "10-result")
    page.goto(f"/antraege/{application}?lang=ar")
    check(page, "result ar", found, shots, "11-result-ar")
    contact.close()
    assert not found, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(found)
