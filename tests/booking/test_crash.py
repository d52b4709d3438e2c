"""Crash safety: the server is SIGKILLed in the middle of a stream of confirmations and started
again on the same database. Whatever a client was told succeeded must still be there, nothing
may be half-written (a booking confirmed without its occurrence, without its audit record),
and the database's own integrity checks must pass."""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from booking.db import make_engine, transaction
from booking.models import Person
from booking.permissions import Actor
from booking.services import rentals
from tests.booking.realtime import bearer, berlin, future_weekdays, login, overlapping_confirmed
from tests.factories import PASSWORD, World, build_world
from tests.serverproc import Server, running_server, start_server

pytestmark = pytest.mark.slow

DAYS = 10
ROUNDS = 2  # kill, restart, go on, kill again


def make_requests(factory: sessionmaker[Session], world: World) -> list[int]:
    """Pairs of overlapping pending requests in the café, seven pairs a day: confirming the
    first of a pair declines the second in the same transaction, so a crash can also catch a
    half-done decline."""
    now = datetime.now(UTC)
    ids = []
    with transaction(factory) as s:
        people = [Actor.of(s.get_one(Person, world.people[p])) for p in ("anna", "ben")]
        for day in future_weekdays(DAYS):
            for pair in range(7):
                start = berlin(day, 10) + timedelta(minutes=90 * pair)
                for k, shift in enumerate((0, 30)):
                    begin = start + timedelta(minutes=shift)
                    booking = rentals.request_rental(
                        s, people[k], room_id=world.rooms["Café"], start=begin,
                        end=begin + timedelta(hours=1), people=12, purpose="Treffen", now=now)
                    ids.append(booking.id)
    return ids


class Confirmer(threading.Thread):
    """Confirms the given requests one after the other as fast as the server answers and
    records every 2xx; stops at the first transport error (the server is gone)."""

    def __init__(self, url: str, token: str, ids: list[int], kill_after: int) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.ids = url, token, ids
        self.kill_after = kill_after
        self.acknowledged: list[int] = []
        self.refused: list[int] = []
        self.sent = 0
        self.target_reached = threading.Event()
        self.unexpected: list[tuple[int, int, str]] = []

    def run(self) -> None:
        try:
            with httpx.Client(base_url=self.url, headers=bearer(self.token), timeout=30) as c:
                for booking_id in self.ids:
                    self.sent += 1
                    r = c.post(f"/api/rentals/{booking_id}/confirm")
                    if 200 <= r.status_code < 300:
                        self.acknowledged.append(booking_id)
                    elif r.status_code == 409:
                        self.refused.append(booking_id)
                    else:
                        self.unexpected.append((booking_id, r.status_code, r.text[:300]))
                    if len(self.acknowledged) >= self.kill_after:
                        self.target_reached.set()
        except httpx.HTTPError:
            pass
        finally:
            self.target_reached.set()


def crash_during_confirmations(server: Server, token: str, ids: list[int]) -> Confirmer:
    confirmer = Confirmer(server.url, token, ids, kill_after=random.randint(10, 30))
    confirmer.start()
    assert confirmer.target_reached.wait(timeout=120)
    # A random moment inside the next request or two: parsing, the transaction, the commit.
    time.sleep(random.uniform(0, 0.03))
    server.kill()
    confirmer.join(timeout=60)
    assert not confirmer.is_alive()
    assert confirmer.unexpected == []
    return confirmer


