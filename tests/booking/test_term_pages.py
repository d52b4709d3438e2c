"""The term round's pages (issue 11 §8), on both databases: a group's contact applies through
the form (sections, windows added by a plain submit button), changes and withdraws it; every
mistake is shown at its field in the reader's language and nothing is stored; nonsense input
is a 4xx, never a 500; staff move the round along its status flow, see the wishes on a room ×
weekday calendar, run the allocation and watch it, read each section's result with the staff
explanation, pin a slot, publish; the applicants then read their result (the refused one
without the name of who took the slot). Residents who are not the group's contact and staff of
another centre get 403."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from booking.db import transaction
from booking.models import Application, Offer, PersonRole, Role, TermRun
from booking.services import term_runs
from tests.booking.test_pages import Page
from tests.booking.test_term_runs import round_
from tests.factories import PASSWORD

__all__ = ["round_"]  # the fixture, used by name

NARROW = {"tag": "0", "von": "16:00", "bis": "18:00", "art": "moeglich"}


def login(client: TestClient, email: str) -> None:  # type: ignore[type-arg]
    form = Page(client.get("/login").text)
    r = client.post("/login", data={"email": email, "passwort": PASSWORD,
                                    "csrf_token": form.csrf()}, follow_redirects=False)
    assert r.status_code == 303, r.text


def token(client: TestClient, page: str = "/antraege") -> str:  # type: ignore[type-arg]
    return Page(client.get(page).text).csrf()


def section_fields(s: int, title: str, *, windows: list[dict[str, str]] | None = None,
                   **extra: Any) -> dict[str, Any]:
    p = f"t{s}-"
    rows = windows if windows is not None else [NARROW]
    data: dict[str, Any] = {p + "titel": title, p + "thema": "culture", p + "personen": "10",
                            p + "min": "60", p + "max": "90", p + "haeufigkeit": "weekly",
                            p + "treffen": "1", p + "betreuung": "eigenregie",
                            p + "zielgruppen": ["children"], p + "fenster": str(len(rows))}
    for w, row in enumerate(rows):
        for key, value in row.items():
            data[f"{p}f{w}-{key}"] = value
    data.update({p + k: v for k, v in extra.items()})
    return data


def form(*sections: dict[str, Any], group: int | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"teile": str(len(sections)), "gemeinnuetzig": "ja",
                            "stadtteil": "ja", "aktion": "senden", **extra}
    if group is not None:
        data["gruppe"] = str(group)
    for s in sections:
        data.update(s)
    return data


def submit(client: TestClient, term: int, data: dict[str, Any],  # type: ignore[type-arg]
           path: str | None = None) -> Any:
    return client.post(path or f"/antraege/neu?saison={term}",
                       data={**data, "csrf_token": token(client)}, follow_redirects=False)


def error_at(html: str, field: str) -> str:
    """The error text shown at a field (``<p class="field-error" id="f-…-error">``)."""
    found = re.search(rf'<p class="field-error" id="f-{re.escape(field)}-error">([^<]*)</p>',
                      html)
    assert found, f"no error at {field}"
    return found.group(1)


def applications(factory: Any) -> list[Application]:
    with factory() as s:
        found = list(s.query(Application).order_by(Application.id))
        for a in found:
            _ = a.sections
        s.expunge_all()
        return found


# --- the group contact's pages ---------------------------------------------------------------


def test_a_contact_applies_with_two_sections_and_the_form_round_trips(
        client, world, round_, session_factory) -> None:
    term, choir = round_["term"], round_["choir"]
    login(client, world.emails["anna"])
    mine = client.get("/antraege")
    assert mine.status_code == 200
    assert f'href="/antraege/neu?saison={term}"' in mine.text  # the open round is offered
    assert 'href="/antraege"' not in client.get("/").text  # anna has no contact role yet
    with transaction(session_factory) as db:
        db.add(PersonRole(person_id=world.people["anna"], role=Role.GROUP_CONTACT))
    assert 'href="/antraege"' in client.get("/").text  # a contact finds it in the navigation

    # "Add another window" re-renders the form with one more row and keeps what was typed.
    first = section_fields(0, "Kinderchor")
    more = submit(client, term, form(first, group=choir, aktion="fenster:0"))
    assert more.status_code == 200
    assert 'name="t0-f1-tag"' in more.text and 'value="Kinderchor"' in more.text
    # "Add another activity" adds section 2.
    more = submit(client, term, form(first, group=choir, aktion="teil-dazu"))
    assert 'name="t1-titel"' in more.text
    assert applications(session_factory) == []  # nothing is stored by rearranging

    second = section_fields(1, "Elternabend", windows=[
        {"tag": "3", "von": "18:00", "bis": "21:00", "art": "moeglich"},
        {"tag": "3", "von": "19:00", "bis": "20:30", "art": "wunsch1"},
        {"tag": "", "von": "", "bis": "", "art": "moeglich"}],  # an empty row is dropped
        haeufigkeit="monthly", monatswochen=["1", "-1"], raum1=str(world.rooms["Café"]),
        ausstattung=["barrier_free"], sprachen="Deutsch, Arabisch", betreuung="betreut")
    with transaction(session_factory) as db:
        ours = Offer(centre_id=world.centre_id, group_id=choir, title="Chorprobe",
                     theme="culture")
        theirs = Offer(centre_id=world.centre_id, group_id=round_["club"], title="Schach",
                       theme="other")
        db.add_all([ours, theirs])
        db.flush()
        offers = (ours.id, theirs.id)
    shown = client.get(f"/antraege/neu?saison={term}").text
    assert "<li>Kinder</li>" in shown and "<li>Alle anderen</li>" in shown  # the classes
    assert ">Chorprobe</option>" in shown and ">Schach</option>" not in shown
    foreign = submit(client, term, form({**first, "t0-angebot": str(offers[1])}, group=choir))
    assert error_at(foreign.text, "t0-angebot") == "Bitte ein Angebot aus der Liste wählen."
    first["t0-angebot"] = str(offers[0])
    sent = submit(client, term, form(first, second, group=choir, notiz="Bitte ruhig"))
    assert sent.status_code == 303, sent.text
    assert re.fullmatch(r"/antraege/\d+\?hinweis=neu", sent.headers["location"])
    [stored] = applications(session_factory)
    assert stored.group_id == choir and stored.note == "Bitte ruhig"
    a, b = stored.sections
    assert (a.title, a.min_minutes, a.max_minutes, a.offer_id) == ("Kinderchor", 60, 90,
                                                                   offers[0])
    assert a.allowed_windows == [{"day": 0, "start": "16:00", "end": "18:00"}]
    assert (b.frequency, b.month_weeks, b.room_ids) == ("monthly", [1, -1], [world.rooms["Café"]])
    assert b.preferred_windows == [{"day": 3, "start": "19:00", "end": "20:30", "rank": 1}]
    assert (b.staffed, b.self_managed, b.languages) == (True, False, ["Deutsch", "Arabisch"])
    detail = client.get(sent.headers["location"])
    assert "Der Antrag ist eingereicht." in detail.text and "Elternabend" in detail.text

    # The edit form shows what is stored; a change is saved.
    edit = client.get(f"/antraege/{stored.id}/bearbeiten")
    assert edit.status_code == 200
    assert 'value="Elternabend"' in edit.text and 'value="19:00"' in edit.text
    changed = submit(client, term, form(section_fields(0, "Kinderchor Sieker"), second),
                     path=f"/antraege/{stored.id}/bearbeiten")
    assert changed.status_code == 303, changed.text
    assert [x.title for x in applications(session_factory)[0].sections] == [
        "Kinderchor Sieker", "Elternabend"]


def test_mistakes_are_shown_at_their_fields_in_german_and_english(
        client, world, round_, session_factory) -> None:
    term = round_["term"]
    login(client, world.emails["anna"])
    # What does not parse: each field says so.
    bad = submit(client, term, form(section_fields(
        0, "", personen="viele", windows=[{"tag": "0", "von": "16:00", "bis": "15:00",
                                           "art": "moeglich"}]), group=round_["choir"]))
    assert bad.status_code == 400
    assert error_at(bad.text, "t0-titel") == "Bitte geben Sie einen Titel an."
    assert error_at(bad.text, "t0-personen") == "Bitte eine ganze Zahl ab 1 eingeben."
    assert error_at(bad.text, "t0-f0-bis") == "Das Ende muss nach dem Beginn liegen."
    assert ('id="f-t0-titel" name="t0-titel" value="" maxlength="200" aria-invalid="true"'
            in bad.text)
    assert 'href="#f-t0-titel"' in bad.text  # the summary links to the field
    # What the service refuses: its code, at the field it belongs to.
    bad = submit(client, term, form(section_fields(0, "Chor", min="120", max="60"),
                                    group=round_["choir"]))
    assert bad.status_code == 400
    assert error_at(bad.text, "t0-min") == (
        "Teil 1: Die Mindestdauer ist länger als die Höchstdauer.")
    bad = submit(client, term, form(
        section_fields(0, "Chor"),
        section_fields(1, "Eltern", windows=[NARROW, {"tag": "2", "von": "10:00",
                                                      "bis": "11:00", "art": "wunsch2"}]),
        group=round_["choir"]))
    assert error_at(bad.text, "t1-fenster") == (
        "Teil 2: Ein Wunschzeitfenster liegt außerhalb der möglichen Zeitfenster.")
    assert 'value="Eltern"' in bad.text  # what was typed stays
    assert applications(session_factory) == []

    # Ben reads his account's language, English.
    client.cookies.clear()
    login(client, world.emails["ben"])
    bad = submit(client, term, form(section_fields(0, "", min="120", max="60"),
                                    group=round_["club"]))
    assert error_at(bad.text, "t0-titel") == "Please give a title."
    bad = submit(client, term, form(section_fields(0, "Chess", min="120", max="60"),
                                    group=round_["club"]))
    assert error_at(bad.text, "t0-min") == (
        "Section 1: the minimum duration is longer than the maximum.")


def test_nonsense_input_is_a_page_with_a_message_never_a_500(client, world, round_) -> None:
    term = round_["term"]
    login(client, world.emails["anna"])
    nonsense = [
        {"teile": "999999999999", "t0-titel": "x" * 300},
        {"teile": "-4", "t0-fenster": "abc", "t0-f0-tag": "9", "t0-f0-von": "25:99",
         "t0-f0-bis": "x", "t0-f0-art": "egal"},
        {"teile": "1", "t0-titel": "A", "t0-min": "1e9", "t0-max": "-1", "t0-treffen": "7",
         "t0-haeufigkeit": "daily", "t0-thema": "nothing", "t0-monatswochen": ["9", "x"],
         "t0-raum1": "99999999999999", "t0-ausstattung": ["jetpack"], "t0-fenster": "1",
         "t0-f0-tag": "1", "t0-f0-von": "10:00", "t0-f0-bis": "12:00"},
        {"teile": "1", "aktion": "fenster:99999", "t0-titel": "A\x00B"},
        {"teile": "1", "aktion": "teil-weg:abc", "gruppe": "abc"},
    ]
    for data in nonsense:
        r = submit(client, term, {"gruppe": str(round_["choir"]), **data})
        assert 200 <= r.status_code < 500 and r.status_code != 303, (data, r.status_code)
        assert "Raumplan" in r.text
    assert client.get("/antraege/neu?saison=99999999").status_code == 404
    assert client.get("/antraege/neu?saison=abc").status_code == 400
    assert client.get("/antraege/123456").status_code == 404


def test_withdraw_any_time(client, world, round_, session_factory) -> None:
    login(client, world.emails["anna"])
    sent = submit(client, round_["term"], form(section_fields(0, "Chor"), group=round_["choir"]))
    [stored] = applications(session_factory)
    detail = client.get(sent.headers["location"])
    assert f'action="/antraege/{stored.id}/zurueckziehen"' in detail.text
    r = client.post(f"/antraege/{stored.id}/zurueckziehen",
                    data={"csrf_token": token(client)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/antraege?hinweis=zurueckgezogen"
    assert applications(session_factory)[0].status == "withdrawn"
    page = client.get(r.headers["location"]).text
    assert "Der Antrag ist zurückgezogen." in page and "zurückgezogen" in page
    # Withdrawn is final: no more change button, and a change is refused with a message.
    assert f"/antraege/{stored.id}/bearbeiten" not in client.get(f"/antraege/{stored.id}").text
    late = submit(client, round_["term"], form(section_fields(0, "Chor")),
                  path=f"/antraege/{stored.id}/bearbeiten")
    assert late.status_code == 409 and "Dieser Antrag wurde zurückgezogen." in late.text


def test_only_the_groups_contact_and_the_centres_staff_may(
        client, world, round_, session_factory) -> None:
    term = round_["term"]
    login(client, world.emails["anna"])
    submit(client, term, form(section_fields(0, "Chor"), group=round_["choir"]))
    [stored] = applications(session_factory)
    client.cookies.clear()
    login(client, world.emails["ben"])  # the chess club's contact, not the choir's
    assert client.get(f"/antraege/{stored.id}").status_code == 403
    assert client.get(f"/antraege/{stored.id}/bearbeiten").status_code == 403
    assert client.get(f"/antraege/neu?saison={term}&gruppe={round_['choir']}").status_code == 403
    r = submit(client, term, form(section_fields(0, "Übernahme"), group=round_["choir"]))
    assert r.status_code == 403
    r = client.post(f"/antraege/{stored.id}/zurueckziehen", data={"csrf_token": token(client)})
    assert r.status_code == 403
    assert client.get("/verwaltung/vergabe/").status_code == 403
    assert client.get(f"/verwaltung/vergabe/{term}").status_code == 403
    assert applications(session_factory)[0].status == "submitted"

    client.cookies.clear()
    login(client, world.emails["staff_sued"])  # staff, of another centre
    assert client.get(f"/verwaltung/vergabe/{term}").status_code == 403
    assert client.get(f"/antraege/{stored.id}").status_code == 403
    r = client.post(f"/verwaltung/vergabe/{term}/status",
                    data={"status": "allocating", "csrf_token": token(client, "/verwaltung")})
    assert r.status_code == 403

    client.cookies.clear()
    assert client.get("/antraege", follow_redirects=False).status_code == 303  # to the login


# --- the staff's round view ------------------------------------------------------------------


def test_staff_run_the_round_pin_publish_and_each_applicant_reads_the_result(
        client, world, round_, session_factory, clock) -> None:
    term = round_["term"]
    narrow = [{"tag": "0", "von": "16:00", "bis": "18:00", "art": "moeglich"}]
    login(client, world.emails["anna"])
    submit(client, term, form(section_fields(0, "Kinderchor", windows=narrow, personen="25",
                                             min="120", max="120"), group=round_["choir"]))
    client.cookies.clear()
    login(client, world.emails["ben"])
    submit(client, term, form(section_fields(0, "Schach", windows=narrow, personen="25",
                                             min="120", max="120", zielgruppen=["adults"]),
                              group=round_["club"]))
    client.cookies.clear()
    login(client, world.emails["staff"])
    # Staff apply on a group's behalf with the same form.
    behalf = submit(client, term, form(section_fields(1 - 1, "Schach-Jugend", windows=[
        {"tag": "4", "von": "15:00", "bis": "18:00", "art": "moeglich"}]), group=round_["club"]))
    assert behalf.status_code == 303, behalf.text
    made = applications(session_factory)
    assert made[-1].group_id == round_["club"] and made[-1].applicant_id == world.people["staff"]

    base = f"/verwaltung/vergabe/{term}"
    page = client.get(base)
    assert page.status_code == 200 and "offen für Anträge" in page.text
    assert 'aria-current="page">Vergabe</a>' in page.text
    # The wishes calendar: Monday's cell holds both with their window (in words, not colour).
    calendar = page.text.split('<table class="wishes">')[1].split("</table>")[0]
    assert "Kinderchor, 16:00–18:00" in calendar and "Schach, 16:00–18:00" in calendar
    # Staff reject a section with a reason the applicant reads; without one, they are asked.
    youth = made[-1].sections[0].id
    empty = client.post(f"/verwaltung/vergabe/teil/{youth}/ablehnen",
                        data={"grund": "  ", "csrf_token": token(client, base)})
    assert empty.status_code == 400 and "Bitte geben Sie einen Grund an" in empty.text
    rejected = client.post(f"/verwaltung/vergabe/teil/{youth}/ablehnen", data={
        "grund": "Freitags ist das Haus ab 18 Uhr zu.", "csrf_token": token(client, base)},
        follow_redirects=False)
    assert rejected.status_code == 303
    assert "abgelehnt: <span lang=\"de\">Freitags ist das Haus" in client.get(base).text
    r = client.post(f"{base}/status", data={"status": "allocating", "csrf_token": token(
        client, base)}, follow_redirects=False)
    assert r.status_code == 303
    assert "in der Vergabe" in client.get(base).text
    queued = client.post(f"{base}/berechnen", data={"csrf_token": token(client, base)},
                         follow_redirects=False)
    assert queued.status_code == 303
    run_url = queued.headers["location"]
    waiting = client.get(run_url)
    assert "wartet auf den Planer" in waiting.text
    assert f'hx-get="{run_url}/fortschritt"' in waiting.text
    assert term_runs.work_once(session_factory, "test-worker", clock.now)
    done = client.get(f"{run_url}/fortschritt")
    assert done.headers.get("hx-refresh") == "true"
    html = client.get(run_url).text
    assert "Entwurf" in html and "bewiesen bester Plan" in html
    # The refused section: the staff see who took it, and what the applicant will read.
    card = html.split('<h3>Schach</h3>')[1].split('<li class="card"')[0]
    assert "Kein Platz." in card and ">Kinderchor</a>" in card
    assert "höheren Prioritätsklasse" in card

    # Lock the choir's slot: a new run from the pin, solved, then published.
    run_id = int(run_url.rsplit("/", 1)[1])
    with session_factory() as s:
        choir_section = next(x.id for a in s.query(Application) for x in a.sections
                             if x.title == "Kinderchor")
    pinned = client.post(f"{run_url}/festlegen", data={
        "teil": str(choir_section), "aktion": "lock", "csrf_token": token(client, run_url)},
        follow_redirects=False)
    assert pinned.status_code == 303, pinned.text
    second = pinned.headers["location"]
    assert second != run_url
    assert term_runs.work_once(session_factory, "test-worker", clock.now)
    assert "(festgelegt)" in client.get(second).text
    # A move to nonsense is refused with a message, and no run is made.
    with session_factory() as s:
        runs_before = s.query(TermRun).count()
    bad = client.post(f"{second}/festlegen", data={
        "teil": str(choir_section), "aktion": "move", "beginn": "16:10",
        "csrf_token": token(client, second)})
    assert bad.status_code == 400 and "halben Stunde" in bad.text
    for nonsense in ({"teil": "99999999999", "aktion": "lock"},
                     {"teil": str(choir_section), "aktion": "move", "raum": "9999999999"},
                     {"teil": str(choir_section), "aktion": "move", "tage": ["1", "8"]},
                     {"teil": "x", "aktion": "explode"}):
        r = client.post(f"{second}/festlegen", data={**nonsense,
                                                      "csrf_token": token(client, second)})
        assert r.status_code in (400, 404), (nonsense, r.status_code)
    with session_factory() as s:
        assert s.query(TermRun).count() == runs_before
    published = client.post(f"{second}/veroeffentlichen",
                            data={"csrf_token": token(client, second)}, follow_redirects=False)
    assert published.status_code == 303, published.text
    assert "Die Vergabe ist veröffentlicht" in client.get(published.headers["location"]).text
    assert run_id != int(second.rsplit("/", 1)[1])

    client.cookies.clear()
    login(client, world.emails["anna"])
    mine = client.get("/antraege").text
    assert "Ihr Platz: Mo. 16:00–18:00" in mine and "Termine" in mine
    assert "Feiertag (Ostermontag)" in mine  # the skipped date with its reason
    client.cookies.clear()
    login(client, world.emails["ben"])
    mine = client.get("/antraege").text
    assert "Sorry, no place." in mine and "higher priority class" in mine
    assert "turned down by the team" in mine and "Freitags ist das Haus ab 18 Uhr zu." in mine
    assert "Kinderchor" not in mine  # the refusal names no other applicant


def test_staff_create_a_term_then_open_it(client, world, session_factory) -> None:
    login(client, world.emails["staff"])
    base = "/verwaltung/vergabe/"
    fields = {"name": "Herbst 2027", "beginn": "2027-09-01", "ende": "2027-08-01",
              "antrag_von": "2027-05-01", "antrag_bis": "2027-06-30", "kriterien": "Kinder zuerst"}
    bad = client.post(base, data={**fields, "csrf_token": token(client, base)})
    assert bad.status_code == 400
    assert error_at(bad.text, "ende") == "Der erste Tag der Saison muss vor ihrem letzten liegen."
    assert 'value="Herbst 2027"' in bad.text
    bad = client.post(base, data={**fields, "ende": "31.02.2028", "name": "",
                                  "csrf_token": token(client, base)})
    assert error_at(bad.text, "ende") == "Bitte ein Datum angeben (TT.MM.JJJJ)."
    assert error_at(bad.text, "name") == "Bitte geben Sie einen Namen an."
    made = client.post(base, data={**fields, "ende": "31.01.2028",
                                   "csrf_token": token(client, base)}, follow_redirects=False)
    assert made.status_code == 303, made.text
    term_url = made.headers["location"]
    page = client.get(term_url).text
    assert "Herbst 2027" in page and "Entwurf" in page
    opened = client.post(f"{term_url}/status", data={"status": "open",
                                                     "csrf_token": token(client, term_url)},
                         follow_redirects=False)
    assert opened.status_code == 303
    assert "offen für Anträge" in client.get(term_url).text
    # A step the flow does not allow is refused with the service's words.
    skip = client.post(f"{term_url}/status", data={"status": "closed",
                                                   "csrf_token": token(client, term_url)})
    assert skip.status_code == 409 and "kann nicht in den Status" in skip.text


def test_staff_edit_a_terms_details_until_the_allocation_begins(
        client, world, round_, session_factory) -> None:
    term = round_["term"]
    login(client, world.emails["staff"])
    url = f"/verwaltung/vergabe/{term}/bearbeiten"
    page = client.get(url)
    assert page.status_code == 200 and 'value="Frühling 2027"' in page.text
    assert 'value="2027-03-29"' in page.text and 'value="2027-04-25"' in page.text
    fields = {"name": "Frühling 2027 (verlängert)", "beginn": "2027-03-29",
              "ende": "2027-03-01", "antrag_von": "2027-01-01", "antrag_bis": "2027-02-28",
              "kriterien": "Kinder und Jugendliche zuerst."}
    bad = client.post(url, data={**fields, "csrf_token": token(client, url)})
    assert bad.status_code == 400
    assert error_at(bad.text, "ende") == "Der erste Tag der Saison muss vor ihrem letzten liegen."
    assert 'value="Frühling 2027 (verlängert)"' in bad.text  # what was typed stays
    english = client.post(f"{url}?lang=en", data={**fields, "antrag_bis": "31.02.2027",
                                                  "csrf_token": token(client, url)})
    assert english.status_code == 400
    assert error_at(english.text, "antrag_bis") == "Please give a date (DD.MM.YYYY)."
    client.get(f"{url}?lang=de")  # the language chosen is remembered: back to German
    saved = client.post(url, data={**fields, "ende": "02.05.2027",
                                   "csrf_token": token(client, url)}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    shown = client.get(f"/api/terms/{term}").json()
    assert shown["name"] == "Frühling 2027 (verlängert)" and shown["ends_on"] == "2027-05-02"
    assert shown["criteria"] == "Kinder und Jugendliche zuerst."
    round_page = client.get(saved.headers["location"]).text
    assert "Die Angaben der Saison sind gespeichert." in round_page
    assert "Kinder und Jugendliche zuerst." in round_page
    # Once the allocation has begun, the details stand: a 409 that says so.
    status_url = f"/verwaltung/vergabe/{term}/status"
    assert client.post(status_url, data={"status": "allocating",
                                         "csrf_token": token(client, url)},
                       follow_redirects=False).status_code == 303
    late = client.post(url, data={**fields, "ende": "09.05.2027",
                                  "csrf_token": token(client, url)})
    assert late.status_code == 409 and "stehen fest" in late.text
    assert client.get(f"/api/terms/{term}").json()["ends_on"] == "2027-05-02"
    # Staff of no centre of this term may not even look.
    client.cookies.clear()
    login(client, world.emails["anna"])
    assert client.get(url).status_code == 403


def test_staff_set_the_priority_classes_on_their_page(client, world, round_) -> None:
    login(client, world.emails["staff"])
    url = "/verwaltung/vergabe/klassen"
    page = client.get(url)
    assert page.status_code == 200
    assert "Zielgruppe (mindestens eine davon): Kinder" in page.text  # the fixture's class 1
    rows = {"klassen": "4",
            "k0-rang": "2", "k0-name": "Gemeinnützige Kinder- und Jugendarbeit",
            "k0-non_profit": "ja", "k0-target_groups_any": ["children", "youth"],
            "k1-rang": "1", "k1-name": "Eigenes Programm", "k1-own_programme": "ja",
            "k2-rang": "3", "k2-name": "Alle anderen",
            "k3-rang": "4", "k3-name": ""}
    saved = client.post(url, data={**rows, "csrf_token": token(client, url)},
                        follow_redirects=False)
    assert saved.status_code == 303, saved.text
    classes = client.get(f"/api/centres/{world.centre_id}/priority-classes").json()
    assert [(c["rank"], c["name"], c["conditions"]) for c in classes] == [
        (1, "Eigenes Programm", {"own_programme": True}),
        (2, "Gemeinnützige Kinder- und Jugendarbeit",
         {"non_profit": True, "target_groups_any": ["children", "youth"]}),
        (3, "Alle anderen", {})]
    shown = client.get(url + "?lang=en").text
    assert "Target group (at least one of them): Children, Young people" in shown
    client.get(f"{url}?lang=de")  # the language chosen is remembered: back to German
    # Mistakes: a page with the reason, nothing stored.
    catch_all = client.post(url, data={**rows, "k2-from_district": "nein",
                                       "csrf_token": token(client, url)})
    assert catch_all.status_code == 400
    assert "Die letzte Prioritätsklasse muss ohne Bedingungen sein" in catch_all.text
    unnamed = client.post(url, data={**rows, "k3-non_profit": "ja",
                                     "csrf_token": token(client, url)})
    assert unnamed.status_code == 400
    assert error_at(unnamed.text, "k3-name").startswith("Bitte geben Sie der Klasse einen Namen")
    forged = client.post(url, data={**rows, "k0-age_groups_any": "99-120",
                                    "csrf_token": token(client, url)})
    assert forged.status_code == 400 and "Unbekannte Bedingung: 99-120" in forged.text
    for nonsense in ({"klassen": "999999"}, {"klassen": "abc"}, {"k0-rang": "x"},
                     {"k0-non_profit": "vielleicht"}):
        r = client.post(url, data={**rows, **nonsense, "csrf_token": token(client, url)})
        assert r.status_code == 400, (nonsense, r.status_code)
    assert len(client.get(f"/api/centres/{world.centre_id}/priority-classes").json()) == 3
    client.cookies.clear()
    login(client, world.emails["anna"])
    assert client.get(url).status_code == 403
