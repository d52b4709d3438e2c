"""What API handlers get injected besides :mod:`booking.deps` (shared with the pages): the
caller as an :class:`~booking.permissions.Actor`, from the bearer token."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from litestar import Request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

# Re-exported: handlers written before booking.deps existed import them from here.
from booking.deps import Services as Services
from booking.deps import services as services
from booking.models import AuthToken, Person, PersonRole
from booking.permissions import ANONYMOUS, Actor
from booking.security import token_digest
from booking.services.availability import Counters


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
    if svc.coalesced is not None:
        _counters, rows = await svc.coalesced.read((), token_digest(token))
        return _actor_from_plain_rows(rows, svc.clock.now())
    return await svc.run_read(_token_actor, svc, token)


def caller_and_versions(svc: Services, digest: str | None, room_ids: Sequence[int],
                        seen: int | None = None) -> tuple[Actor, tuple[object, ...]]:
    """The caller whose token has the ``digest`` and the rooms' change counters, in one
    statement when there is a token (SQLite, ``svc.plain``): the availability read, the hottest
    path, needs both before it can answer from its cache. ``seen``: as in
    :func:`coalesced_caller_and_versions`."""
    versions = svc.availability_cache.versions
    if digest is None:
        return ANONYMOUS, versions(room_ids)
    counters, rows = versions.with_rows(room_ids, _API_CALLER_SQL, [digest])
    if seen is not None:
        svc.callers.put(digest, seen, rows)
    return _actor_from_plain_rows(rows, svc.clock.now()), counters


async def coalesced_caller_and_versions(svc: Services, digest: str | None,
                                        room_ids: Sequence[int], seen: int | None = None
                                        ) -> tuple[Actor, Counters]:
    """:func:`caller_and_versions` on the event loop, in a statement shared with the other
    requests waiting at the same moment (PostgreSQL, ``svc.coalesced``), for the caller whose
    token has the ``digest``. ``seen``: the commit clock's reading taken before; the caller's
    rows are then trusted at it (:func:`known_caller`)."""
    assert svc.coalesced is not None
    counters, rows = await svc.coalesced.read(room_ids, digest)
    if digest is None:
        return ANONYMOUS, counters
    if seen is not None:
        svc.callers.put(digest, seen, rows)
    return _actor_from_plain_rows(rows, svc.clock.now()), counters


def known_caller(svc: Services, digest: str | None, seen: int) -> Actor | None:
    """The caller whose token has the ``digest`` as the database showed it when the commit
    clock last read ``seen`` (nothing committed since); ``None``: ask the database."""
    if digest is None:
        return ANONYMOUS
    rows = svc.callers.get(digest, seen)
    return None if rows is None else _actor_from_plain_rows(rows, svc.clock.now())


async def provide_actor(request: Request[Any, Any, Any], svc: Services) -> Actor:
    """The ``actor`` dependency. It takes ``svc`` so Litestar resolves the two one after the
    other: resolving independent dependencies spawns a task group per request, which cost more
    than both. The caller stays in the request's state: problem answers speak the account's
    language when the client asks for none (``booking.api.problems.answer_language``)."""
    actor = await bearer_actor(request, svc)
    request.state.actor = actor
    return actor


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


# The same for many tokens at once, keyed by the token's digest (CoalescedReads, PostgreSQL).
API_CALLERS_SQL = (
    "SELECT t.token_hash, t.person_id, t.expires_at, p.language, p.deleted_at, r.role, "
    "r.centre_id FROM auth_token t JOIN person p ON p.id = t.person_id "
    "LEFT JOIN person_role r ON r.person_id = p.id "
    "WHERE t.token_hash = ANY(%s::text[]) AND t.kind = 'api'"
)


def _actor_from_plain_rows(rows: list[tuple[Any, ...]], now: datetime) -> Actor:
    if not rows:
        return ANONYMOUS
    # The same rows make the same caller: a memo of that pure step (the rows themselves are
    # read for every request) saves parsing the expiry and building the roles each time.
    key = tuple(rows)
    known = _ACTORS.get(key)
    if known is None:
        person_id, expires_at, language, deleted_at = rows[0][:4]
        known = (_instant(expires_at), deleted_at is not None, Actor(
            person_id=person_id, language=language,
            roles=frozenset((r[4], r[5]) for r in rows if r[4] is not None)))
        if len(_ACTORS) >= 1024:
            _ACTORS.clear()
        _ACTORS[key] = known
    expires_at, deleted, actor = known
    if expires_at <= now or deleted:
        return ANONYMOUS
    return actor


_ACTORS: dict[tuple[tuple[Any, ...], ...], tuple[datetime, bool, Actor]] = {}


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
