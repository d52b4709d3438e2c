"""The demo centre: loads on both databases and meets the Profil Stadtteilzentrum."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from booking.db import transaction
from booking.demo import (
    DEMO_PASSWORD,
    WEEKS_BEFORE,
    DemoAlreadyLoaded,
    load_demo,
    public_holidays,
)
from booking.errors import Conflict
from booking.models import (
    AuditEvent,
    Booking,
    Centre,
    Feature,
    Group,
    Occurrence,
    Offer,
    Person,
    PersonRole,
    Role,
    Room,
    Theme,
)
from booking.security import verify_password
from booking.timeutil import to_local

ZONE = "Europe/Berlin"


def _load(session_factory: sessionmaker[Session], now: datetime) -> int:
    with transaction(session_factory) as session:
        return load_demo(session, now).id


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _union_hours(intervals: list[tuple[datetime, datetime]]) -> float:
    total = timedelta(0)
    end_so_far: datetime | None = None
    for begin, end in sorted(intervals):
        if end_so_far is None or begin >= end_so_far:
            total += end - begin
            end_so_far = end
        elif end > end_so_far:
            total += end - end_so_far
            end_so_far = end
    return total.total_seconds() / 3600


def _first_week(session: Session, now: datetime) -> list[Occurrence]:
    """Confirmed, staffed programme occurrences in the week of ``now`` (local Monday–Sunday)."""
    today = to_local(now, ZONE).date()
    monday = today - timedelta(days=today.weekday())
    rows = session.scalars(
        select(Occurrence).join(Booking).join(Offer, Booking.offer_id == Offer.id)
        .where(Booking.kind == "programme", Booking.status == "confirmed",
               Occurrence.status == "confirmed", Offer.self_managed.is_(False))
    ).all()
    return [o for o in rows
            if monday <= to_local(o.starts_at, ZONE).date() < monday + timedelta(days=7)]


def test_demo_loads_with_rooms_offers_groups_and_staff(
    session_factory: sessionmaker[Session], now: datetime
) -> None:
    centre_id = _load(session_factory, now)
    with session_factory() as session:
        centre = session.get(Centre, centre_id)
        assert centre is not None
        assert centre.timezone == ZONE and centre.holiday_subdivision == "NW"
        rooms = session.scalars(select(Room)).all()
        assert len(rooms) >= 10
        features = {r.name: set(r.features) for r in rooms}
        assert any(Feature.CONFIDENTIAL in f and Feature.SOUND_PROOF in f
                   for f in features.values())
        assert any(Feature.KITCHEN in f for f in features.values())
        assert any(Feature.OUTDOOR in f for f in features.values())
        hall = next(r for r in rooms if r.name == "Saal")
        assert hall.capacity >= 100 and hall.rentable
        assert {Feature.STAGE, Feature.PROJECTOR, Feature.HEARING_LOOP} <= set(hall.features)
        for room in rooms:
            if Feature.CONFIDENTIAL in room.features or room.name.startswith(("Büro", "Lager")):
                assert not room.rentable, room.name
            if room.rentable:
                assert room.price_per_hour_cents > 0
                assert room.weekend_price_per_hour_cents >= room.price_per_hour_cents

        assert _count(session, Offer) >= 20
        assert _count(session, Group) >= 10
        assert all(g.contacts for g in session.scalars(select(Group)))

        def holders(role: Role) -> list[PersonRole]:
            return list(session.scalars(select(PersonRole).where(PersonRole.role == role)))

        staff = holders(Role.STAFF)
        assert 4 <= len(staff) <= 6 and all(r.centre_id == centre_id for r in staff)
        assert [r.centre_id for r in holders(Role.ADMIN)] == [None]
        assert len(holders(Role.CITY)) == 1
        assert [r.centre_id for r in holders(Role.TERMINAL)] == [centre_id]
        assert len(holders(Role.GROUP_CONTACT)) >= 5
        assert len(holders(Role.RESIDENT)) >= len(holders(Role.GROUP_CONTACT)) + 3


def test_offers_cover_every_theme(session_factory: sessionmaker[Session], now: datetime) -> None:
    _load(session_factory, now)
    with session_factory() as session:
        offers = session.scalars(select(Offer)).all()
        assert {o.theme for o in offers} == {str(t) for t in Theme}
        assert any(o.theme == Theme.SELF_HELP and not o.public for o in offers)
        assert any(o.self_managed for o in offers)
        sprachcafe = next(o for o in offers if o.title == "Sprachcafé Deutsch")
        assert {"de", "ar", "uk", "tr"} <= set(sprachcafe.languages)


def test_first_week_programme_meets_the_profil(
    session_factory: sessionmaker[Session], now: datetime
) -> None:
    _load(session_factory, now)
    with session_factory() as session:
        week = _first_week(session, now)
        per_day: dict[date, list[tuple[datetime, datetime]]] = defaultdict(list)
        for occ in week:
            per_day[to_local(occ.starts_at, ZONE).date()].append((occ.starts_at, occ.ends_at))
        hours = {day: _union_hours(spans) for day, spans in per_day.items()}
        assert sum(hours.values()) >= 40
        assert len([h for h in hours.values() if h > 0]) >= 5
        assert any(day.weekday() >= 5 for day in hours), "no weekend offer"

        consultation = [o for o in week if o.booking.title == "Bürgersprechstunde"]
        assert all(Feature.CONFIDENTIAL in o.room.features for o in consultation)
        spans = [(o.starts_at, o.ends_at) for o in consultation]
        assert _union_hours(spans) >= 10
        assert len({to_local(o.starts_at, ZONE).date() for o in consultation}) >= 3
        assert any(to_local(o.ends_at, ZONE).hour >= 19 for o in consultation), "no evening"
        staff_ids = set(session.scalars(
            select(PersonRole.person_id).where(PersonRole.role == Role.STAFF)))
        assert all(o.booking.responsible_id in staff_ids for o in week)


def test_series_keep_their_rule_and_fixed_programme_times(
    session_factory: sessionmaker[Session], now: datetime
) -> None:
    _load(session_factory, now)
    with session_factory() as session:
        bookings = session.scalars(select(Booking)).all()
        series = [b for b in bookings if b.kind in ("programme", "group")]
        assert all(b.rrule and b.occurrences for b in series)
        rules = {b.rrule.split(";UNTIL")[0] for b in series if b.rrule}
        assert any("INTERVAL=2" in r for r in rules)
        assert any(r.startswith("FREQ=MONTHLY") for r in rules)
        cafe = next(b for b in bookings if b.title == "Offenes Café")
        for occ in cafe.occurrences:
            local = to_local(occ.starts_at, ZONE)
            assert local.weekday() < 5 and local.hour == 10
            assert to_local(occ.ends_at, ZONE).hour == 13
        first = min(to_local(o.starts_at, ZONE).date() for b in series for o in b.occurrences)
        today = to_local(now, ZONE).date()
        assert first == today - timedelta(days=today.weekday(), weeks=WEEKS_BEFORE)
        assert any(b.kind == "closure" and b.status == "confirmed" for b in bookings)


def test_rentals_confirmed_and_pending_with_competing_requests(
    session_factory: sessionmaker[Session], now: datetime
) -> None:
    _load(session_factory, now)
    with session_factory() as session:
        rentals = session.scalars(select(Booking).where(Booking.kind == "rental")).all()
        confirmed = [b for b in rentals if b.status == "confirmed"]
        pending = [b for b in rentals if b.status == "pending"]
        assert len(confirmed) >= 2 and 3 <= len(pending) <= 4
        for booking in rentals:
            assert booking.title == "Raumvermietung"
            assert booking.fee_cents > 0 and booking.purpose and booking.expected_people
            assert booking.requested_by_id is not None
            assert booking.responsible_id is not None
            assert {o.status for o in booking.occurrences} == {booking.status}
            for occ in booking.occurrences:
                assert occ.room.rentable and booking.expected_people <= occ.room.capacity
        for booking in pending:
            assert booking.occurrences[0].starts_at > now + timedelta(hours=72)
        slots = [o for b in pending for o in b.occurrences]
        assert any(a.room_id == b.room_id and a.starts_at < b.ends_at and b.starts_at < a.ends_at
                   for i, a in enumerate(slots) for b in slots[i + 1:]), "no competing requests"


def test_no_confirmed_overlap_and_every_booking_audited(
    session_factory: sessionmaker[Session], now: datetime
) -> None:
    _load(session_factory, now)
    with session_factory() as session:
        held = session.scalars(select(Occurrence).where(Occurrence.status == "confirmed")
                               .order_by(Occurrence.room_id, Occurrence.starts_at)).all()
        for a, b in pairwise(held):
            if a.room_id == b.room_id:
                assert a.ends_at <= b.starts_at
        booking_ids = set(session.scalars(select(Booking.id)))
        audited = set(session.scalars(select(AuditEvent.entity_id).where(
            AuditEvent.entity == "booking", AuditEvent.action == "created")))
        assert booking_ids == audited


def test_demo_logins_use_the_published_password(
    session_factory: sessionmaker[Session], now: datetime
) -> None:
    _load(session_factory, now)
    with session_factory() as session:
        lead = session.scalar(select(Person).where(Person.email == "leitung@sieker-mitte.example"))
        assert lead is not None and [r.role for r in lead.roles] == ["staff"]
        assert verify_password(lead.password_hash, DEMO_PASSWORD)
        persons = session.scalars(select(Person)).all()
        assert all(p.password_hash and p.email for p in persons)
        assert {p.language for p in persons} == {"de", "en"}


def test_loading_twice_raises(session_factory: sessionmaker[Session], now: datetime) -> None:
    _load(session_factory, now)
    with pytest.raises(DemoAlreadyLoaded, match="already holds a centre"):
        _load(session_factory, now)
    assert issubclass(DemoAlreadyLoaded, Conflict)
    with session_factory() as session:
        assert _count(session, Centre) == 1


@pytest.mark.parametrize("when", [
    datetime(2026, 3, 27, 12, 0, tzinfo=UTC),  # spring-forward weekend inside the range
    datetime(2026, 12, 23, 18, 0, tzinfo=UTC),  # Christmas and New Year
    datetime(2027, 3, 24, 8, 0, tzinfo=UTC),  # Easter and spring-forward
    datetime(2026, 11, 29, 22, 30, tzinfo=UTC),  # Sunday night in UTC, Monday in Berlin
])
def test_loads_at_any_time_of_year(session_factory: sessionmaker[Session],
                                   when: datetime) -> None:
    _load(session_factory, when)
    with session_factory() as session:
        assert _count(session, Occurrence) > 300
        local_days = {to_local(o.starts_at, ZONE).date()
                      for o in session.scalars(select(Occurrence))}
        first, last = min(local_days), max(local_days)
        assert not local_days & public_holidays(first, last)


def test_demo_has_an_open_spring_term_whose_round_can_be_allocated(
        session_factory: sessionmaker[Session], now: datetime) -> None:
    from booking.models import Application, PriorityClass, Term
    from booking.services.term_problem import build_term_problem
    from solver.term import problems_with

    _load(session_factory, now)
    with session_factory() as session:
        term = session.scalars(select(Term)).one()
        assert (term.name, term.status) == ("Frühjahr 2027", "open")
        assert term.applications_from <= now < term.applications_until
        assert [c.rank for c in session.scalars(select(PriorityClass))] == [1, 2, 3, 4]
        applications = session.scalars(select(Application)).all()
        assert len(applications) >= 15
        assert sum(1 for a in applications if a.group_id is None) == 1  # own programme
        problem, ids = build_term_problem(session, term)
        assert problems_with(problem) == []
        # Every priority class has someone in it, so the round shows what classes do.
        assert {s.priority_class for s in problem.sections} == {1, 2, 3, 4}
        assert {s.frequency for s in problem.sections} == {"weekly", "fortnightly", "monthly"}
        assert len(ids.sections) == len(problem.sections)


def test_demo_doors_have_terminals_so_staff_see_one_meaningful_alert(
        session_factory: sessionmaker[Session], now: datetime) -> None:
    """Every demo door has its keypad: the access page shows the garden gate's low battery,
    not one "no terminal" alert per Eigenregie booking and door."""
    from booking.models import AccessAlert, Door, Terminal
    from booking.services import access as door_access

    _load(session_factory, now)
    with transaction(session_factory) as session:
        door_access.reconcile(session, now)
        doors = set(session.scalars(select(Door.id)))
        assert {t.door_id for t in session.scalars(select(Terminal))} == doors
        kinds = list(session.scalars(select(AccessAlert.kind).where(
            AccessAlert.resolved_at.is_(None))))
    assert kinds == ["low_battery"]


def test_the_programme_and_groups_are_series_whose_closed_dates_are_skipped_with_a_reason(
        session_factory: sessionmaker[Session], now: datetime) -> None:
    """As a centre would have them (issue 10): every programme slot and group is a series,
    its dates on public holidays and on the centre's closures skipped and named, and the
    public feed shows the dates that take place."""
    from booking.models import Closure, Series, SeriesDate
    from booking.services import feeds

    centre_id = _load(session_factory, now)
    with session_factory() as session:
        recurring = set(session.scalars(select(Booking.id).where(
            Booking.kind.in_(("programme", "group")))))
        assert set(session.scalars(select(Series.booking_id))) == recurring
        skipped = session.scalars(select(SeriesDate).where(SeriesDate.state == "skipped")).all()
        assert all(d.occurrence_id is None and d.reason_code for d in skipped)
        on_holidays = {d.day for d in skipped if d.reason_code == "reason_holiday"}
        # Christmas Day and New Year's Day 2027 are Fridays: the café's weekday series.
        assert {date(2026, 12, 25), date(2027, 1, 1)} <= on_holidays
        closures = {c.reason: c for c in session.scalars(select(Closure))}
        team_day = closures["Teamtag des Zentrums"]
        assert team_day.room_id is None and team_day.first_day.weekday() == 4
        closed = [d for d in skipped if d.closure_id == team_day.id]
        assert {d.day for d in closed} == {team_day.first_day}
        assert {d.reason_params["reason"] for d in closed} == {"Teamtag des Zentrums"}
        assert len({d.series_id for d in closed}) >= 5
        saal = next(c for c in closures.values() if c.room_id is not None)
        assert any(d.closure_id == saal.id for d in skipped)

        events = feeds.programme_events(session, centre_id, now)
        assert len(events) > 100
        shown = {to_local(e.starts_at, ZONE).date() for e in events}
        assert not shown & on_holidays and team_day.first_day not in shown
        assert "Selbsthilfegruppe Angehörige" not in {e.title for e in events}  # not public
