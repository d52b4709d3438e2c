"""Door codes of series and of staff-created Eigenregie bookings (issue 12 §1, issue 10).

A series of a self-managed offer gets its code when staff create it; the code opens only inside
each of its dates' windows (margins on every date), follows edited and cancelled dates at once,
and is revoked when the series' booking is cancelled. A week plan's slots of self-managed
offers get their codes when the plan is published, not only from the background
reconciliation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from booking.db import transaction
from booking.models import AccessCode, Occurrence, Offer
from booking.services import access as door_access
from tests.booking.access_helpers import add_doors, clear_budget, opens, register

MARGIN = timedelta(minutes=15)
SECOND = timedelta(seconds=1)


def at(clock, instant: datetime) -> None:
    clock.advance(instant - clock.now())


def offer(factory, world, self_managed: bool = True) -> int:
    with transaction(factory) as s:
        row = Offer(centre_id=world.centre_id, title="Nähcafé", theme="culture",
                    self_managed=self_managed)
        s.add(row)
        s.flush()
        return row.id


def create_series(client, as_, world, offer_id: int, count: int = 4):
    r = client.post("/api/series", headers=as_("staff"), json={
        "kind": "programme", "title": "Nähcafé", "room_id": world.rooms["Gruppenraum 1"],
        "start_time": "18:00", "duration_minutes": 120, "first_date": "2026-12-03",
        "pattern": {"kind": "weekly", "weekdays": ["TH"]}, "count": count,
        "offer_id": offer_id})
    assert r.status_code == 201, r.text
    return r.json()


def codes_of(factory, booking_id: int) -> list[AccessCode]:
    with transaction(factory) as s:
        return list(s.scalars(select(AccessCode).where(AccessCode.booking_id == booking_id)
                              .order_by(AccessCode.id)))


def spans(factory, booking_id: int) -> list[tuple[int, datetime, datetime, str]]:
    with transaction(factory) as s:
        return [(o.id, o.starts_at, o.ends_at, o.status) for o in s.scalars(
            select(Occurrence).where(Occurrence.booking_id == booking_id)
            .order_by(Occurrence.starts_at))]


def digits(client, as_, booking_id: int) -> str:
    r = client.post(f"/api/access/bookings/{booking_id}/codes", headers=as_("staff"))
    assert r.status_code in (200, 201), r.text
    code: str = r.json()["code"]
    return code


def test_a_series_code_is_issued_at_creation_and_opens_on_every_date_with_margins(
        client, as_, world, clock, session_factory):
    doors = add_doors(session_factory, world)
    token = register(client, as_("staff"), doors.group_room)["token"]
    series = create_series(client, as_, world, offer(session_factory, world))
    booking_id = series["booking_id"]
    issued = codes_of(session_factory, booking_id)
    assert [(c.kind, c.state, c.series_id) for c in issued] == [
        ("series", "active", series["id"])]
    code = digits(client, as_, booking_id)
    dates = spans(session_factory, booking_id)
    assert len(dates) == 4
    for _, begin, end, _ in dates:
        clear_budget(session_factory)
        for instant, expected in [(begin - MARGIN - SECOND, False), (begin - MARGIN, True),
                                  (begin + timedelta(hours=1), True),
                                  (end + MARGIN - SECOND, True), (end + MARGIN, False),
                                  # between two dates (a week apart) it opens nothing
                                  (end + timedelta(days=2), False)]:
            at(clock, instant)
            assert opens(client, token, code, clock) is expected, instant
    # The series' grant, as access.interface sees it, is every date of the series.
    with transaction(session_factory) as s:
        grant = door_access.DbBookingSource(s).grant("series", series["id"])
    assert grant is not None and grant.standing
    assert [(d.starts_at, d.ends_at) for d in grant.dates] == [(b, e) for _, b, e, _ in dates]


def test_a_series_code_follows_edited_and_cancelled_dates_and_ends_with_the_series(
        client, as_, world, clock, session_factory):
    doors = add_doors(session_factory, world)
    token = register(client, as_("staff"), doors.group_room)["token"]
    series = create_series(client, as_, world, offer(session_factory, world))
    booking_id = series["booking_id"]
    code = digits(client, as_, booking_id)
    before = spans(session_factory, booking_id)
    # The whole series moves an hour later: the old start denies, the new end opens.
    r = client.patch(f"/api/series/{series['id']}", headers=as_("staff"),
                     json={"scope": "all", "start_time": "19:00"})
    assert r.status_code == 200, r.text
    after = spans(session_factory, booking_id)
    assert [b for _, b, _, _ in after] == [b + timedelta(hours=1) for _, b, _, _ in before]
    at(clock, before[1][1] - MARGIN)
    assert not opens(client, token, code, clock)
    at(clock, after[1][2] + MARGIN - SECOND)
    assert opens(client, token, code, clock)
    # One date cancelled: the code no longer opens on it, still on the others.
    r = client.post(f"/api/occurrences/{after[2][0]}/cancel", headers=as_("staff"))
    assert r.status_code == 200, r.text
    clear_budget(session_factory)
    at(clock, after[2][1] + timedelta(minutes=30))
    assert not opens(client, token, code, clock)
    at(clock, after[3][1] + timedelta(minutes=30))
    assert opens(client, token, code, clock)
    # The series ends (its booking cancelled): the code is revoked.
    r = client.post(f"/api/bookings/{booking_id}/cancel", headers=as_("staff"),
                    json={"reason": "Kurs fällt aus"})
    assert r.status_code == 200, r.text
    assert [c.state for c in codes_of(session_factory, booking_id)][-1] == "revoked"
    clear_budget(session_factory)
    assert not opens(client, token, code, clock)


def test_a_staffed_series_gets_no_code_and_reconciliation_covers_series(
        client, as_, world, clock, session_factory):
    add_doors(session_factory, world)
    staffed = create_series(client, as_, world, offer(session_factory, world, False), count=2)
    assert codes_of(session_factory, staffed["booking_id"]) == []
    client.post(f"/api/bookings/{staffed['booking_id']}/cancel", headers=as_("staff"),
                json={"reason": "x"})
    series = create_series(client, as_, world, offer(session_factory, world))
    booking_id = series["booking_id"]
    # Drift: the series' code is gone (a restore, a bug): the reconciliation issues it again.
    with transaction(session_factory) as s:
        s.execute(delete(AccessCode).where(AccessCode.booking_id == booking_id))
        repairs = door_access.reconcile(s, clock.now())
    assert ("issued_missing", booking_id) in [(r.kind, r.booking_id) for r in repairs]
    assert [(c.kind, c.series_id) for c in codes_of(session_factory, booking_id)] == [
        ("series", series["id"])]


def test_staff_created_bookings_of_self_managed_offers_get_their_code_at_once(
        client, as_, world, clock, session_factory):
    add_doors(session_factory, world)
    start = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    body = {"kind": "programme", "title": "Nähcafé", "room_id": world.rooms["Café"],
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat()}
    managed = client.post("/api/bookings/", headers=as_("staff"),
                          json={**body, "offer_id": offer(session_factory, world)})
    assert managed.status_code == 201, managed.text
    assert [c.state for c in codes_of(session_factory, managed.json()["id"])] == ["active"]
    later = {**body, "starts_at": (start + timedelta(days=1)).isoformat(),
             "ends_at": (start + timedelta(days=1, hours=2)).isoformat()}
    staffed = client.post("/api/bookings/", headers=as_("staff"),
                          json={**later, "offer_id": offer(session_factory, world, False)})
    assert staffed.status_code == 201, staffed.text
    assert codes_of(session_factory, staffed.json()["id"]) == []
    # Cancelling the staff booking revokes its code at once.
    r = client.post(f"/api/bookings/{managed.json()['id']}/cancel", headers=as_("staff"),
                    json={"reason": "x"})
    assert r.status_code == 200, r.text
    assert [c.state for c in codes_of(session_factory, managed.json()["id"])] == ["revoked"]



def test_a_published_week_plan_gives_its_self_managed_slots_their_codes_at_once(
        client, session_factory, now):
    from booking.demo import load_demo
    from booking.models import Booking
    from tests.booking.test_planning import STAFF, WEEK, login, solve_queued

    with transaction(session_factory) as s:
        centre_id = load_demo(s, now).id
    staff = login(client, STAFF)
    r = client.post("/api/plans", headers=staff,
                    json={"centre_id": centre_id, "week": WEEK, "time_limit": 60})
    assert r.status_code == 202, r.text
    solve_queued(session_factory, now)
    r = client.post(f"/api/plans/{r.json()['id']}/publish", headers=staff)
    assert r.status_code == 200, r.text
    with transaction(session_factory) as s:
        created = s.scalars(select(Booking).where(Booking.plan_run_id == r.json()["id"])).all()
        wanted = {b.id for b in created if door_access.needs_code(s, b)}
        coded = set(s.scalars(select(AccessCode.booking_id).where(
            AccessCode.booking_id.in_([b.id for b in created]),
            AccessCode.state == "active")))
    assert wanted, "the demo's week has slots of self-managed offers"
    assert coded == wanted


def test_a_restored_date_of_a_cancelled_series_opens_with_a_new_code_at_once(
        client, as_, world, clock, session_factory, monkeypatch):
    doors = add_doors(session_factory, world)
    token = register(client, as_("staff"), doors.group_room)["token"]
    series = create_series(client, as_, world, offer(session_factory, world))
    booking_id = series["booking_id"]
    old = digits(client, as_, booking_id)
    dates = spans(session_factory, booking_id)
    r = client.post(f"/api/bookings/{booking_id}/cancel", headers=as_("staff"),
                    json={"reason": "Kurs fällt aus"})
    assert r.status_code == 200, r.text
    # The third Thursday comes back: its code works at once, no reconciliation run between.
    new = "30571946" if old != "30571946" else "30571947"
    monkeypatch.setattr(door_access.codes, "generate", lambda: new)
    back = client.post(f"/api/series/{series['id']}/dates/2026-12-17/restore",
                       headers=as_("staff"))
    assert back.status_code == 200, back.text
    assert [c.state for c in codes_of(session_factory, booking_id)] == ["revoked", "revoked",
                                                                         "active"]
    at(clock, dates[2][1] - MARGIN)
    assert opens(client, token, new, clock)
    assert not opens(client, token, old, clock)
    # Only the restored date: the others stay cancelled and their times open nothing.
    at(clock, dates[3][1] + timedelta(minutes=30))
    assert not opens(client, token, new, clock)