def assert_nothing_half_written(engine: Engine) -> None:
    queries = {
        "booking and occurrence disagree": """
            SELECT b.id FROM booking b JOIN occurrence o ON o.booking_id = b.id
             WHERE o.status <> b.status""",
        "confirmed booking without occurrence": """
            SELECT b.id FROM booking b WHERE b.status = 'confirmed'
               AND NOT EXISTS (SELECT 1 FROM occurrence o WHERE o.booking_id = b.id)""",
        "decided rental without its audit record": """
            SELECT b.id FROM booking b WHERE b.kind = 'rental'
               AND b.status IN ('confirmed', 'declined')
               AND NOT EXISTS (SELECT 1 FROM audit_event a WHERE a.entity = 'booking'
                               AND a.entity_id = b.id AND a.action = b.status)""",
        "audit record of a confirmation that is not there": """
            SELECT a.entity_id FROM audit_event a JOIN booking b ON b.id = a.entity_id
             WHERE a.entity = 'booking' AND a.action = 'confirmed'
               AND b.status <> 'confirmed'""",
    }
    with engine.connect() as conn:
        for what, sql in queries.items():
            assert conn.execute(text(sql)).scalars().all() == [], what
    assert overlapping_confirmed(engine) == []


def assert_database_intact(engine: Engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalars().all() == ["ok"]
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            return "PRAGMA integrity_check ok, foreign_key_check empty"
        try:
            with conn.begin():
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS amcheck")
        except Exception:  # not installed on this server: check through queries instead
            return pg_query_level_check(conn)
        indexes = conn.execute(text("""
            SELECT c.relname FROM pg_index i
              JOIN pg_class c ON c.oid = i.indexrelid
              JOIN pg_am am ON am.oid = c.relam
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE am.amname = 'btree' AND n.nspname = 'public'""")).scalars().all()
        assert indexes
        for name in indexes:
            conn.execute(text("SELECT bt_index_check(CAST(:name AS regclass), true)"),
                         {"name": name})
        conn.rollback()
        return f"amcheck bt_index_check on {len(indexes)} btree indexes ok"


def pg_query_level_check(conn: Connection) -> str:
    counts = []
    for scan in ("enable_seqscan", "enable_indexscan"):
        with conn.begin():
            conn.exec_driver_sql(f"SET LOCAL {scan} = off")
            counts.append(conn.execute(text(
                "SELECT count(*) FROM occurrence WHERE room_id > 0")).scalar_one())
    assert counts[0] == counts[1]
    return "index and table scans agree"


def test_killed_server_keeps_every_acknowledged_confirmation(
        db_url: str, tmp_path: Path, session_factory: sessionmaker[Session], now: datetime):
    world = build_world(session_factory, now)
    ids = make_requests(session_factory, world)
    acknowledged: list[int] = []
    remaining = ids
    for _ in range(ROUNDS):
        server = start_server(db_url, tmp_path)
        try:
            token = login(server.url, world.emails["staff"], PASSWORD)
            confirmer = crash_during_confirmations(server, token, remaining)
        finally:
            if server.process.poll() is None:  # a failed round must not leave it running
                server.kill()
        acknowledged += confirmer.acknowledged
        # The request in flight when the server died may or may not have been committed.
        remaining = remaining[confirmer.sent:]
        print(f"\nkilled after {len(confirmer.acknowledged)} confirmations answered 2xx, "
              f"{len(confirmer.refused)} refused with 409, {confirmer.sent} sent")

    with running_server(db_url, tmp_path) as server:
        token = login(server.url, world.emails["staff"], PASSWORD)
        with httpx.Client(base_url=server.url, headers=bearer(token), timeout=30) as client:
            confirmed = {r["id"] for r in client.get(
                "/api/rentals", params={"status": "confirmed"}).json()}
            assert set(acknowledged) <= confirmed, set(acknowledged) - confirmed
            # The restarted service goes on working on the same data.
            after = client.post(f"/api/rentals/{remaining[0]}/confirm")
            assert after.status_code in (200, 409), after.text

    engine = make_engine(db_url)
    try:
        assert_nothing_half_written(engine)
        report = assert_database_intact(engine)
    finally:
        engine.dispose()
    print(f"{len(acknowledged)} acknowledged, {len(confirmed)} confirmed in the database "
          f"(in-flight ones may count too); {report}")
