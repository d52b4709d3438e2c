"""A write the database aborts (deadlock victim, serialization failure) is run again before any
answer is sent; when every attempt fails the caller gets 503 with Retry-After, never 500, and
nothing is saved (issue 6 §1, second line behind the lock order)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from booking.api import retry
from booking.db import normalise_url
from booking.models import Booking, Occurrence
from booking.services import bookings
from tests.booking.api_helpers import berlin, book
from tests.factories import World


class DeadlockVictim(Exception):
    sqlstate = "40P01"


def aborted() -> OperationalError:
    return OperationalError("UPDATE occurrence …", {}, DeadlockVictim("deadlock detected"))


def failing_first(times: int, real: Any) -> tuple[Any, list[int]]:
    calls: list[int] = []

    def create_booking(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) <= times:
            raise aborted()
        return real(*args, **kwargs)

    return create_booking, calls


def test_a_write_the_database_aborts_is_run_again_with_its_body_and_succeeds(
        client, as_, world: World, session_factory, monkeypatch):
    create_booking, calls = failing_first(2, bookings.create_booking)
    monkeypatch.setattr(bookings, "create_booking", create_booking)
    r = book(client, as_("staff"), world.rooms["Café"], berlin(2026, 12, 3, 10),
             berlin(2026, 12, 3, 12), title="Nähcafé")
    assert r.status_code == 201, r.text
    assert r.json()["title"] == "Nähcafé"
    assert len(calls) == 3
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Booking)) == 1


def test_a_write_aborted_on_every_attempt_answers_503_with_retry_after_and_saves_nothing(
        client, as_, world: World, session_factory, monkeypatch):
    create_booking, calls = failing_first(10_000, bookings.create_booking)
    monkeypatch.setattr(bookings, "create_booking", create_booking)
    r = book(client, as_("staff"), world.rooms["Café"], berlin(2026, 12, 3, 10),
             berlin(2026, 12, 3, 12))
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == str(retry.RETRY_AFTER)
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "busy" and "noch einmal" in r.json()["detail"]
    assert len(calls) == retry.ATTEMPTS
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Booking)) == 0


def test_no_free_connection_for_the_pools_whole_timeout_answers_503_at_once(
        client, as_, world: World, session_factory, monkeypatch):
    """An overloaded process (every connection of its pool busy for the pool's 30 s): 503
    with Retry-After and nothing saved, and not run again, which would keep the caller
    waiting another 30 s each time."""
    calls: list[int] = []

    def create_booking(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise PoolTimeout("QueuePool limit of size 15 overflow 0 reached, connection timed out")

    monkeypatch.setattr(bookings, "create_booking", create_booking)
    r = book(client, as_("staff"), world.rooms["Café"], berlin(2026, 12, 3, 10),
             berlin(2026, 12, 3, 12))
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == str(retry.RETRY_AFTER)
    assert r.json()["code"] == "database_unavailable"
    assert len(calls) == 1
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Booking)) == 0


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_real_deadlock_victim_on_postgresql_is_retried_and_the_move_succeeds(
        db_url: str, client, as_, world: World, session_factory, caplog):
    """Another transaction takes the two rooms of a move in the opposite order, so PostgreSQL
    must abort one of the two: the move (the other one is told to wait longer before it
    looks for deadlocks). The move's request runs again and answers 200."""
    cafe, group_room = world.rooms["Café"], world.rooms["Gruppenraum 1"]
    r = book(client, as_("staff"), cafe, berlin(2026, 12, 3, 10), berlin(2026, 12, 3, 12))
    assert r.status_code == 201, r.text
    occurrence = r.json()["occurrences"][0]["id"]
    assert cafe < group_room  # the move locks the café first, then the group room

    other = create_engine(normalise_url(db_url))
    answer: dict[str, Any] = {}

    def move() -> None:
        answer["r"] = client.patch(f"/api/occurrences/{occurrence}", headers=as_("staff"),
                                   json={"room_id": group_room,
                                         "starts_at": berlin(2026, 12, 3, 14),
                                         "ends_at": berlin(2026, 12, 3, 16)})

    as_("staff")  # log in before the locks are taken
    try:
        with other.connect() as conn, conn.begin():
            conn.execute(text("SET LOCAL deadlock_timeout = '20s'"))
            conn.execute(text("SELECT id FROM room WHERE id = :r FOR UPDATE"), {"r": group_room})
            mover = threading.Thread(target=move)
            mover.start()
            deadline = time.monotonic() + 30
            while not conn.execute(text(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar_one():
                assert time.monotonic() < deadline, "the move never waited for the room"
                time.sleep(0.02)
            # The move holds the café and waits for the group room; now wait for the café.
            conn.execute(text("SELECT id FROM room WHERE id = :r FOR UPDATE"), {"r": cafe})
        mover.join(timeout=60)
    finally:
        other.dispose()
    r = answer["r"]
    assert r.status_code == 200, r.text
    assert r.json()["room_id"] == group_room
    assert any("transaction aborted" in rec.getMessage() for rec in caplog.records)
    with session_factory() as s:
        assert s.get_one(Occurrence, occurrence).room_id == group_room
