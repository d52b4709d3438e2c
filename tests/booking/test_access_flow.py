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


def test_reconciliation_looks_only_at_bookings_whose_codes_can_drift(
        client, as_, world, clock, session_factory):
    """The background round used to walk every booking with a future date, each in a
    transaction of its own, beside the web workers; now only bookings with a live code or a
    confirmed Eigenregie date in a code room soon."""
    from booking.models import RoomAccessMethod
    from booking.services.access import _reconcilable

    add_doors(session_factory, world)
    with transaction(session_factory) as s:  # the group room is opened by staff
        s.add(RoomAccessMethod(room_id=world.rooms["Gruppenraum 1"], method="staff",
                               valid_from=clock.now() - timedelta(days=1), set_at=clock.now()))
    eigenregie, _ = confirmed_rental(client, as_, world)
    staffed = rental(client, as_("ben"), world.rooms["Gruppenraum 1"])
    assert client.post(f"/api/rentals/{staffed}/confirm", headers=as_("staff")).json()[
        "access_code"] is None
    pending = rental(client, as_("anna"), world.rooms["Café"], START + timedelta(days=1),
                     END + timedelta(days=1))
    later = rental(client, as_("anna"), world.rooms["Café"], START + timedelta(days=30),
                   END + timedelta(days=30))
    assert client.post(f"/api/rentals/{later}/confirm", headers=as_("staff")).status_code == 200
    with transaction(session_factory) as s:
        found = _reconcilable(s, clock.now())
    # The later rental holds a live code (issued at confirmation), so it is looked at too.
    assert eigenregie in found and later in found
    assert staffed not in found and pending not in found
    with transaction(session_factory) as s:  # its code revoked: 30 days ahead is not "soon"
        for row in s.scalars(select(AccessCode).where(AccessCode.booking_id == later)):
            row.state = "revoked"
    with transaction(session_factory) as s:
        assert later not in _reconcilable(s, clock.now())
