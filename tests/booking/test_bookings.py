"""Staff bookings through the API: recurring groups across daylight-saving changes, series
that collide, exceptions, moving occurrences; and the guarantees the database itself holds
(no overlapping confirmed occurrences, an append-only audit table), on both databases
(issue 2)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from booking.db import transaction
from booking.models import AuditEvent, Booking, Occurrence
from booking.services.locking import write_past_the_locks
from tests.booking.api_helpers import berlin, book, local, utc, wall
from tests.factories import World


def series(client, headers, room_id, first: date, start: str = "19:00", minutes: int = 120,
           weekday: str = "TU", **extra):
    """A weekly group series through ``/api/series`` (the one way to make recurring dates)."""
    return client.post("/api/series", headers=headers, json={
        "kind": "group", "title": "Chor", "room_id": room_id, "start_time": start,
        "duration_minutes": minutes, "first_date": first.isoformat(),
        "pattern": {"kind": "weekly", "weekdays": [weekday]}, **extra})


def held(answer: dict) -> list[dict]:
    return [d for d in answer["dates"] if d["state"] == "planned"]


@pytest.mark.parametrize(("first", "until", "change", "tuesdays"), [
    # summer → winter time on Sunday 25.10.2026, and winter → summer on Sunday 28.03.2027
    (date(2026, 10, 6), date(2026, 11, 10), date(2026, 10, 25), 6),
    (date(2027, 3, 2), date(2027, 4, 13), date(2027, 3, 28), 7),
], ids=["autumn-2026", "spring-2027"])
def test_group_at_19h_stays_19h_on_tuesdays_across_the_dst_change(
        client, as_, world: World, first, until, change, tuesdays):
    r = series(client, as_("staff"), world.rooms["Gruppenraum 1"], first,
               until=until.isoformat())
    assert r.status_code == 201, r.text
    occurrences = held(r.json())
    assert len(occurrences) == tuesdays
    for occ in occurrences:
        day, start_time = wall(occ["starts_at"])
        assert day.weekday() == 1, f"{day} is not a Tuesday"
        assert start_time == time(19, 0), occ["starts_at"]
        assert wall(occ["ends_at"]) == (day, time(21, 0))
        assert first <= day <= until
    # The instants differ by the hour the clocks moved: 17:00 UTC in summer, 18:00 in winter.
    utc_hours = {local(o["starts_at"]).date() < change: utc(o["starts_at"]).hour
                 for o in occurrences}
    summer_first = first.month == 10
    assert utc_hours[True] == (17 if summer_first else 18)
    assert utc_hours[False] == (18 if summer_first else 17)


def test_group_at_local_midnight_keeps_its_weekday(client, as_, world: World):
    # 00:00 on a Wednesday in Bielefeld is still Tuesday in UTC (newtheatre #17, Cal.com #24713).
    r = series(client, as_("staff"), world.rooms["Gruppenraum 1"], date(2027, 3, 17),
               start="00:00", minutes=60, weekday="WE", until="2027-04-07")
    assert r.status_code == 201, r.text
    days = [wall(o["starts_at"]) for o in held(r.json())]
    assert days == [(date(2027, 3, 17), time(0)), (date(2027, 3, 24), time(0)),
                    (date(2027, 3, 31), time(0)), (date(2027, 4, 7), time(0))]
    assert {utc(o["starts_at"]).weekday() for o in held(r.json())} == {1}


@pytest.fixture
def blocked_tuesdays(client, as_, world: World) -> list[int]:
    """Two Tuesdays in January 2027 on which Gruppenraum 1 is taken in the evening."""
    room = world.rooms["Gruppenraum 1"]
    ids = []
    for start, end in ((berlin(2027, 1, 12, 19, 30), berlin(2027, 1, 12, 20, 30)),
                       (berlin(2027, 1, 26, 18), berlin(2027, 1, 26, 19, 30))):
        r = book(client, as_("staff"), room, start, end, title="Elterncafé")
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


def busy_in_january(client, world: World) -> list[dict]:
    r = client.get(f"/api/rooms/{world.rooms['Gruppenraum 1']}/availability",
                   params={"start": berlin(2027, 1, 1, 0), "end": berlin(2027, 2, 10, 0)})
    assert r.status_code == 200, r.text
    return r.json()["busy"]


def test_series_that_collides_is_refused_as_a_whole_naming_each_collision(
        client, as_, world: World, blocked_tuesdays):
    r = series(client, as_("staff"), world.rooms["Gruppenraum 1"], date(2027, 1, 5),
               until="2027-02-02", on_conflict="fail")
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["code"] == "series_dates_conflict" and body["params"]["n"] == 2
    assert "12. Jan. 2027" in body["detail"] and "26. Jan. 2027" in body["detail"]
    assert "Elterncafé" in body["detail"]
    # Nothing of the series was written.
    assert [b["title"] for b in busy_in_january(client, world)] == ["Elterncafé", "Elterncafé"]


def test_series_with_skip_conflicts_is_created_and_lists_the_skipped_dates(
        client, as_, world: World, blocked_tuesdays):
    r = series(client, as_("staff"), world.rooms["Gruppenraum 1"], date(2027, 1, 5),
               until="2027-02-02", on_conflict="skip")
    assert r.status_code == 201, r.text
    body = r.json()
    assert [wall(o["starts_at"])[0] for o in held(body)] == [
        date(2027, 1, 5), date(2027, 1, 19), date(2027, 2, 2)]
    assert [d["date"] for d in body["skipped"]] == ["2027-01-12", "2027-01-26"]
    assert all("Elterncafé" in d["reason"] for d in body["skipped"])
    assert len(busy_in_january(client, world)) == 5


def test_a_booking_with_an_rrule_is_a_series_that_closures_and_edits_reach(
        client, as_, world: World, blocked_tuesdays):
    """One way to make a recurring booking: ``POST /api/bookings`` with an RRULE makes the
    same first-class series as ``/api/series``, so a later closure skips its dates and the
    series can be edited, instead of a rule expanded once and then forgotten."""
    staff = as_("staff")
    r = book(client, staff, world.rooms["Gruppenraum 1"], berlin(2027, 1, 5, 19),
             berlin(2027, 1, 5, 21), kind="group", title="Chor",
             rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=5", skip_conflicts=True)
    assert r.status_code == 201, r.text
    body = r.json()
    assert [wall(o["starts_at"])[0] for o in body["occurrences"]] == [
        date(2027, 1, 5), date(2027, 1, 19), date(2027, 2, 2)]
    assert len(body["skipped"]) == 2 and "12. Jan. 2027" in body["skipped"][0]
    made = client.get(f"/api/series/{body['series_id']}", headers=staff).json()
    assert made["booking_id"] == body["id"] and made["start_time"] == "19:00"
    closed = client.post(f"/api/centres/{world.centre_id}/closures", headers=staff, json={
        "first_day": "2027-01-19", "last_day": "2027-01-19", "reason": "Teamtag"})
    assert [d["date"] for d in closed.json()["lost"]] == ["2027-01-19"]
    refused = book(client, staff, world.rooms["Gruppenraum 1"], berlin(2027, 1, 5, 19),
                   berlin(2027, 1, 5, 21), kind="group", title="Chor 2",
                   rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=5")
    assert refused.status_code == 409 and refused.json()["code"] == "series_dates_conflict"


def test_exdates_are_refused_with_a_pointer_to_cancelling_dates(client, as_, world: World):
    r = book(client, as_("staff"), world.rooms["Gruppenraum 1"], berlin(2027, 1, 5, 19),
             berlin(2027, 1, 5, 21), kind="group", title="Chor", rrule="FREQ=WEEKLY",
             until="2027-01-26", exdates=["2027-01-19"])
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "booking_exdates_use_series"
    assert "/api/occurrences/{id}/cancel" in r.json()["detail"]
    assert busy_in_january(client, world) == []


def test_moving_an_occurrence_onto_a_taken_slot_is_refused_onto_a_free_one_works(
        client, as_, world: World):
    room = world.rooms["Gruppenraum 1"]
    moved = book(client, as_("staff"), room, berlin(2026, 12, 3, 10), berlin(2026, 12, 3, 12),
                 title="Nähtreff").json()["occurrences"][0]
    book(client, as_("staff"), room, berlin(2026, 12, 3, 14), berlin(2026, 12, 3, 16),
         title="Hausaufgabenhilfe")

    taken = client.patch(f"/api/occurrences/{moved['id']}", headers=as_("staff"), json={
        "room_id": room, "starts_at": berlin(2026, 12, 3, 15), "ends_at": berlin(2026, 12, 3, 17)})
    assert taken.status_code == 409, taken.text
    assert "Hausaufgabenhilfe" in taken.json()["detail"]
    assert taken.json()["code"] == "room_taken_by"
    assert "3. Dez. 2026, 15:00–17:00" in taken.json()["detail"]

    free = client.patch(f"/api/occurrences/{moved['id']}", headers=as_("staff"), json={
        "room_id": room, "starts_at": berlin(2026, 12, 3, 12), "ends_at": berlin(2026, 12, 3, 14)})
    assert free.status_code == 200, free.text
    assert wall(free.json()["starts_at"]) == (date(2026, 12, 3), time(12, 0))
    assert wall(free.json()["ends_at"]) == (date(2026, 12, 3), time(14, 0))

    other_room = client.patch(f"/api/occurrences/{moved['id']}", headers=as_("staff"), json={
        "room_id": world.rooms["Café"], "starts_at": berlin(2026, 12, 3, 15),
        "ends_at": berlin(2026, 12, 3, 17)})
    assert other_room.status_code == 200, other_room.text
    assert other_room.json()["room_id"] == world.rooms["Café"]
    assert other_room.json()["room"] == "Café"
    cafe_busy = client.get(f"/api/rooms/{world.rooms['Café']}/availability", params={
        "start": berlin(2026, 12, 3, 0), "end": berlin(2026, 12, 4, 0)}).json()["busy"]
    assert [b["title"] for b in cafe_busy] == ["Nähtreff"]


def test_back_to_back_bookings_are_fine_an_overlap_of_one_minute_is_not(
        client, as_, world: World):
    room = world.rooms["Gruppenraum 1"]
    first = book(client, as_("staff"), room, berlin(2026, 12, 3, 10), berlin(2026, 12, 3, 12))
    second = book(client, as_("staff"), room, berlin(2026, 12, 3, 12), berlin(2026, 12, 3, 14))
    assert (first.status_code, second.status_code) == (201, 201)
    overlap = book(client, as_("staff"), room, berlin(2026, 12, 3, 13, 59),
                   berlin(2026, 12, 3, 15))
    assert overlap.status_code == 409


# The key guarantee: the database refuses an overlap whatever code path writes it.

def instant(h: int, mi: int = 0) -> datetime:
    """03.12.2026 (winter time, UTC+1), local hour h."""
    return datetime(2026, 12, 3, h - 1, mi, tzinfo=UTC)


def insert_directly(session_factory, centre_id: int, room_id: int, start: datetime,
                    end: datetime, status: str = "confirmed") -> int:
    now = datetime(2026, 11, 25, 9, tzinfo=UTC)
    with transaction(session_factory) as s:
        write_past_the_locks(s)
        booking = Booking(centre_id=centre_id, kind="programme", status=status,
                          title="Am Service vorbei", created_at=now, updated_at=now)
        booking.occurrences = [Occurrence(room_id=room_id, starts_at=start, ends_at=end,
                                          status=status)]
        s.add(booking)
        s.flush()
        return booking.occurrences[0].id


def test_database_refuses_an_overlapping_confirmed_occurrence_written_past_the_services(
        client, as_, session_factory, world: World):
    room = world.rooms["Gruppenraum 1"]
    r = book(client, as_("staff"), room, berlin(2026, 12, 3, 10), berlin(2026, 12, 3, 12))
    assert r.status_code == 201

    for start, end in ((instant(10), instant(12)), (instant(11), instant(13)),
                       (instant(9), instant(10, 1)), (instant(8), instant(14))):
        with pytest.raises(IntegrityError):
            insert_directly(session_factory, world.centre_id, room, start, end)
    # Touching is not overlapping; other rooms and non-holding states are not affected.
    insert_directly(session_factory, world.centre_id, room, instant(12), instant(13))
    insert_directly(session_factory, world.centre_id, world.rooms["Café"], instant(10),
                    instant(12))
    pending = insert_directly(session_factory, world.centre_id, room, instant(10, 30),
                              instant(11, 30), status="pending")
    # Turning the pending row into a confirmed one is refused too.
    with pytest.raises(IntegrityError), transaction(session_factory) as s:
        write_past_the_locks(s)
        s.get_one(Occurrence, pending).status = "confirmed"
        s.flush()
    with session_factory() as s:
        rows = s.scalars(select(Occurrence).where(Occurrence.room_id == room,
                                                  Occurrence.status == "confirmed")).all()
        assert sorted((o.starts_at, o.ends_at) for o in rows) == [
            (instant(10), instant(12)), (instant(12), instant(13))]


def test_audit_table_refuses_update_and_delete(client, as_, session_factory, world: World):
    r = book(client, as_("staff"), world.rooms["Café"], berlin(2026, 12, 3, 10),
             berlin(2026, 12, 3, 12))
    assert r.status_code == 201
    with session_factory() as s:
        before = [(e.id, e.action) for e in s.scalars(select(AuditEvent)).all()]
    assert ("created" in {a for _, a in before})

    with pytest.raises(DBAPIError, match="append-only"), transaction(session_factory) as s:
        s.execute(update(AuditEvent).values(action="forged"))
    with pytest.raises(DBAPIError, match="append-only"), transaction(session_factory) as s:
        s.execute(delete(AuditEvent))
    with pytest.raises(DBAPIError, match="append-only"), transaction(session_factory) as s:
        s.scalars(select(AuditEvent)).first().actor_id = None  # type: ignore[union-attr]
        s.flush()
    with session_factory() as s:
        assert [(e.id, e.action) for e in s.scalars(select(AuditEvent)).all()] == before


def test_an_occurrence_written_without_its_rooms_lock_is_refused_before_the_database_sees_it(
        session_factory, world: World):
    """The lock order's guard (booking.services.locking): a write path that forgot
    ``lock_rooms`` fails at the flush, whatever it wrote; with the lock the same write passes."""
    from booking.services.locking import lock_rooms

    now = datetime(2026, 11, 25, 9, tzinfo=UTC)
    room = world.rooms["Gruppenraum 1"]

    def write(session) -> None:
        booking = Booking(centre_id=world.centre_id, kind="programme", status="confirmed",
                          title="Ohne Schloss", created_at=now, updated_at=now)
        booking.occurrences = [Occurrence(room_id=room, starts_at=instant(10),
                                          ends_at=instant(11), status="confirmed")]
        session.add(booking)
        session.flush()

    with pytest.raises(RuntimeError, match=f"room {room} is written without lock_rooms"), \
            transaction(session_factory) as s:
        write(s)
    with transaction(session_factory) as s:
        lock_rooms(s, [room])
        write(s)
    with session_factory() as s:
        assert s.scalars(select(Booking.title)).all() == ["Ohne Schloss"]
