"""The service's database connections: a bounded number per process, connections the database
ended are replaced before anyone sees an error, and the batched availability reads of
PostgreSQL never hand a request an answer read before it arrived (issue 6 §2)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, func, make_url, select, text
from sqlalchemy.orm import sessionmaker

from booking.api import retry
from booking.db import make_engine, normalise_url, transaction
from booking.models import Booking
from booking.services.availability import CoalescedReads
from booking.settings import Settings
from tests.booking.api_helpers import berlin, book, rent
from tests.booking.test_pages import Page
from tests.conftest import PG_ADMIN_URL
from tests.factories import PASSWORD, World

WEEK = {"start": berlin(2026, 11, 30, 0), "end": berlin(2026, 12, 7, 0)}


def end_other_connections(db_url: str) -> int:
    """What a database restart or an administrator does to the service's idle connections."""
    admin = make_engine(db_url, pool_size=1)
    try:
        with admin.connect() as conn:
            ended = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
            conn.commit()
    finally:
        admin.dispose()
    return int(ended)


# PostgreSQL only: SQLite has no server that ends connections.
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_requests_after_the_database_ended_the_connections_succeed(client, as_, world: World,
                                                                   db_url: str):
    cafe = world.rooms["Café"]
    staff = as_("staff")
    # Every kind of connection the service keeps is open: the pool's (writes), the event
    # loop's (availability counters and tokens).
    rental = rent(client, as_("anna"), cafe, berlin(2026, 12, 2, 16), berlin(2026, 12, 2, 19))
    assert rental.status_code == 201, rental.text
    assert client.get(f"/api/rooms/{cafe}/availability", params=WEEK,
                      headers=staff).status_code == 200
    assert end_other_connections(db_url) > 0

    r = client.post(f"/api/rentals/{rental.json()['id']}/confirm", headers=staff)
    assert r.status_code == 200, r.text
    r = client.get(f"/api/rooms/{cafe}/availability", params=WEEK, headers=staff)
    assert r.status_code == 200, r.text
    assert [b["title"] for b in r.json()["busy"]] == ["Raumvermietung"]

    assert end_other_connections(db_url) > 0
    r = client.get(f"/api/rooms/{cafe}/availability", params=WEEK)
    assert r.status_code == 200, r.text
    created = book(client, staff, world.rooms["Gruppenraum 1"], berlin(2026, 12, 3, 10),
                   berlin(2026, 12, 3, 12))
    assert created.status_code == 201, created.text


@contextmanager
def refusing_connections(db_url: str) -> Iterator[None]:
    """The database accepts no new connection and ends the open ones, as a server full with
    ``max_connections`` or in a restart does: every connection the service opens is refused."""
    name = make_url(db_url).database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")

    def allow(allowed: bool) -> None:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {allowed}'))
            if not allowed:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :name"), {"name": name})

    allow(False)
    try:
        yield
    finally:
        allow(True)
        admin.dispose()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_database_that_refuses_connections_answers_503_and_the_write_succeeds_later(
        client, as_, world: World, db_url: str, session_factory):
    """No 500 when the database cannot be reached: the API and the pages say so with 503 and
    ``Retry-After`` (the write was tried again first, and nothing was saved), and the same
    request succeeds once the database takes connections again."""
    cafe = world.rooms["Café"]
    staff = as_("staff")
    start, end = berlin(2026, 12, 3, 10), berlin(2026, 12, 3, 12)
    with refusing_connections(db_url):
        r = book(client, staff, cafe, start, end, title="Nähcafé")
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == str(retry.RETRY_AFTER)
        assert r.json()["code"] == "database_unavailable"
        assert "nicht erreichbar" in r.json()["detail"]
        # Reads too: the availability read and the staff token lookup use their own connections.
        r = client.get(f"/api/rooms/{cafe}/availability", params=WEEK, headers=staff)
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == str(retry.RETRY_AFTER)
        # A page: the login form's POST reads the account.
        form = Page(client.get("/login").text)
        page = client.post("/login", headers={"Accept-Language": "en"}, data={
            "email": world.emails["anna"], "passwort": PASSWORD, "csrf_token": form.csrf()})
        assert page.status_code == 503, page.text
        assert "cannot be reached right now" in page.text
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Booking)) == 0
    r = book(client, staff, cafe, start, end, title="Nähcafé")
    assert r.status_code == 201, r.text


