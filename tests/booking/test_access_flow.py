"""Door codes in Eigenregie, as a resident and the staff meet them (issue 12, steps 1–2)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from booking.db import transaction
from booking.models import AccessCode, BookingUse, DoorEvent
from tests.booking.access_helpers import (
    END,
    START,
    add_doors,
    confirmed_rental,
    opens,
    register,
    rental,
)


def test_confirming_a_rental_issues_a_code_that_opens_entrance_and_room(
        client, as_, world, clock, session_factory):
    doors = add_doors(session_factory, world)
    booking_id, code = confirmed_rental(client, as_, world)
    assert len(code) == 8 and code.isdigit()
    entrance = register(client, as_("staff"), doors.entrance)["token"]
    cafe = register(client, as_("staff"), doors.cafe)["token"]
    group = register(client, as_("staff"), doors.group_room)["token"]
    clock.advance(START - clock.now() + timedelta(minutes=5))
    assert opens(client, entrance, code, clock)
    assert opens(client, cafe, code, clock)
    assert not opens(client, group, code, clock)  # not a booked room
    with transaction(session_factory) as s:
        use = s.get(BookingUse, booking_id)
        assert use is not None  # the city's reports count this booking as used
        assert [e.decision for e in s.scalars(select(DoorEvent).order_by(DoorEvent.id))] == [
            "grant", "grant", "deny"]


def test_a_pending_request_has_no_code(client, as_, world, session_factory):
    add_doors(session_factory, world)
    booking_id = rental(client, as_("anna"), world.rooms["Café"])
    r = client.get(f"/api/access/bookings/{booking_id}/codes", headers=as_("anna"))
    assert r.status_code == 200 and r.json() == []


def test_cancelling_revokes_the_code_at_once(client, as_, world, clock, session_factory):
    doors = add_doors(session_factory, world)
    booking_id, code = confirmed_rental(client, as_, world)
    token = register(client, as_("staff"), doors.cafe)["token"]
    clock.advance(START - clock.now())
    assert opens(client, token, code, clock)
    r = client.post(f"/api/rentals/{booking_id}/cancel", headers=as_("staff"),
                    json={"reason": "Wasserschaden"})
    assert r.status_code == 200, r.text
    assert not opens(client, token, code, clock)
    with transaction(session_factory) as s:
        assert s.scalars(select(AccessCode.state)).all() == ["revoked"]


def test_reissue_shows_a_new_code_once_and_the_old_one_stops(client, as_, world, clock,
                                                              session_factory):
    doors = add_doors(session_factory, world)
    booking_id, old = confirmed_rental(client, as_, world)
    token = register(client, as_("staff"), doors.cafe)["token"]
    r = client.post(f"/api/access/bookings/{booking_id}/codes", headers=as_("anna"))
    assert r.status_code == 201, r.text
    new = r.json()["code"]
    assert new != old
    assert "Café-Tür" in r.json()["doors"] and "Eingang" in r.json()["doors"]
    mine = client.get("/api/access/mine", headers=as_("anna")).json()
    assert mine[0]["booking_id"] == booking_id and mine[0]["code"]["state"] == "active"
    assert new not in str(mine)
    clock.advance(END - clock.now())
    assert not opens(client, token, old, clock)
    assert opens(client, token, new, clock)
    listed = client.get(f"/api/access/bookings/{booking_id}/codes", headers=as_("anna"))
    assert new not in listed.text and old not in listed.text
    assert [c["state"] for c in listed.json()] == ["revoked", "active"]
