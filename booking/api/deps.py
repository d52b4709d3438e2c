"""What handlers get injected: the app's state (settings, session factories, clock) and the
caller as an :class:`~booking.permissions.Actor`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import anyio.to_thread
from litestar import Request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from booking.clock import Clock
from booking.db import PlainReader
from booking.models import AuthToken, Person, PersonRole
from booking.permissions import ANONYMOUS, Actor
from booking.security import token_digest
from booking.services.availability import AvailabilityCache
from booking.services.feeds import FeedCache
from booking.settings import Settings

R = TypeVar("R")


@dataclass
class Services:
    settings: Settings
    db: sessionmaker[Session]
    read_db: sessionmaker[Session]
    clock: Clock
    availability_cache: AvailabilityCache[Any]
    plain: PlainReader | None = None
    # SQLite reads are local and short: run them on the event loop and skip the hop to a
    # worker thread, which costs more than the read itself. Other databases read in a thread.
    inline_reads: bool = False
    # Rendered public calendar feeds, checked against the database's change counters.
    feed_cache: FeedCache = field(default_factory=FeedCache)

    async def run_read(self, fn: Callable[..., R], *args: Any) -> R:
        if self.inline_reads:
            return fn(*args)
        return await anyio.to_thread.run_sync(fn, *args)


def services(request: Request[Any, Any, Any]) -> Services:
    svc: Services = request.app.state.services
    return svc


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    return header[7:].strip()


async def bearer_actor(request: Request[Any, Any, Any], svc: Services | None = None) -> Actor:
    """The API's caller, from ``Authorization: Bearer <token>``; anonymous without one."""
    token = bearer_token(request)
    if token is None:
        return ANONYMOUS
    svc = svc or services(request)
    return await svc.run_read(_token_actor, svc, token)


def caller_and_versions(svc: Services, token: str | None, room_ids: Sequence[int]) -> tuple[
        Actor, tuple[object, ...]]:
    """The caller and the rooms' change counters, in one round trip when there is a token: the
    availability read, the hottest path, needs both before it can answer from its cache."""
    versions = svc.availability_cache.versions
    if token is None:
        return ANONYMOUS, versions(room_ids)
    counters, rows = versions.with_rows(room_ids, _API_CALLER_SQL, [token_digest(token)])
    return _actor_from_plain_rows(rows, svc.clock.now()), counters


async def provide_actor(request: Request[Any, Any, Any], svc: Services) -> Actor:
    """The ``actor`` dependency. It takes ``svc`` so Litestar resolves the two one after the
    other: resolving independent dependencies spawns a task group per request, which cost more
    than both."""
    return await bearer_actor(request, svc)


def _token_actor(svc: Services, token: str) -> Actor:
    if svc.plain is not None:
        return _actor_from_plain_rows(svc.plain.rows(_API_CALLER_SQL, [token_digest(token)]),
                                      svc.clock.now())
    with svc.read_db() as session:
        return api_token_actor(session, token, svc.clock.now())


# The same query in plain SQL for the fast path (booking.db.PlainReader).
_API_CALLER_SQL = (
    "SELECT t.person_id, t.expires_at, p.language, p.deleted_at, r.role, r.centre_id "
    "FROM auth_token t JOIN person p ON p.id = t.person_id "
    "LEFT JOIN person_role r ON r.person_id = p.id WHERE t.token_hash = ? AND t.kind = 'api'"
)


def _actor_from_plain_rows(rows: list[tuple[Any, ...]], now: datetime) -> Actor:
    return _actor_from_rows([(r[0], _instant(r[1]), r[2], r[3], r[4], r[5]) for r in rows], now)


def _instant(stored: str | datetime) -> datetime:
    """SQLite's stored UTC text (booking.db.UTCDateTime), or PostgreSQL's timestamptz, as an
    aware instant."""
    if isinstance(stored, datetime):
        return stored
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)


# The same checks as accounts.authenticate(kind="api") followed by Actor.of, in one Core query
# (token, person and roles) instead of three ORM loads: it runs on every authenticated API
# request (bench/booking.py).
_token, _person, _role = AuthToken.__table__, Person.__table__, PersonRole.__table__
_TOKEN_ACTOR = (
    select(_token.c.person_id, _token.c.expires_at, _person.c.language, _person.c.deleted_at,
           _role.c.role, _role.c.centre_id)
    .select_from(_token.join(_person, _person.c.id == _token.c.person_id)
                 .outerjoin(_role, _role.c.person_id == _person.c.id))
    .where(_token.c.token_hash == bindparam("token_hash"), _token.c.kind == "api")
)


def api_token_actor(session: Session, token: str, now: datetime) -> Actor:
    rows = session.execute(_TOKEN_ACTOR, {"token_hash": token_digest(token)}).all()
    return _actor_from_rows([tuple(r) for r in rows], now)


def _actor_from_rows(rows: list[tuple[Any, ...]], now: datetime) -> Actor:
    if not rows:
        return ANONYMOUS
    person_id, expires_at, language, deleted_at = rows[0][:4]
    if expires_at <= now or deleted_at is not None:
        return ANONYMOUS
    return Actor(person_id=person_id, language=language,
                 roles=frozenset((r[4], r[5]) for r in rows if r[4] is not None))
