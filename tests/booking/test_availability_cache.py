"""The availability answer is cached, and every write that changes it is seen at once when the
service's code wrote it, whichever process: the change counters are kept by the database, and
every commit advances the commit clock (booking.changes) that tells a cached answer it must be
checked again. A write from outside the service (psql or sqlite3 by hand) shows within the
clock's trusted time (``TRUST_SECONDS``)."""

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


def test_a_write_from_outside_the_service_shows_within_the_trusted_time(
        client, as_, world, db_url):
    """A connection that is not the service's (no commit clock: ``psql``, another host) renames
    a booking; once the trusted time has passed the read shows it, without any other write."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from booking.changes import TRUST_SECONDS
    from booking.db import normalise_url

    room = world.rooms["Gruppenraum 1"]
    created = book(client, as_("staff"), room, berlin(2026, 12, 3, 10), berlin(2026, 12, 3, 12))
    assert created.status_code == 201, created.text
    assert [t for t, _ in busy(client, room)] == ["Sprachcafé"]
    cache = client.app.state.services.availability_cache
    later = cache.monotonic() + TRUST_SECONDS
    outside = create_engine(normalise_url(db_url), poolclass=NullPool)
    try:
        with outside.begin() as conn:
            conn.execute(text("UPDATE booking SET title = 'Erzählcafé' WHERE id = :id"),
                         {"id": created.json()["id"]})
    finally:
        outside.dispose()
    cache.monotonic = lambda: later
    assert [t for t, _ in busy(client, room)] == ["Erzählcafé"]


def test_a_logged_out_token_reads_the_public_view_at_once(client, as_, world):
    """The caller behind a token is remembered with the cached answers; logging out is a
    commit like any other, so the next read with that token no longer shows staff details."""
    cafe = world.rooms["Café"]
    staff = as_("staff")
    rental = rent(client, as_("anna"), cafe, berlin(2026, 12, 2, 16), berlin(2026, 12, 2, 19))
    client.post(f"/api/rentals/{rental.json()['id']}/confirm", headers=staff)
    for _ in range(2):  # the second read is served from the cache
        view = client.get(f"/api/rooms/{cafe}/availability", params=WEEK, headers=staff)
        assert view.json()["busy"][0]["booking_id"] == rental.json()["id"]
    assert client.post("/api/logout", headers=staff).status_code == 204
    view = client.get(f"/api/rooms/{cafe}/availability", params=WEEK, headers=staff)
    assert view.status_code == 200 and view.json()["busy"][0]["booking_id"] is None


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


def _answer(client, room_id: int, params=WEEK, **headers) -> dict:
    r = client.get(f"/api/rooms/{room_id}/availability", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_closure_shows_on_the_next_read_with_its_reason_and_its_day_is_not_free(
        client, as_, world):
    """A resident looking for a free slot sees the closed day and why, not a free day; adding,
    moving and removing the closure are all seen by the next (cached) read."""
    cafe, staff = world.rooms["Café"], as_("staff")
    assert _answer(client, cafe)["closed"] == []
    assert any(f["starts_at"] <= "2026-12-02T08:00:00Z" < f["ends_at"]
               for f in _answer(client, cafe)["free"])
    made = client.post(f"/api/centres/{world.centre_id}/closures", headers=staff, json={
        "first_day": "2026-12-02", "last_day": "2026-12-02", "reason": "Wasserschaden",
        "room_id": cafe})
    assert made.status_code == 201, made.text
    answer = _answer(client, cafe)
    [closed] = answer["closed"]
    assert (closed["day"], closed["cause"]) == ("2026-12-02", "closure")
    assert (closed["starts_at"], closed["ends_at"]) == ("2026-12-01T23:00:00Z",
                                                       "2026-12-02T23:00:00Z")
    assert "Wasserschaden" in closed["reason"]["detail"]
    assert not any(f["starts_at"] < closed["ends_at"] and closed["starts_at"] < f["ends_at"]
                   for f in answer["free"])
    moved = client.patch(f"/api/closures/{made.json()['id']}", headers=staff, json={
        "first_day": "2026-12-03", "last_day": "2026-12-03"})
    assert moved.status_code == 200, moved.text
    assert [c["day"] for c in _answer(client, cafe)["closed"]] == ["2026-12-03"]
    assert client.delete(f"/api/closures/{made.json()['id']}",
                         headers=staff).status_code == 200
    assert _answer(client, cafe)["closed"] == []


def test_a_centre_closure_written_behind_the_services_back_closes_every_room(
        client, world, session_factory):
    from datetime import UTC, date, datetime

    from booking.models import Closure

    rooms = [world.rooms["Café"], world.rooms["Gruppenraum 1"]]
    for room in rooms:
        assert _answer(client, room)["closed"] == []  # cached now
    at = datetime(2026, 11, 25, tzinfo=UTC)
    with transaction(session_factory) as s:
        s.add(Closure(centre_id=world.centre_id, room_id=None, first_day=date(2026, 12, 4),
                      last_day=date(2026, 12, 5), reason="Betriebsausflug", created_at=at,
                      updated_at=at))
    for room in rooms:
        assert [c["day"] for c in _answer(client, room)["closed"]] == ["2026-12-04",
                                                                       "2026-12-05"]


def test_a_public_holiday_is_a_closed_day_named_in_the_callers_language(client, world):
    christmas = {"start": berlin(2026, 12, 21, 0), "end": berlin(2026, 12, 28, 0)}
    cafe = world.rooms["Café"]
    german = _answer(client, cafe, christmas)["closed"]
    assert [(c["day"], c["cause"]) for c in german] == [("2026-12-25", "holiday"),
                                                        ("2026-12-26", "holiday")]
    assert "Weihnachtstag" in german[0]["reason"]["detail"]
    english = _answer(client, cafe, christmas, **{"Accept-Language": "en"})["closed"]
    assert "Christmas" in english[0]["reason"]["detail"]
    assert "Weihnachtstag" in _answer(client, cafe, christmas)["closed"][0]["reason"][
        "detail"]


def test_an_https_installations_availability_answer_carries_hsts(world, settings, clock):
    """The answer is a ready ASGI response, to which Litestar adds no app-wide headers."""
    from dataclasses import replace

    from litestar.testing import TestClient

    from booking.app import create_app

    with TestClient(create_app(replace(settings, base_url="https://raumplan.example"),
                               clock)) as https:
        r = https.get(f"/api/rooms/{world.rooms['Café']}/availability", params=WEEK)
        assert r.status_code == 200
        assert "max-age" in r.headers["strict-transport-security"]
