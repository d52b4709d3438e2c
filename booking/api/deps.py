"""What handlers get injected: the app's state (settings, session factories, clock) and the
caller as an :class:`~booking.permissions.Actor`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import anyio.to_thread
from litestar import Request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from booking.clock import Clock
from booking.models import AuthToken, Person, PersonRole
from booking.permissions import ANONYMOUS, Actor
from booking.security import token_digest
from booking.services.availability import AvailabilityCache
from booking.settings import Settings

R = TypeVar("R")


@dataclass
class Services:
    settings: Settings
    db: sessionmaker[Session]
    read_db: sessionmaker[Session]
    clock: Clock
    # SQLite reads are local and short: run them on the event loop and skip the hop to a
    # worker thread, which costs more than the read itself. Other databases read in a thread.
    inline_reads: bool = False
    availability_cache: AvailabilityCache[Any] = field(default_factory=AvailabilityCache)

    async def run_read(self, fn: Callable[..., R], *args: Any) -> R:
        if self.inline_reads:
            return fn(*args)
        return await anyio.to_thread.run_sync(fn, *args)


def services(request: Request[Any, Any, Any]) -> Services:
    svc: Services = request.app.state.services
    return svc


async def bearer_actor(request: Request[Any, Any, Any]) -> Actor:
    """The API's caller, from ``Authorization: Bearer <token>``; anonymous without one."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return ANONYMOUS
    svc = services(request)
    return await svc.run_read(_token_actor, svc, header[7:].strip())


def _token_actor(svc: Services, token: str) -> Actor:
    with svc.read_db() as session:
        return api_token_actor(session, token, svc.clock.now())


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
    if not rows:
        return ANONYMOUS
    person_id, expires_at, language, deleted_at = rows[0][:4]
    if expires_at <= now or deleted_at is not None:
        return ANONYMOUS
    return Actor(person_id=person_id, language=language,
                 roles=frozenset((r.role, r.centre_id) for r in rows if r.role is not None))
