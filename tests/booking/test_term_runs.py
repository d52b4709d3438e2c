"""The term's allocation inside the service (issue 11 §4–§6): staff run the allocation in the
worker, read every section's slot or refusal, pin and re-run, publish series, and each
applicant reads the result in their language. On both databases, with small terms (four weeks
around Easter 2027) and short time limits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from booking.clock import FrozenClock
from booking.db import transaction
from booking.models import (
    Booking,
    Group,
    OutboxMail,
    Person,
    Series,
    SeriesDate,
    StaffProfile,
    TermRun,
)
from booking.services import planning, term_runs
from tests.booking.api_helpers import berlin, book, local
from tests.factories import PASSWORD, World

Headers = Callable[[str], dict[str, str]]
EASTER_MONDAY = date(2027, 3, 29)


def section(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "Kinderchor", "min_minutes": 60, "max_minutes": 90, "theme": "culture",
        "target_groups": ["children"], "expected_people": 10,
        "allowed_windows": [{"day": 0, "start": "16:00", "end": "19:00"}]}
    return {**base, **changes}


@pytest.fixture
def round_(client: TestClient, world: World, as_: Headers, now: datetime,
           session_factory: sessionmaker[Session]) -> dict[str, int]:
    """Centre nord: staff on duty every day 08–22, two groups (anna's choir, ben's club),
    classes (children first), a four-week term from Easter Monday 2027, open for applying."""
    with transaction(session_factory) as db:
        db.add(StaffProfile(person_id=world.people["staff"], centre_id=world.centre_id,
                            availability=[{"day": d, "start": "08:00", "end": "22:00"}
                                          for d in range(7)]))
        choir = Group(centre_id=world.centre_id, name="Kinderchor Sieker", kind="club",
                      contacts=[db.get(Person, world.people["anna"])])
        club = Group(centre_id=world.centre_id, name="Schachclub", kind="club",
                     contacts=[db.get(Person, world.people["ben"])])
        db.add_all([choir, club])
        db.flush()
        ids = {"choir": choir.id, "club": club.id}
    r = client.put(f"/api/centres/{world.centre_id}/priority-classes", headers=as_("staff"),
                   json=[{"name": "Kinder", "conditions": {"target_groups_any": ["children"]}},
                         {"name": "Alle anderen"}])
    assert r.status_code == 200, r.text
    r = client.post(f"/api/centres/{world.centre_id}/terms", headers=as_("staff"), json={
        "name": "Frühling 2027", "starts_on": "2027-03-29", "ends_on": "2027-04-25",
        "applications_from": (now - timedelta(days=1)).isoformat(),
        "applications_until": (now + timedelta(days=14)).isoformat()})
    assert r.status_code == 201, r.text
    ids["term"] = r.json()["id"]
    assert client.patch(f"/api/terms/{ids['term']}", headers=as_("staff"),
                        json={"status": "open"}).status_code == 200
    return ids


def apply(client: TestClient, as_: Headers, who: str, term: int, group: int,
          *sections: dict[str, Any]) -> dict[str, Any]:
    r = client.post(f"/api/terms/{term}/applications", headers=as_(who),
                    json={"group_id": group, "sections": list(sections)})
    assert r.status_code == 201, r.text
    return dict(r.json())


def allocate(client: TestClient, as_: Headers, term: int) -> None:
    r = client.patch(f"/api/terms/{term}", headers=as_("staff"), json={"status": "allocating"})
    assert r.status_code == 200, r.text


def solve(client: TestClient, as_: Headers, session_factory: sessionmaker[Session],
          clock: FrozenClock, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """Queue (or pin), let the worker solve it, and read the run."""
    queued = client.post(url, headers=as_("staff"), json=body or {"time_limit": 20})
    assert queued.status_code == 202, queued.text
    assert queued.json()["status"] == "queued"
    assert term_runs.work_once(session_factory, "test-worker", clock.now)
    run = client.get(f"/api/term-runs/{queued.json()['id']}",
                     headers={**as_("staff"), "Accept-Language": "en"})
    assert run.status_code == 200 and run.json()["status"] == "done", run.text
    return dict(run.json())


def by_title(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["title"]: s for s in run["sections"]}


def expanded(series: Series, last: date) -> list[datetime]:
    """The series' rule from its first date to ``last``, expanded by recurring-ical-events
    (an implementation independent of the service's) on the Berlin wall clock."""
    zone = ZoneInfo(series.zone)
    event = icalendar.Event()
    event.add("uid", "independent")
    event.add("dtstart", datetime.combine(
        series.first_date, time(series.start_minute // 60, series.start_minute % 60),
        tzinfo=zone))
    event.add("duration", timedelta(minutes=series.duration_minutes))
    assert series.rrule is not None
    event.add("rrule", icalendar.vRecur.from_ical(series.rrule))
    calendar = icalendar.Calendar()
    calendar.add_component(event)
    return sorted(e["DTSTART"].dt.astimezone(zone) for e in recurring_ical_events.of(
        calendar).between(series.first_date, last + timedelta(days=1)))


def stored_series(db: Session, booking_id: int) -> tuple[Series, list[datetime], set[date]]:
    """A published series: the row, the instants it holds (Berlin) and its skipped dates."""
    series = db.scalars(select(Series).where(Series.booking_id == booking_id)).one()
    held = [o.starts_at.astimezone(ZoneInfo(series.zone)) for o in db.scalars(
        select(Booking).where(Booking.id == booking_id)).one().occurrences
        if o.status == "confirmed"]
    skipped = {r.day for r in db.scalars(select(SeriesDate).where(
        SeriesDate.series_id == series.id, SeriesDate.state != "planned"))}
    return series, sorted(held), skipped


def test_a_run_needs_the_term_in_allocation_and_a_sane_time_limit(
        client: TestClient, as_: Headers, round_: dict[str, int]) -> None:
    url = f"/api/terms/{round_['term']}/runs"
    early = client.post(url, headers=as_("staff"), json={})
    assert early.status_code == 409 and early.json()["code"] == "term_not_allocating"
    allocate(client, as_, round_["term"])
    assert client.post(url, headers=as_("staff"), json={"time_limit": 0}).status_code == 400
    # Input the planner cannot use is refused now, with what is wrong, not as a failed run.
    client.patch(f"/api/terms/{round_['term']}", headers=as_("staff"), json={"status": "open"})
    apply(client, as_, "anna", round_["term"], round_["choir"],
          section(min_minutes=45, max_minutes=45))
    allocate(client, as_, round_["term"])
    odd = client.post(url, headers=as_("staff"), json={})
    assert odd.status_code == 400 and odd.json()["code"] == "term_run_input", odd.text
    assert "grid" in odd.json()["detail"]
    assert client.post(url, headers=as_("anna"), json={}).status_code == 403
    assert client.get("/api/term-runs/999", headers=as_("staff")).status_code == 404


def test_the_worker_allocates_a_slot_inside_the_windows_and_skips_the_holiday(
        client: TestClient, as_: Headers, round_: dict[str, int],
        session_factory: sessionmaker[Session], clock: FrozenClock) -> None:
    apply(client, as_, "anna", round_["term"], round_["choir"], section())
    allocate(client, as_, round_["term"])
    run = solve(client, as_, session_factory, clock, f"/api/terms/{round_['term']}/runs")
    choir = by_title(run)["Kinderchor"]
    assert choir["allocated"] and choir["days"] == [0]
    assert "16:00" <= choir["start"] and choir["end"] <= "19:00"
    starts = [local(d["starts_at"]) for d in choir["dates"]]
    ends = [local(d["ends_at"]) for d in choir["dates"]]
    assert all(60 <= (e - s).total_seconds() / 60 <= 90 for s, e in zip(starts, ends, strict=True))
    # Four Mondays in the term; Easter Monday is a holiday, the other three are held.
    assert [s.date() for s in starts] == [date(2027, 4, 5), date(2027, 4, 12), date(2027, 4, 19)]
    assert [(x["date"], x["reason"]) for x in choir["skipped"]] == [("2027-03-29", "holiday")]
    assert "Easter Monday" in choir["skipped"][0]["message"]["text"]
    assert len(run["weeks"]) == 4 and run["progress"]["stage"] == "done"
    # The holiday week is reported with its shortfall rather than hidden.
    assert "2027-03-29" in run["shortfall_weeks"]


def test_a_higher_class_keeps_the_slot_and_the_applicant_reason_names_nobody(
        client: TestClient, as_: Headers, round_: dict[str, int],
        session_factory: sessionmaker[Session], clock: FrozenClock) -> None:
    # Only the Café holds 25 people; both want it on Monday 16–18 exactly.
    narrow = [{"day": 0, "start": "16:00", "end": "18:00"}]
    apply(client, as_, "anna", round_["term"], round_["choir"],
          section(expected_people=25, min_minutes=120, max_minutes=120,
                  allowed_windows=narrow))
    chess = apply(client, as_, "ben", round_["term"], round_["club"],
                  section(title="Schach", target_groups=["adults"], expected_people=25,
                          min_minutes=120, max_minutes=120, allowed_windows=narrow))
    allocate(client, as_, round_["term"])
    run = solve(client, as_, session_factory, clock, f"/api/terms/{round_['term']}/runs")
    results = by_title(run)
    assert results["Kinderchor"]["allocated"]
    refused = results["Schach"]
    assert not refused["allocated"] and refused["rule"] == "priority_class"
    # Staff see who took it, by title, through the id map.
    assert [b["title"] for b in refused["blockers"]] == ["Kinderchor"]
    assert "Kinderchor" in refused["explanation"] and "section-" not in refused["explanation"]
    assert refused["reason"]["code"] == "refusal_higher_priority_class"
    # Published, ben reads the reason in his language, without the choir's name.
    published = client.post(f"/api/term-runs/{run['id']}/publish", headers=as_("staff"))
    assert published.status_code == 200, published.text
    mine = client.get(f"/api/applications/{chess['id']}", headers=as_("ben")).json()
    result = mine["sections"][0]["result"]
    assert mine["sections"][0]["status"] == "refused"
    assert "higher priority class" in result["reason"]["text"]
    assert "Kinderchor" not in str(mine) and result["blockers"] == []


def test_publishing_writes_series_equal_to_the_rule_minus_the_skipped_dates(
        client: TestClient, as_: Headers, round_: dict[str, int],
        session_factory: sessionmaker[Session], clock: FrozenClock) -> None:
    choir = apply(client, as_, "anna", round_["term"], round_["choir"],
                  section(allowed_windows=[{"day": 0, "start": "16:00", "end": "19:00"},
                                           {"day": 3, "start": "16:00", "end": "19:00"}],
                          meetings_per_week=2))
    chess = apply(client, as_, "ben", round_["term"], round_["club"],
                  section(title="Schach", target_groups=["adults"], frequency="fortnightly",
                          allowed_windows=[{"day": 2, "start": "18:00", "end": "21:00"}]))
    allocate(client, as_, round_["term"])
    run = solve(client, as_, session_factory, clock, f"/api/terms/{round_['term']}/runs")
    before = client.get(f"/api/applications/{choir['id']}", headers=as_("anna")).json()
    assert before["sections"][0]["result"] is None  # nothing is shown before publishing
    r = client.post(f"/api/term-runs/{run['id']}/publish", headers=as_("staff"))
    assert r.status_code == 200 and r.json()["status"] == "published", r.text
    assert client.get(f"/api/terms/{round_['term']}").json()["status"] == "published"
    for application, who in ((choir, "anna"), (chess, "ben")):
        shown = client.get(f"/api/applications/{application['id']}", headers=as_(who)).json()
        result = shown["sections"][0]["result"]
        assert shown["sections"][0]["status"] == "allocated"
        skipped = {date.fromisoformat(x["date"]) for x in result["skipped"]}
        published = [local(d["starts_at"]) for d in result["dates"]]
        with session_factory() as db:
            booking_id = db.scalars(select(Booking.id).where(
                Booking.group_id == application["group_id"])).one()
            series, held, stored_skips = stored_series(db, booking_id)
        # One issue-10 series per section, for the term's dates only.
        assert series.until == date(2027, 4, 25) and stored_skips == skipped
        assert held == published
        assert published == [d for d in expanded(series, date(2027, 4, 25))
                             if d.date() not in skipped]
        assert published and skipped == {d for d in skipped if d == EASTER_MONDAY} | skipped
    # The fortnightly club meets every other week only.
    chess_dates = [local(d["starts_at"]).date() for d in client.get(
        f"/api/applications/{chess['id']}", headers=as_("ben")).json()["sections"][0][
        "result"]["dates"]]
    assert len(chess_dates) == 2 and (chess_dates[1] - chess_dates[0]).days == 14
    # Each contact is mailed, in their language.
    with session_factory() as db:
        mails = {m.to_address: m for m in db.scalars(select(OutboxMail))}
    assert "Ergebnis" in mails["anna@example.org"].subject
    assert "result" in mails["ben@example.org"].subject
    assert "Schach" in mails["ben@example.org"].body
    assert "Kinderchor" not in mails["ben@example.org"].body


def test_a_withdrawn_application_is_never_published(
        client: TestClient, as_: Headers, round_: dict[str, int],
        session_factory: sessionmaker[Session], clock: FrozenClock) -> None:
    choir = apply(client, as_, "anna", round_["term"], round_["choir"], section())
    chess = apply(client, as_, "ben", round_["term"], round_["club"],
                  section(title="Schach", allowed_windows=[
                      {"day": 2, "start": "18:00", "end": "21:00"}]))
    gone = apply(client, as_, "ben", round_["term"], round_["club"],
                 section(title="Skat", allowed_windows=[
                     {"day": 4, "start": "18:00", "end": "21:00"}]))
    assert client.post(f"/api/applications/{gone['id']}/withdraw",
                       headers=as_("ben")).status_code == 201
    allocate(client, as_, round_["term"])
    run = solve(client, as_, session_factory, clock, f"/api/terms/{round_['term']}/runs")
    assert by_title(run)["Schach"]["allocated"]
    # Withdrawn before the run: never allocated, and the plan says why.
    assert not by_title(run)["Skat"]["allocated"] and by_title(run)["Skat"]["rule"] == "status"
    # Ben withdraws after the run, before publishing.
    assert client.post(f"/api/applications/{chess['id']}/withdraw",
                       headers=as_("ben")).status_code == 201
    r = client.post(f"/api/term-runs/{run['id']}/publish", headers=as_("staff"))
    assert r.status_code == 200, r.text
    with session_factory() as db:
        groups = {b.group_id for b in db.scalars(select(Booking))}
        assert groups == {choir["group_id"]}
        assert db.scalars(select(OutboxMail).where(
            OutboxMail.to_address == "ben@example.org")).all() == []
    shown = client.get(f"/api/applications/{chess['id']}", headers=as_("ben")).json()
    assert shown["status"] == "withdrawn" and shown["sections"][0]["result"] is None


def test_a_booking_confirmed_after_the_run_makes_its_date_skipped(
        client: TestClient, as_: Headers, round_: dict[str, int], world: World,
        session_factory: sessionmaker[Session], clock: FrozenClock) -> None:
    apply(client, as_, "anna", round_["term"], round_["choir"],
          section(min_minutes=120, max_minutes=120,
                  allowed_windows=[{"day": 0, "start": "16:00", "end": "18:00"}]))
    allocate(client, as_, round_["term"])
    run = solve(client, as_, session_factory, clock, f"/api/terms/{round_['term']}/runs")
    choir = by_title(run)["Kinderchor"]
    room = choir["room_id"]
    taken = book(client, as_("staff"), room, berlin(2027, 4, 12, 17), berlin(2027, 4, 12, 19),
                 title="Elternabend")
    assert taken.status_code == 201, taken.text
    r = client.post(f"/api/term-runs/{run['id']}/publish", headers=as_("staff"))
    assert r.status_code == 200, r.text
    mine = client.get("/api/applications/mine", headers=as_("anna")).json()
    result = mine[0]["sections"][0]["result"]
    assert [(x["date"], x["reason"]) for x in result["skipped"]] == [
        ("2027-03-29", "holiday"), ("2027-04-12", "booking")]
    assert [local(d["starts_at"]).date() for d in result["dates"]] == [
        date(2027, 4, 5), date(2027, 4, 19)]
    assert "Elternabend" not in str(result)  # the applicant does not learn whose booking
    # The mail says the slot, the dates and each skipped date with its reason.
    with session_factory() as db:
        body = db.scalars(select(OutboxMail)).one().body
    assert "Kinderchor: Mo. 16:00–18:00" in body and "an 2 Terminen" in body
    assert "Entfällt am 29. März 2027: Feiertag (Ostermontag)" in body
    assert "Entfällt am 12. Apr. 2027: Der Raum ist an diesem Tag schon vergeben." in body
    assert "Elternabend" not in body


def test_a_section_whose_every_date_was_taken_is_refused_and_the_rest_publishes(
        client: TestClient, as_: Headers, round_: dict[str, int],
        session_factory: sessionmaker[Session], clock: FrozenClock) -> None:
    """A slot that holds no date is no slot: the section is refused with a reason that names
    nobody, staff see the bookings that took it, and the other sections still publish."""
    choir = apply(client, as_, "anna", round_["term"], round_["choir"],
                  section(min_minutes=120, max_minutes=120,
                          allowed_windows=[{"day": 0, "start": "16:00", "end": "18:00"}]))
    chess = apply(client, as_, "ben", round_["term"], round_["club"],
                  section(title="Schach", target_groups=["adults"],
                          allowed_windows=[{"day": 2, "start": "18:00", "end": "21:00"}]))
    allocate(client, as_, round_["term"])
    run = solve(client, as_, session_factory, clock, f"/api/terms/{round_['term']}/runs")
    room = by_title(run)["Kinderchor"]["room_id"]
    # After the run, the choir's room is booked on every Monday but Easter Monday.
    for day in (5, 12, 19):
        taken = book(client, as_("staff"), room, berlin(2027, 4, day, 16),
                     berlin(2027, 4, day, 18), title="Elternabend")
        assert taken.status_code == 201, taken.text
    r = client.post(f"/api/term-runs/{run['id']}/publish", headers=as_("staff"))
    assert r.status_code == 200 and r.json()["status"] == "published", r.text

    shown = client.get(f"/api/applications/{choir['id']}", headers=as_("anna")).json()
    mine = shown["sections"][0]
    assert mine["status"] == "refused" and mine["reason"] == "refusal_dates_taken"
    assert mine["result"]["allocated"] is False and mine["result"]["dates"] == []
    assert "an keinem Ihrer Termine mehr frei" in mine["result"]["reason"]["text"]
    assert "Elternabend" not in str(shown)  # the applicant does not learn whose booking
    other = client.get(f"/api/applications/{chess['id']}", headers=as_("ben")).json()
    assert other["sections"][0]["status"] == "allocated"
    assert len(other["sections"][0]["result"]["dates"]) == 4
    # Staff see the refusal and what took the dates.
    staff_view = by_title(client.get(f"/api/term-runs/{run['id']}",
                                     headers=as_("staff")).json())["Kinderchor"]
    assert staff_view["allocated"] is False and staff_view["rule"] == "dates_taken"
    assert [b["title"] for b in staff_view["blockers"]] == ["Elternabend"]
    with session_factory() as db:
        assert db.scalars(select(Booking.id).where(
            Booking.group_id == choir["group_id"])).all() == []
        assert len(db.scalars(select(Booking.id).where(
            Booking.group_id == chess["group_id"])).all()) == 1
        body = db.scalars(select(OutboxMail).where(
            OutboxMail.to_address == "anna@example.org")).one().body
    assert "Kinderchor: leider kein Platz." in body and "Elternabend" not in body


def test_staff_pin_a_slot_and_the_next_run_follows_the_pins(
        client: TestClient, as_: Headers, round_: dict[str, int], world: World,
        session_factory: sessionmaker[Session], clock: FrozenClock) -> None:
    choir = apply(client, as_, "anna", round_["term"], round_["choir"], section(
        allowed_windows=[{"day": 0, "start": "16:00", "end": "19:00"},
                         {"day": 1, "start": "16:00", "end": "19:00"}],
        preferred_windows=[{"day": 0, "start": "16:00", "end": "19:00"}]))
    section_id = choir["sections"][0]["id"]
    allocate(client, as_, round_["term"])
    first = solve(client, as_, session_factory, clock, f"/api/terms/{round_['term']}/runs")
    assert by_title(first)["Kinderchor"]["days"] == [0]
    moved = solve(client, as_, session_factory, clock, f"/api/term-runs/{first['id']}/pins",
                  {"section_id": section_id, "action": "move", "days": [1], "start": "17:00",
                   "room_id": world.rooms["Gruppenraum 1"]})
    slot = by_title(moved)["Kinderchor"]
    assert (slot["days"], slot["start"], slot["room_id"]) == (
        [1], "17:00", world.rooms["Gruppenraum 1"])
    assert moved["previous_id"] == first["id"] and len(moved["pins"]) == 1
    forbidden = solve(client, as_, session_factory, clock,
                      f"/api/term-runs/{moved['id']}/pins",
                      {"section_id": section_id, "action": "forbid", "days": [1]})
    assert by_title(forbidden)["Kinderchor"]["days"] == [0]
    accepted = solve(client, as_, session_factory, clock,
                     f"/api/term-runs/{forbidden['id']}/pins",
                     {"section_id": section_id, "action": "accept"})
    kept, before = by_title(accepted)["Kinderchor"], by_title(forbidden)["Kinderchor"]
    assert (kept["days"], kept["start"], kept["end"], kept["room_id"]) == (
        before["days"], before["start"], before["end"], before["room_id"])
    bad = client.post(f"/api/term-runs/{accepted['id']}/pins", headers=as_("staff"),
                      json={"section_id": 99999, "action": "accept"})
    assert bad.status_code == 400 and bad.json()["code"] == "term_run_unknown_section"
    empty = client.post(f"/api/term-runs/{accepted['id']}/pins", headers=as_("staff"),
                        json={"section_id": section_id, "action": "move"})
    assert empty.status_code == 400 and empty.json()["code"] == "term_run_pin_needs_slot"


def test_a_stopping_worker_hands_the_term_run_back(
        client: TestClient, as_: Headers, round_: dict[str, int],
        session_factory: sessionmaker[Session], now: datetime) -> None:
    apply(client, as_, "anna", round_["term"], round_["choir"], section())
    allocate(client, as_, round_["term"])
    queued = client.post(f"/api/terms/{round_['term']}/runs", headers=as_("staff"), json={})
    assert term_runs.claim_next(session_factory, "stopping", now) == queued.json()["id"]
    assert term_runs.hand_back(session_factory, "stopping", now) == [queued.json()["id"]]
    with session_factory() as db:
        assert db.get_one(TermRun, queued.json()["id"]).status == "queued"
    # The background worker takes term runs as it takes week plans.
    assert planning.worker_loop(session_factory, lambda: now, once=True) == 1
    with session_factory() as db:
        assert db.get_one(TermRun, queued.json()["id"]).status == "done"


def test_a_round_changed_after_the_run_is_not_published_from_it(
        client: TestClient, as_: Headers, round_: dict[str, int],
        session_factory: sessionmaker[Session], clock: FrozenClock) -> None:
    apply(client, as_, "anna", round_["term"], round_["choir"], section())
    allocate(client, as_, round_["term"])
    run = solve(client, as_, session_factory, clock, f"/api/terms/{round_['term']}/runs")
    clock.advance(timedelta(minutes=5))
    # Staff enter a late application for ben's club while the allocation runs.
    apply(client, as_, "staff", round_["term"], round_["club"], section(title="Schach"))
    stale = client.post(f"/api/term-runs/{run['id']}/publish", headers=as_("staff"))
    assert stale.status_code == 409 and stale.json()["code"] == "term_run_outdated"
    with session_factory() as db:
        assert db.scalars(select(Booking)).all() == []
    assert client.get(f"/api/terms/{round_['term']}").json()["status"] == "allocating"


def test_a_closure_of_the_house_becomes_a_skipped_date_with_its_reason(
        client: TestClient, as_: Headers, round_: dict[str, int], world: World,
        session_factory: sessionmaker[Session], clock: FrozenClock) -> None:
    for name in ("Café", "Gruppenraum 1", "Büro"):
        closed = book(client, as_("staff"), world.rooms[name], berlin(2027, 4, 12, 0),
                      berlin(2027, 4, 13, 0), title="Betriebsausflug", kind="closure")
        assert closed.status_code == 201, closed.text
    apply(client, as_, "anna", round_["term"], round_["choir"], section())
    allocate(client, as_, round_["term"])
    run = solve(client, as_, session_factory, clock, f"/api/terms/{round_['term']}/runs")
    choir = by_title(run)["Kinderchor"]
    assert [(x["date"], x["reason"]) for x in choir["skipped"]] == [
        ("2027-03-29", "holiday"), ("2027-04-12", "closure")]
    assert choir["skipped"][1]["message"]["text"] == "Closed (Betriebsausflug)"
    assert [local(d["starts_at"]).date() for d in choir["dates"]] == [
        date(2027, 4, 5), date(2027, 4, 19)]


def test_a_reopened_term_publishes_again_from_today_on(
        client: TestClient, as_: Headers, round_: dict[str, int], world: World,
        session_factory: sessionmaker[Session], clock: FrozenClock, now: datetime) -> None:
    apply(client, as_, "anna", round_["term"], round_["choir"], section())
    allocate(client, as_, round_["term"])
    run = solve(client, as_, session_factory, clock, f"/api/terms/{round_['term']}/runs")
    assert client.post(f"/api/term-runs/{run['id']}/publish",
                       headers=as_("staff")).status_code == 200
    # Mid-term (after the meeting of 12 April) staff reopen the term for a late change.
    clock.advance(datetime(2027, 4, 14, 9, tzinfo=now.tzinfo) - now)
    login = client.post("/api/login", json={"email": world.emails["staff"],
                                            "password": PASSWORD})
    staff = {"Authorization": f"Bearer {login.json()['token']}"}
    assert client.patch(f"/api/terms/{round_['term']}", headers=staff,
                        json={"status": "allocating"}).status_code == 200
    queued = client.post(f"/api/terms/{round_['term']}/runs", headers=staff, json={})
    assert queued.status_code == 202, queued.text
    assert term_runs.work_once(session_factory, "test-worker", clock.now)
    again = client.get(f"/api/term-runs/{queued.json()['id']}", headers=staff).json()
    # The first publication's series is replaced, not competed with: the same slot is free.
    assert by_title(again)["Kinderchor"]["allocated"]
    assert client.post(f"/api/term-runs/{again['id']}/publish",
                       headers=staff).status_code == 200
    with session_factory() as db:
        held = sorted(local(o.starts_at.isoformat()).date()
                      for b in db.scalars(select(Booking)) for o in b.occurrences
                      if o.status == "confirmed")
    # Past dates stay once, the future date is held once, by the new series.
    assert held == [date(2027, 4, 5), date(2027, 4, 12), date(2027, 4, 19)]


def test_the_demo_round_publishes_series_whose_dates_are_the_plans(
        session_factory: sessionmaker[Session], now: datetime) -> None:
    """A whole term (26 weeks, NRW holidays, weekly, fortnightly and monthly sections):
    every series written holds exactly the plan's dates, and its rule expanded independently
    minus the skipped dates gives the same."""
    from booking.demo import load_demo
    from booking.models import Person, Term
    from booking.permissions import Actor
    from booking.services import term_publish, terms

    with transaction(session_factory) as db:
        load_demo(db, now)
        staff = Actor.of(db.scalars(select(Person).where(
            Person.email == "leitung@sieker-mitte.example")).one())
        term = db.scalars(select(Term)).one()
        terms.update_term(db, staff, term.id, {"status": "allocating"}, now)
        run_id = term_runs.queue_term_run(db, staff, term.id, now, time_limit=60).id
    assert term_runs.work_once(session_factory, "test-worker", lambda: now)
    with transaction(session_factory) as db:
        run = db.get_one(TermRun, run_id)
        draft = term_runs.read_term_run(db, run)
        assert draft is not None and draft.plan_status in ("optimal", "feasible")
        term_publish.publish_term_run(db, staff, run_id, now)
    with session_factory() as db:
        run = db.get_one(TermRun, run_id)
        assert run.status == "published" and len(run.series) >= 15
        by_section = {r.section_id: r for r in draft.sections}
        for section_id, entry in run.series.items():
            series, held, skipped = stored_series(db, entry["booking_id"])
            planned = by_section[int(section_id)]
            title = series.booking.title
            assert [s.astimezone(held[0].tzinfo) for s, _ in planned.dates] == held, title
            assert skipped == {date.fromisoformat(x["date"]) for x in entry["skipped"]}
            assert held == [d for d in expanded(series, series.until or date.max)
                            if d.date() not in skipped], title


def test_a_publication_that_fails_halfway_writes_nothing(
        client: TestClient, as_: Headers, round_: dict[str, int], monkeypatch: Any,
        session_factory: sessionmaker[Session], clock: FrozenClock) -> None:
    from booking.errors import Conflict
    from booking.services import series as series_service

    apply(client, as_, "anna", round_["term"], round_["choir"], section())
    apply(client, as_, "ben", round_["term"], round_["club"],
          section(title="Schach", target_groups=["adults"],
                  allowed_windows=[{"day": 2, "start": "18:00", "end": "21:00"}]))
    allocate(client, as_, round_["term"])
    run = solve(client, as_, session_factory, clock, f"/api/terms/{round_['term']}/runs")
    real = series_service.create_series
    calls: list[str] = []

    def second_fails(*args: Any, **kwargs: Any) -> Any:
        # The first section's series is written; the room of the second is taken meanwhile.
        calls.append(args[2].title)
        if len(calls) == 2:
            raise Conflict("room_taken_meanwhile")
        return real(*args, **kwargs)

    monkeypatch.setattr(series_service, "create_series", second_fails)
    r = client.post(f"/api/term-runs/{run['id']}/publish", headers=as_("staff"))
    assert r.status_code == 409 and r.json()["code"] == "room_taken_meanwhile", r.text
    assert len(calls) == 2
    with session_factory() as db:
        assert db.scalars(select(Series)).all() == []
        assert db.scalars(select(Booking)).all() == []
        assert db.scalars(select(OutboxMail)).all() == []
        assert db.get_one(TermRun, run["id"]).status == "done"
    assert client.get(f"/api/terms/{round_['term']}").json()["status"] == "allocating"
    # Once the room question is gone, the same run publishes whole.
    monkeypatch.setattr(series_service, "create_series", real)
    assert client.post(f"/api/term-runs/{run['id']}/publish",
                       headers=as_("staff")).status_code == 200
    with session_factory() as db:
        assert len(db.scalars(select(Series)).all()) == 2


def test_a_reopened_term_edits_or_ends_the_series_it_wrote(
        client: TestClient, as_: Headers, round_: dict[str, int], world: World,
        session_factory: sessionmaker[Session], clock: FrozenClock, now: datetime) -> None:
    choir = apply(client, as_, "anna", round_["term"], round_["choir"], section(
        allowed_windows=[{"day": 0, "start": "16:00", "end": "19:00"},
                         {"day": 1, "start": "16:00", "end": "19:00"}],
        preferred_windows=[{"day": 0, "start": "16:00", "end": "19:00"}]))
    chess = apply(client, as_, "ben", round_["term"], round_["club"], section(
        title="Schach", target_groups=["adults"],
        allowed_windows=[{"day": 2, "start": "16:00", "end": "21:00"}]))
    choir_id, chess_id = choir["sections"][0]["id"], chess["sections"][0]["id"]
    allocate(client, as_, round_["term"])
    run = solve(client, as_, session_factory, clock, f"/api/terms/{round_['term']}/runs")
    assert client.post(f"/api/term-runs/{run['id']}/publish",
                       headers=as_("staff")).status_code == 200
    with session_factory() as db:
        first = {s.booking.group_id: (s.id, s.booking_id) for s in db.scalars(select(Series))}
    # After the meeting of 12 April staff reopen the term: the choir moves to Tuesday, the
    # chess club keeps Wednesday but an hour later.
    clock.advance(datetime(2027, 4, 14, 9, tzinfo=now.tzinfo) - now)
    login = client.post("/api/login", json={"email": world.emails["staff"],
                                            "password": PASSWORD})
    staff = {"Authorization": f"Bearer {login.json()['token']}"}
    assert client.patch(f"/api/terms/{round_['term']}", headers=staff,
                        json={"status": "allocating"}).status_code == 200
    base = solve(client, lambda _: staff, session_factory, clock,
                 f"/api/terms/{round_['term']}/runs")
    moved = solve(client, lambda _: staff, session_factory, clock,
                  f"/api/term-runs/{base['id']}/pins",
                  {"section_id": choir_id, "action": "move", "days": [1], "start": "17:00"})
    was = by_title(run)["Schach"]["start"]
    hour = 19 if was != "19:00" else 16
    later = solve(client, lambda _: staff, session_factory, clock,
                  f"/api/term-runs/{moved['id']}/pins",
                  {"section_id": chess_id, "action": "move", "days": [2],
                   "start": f"{hour}:00"})
    r = client.post(f"/api/term-runs/{later['id']}/publish", headers=staff)
    assert r.status_code == 200, r.text
    with session_factory() as db:
        rows = db.scalars(select(Series).order_by(Series.id)).all()
        by_group = {}
        for row in rows:
            by_group.setdefault(row.booking.group_id, []).append(row)
        # The chess club's series is the same one, edited from today on; no second one.
        [chess_series] = by_group[round_["club"]]
        assert chess_series.id == first[round_["club"]][0]
        held = [o.starts_at.astimezone(ZoneInfo("Europe/Berlin")) for o in
                chess_series.booking.occurrences if o.status == "confirmed"]
        before = int(was[:2])
        assert [(h.date(), h.hour) for h in held] == [
            (date(2027, 3, 31), before), (date(2027, 4, 7), before),
            (date(2027, 4, 14), hour), (date(2027, 4, 21), hour)]
        # The choir's Monday series ends today; a Tuesday series holds the rest of the term.
        old, new = by_group[round_["choir"]]
        assert old.id == first[round_["choir"]][0] and old.until == date(2027, 4, 13)
        assert [o.starts_at.astimezone(ZoneInfo("Europe/Berlin")).date() for o in
                old.booking.occurrences if o.status == "confirmed"] == [
            date(2027, 4, 5), date(2027, 4, 12)]
        assert [r.day for r in new.dates if r.state == "planned"] == [
            date(2027, 4, 20)]
    # Anna reads every date of the term, the earlier series' and the new one's.
    login = client.post("/api/login", json={"email": world.emails["anna"],
                                            "password": PASSWORD})
    anna = {"Authorization": f"Bearer {login.json()['token']}"}
    mine = client.get(f"/api/applications/{choir['id']}", headers=anna).json()
    result = mine["sections"][0]["result"]
    assert [local(d["starts_at"]).date() for d in result["dates"]] == [
        date(2027, 4, 5), date(2027, 4, 12), date(2027, 4, 20)]
