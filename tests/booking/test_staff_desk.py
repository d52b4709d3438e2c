"""The staff desk pages on both databases: the dashboard a staff login lands on (pending
requests by event date with their overlaps, today's use of every room in the centre's zone,
plans waiting to be published, alerts) and the request inbox (filters, sorting, the rules a
request breaks, its fee, its history)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from litestar.testing import TestClient
from sqlalchemy.orm import Session, sessionmaker

import solver
from booking import formatting
from booking.db import transaction
from booking.models import OutboxMail, PlanRun
from tests.booking.test_pages import Page, api_request, csrf_of, local, login
from tests.factories import PASSWORD, World


def _section(html: str, heading_id: str) -> str:
    """The text of the dashboard section with that heading, up to the next section."""
    start = html.index(f'id="{heading_id}"')
    end = html.find("<section", start)
    return html[start:end if end != -1 else len(html)]


def test_staff_land_on_the_dashboard_and_residents_on_their_requests(
        client: TestClient, world: World) -> None:
    for key, home in (("staff", "/verwaltung"), ("anna", "/meine-anfragen")):
        client.cookies.clear()
        form = Page(client.get("/login").text)
        r = client.post("/login", data={"email": world.emails[key], "passwort": PASSWORD,
                                        "csrf_token": form.csrf()}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == home


def test_dashboard_lists_pending_requests_by_event_date_and_flags_overlaps(
        client: TestClient, as_, world: World) -> None:
    cafe, group = world.rooms["Café"], world.rooms["Gruppenraum 1"]
    later = api_request(client, as_("anna"), group, day=9)
    first = api_request(client, as_("anna"), cafe, day=2, start=18, end=21)
    rival = api_request(client, as_("ben"), cafe, day=2, start=19, end=22)
    alone = api_request(client, as_("ben"), group, day=3)
    login(client, world, "staff")
    page = client.get("/verwaltung")
    assert page.status_code == 200
    pending = _section(page.text, "offen-titel")
    order = [int(n) for n in re.findall(r"Anfrage Nr\. (\d+)</a>", pending)]
    assert order == [first, rival, alone, later]
    assert f"Überschneidet sich mit Anfrage Nr. {rival} (gleicher Raum, gleiche Zeit)." in pending
    assert f"Überschneidet sich mit Anfrage Nr. {first} (gleicher Raum, gleiche Zeit)." in pending
    line_alone = pending[pending.index(f"Anfrage Nr. {alone}"):]
    assert "Überschneidet" not in line_alone.split("</li>")[0]


def test_dashboard_shows_todays_use_of_every_room_in_the_centres_zone(
        client: TestClient, as_, world: World) -> None:
    cafe = world.rooms["Café"]
    # "Now" is Wednesday 25 November, 10:00 in Bielefeld. 00:30 Berlin time is still the
    # evening before in UTC, and Thursday 00:30 in Berlin is Wednesday in UTC.
    for title, start, end in (("Nachtcafé", "2026-11-24T23:30:00+00:00",
                               "2026-11-25T00:30:00+00:00"),
                              ("Morgencafé", "2026-11-25T23:30:00+00:00",
                               "2026-11-26T00:30:00+00:00")):
        r = client.post("/api/bookings", headers=as_("staff"), json={
            "kind": "programme", "title": title, "room_id": cafe,
            "starts_at": start, "ends_at": end})
        assert r.status_code == 201, r.text
    login(client, world, "staff")
    today = _section(client.get("/verwaltung").text, "heute-titel")
    assert "Mi., 25. Nov. 2026" in today
    assert "00:30–01:30" in today and "Nachtcafé" in today
    assert "Morgencafé" not in today
    # Every room of the centre is listed, the free ones as free; other centres' rooms not.
    for name in ("Café", "Gruppenraum 1", "Büro"):
        assert f'<th scope="row">{name}</th>' in today
    assert "Saal Süd" not in today and "frei" in today


def stored_plan(unplaced: tuple[solver.Explanation, ...] = (),
                requirement_failures: tuple[solver.RequirementFailure, ...] = (),
                ) -> dict[str, Any]:
    """A finished week plan as the worker stores it (the solver's JSON form)."""
    return solver.plan_to_json(solver.Plan(
        status="feasible", placements=(), shifts=(), unplaced=unplaced, unused_candidates=(),
        requirement_failures=requirement_failures,
        figures=solver.Figures(open_minutes_per_day=(0,) * 7, open_minutes=0, open_days=0,
                               consultation_minutes=0, utilisation=(), placed=0,
                               unplaced=len(unplaced), placed_by_kind=(), placed_weight=0,
                               demand_weight=0, moved=0),
        stats=solver.SolveStats(status="feasible", objective=0, bound=0, gap=0.0, seconds=0.0,
                                first_solution_seconds=None)))


def test_dashboard_shows_waiting_plans_failed_mails_and_unmet_requirements(
        client: TestClient, world: World, session_factory: sessionmaker[Session],
        now: datetime) -> None:
    with transaction(session_factory) as s:
        s.add(OutboxMail(created_at=now, to_address="anna@example.org",
                         subject="Ihre Anfrage", body="…", attempts=3,
                         last_error="Connection refused"))
        s.add(PlanRun(centre_id=world.centre_id, week="2026-W49", status="done",
                      created_at=now, plan=stored_plan(
                          unplaced=(solver.Explanation("group-1", "room_conflict",
                                                       "room_conflict", "…"),),
                          requirement_failures=(solver.RequirementFailure(
                              rule="buergersprechstunde", subject="consultation_minutes",
                              required=600, achieved=480, unit="minutes", message="…"),))))
        # A finished plan of a past week is no longer waiting.
        s.add(PlanRun(centre_id=world.centre_id, week="2026-W40", status="done",
                      created_at=now, plan=stored_plan()))
    login(client, world, "staff")
    page = client.get("/verwaltung").text
    plans = _section(page, "plaene-titel")
    assert "KW 49" in plans or "2026-W49" in plans
    assert "1 Wunsch nicht eingeplant" in plans and "1 Anforderung nicht erfüllt" in plans
    assert "W40" not in plans and "KW 40" not in plans
    alerts = _section(page, "hinweise-titel")
    assert "anna@example.org" in alerts and "Connection refused" in alerts
    assert "Woche 2026-W49: nur 8 statt 10 Stunden Bürgersprechstunde." in alerts
    # The other centre's staff see neither the plan nor its requirement.
    client.cookies.clear()
    login(client, world, "staff_sued")
    other = client.get("/verwaltung").text
    assert "Bürgersprechstunde." not in _section(other, "hinweise-titel")
    assert "Kein fertiger Plan wartet" in _section(other, "plaene-titel")


def test_residents_cannot_open_the_dashboard(client: TestClient, world: World) -> None:
    login(client, world, "anna")
    r = client.get("/verwaltung")
    assert r.status_code == 403
    assert "Offene Anfragen" not in r.text


def test_inbox_filters_by_room_and_status_and_sorts_by_event_date(
        client: TestClient, as_, world: World) -> None:
    cafe, group = world.rooms["Café"], world.rooms["Gruppenraum 1"]
    late = api_request(client, as_("anna"), cafe, day=10, purpose="Spät")
    early = api_request(client, as_("anna"), cafe, day=2, purpose="Früh")
    other_room = api_request(client, as_("ben"), group, day=4, purpose="Anderer Raum")
    declined = api_request(client, as_("ben"), cafe, day=5, purpose="Abgelehnt")
    assert client.post(f"/api/rentals/{declined}/decline", headers=as_("staff"),
                       json={"reason": "Renovierung"}).status_code == 200
    login(client, world, "staff")

    def shown(query: str) -> list[int]:
        page = client.get(f"/verwaltung/anfragen?{query}")
        assert page.status_code == 200
        return [int(n) for n in re.findall(r'<li class="request" id="anfrage-(\d+)"', page.text)]

    assert shown("") == [early, other_room, late]
    assert shown("sortierung=datum-absteigend") == [late, other_room, early]
    assert shown(f"raum={cafe}") == [early, late]
    assert shown("status=abgelehnt") == [declined]
    assert shown("status=alle&sortierung=datum") == [early, other_room, declined, late]
    # Unknown values fall back to the defaults instead of failing.
    assert shown("status=kaputt&raum=999999&sortierung=x") == [early, other_room, late]


def test_inbox_shows_the_rules_a_request_breaks_its_fee_and_its_history(
        client: TestClient, as_, world: World) -> None:
    cafe = world.rooms["Café"]
    rental = api_request(client, as_("anna"), cafe, day=2, start=18, end=21)
    taken = client.post("/api/bookings", headers=as_("staff"), json={
        "kind": "programme", "title": "Sprachcafé", "room_id": cafe,
        "starts_at": local(2026, 12, 2, 17), "ends_at": local(2026, 12, 2, 19)})
    assert taken.status_code == 201
    quote = client.post("/api/rentals/quote", json={
        "room_id": cafe, "starts_at": local(2026, 12, 2, 18), "ends_at": local(2026, 12, 2, 21),
        "expected_people": 10}).json()
    login(client, world, "staff")
    page = client.get("/verwaltung/anfragen").text
    card = page[page.index(f'id="anfrage-{rental}"'):]
    assert "Regeln, gegen die die Anfrage verstößt" in card and "Sprachcafé" in card
    # The fee is the quote's: the same function the request ran.
    assert f"<dt>Gebühr</dt><dd>{formatting.money(quote['fee_cents'], 'de')}</dd>" in card
    # Decline with a reason; the history tells who asked, who declined, and why.
    token = csrf_of(client, "/verwaltung/anfragen")
    r = client.post(f"/verwaltung/anfragen/{rental}/ablehnen",
                    data={"csrf_token": token, "grund": "Der Raum ist belegt."})
    assert r.status_code == 200
    history = client.get("/verwaltung/anfragen?status=abgelehnt").text
    history = history[history.index("<summary>Verlauf</summary>"):]
    assert "angefragt" in history and "abgelehnt" in history
    assert "Der Raum ist belegt." in history
    assert "25. Nov. 2026, 10:00" in history  # the frozen clock's now, in Bielefeld
