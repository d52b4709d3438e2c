"""API: staff bookings (programme, groups, closures), occurrences, and availability."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy.orm import Session

from booking.api import convert
from booking.api import schemas as s
from booking.api.deps import (
    bearer_token,
    caller_and_versions,
    coalesced_caller_and_versions,
    known_caller,
)
from booking.api.problems import answer_language
from booking.deps import Services, services
from booking.errors import InvalidInput
from booking.permissions import Actor
from booking.security import token_digest, transport_headers
from booking.services import availability, bookings
from booking.translations import negotiate, pick_language


class BookingController(Controller):
    path = "/api/bookings"
    tags = ["bookings"]

    @post("/", sync_to_thread=True)
    def create(self, db: Session, now: datetime, actor: Actor, request: Request[Any, Any, Any],
               data: s.BookingIn) -> s.BookingOut:
        """A programme slot, group date or closure; with an ``rrule`` (local time of
        ``starts_at``) a series, the same as ``POST /api/series`` makes (``series_id`` in the
        answer): dates on closures and holidays skipped, conflicts refused (409) unless
        ``skip_conflicts``. Exceptions are cancelled dates, not ``exdates``."""
        result = bookings.create_booking(
            db, actor, kind=data.kind, title=data.title, room_id=data.room_id,
            start=data.starts_at, end=data.ends_at, now=now, rrule=data.rrule,
            until=data.until, exdates=data.exdates, offer_id=data.offer_id,
            group_id=data.group_id, notes=data.notes, skip_conflicts=data.skip_conflicts)
        lang = answer_language(request)
        return convert.booking(result.booking, [m.render(lang) for m in result.skipped],
                               result.series_id)

    @post("/{booking_id:int}/cancel", sync_to_thread=True, status_code=200)
    def cancel(self, db: Session, now: datetime, actor: Actor, booking_id: s.Id,
               data: s.ReasonIn | None = None,
               from_time: datetime | None = None) -> s.BookingOut:
        return convert.booking(bookings.cancel_booking(
            db, actor, booking_id, data.reason if data else "", now,
            from_time))


class OccurrenceController(Controller):
    path = "/api/occurrences"
    tags = ["bookings"]

    @patch("/{occurrence_id:int}", sync_to_thread=True)
    def move(self, db: Session, now: datetime, actor: Actor, occurrence_id: s.Id,
             data: s.MoveIn) -> s.OccurrenceOut:
        return convert.occurrence(bookings.move_occurrence(
            db, actor, occurrence_id, room_id=data.room_id, start=data.starts_at,
            end=data.ends_at, now=now))

    @post("/{occurrence_id:int}/cancel", sync_to_thread=True, status_code=200)
    def cancel(self, db: Session, now: datetime, actor: Actor,
               occurrence_id: s.Id) -> s.OccurrenceOut:
        return convert.occurrence(bookings.cancel_occurrence(db, actor, occurrence_id, now))


class _Answer:
    """An availability answer, encoded: the same bytes for every caller of its view, unless it
    names closed days, whose reasons are sentences: then encoded once per language asked. Each
    encoding is kept as a finished ASGI answer (:class:`_Ready`)."""

    __slots__ = ("_by_language", "_data", "_headers", "_same")

    def __init__(self, data: _Data, headers: tuple[tuple[bytes, bytes], ...]) -> None:
        self._data = data
        self._headers = headers
        self._same = (None if data[4] else
                      _Ready(msgspec.json.encode(_availability_out(data, "de")), headers))
        self._by_language: dict[str, _Ready] = {}

    def ready(self, language: Callable[[], str]) -> _Ready:
        if self._same is not None:
            return self._same
        lang = language()
        hit = self._by_language.get(lang)
        if hit is None:
            hit = self._by_language[lang] = _Ready(
                msgspec.json.encode(_availability_out(self._data, lang)), self._headers)
        return hit


class _Ready:
    """A 200 JSON answer as the two ASGI messages that send it, made once per cached answer:
    building Litestar's ``ASGIResponse`` for every request cost a fifth of a cached read. The
    app's response headers (HSTS) are added here, as Litestar adds them only to its own
    ``Response``. Each request gets its own start message (a middleware may add headers)."""

    __slots__ = ("_body", "_headers")

    def __init__(self, body: bytes, transport: tuple[tuple[bytes, bytes], ...]) -> None:
        self._headers = (*transport, (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode()))
        self._body = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": list(self._headers)})
        await send({"type": "http.response.body", "body": self._body, "more_body": False})


_Data = tuple[datetime, datetime, list[availability.Busy], list[availability.Free],
              list[availability.ClosedDay]]


@lru_cache(maxsize=8)
def _transport(base_url: str) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((h.name.lower().encode("latin-1"), str(h.value).encode("latin-1"))
                 for h in transport_headers(base_url))


def _language(request: Request[Any, Any, Any], actor: Actor) -> str:
    """:func:`booking.api.problems.answer_language` for a handler without the ``actor``
    dependency: asked only when an answer has sentences in it."""
    return pick_language(negotiate(request.headers.get("accept-language")),
                         actor.language if actor.person_id else None)


async def _cached_availability(svc: Services, token: str | None, room_ids: list[int],
                               start: datetime, end: datetime) -> tuple[Actor, _Answer]:
    """The answer, from the cache while the rooms have not changed. While nothing has been
    committed since the answer and the caller were last checked against the database (the
    commit clock, :mod:`booking.changes`), no statement is sent at all. Otherwise the counters
    and the caller are read: on PostgreSQL on the event loop, in a statement shared with the
    other requests waiting (``svc.coalesced``); on SQLite by a local statement. Only a cache
    miss builds the answer (in a worker thread on PostgreSQL)."""
    start, end = availability.check_window(start, end)
    # Read before any statement is sent: what the database confirms below is trusted at this
    # reading of the clock, and a commit answered before this request came in shows in it.
    seen = svc.changes.read() if svc.changes is not None else None
    digest = None if token is None else token_digest(token)
    if seen is not None and (known := _unchanged(svc, digest, room_ids, start, end, seen)):
        return known
    versions: tuple[object, ...]
    if svc.coalesced is not None:
        actor, versions = await coalesced_caller_and_versions(svc, digest, room_ids, seen)
    else:
        actor, versions = await svc.run_read(caller_and_versions, svc, digest, room_ids, seen)
    cache = svc.availability_cache
    hit: _Answer | None = cache.lookup(actor, room_ids, start, end, versions, seen)
    if hit is not None:
        return actor, hit

    def build() -> _Answer:
        with svc.read_db() as db:
            return _Answer(_availability_data(db, actor, room_ids, start, end),
                           _transport(svc.settings.base_url))

    answer = await svc.run_read(build)
    cache.store(actor, room_ids, start, end, versions, answer, seen)
    return actor, answer


def _unchanged(svc: Services, digest: str | None, room_ids: list[int], start: datetime,
               end: datetime, seen: int) -> tuple[Actor, _Answer] | None:
    """The caller and the cached answer, if both were checked against the database when the
    commit clock last read ``seen`` (nothing committed since, :mod:`booking.changes`)."""
    known = known_caller(svc, digest, seen)
    if known is None:
        return None
    hit: _Answer | None = svc.availability_cache.unchanged(known, room_ids, start, end, seen)
    return None if hit is None else (known, hit)


def _availability_data(db: Session, actor: Actor, room_ids: list[int], start: datetime,
                       end: datetime) -> _Data:
    start, end = availability.check_window(start, end)
    busy, free, closed = availability.busy_free_closed(db, actor, room_ids, start, end)
    return start, end, busy, free, closed


def _availability_out(data: _Data, lang: str) -> s.Availability:
    start, end, busy, free, closed = data
    return s.Availability(
        start=start, end=end,
        busy=[s.BusyInterval(b.room_id, b.starts_at, b.ends_at, b.title, b.kind, b.booking_id)
              for b in busy],
        free=[s.Interval(f.room_id, f.starts_at, f.ends_at) for f in free],
        closed=[s.ClosedDay(c.room_id, c.day, c.starts_at, c.ends_at, c.cause,
                            c.reason.as_json(lang)) for c in closed])


def _availability(db: Session, actor: Actor, room_ids: list[int], start: datetime,
                  end: datetime, lang: str) -> s.Availability:
    return _availability_out(_availability_data(db, actor, room_ids, start, end), lang)


class AvailabilityController(Controller):
    path = "/api"
    tags = ["availability"]

    @get("/rooms/{room_id:int}/availability",
         responses={200: ResponseSpec(data_container=s.Availability,
                                      description="Free and busy intervals")})
    async def room_availability(self, request: Request[Any, Any, Any], room_id: s.Id,
                                start: datetime, end: datetime) -> ASGIApp:
        """Free and busy intervals of one room between two instants (at most 62 days), and the
        days it is closed (closures, public holidays), with why."""
        # The hottest read of the service: no injected dependencies (resolving two of them
        # spawns a task group per request), the caller looked up in the same round trip as the
        # rooms' change counters, the answer served as the bytes cached for this room, window
        # and view.
        svc = services(request)
        actor, answer = await _cached_availability(svc, bearer_token(request), [room_id],
                                                   start, end)
        return answer.ready(lambda: _language(request, actor))

    @get("/availability", sync_to_thread=True)
    def centre_availability(
        self, request: Request[Any, Any, Any], read_db: Session, actor: Actor,
        centre_id: Annotated[int, Parameter(ge=1, le=s.MAX_ID)],
        start: datetime, end: datetime,
    ) -> s.Availability:
        """Free and busy intervals of all rooms of a centre, and the days each is closed."""
        room_ids = availability.room_ids_of_centre(read_db, centre_id)
        if not room_ids:
            raise InvalidInput("centre_no_rooms")
        return _availability(read_db, actor, room_ids, start, end, answer_language(request))