# PostgreSQL only: the pool size bounds PostgreSQL connections (SQLite has no server).
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_process_opens_at_most_its_pool_size_of_connections(db_url: str):
    engine = make_engine(db_url, pool_size=3)
    factory = sessionmaker(engine)
    barrier = threading.Barrier(12)
    seen: list[int] = []

    def work() -> None:
        barrier.wait()
        with transaction(factory) as s:
            s.execute(text("SELECT pg_sleep(0.05)"))
            seen.append(s.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend'")).scalar_one())

    threads = [threading.Thread(target=work) for _ in range(12)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(seen) == 12  # every transaction ran, waiting for a free connection
        assert max(seen) <= 3
    finally:
        engine.dispose()


def test_the_pool_size_is_a_setting(monkeypatch):
    monkeypatch.setenv("RAUMPLAN_DB_POOL_SIZE", "7")
    settings = Settings.from_env()
    assert settings.db_pool_size == 7
    engine = make_engine(normalise_url("postgresql://nobody@127.0.0.1:1/none"),
                         pool_size=settings.db_pool_size)
    try:
        assert engine.pool.size() == 7  # type: ignore[attr-defined]
    finally:
        engine.dispose()


class _Reader:
    """A stand-in for the event loop's reader: statements wait until the test lets them
    answer, with the counter as it stood when they were sent."""

    size = 1

    def __init__(self) -> None:
        self.version = 1
        self.sent: list[tuple[list[int], list[str]]] = []
        self.release: list[asyncio.Event] = []

    async def rows(self, sql: str, params: Any) -> list[tuple[Any, ...]]:
        rooms, keys = params
        self.sent.append((rooms, keys))
        version = self.version  # the statement's snapshot
        gate = asyncio.Event()
        self.release.append(gate)
        await gate.wait()
        return [(r, version, None, None, None, None, None, None, None) for r in rooms] + [
            (None, None, k, 1, None, "de", None, "staff", 1) for k in keys]


def test_a_read_that_arrives_during_a_statement_waits_for_the_next_one():
    async def scenario() -> None:
        reader = _Reader()
        reads = CoalescedReads(reader, "SELECT 1")  # type: ignore[arg-type]
        first = asyncio.ensure_future(reads.read([5], None))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert len(reader.sent) == 1  # the first statement is on its way
        reader.version = 2  # a write commits while it is
        second = asyncio.ensure_future(reads.read([5], "token"))
        third = asyncio.ensure_future(reads.read([5, 6], None))
        await asyncio.sleep(0)
        assert len(reader.sent) == 1  # they wait: one statement at a time on one connection
        reader.release[0].set()
        assert (await first)[0] == ((5, 1),)
        while len(reader.sent) < 2:
            await asyncio.sleep(0)
        assert reader.sent[1] == ([5, 6], ["token"])  # both late requests in one statement
        reader.release[1].set()
        counters, rows = await second
        assert counters == ((5, 2),)  # not the first statement's older answer
        assert rows == [(1, None, "de", None, "staff", 1)]
        assert (await third) == (((5, 2), (6, 2)), [])

    asyncio.run(scenario())


def test_a_failed_statement_fails_its_requests_and_the_next_ones_are_answered():
    class Flaky(_Reader):
        async def rows(self, sql: str, params: Any) -> list[tuple[Any, ...]]:
            if not self.sent:
                self.sent.append(params)
                raise ConnectionError("server closed the connection")
            return [(r, 3, None, None, None, None, None, None, None) for r in params[0]]

    async def scenario() -> None:
        reads = CoalescedReads(Flaky(), "SELECT 1")  # type: ignore[arg-type]
        first = await asyncio.gather(reads.read([5], None), reads.read([6], None),
                                     return_exceptions=True)
        assert all(isinstance(e, ConnectionError) for e in first)
        assert await reads.read([5], None) == (((5, 3),), [])

    asyncio.run(asyncio.wait_for(scenario(), timeout=10))
