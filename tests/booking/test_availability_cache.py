"""The availability answer is cached, and every write that changes it is seen at once, whatever
wrote it: the change counters are kept by the database, not by the service code."""

from __future__ import annotations

from sqlalchemy import text, update

from booking.db import transaction
from booking.models import Occurrence
from tests.booking.api_helpers import berlin, book, rent, utc

WEEK = {"start": berlin(2026, 11, 30, 0), "end": berlin(2026, 12, 7, 0)}


def busy(client, room_id: int, headers=None) -> list[tuple[str, str]]:
    r = client.get(f"/api/rooms/{room_id}/availability", params=WEEK, headers=headers or {})
    assert r.status_code == 200, r.text
    return [(b["title"], b["starts_at"]) for b in r.json()["busy"]]


def test_confirmation_is_visible_on_the_next_read(client, as_, world):
    cafe = world.rooms["Café"]
    assert busy(client, cafe) == []
    assert busy(client, cafe) == []  # now served from the cache
    rental = rent(client, as_("anna"), cafe, berlin(2026, 12, 2, 16), berlin(2026, 12, 2, 19))
    assert busy(client, cafe) == []  # pending does not hold the room
    r = client.post(f"/api/rentals/{rental.json()['id']}/confirm", headers=as_("staff"))
    assert r.status_code == 200, r.text
    assert [t for t, _ in busy(client, cafe)] == ["Raumvermietung"]
    client.post(f"/api/rentals/{rental.json()['id']}/cancel", headers=as_("anna"),
                json={"reason": "fällt aus"})
    assert busy(client, cafe) == []


def test_writes_behind_the_services_back_are_seen_too(client, as_, world, session_factory):
    room = world.rooms["Gruppenraum 1"]
    created = book(client, as_("staff"), room, berlin(2026, 12, 3, 10), berlin(2026, 12, 3, 12))
    assert created.status_code == 201, created.text
    assert [t for t, _ in busy(client, room)] == ["Sprachcafé"]
    with transaction(session_factory) as s:  # a script renames the booking directly in SQL
        s.execute(text("UPDATE booking SET title = 'Erzählcafé' WHERE id = :id"),
                  {"id": created.json()["id"]})
    assert [t for t, _ in busy(client, room)] == ["Erzählcafé"]
    with transaction(session_factory) as s:  # … and moves its occurrence by an hour
        occurrences = Occurrence.__table__
        s.execute(update(occurrences).where(occurrences.c.booking_id == created.json()["id"])
                  .values(starts_at=utc(berlin(2026, 12, 3, 11)),
                          ends_at=utc(berlin(2026, 12, 3, 13))))
    assert [s for _, s in busy(client, room)] == ["2026-12-03T10:00:00Z"]


def test_public_and_staff_views_are_cached_apart(client, as_, world):
    cafe = world.rooms["Café"]
    rental = rent(client, as_("anna"), cafe, berlin(2026, 12, 2, 16), berlin(2026, 12, 2, 19))
    client.post(f"/api/rentals/{rental.json()['id']}/confirm", headers=as_("staff"))
    staff_view = client.get(f"/api/rooms/{cafe}/availability", params=WEEK,
                            headers=as_("staff")).json()["busy"]
    public_view = client.get(f"/api/rooms/{cafe}/availability", params=WEEK).json()["busy"]
    assert staff_view[0]["booking_id"] == rental.json()["id"]
    assert public_view[0]["booking_id"] is None
    other_staff = client.get(f"/api/rooms/{cafe}/availability", params=WEEK,
                             headers=as_("staff_sued")).json()["busy"]
    assert other_staff[0]["booking_id"] is None


def test_unknown_room_is_404_before_and_after_caching(client):
    for _ in range(2):
        r = client.get("/api/rooms/999/availability", params=WEEK)
        assert r.status_code == 404
        assert r.json()["code"] == "no_room" and r.json()["params"] == {"id": 999}
