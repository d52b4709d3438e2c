"""The term's series in the week planner (issue 11 §7): a date of a group's series enters the
week as the group's, at its usual slot but free to move within the group's windows; a conflict
in one week moves the group for that week only, and publishing the week writes that one date
as an exception of the series, never its pattern. On both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from booking.clock import FrozenClock
from booking.db import transaction
from booking.models import Booking, BookingKind, Occurrence, Offer, Person, PlanRun, Series
from booking.permissions import Actor
from booking.services import planning
from booking.services import series as series_service
from booking.services.locking import lock_rooms
from booking.timeutil import local_span
from tests.booking.test_term_pages import login
from tests.booking.test_term_runs import allocate, apply, by_title, round_, section, solve
from tests.factories import World

__all__ = ["round_"]  # the fixture, shared with the term tests

Headers = Callable[[str], dict[str, str]]
BERLIN = ZoneInfo("Europe/Berlin")
WEEK = "2027-W15"  # Monday 12 April 2027
MONDAY = date(2027, 4, 12)


def hhmm(value: str) -> time:
    return time(int(value[:2]), int(value[3:]))


def test_a_rental_in_the_groups_slot_moves_the_group_for_that_week_only(
        client: TestClient, as_: Headers, round_: dict[str, int], world: World,
        session_factory: sessionmaker[Session], clock: FrozenClock, now: datetime) -> None:
    apply(client, as_, "anna", round_["term"], round_["choir"],
          section(min_minutes=90, max_minutes=90))
    allocate(client, as_, round_["term"])
    run = solve(client, as_, session_factory, clock, f"/api/terms/{round_['term']}/runs")
    choir = by_title(run)["Kinderchor"]
    room, start = choir["room_id"], hhmm(choir["start"])
    usual = local_span(MONDAY, start, timedelta(minutes=90), "Europe/Berlin")
    # A rental is confirmed into the choir's usual slot on 12 April before publishing.
    with transaction(session_factory) as db:
        lock_rooms(db, [room])
        rental = Booking(centre_id=world.centre_id, kind=BookingKind.RENTAL,
                         status="confirmed", title="Geburtstag", created_at=now,
                         updated_at=now)
        rental.occurrences = [Occurrence(room_id=room, starts_at=usual[0], ends_at=usual[1],
                                         status="confirmed")]
        db.add(rental)
    assert client.post(f"/api/term-runs/{run['id']}/publish",
                       headers=as_("staff")).status_code == 200
    with session_factory() as db:
        series = db.scalars(select(Series)).one()
        series_id = series.id
        pattern = (series.rrule, series.start_minute, series.duration_minutes,
                   series.room_id, series.changes)
        assert {r.day: r.state for r in series.dates}[MONDAY] == "skipped"

    # The week plan holds the choir elsewhere within its window (Monday 16–19).
    with transaction(session_factory) as db:
        staff = Actor.of(db.get_one(Person, world.people["staff"]))
        plan_id = planning.queue_plan(db, staff, centre_id=world.centre_id, week=WEEK,
                                      now=now, time_limit=20).id
    assert planning.claim_next(session_factory, "test-worker", now) == plan_id
    planning.execute(session_factory, plan_id, clock.now, workers=1)
    with session_factory() as db:
        plan_run = db.get_one(PlanRun, plan_id)
        sources = planning.read_sources(plan_run)
        placed = [p for p in plan_run.plan["placements"]
                  if sources[p["demand"]].kind == "series_date"]
    assert len(placed) == 1, placed
    where = placed[0]
    assert where["day"] == 0 and "16:00" <= where["start"] and where["end"] <= "19:00"
    assert (int(where["room"]), where["start"]) != (room, choir["start"])
    with transaction(session_factory) as db:
        staff = Actor.of(db.get_one(Person, world.people["staff"]))
        planning.publish(db, staff, plan_id, now, acknowledge_unmet=True)

    with session_factory() as db:
        series = db.get_one(Series, series_id)
        # The pattern is the term's; only the one date is an exception.
        assert (series.rrule, series.start_minute, series.duration_minutes,
                series.room_id, series.changes) == pattern
        rows = {r.day: r for r in series.dates}
        moved = rows[MONDAY]
        assert moved.state == "planned" and moved.detached
        assert moved.occurrence is not None
        local = moved.occurrence.starts_at.astimezone(BERLIN)
        assert (moved.occurrence.room_id, f"{local:%H:%M}") == (int(where["room"]),
                                                                 where["start"])
        assert moved.occurrence.ends_at - moved.occurrence.starts_at == timedelta(minutes=90)
        # The other weeks keep the pattern.
        for day in (date(2027, 4, 5), date(2027, 4, 19)):
            other = rows[day]
            assert other.state == "planned" and not other.detached
            assert other.occurrence is not None and other.occurrence.room_id == room
            assert other.occurrence.starts_at.astimezone(BERLIN).time() == start
        assert [d for d, r in rows.items() if r.detached] == [MONDAY]

    # The series' preview now says the date is changed on its own: an edit leaves it there.
    with transaction(session_factory) as db:
        staff = Actor.of(db.get_one(Person, world.people["staff"]))
        preview = series_service.edit_series(
            db, staff, series_id, series_service.SeriesChange(
                start=(datetime.combine(MONDAY, start) + timedelta(minutes=30)).time()),
            now=now, dry_run=True)
        verdicts = {v.day: v for v in preview.verdicts}
        assert verdicts[MONDAY].detached and not verdicts[date(2027, 4, 19)].detached


def test_a_week_without_conflict_changes_no_date_of_the_series(
        client: TestClient, as_: Headers, round_: dict[str, int], world: World,
        session_factory: sessionmaker[Session], clock: FrozenClock, now: datetime) -> None:
    apply(client, as_, "anna", round_["term"], round_["choir"],
          section(min_minutes=90, max_minutes=90))
    allocate(client, as_, round_["term"])
    run = solve(client, as_, session_factory, clock, f"/api/terms/{round_['term']}/runs")
    assert client.post(f"/api/term-runs/{run['id']}/publish",
                       headers=as_("staff")).status_code == 200
    with session_factory() as db:
        before = sorted((o.id, o.room_id, o.starts_at, o.sequence)
                        for o in db.scalars(select(Occurrence)))
    with transaction(session_factory) as db:
        staff = Actor.of(db.get_one(Person, world.people["staff"]))
        plan_id = planning.queue_plan(db, staff, centre_id=world.centre_id, week=WEEK,
                                      now=now, time_limit=20).id
    assert planning.claim_next(session_factory, "test-worker", now) == plan_id
    planning.execute(session_factory, plan_id, clock.now, workers=1)
    with session_factory() as db:
        plan_run = db.get_one(PlanRun, plan_id)
        kinds: dict[str, Any] = {d: s.kind for d, s in planning.read_sources(plan_run).items()}
        # The date enters as the group's demand, not as a fixed booking.
        assert list(kinds.values()).count("series_date") == 1
    with transaction(session_factory) as db:
        staff = Actor.of(db.get_one(Person, world.people["staff"]))
        planning.publish(db, staff, plan_id, now, acknowledge_unmet=True)
    with session_factory() as db:
        after = sorted((o.id, o.room_id, o.starts_at, o.sequence)
                       for o in db.scalars(select(Occurrence)))
        assert after == before
        assert not any(r.detached for r in db.scalars(select(Series)).one().dates)


def test_the_weeks_poster_shows_a_term_group_of_a_public_offer(
        client: TestClient, as_: Headers, round_: dict[str, int], world: World,
        session_factory: sessionmaker[Session], clock: FrozenClock, now: datetime) -> None:
    """What a demand is comes from the run's map: a date of a term's series is on the poster
    when its offer is public (its demand id is no request's id to parse)."""
    with transaction(session_factory) as db:
        offer = Offer(centre_id=world.centre_id, title="Kinderchor", theme="culture",
                      public=True)
        db.add(offer)
        db.flush()
        offer_id = offer.id
    apply(client, as_, "anna", round_["term"], round_["choir"],
          section(min_minutes=90, max_minutes=90, offer_id=offer_id))
    allocate(client, as_, round_["term"])
    run = solve(client, as_, session_factory, clock, f"/api/terms/{round_['term']}/runs")
    assert client.post(f"/api/term-runs/{run['id']}/publish",
                       headers=as_("staff")).status_code == 200
    with transaction(session_factory) as db:
        staff = Actor.of(db.get_one(Person, world.people["staff"]))
        plan_id = planning.queue_plan(db, staff, centre_id=world.centre_id, week=WEEK,
                                      now=now, time_limit=20).id
    assert planning.claim_next(session_factory, "test-worker", now) == plan_id
    planning.execute(session_factory, plan_id, clock.now, workers=1)
    login(client, world.emails["staff"])
    poster = client.get(f"/verwaltung/plan/{plan_id}/aushang")
    assert poster.status_code == 200, poster.text
    assert "Programm der Woche" in poster.text and "Kinderchor" in poster.text
