"""API: iCalendar feeds (public programme, room, secret person and group feeds, one booking)
and the staff's CSV export. Feeds answer ``text/calendar; charset=utf-8`` with ``ETag`` and
``Last-Modified``; a conditional request for an unchanged feed gets a 304."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import MutableScopeHeaders
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.response.base import ASGIResponse
from litestar.types import Scope

from booking.api import schemas as s
from booking.api.deps import Services, services
from booking.db import transaction
from booking.errors import NotFound
from booking.models import CalendarFeed
from booking.permissions import Actor
from booking.security import transport_headers
from booking.services import feeds
from booking.timeutil import local_today

if TYPE_CHECKING:
    from litestar.types.asgi_types import HeaderScope

ICS = "text/calendar; charset=utf-8"
CSV = "text/csv; charset=utf-8"
# Litestar adds "; charset=utf-8" to text types itself.
_ICS_TYPE, _CSV_TYPE = "text/calendar", "text/csv"
FeedToken = Annotated[str, Parameter(max_length=100, pattern=r"^[A-Za-z0-9_=-]+$")]
_ROOM_KEY_SQL = feeds.PUBLIC_KEY_SQL.replace(
    "WHERE c.id = ?", "WHERE c.id = (SELECT centre_id FROM room WHERE id = ?)")


class FeedIn(msgspec.Struct, forbid_unknown_fields=True):
    """No ``group_id``: a feed of your own bookings; with one: of that group's."""

    group_id: s.IdField | None = None


class FeedOut(msgspec.Struct):
    id: int
    group_id: int | None
    created_at: datetime
    # Only when the feed is created or rotated: the secret is shown once.
    url: str | None = None
    webcal: str | None = None


class FeedLinks(msgspec.Struct):
    url: str
    webcal: str


def _links(svc: Services, path: str) -> FeedLinks:
    url, webcal = feeds.subscription_links(svc.settings.base_url, path)
    return FeedLinks(url=url, webcal=webcal)


def _feed_out(svc: Services, feed: CalendarFeed, token: str | None = None) -> FeedOut:
    links = _links(svc, f"/api/calendar/feeds/{token}/calendar.ics") if token else None
    return FeedOut(id=feed.id, group_id=feed.group_id, created_at=feed.created_at,
                   url=links.url if links else None, webcal=links.webcal if links else None)


class _Prepared(ASGIResponse):
    """An answer whose headers were encoded once, when its feed was cached: ASGIResponse's
    own constructor would build and encode the same headers again on every request."""

    __slots__ = ()

    def __init__(self, status_code: int, headers: Sequence[tuple[bytes, bytes]],
                 body: bytes = b"") -> None:
        self.status_code = status_code
        self.headers = MutableScopeHeaders(cast("HeaderScope", {"headers": list(headers)}))
        self.body = body
        self.content_length = len(body)
        self.background = None
        self.encoding = "utf-8"
        self.is_head_response = False
        self._encoded_cookies = ()


def _encoded(headers: Sequence[tuple[str, str]]) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((name.lower().encode("latin-1"), value.encode("latin-1"))
                 for name, value in headers)


@dataclass(frozen=True)
class PublicFeed:
    """A public feed as the cache keeps it: the bytes plain and gzipped (never compressed per
    request; the app has no compression middleware that would do it again) and the headers of
    its three answers, encoded once."""

    etag: str
    body: bytes
    gzipped: bytes
    plain_headers: tuple[tuple[bytes, bytes], ...]
    gzip_headers: tuple[tuple[bytes, bytes], ...]
    not_modified_headers: tuple[tuple[bytes, bytes], ...]

    @classmethod
    def of(cls, feed: feeds.CachedFeed, filename: str, base_url: str) -> PublicFeed:
        # The app's own response headers (HSTS) are not added to an ASGIResponse by Litestar.
        transport = [(h.name, str(h.value)) for h in transport_headers(base_url)]
        validators = [("ETag", f'"{feed.etag}"'),
                      ("Last-Modified", format_datetime(feed.last_modified, usegmt=True)),
                      ("Cache-Control", "public, max-age=300"), ("Vary", "Accept-Encoding"),
                      *transport]
        content = [("Content-Type", ICS),
                   ("Content-Disposition", f'inline; filename="{filename}"'), *validators]
        return cls(
            etag=feed.etag, body=feed.body, gzipped=feed.gzipped,
            plain_headers=_encoded([*content, ("Content-Length", str(len(feed.body)))]),
            gzip_headers=_encoded([*content, ("Content-Encoding", "gzip"),
                                   ("Content-Length", str(len(feed.gzipped)))]),
            not_modified_headers=_encoded(validators))

    def answer(self, gzip_ok: bool, if_none_match: str) -> ASGIResponse:
        if if_none_match and _matches(if_none_match, self.etag):
            return _Prepared(304, self.not_modified_headers)
        if gzip_ok:
            return _Prepared(200, self.gzip_headers, self.gzipped)
        return _Prepared(200, self.plain_headers, self.body)


def _matches(if_none_match: str, etag: str) -> bool:
    return any(tag.strip().removeprefix("W/") in (f'"{etag}"', "*")
               for tag in if_none_match.split(","))


def _not_modified(request: Request[Any, Any, Any], etag: str) -> bool:
    return _matches(request.headers.get("if-none-match", ""), etag)


def _asked(scope: Scope) -> tuple[bool, str]:
    """Whether the client takes gzip, and its If-None-Match, read straight from the scope: a
    header object per request cost more than the rest of a cached answer's handler."""
    gzip_ok, if_none_match = False, ""
    for name, value in scope["headers"]:
        name = name.lower()
        if name == b"accept-encoding":
            gzip_ok = gzip_ok or b"gzip" in value.lower()
        elif name == b"if-none-match":
            if_none_match = value.decode("latin-1")
    return gzip_ok, if_none_match


def _public(svc: Services, what: str, ident: int, since: str | None, now: datetime,
            filename: str) -> tuple[str, PublicFeed | None]:
    """The feed's current version and, unless the caller has that version and this process
    has not cached it, its answers; the cache then serves it without this read for a while
    (:meth:`booking.services.feeds.FeedCache.fresh`)."""
    # Before the version is read: a commit after it makes what is read here stale.
    clock = svc.changes.read() if svc.changes is not None else None
    sql = feeds.PUBLIC_KEY_SQL if what == "programme" else _ROOM_KEY_SQL
    assert svc.plain is not None  # the app factory always makes one
    rows = svc.plain.rows(sql, [ident])
    zone = rows[0][2] if rows else "Europe/Berlin"
    key = feeds.public_key(rows, local_today(now, zone))
    if key is None or (what == "room" and rows[0][3] is None):
        raise NotFound("feed_not_found")
    cached: PublicFeed | None = svc.feed_cache.get((what, ident, key))
    if cached is None:
        if since == key:
            return key, None
        # Built as of the key's day, so whichever worker builds this key builds the same bytes.
        as_of = feeds.public_as_of(now, zone)
        with svc.read_db() as db:
            if what == "programme":
                events = feeds.programme_events(db, ident, as_of)
                name = str(rows[0][0])
            else:
                events = feeds.room_events(db, ident, as_of)
                name = next((str(r[4]) for r in rows if r[3] == ident), str(rows[0][0]))
            body = feeds.render(name, events, zone, as_of)
        cached = PublicFeed.of(feeds.CachedFeed.of(key, feeds.last_modified(events, as_of), body),
                               filename, svc.settings.base_url)
        svc.feed_cache.put((what, ident, key), cached)
    if clock is not None:
        svc.feed_cache.checked(what, ident, cached, clock, now, feeds.public_until(now, zone))
    return key, cached


async def _serve_public(request: Request[Any, Any, Any], what: str, ident: int,
                        filename: str) -> ASGIResponse:
    """A cached feed known fresh is answered on the event loop without touching the database;
    otherwise its version is read (one query) and, if it changed, the feed built."""
    svc = services(request)
    now = svc.clock.now()
    gzip_ok, if_none_match = _asked(request.scope)
    feed: PublicFeed | None = (None if svc.changes is None else
                               svc.feed_cache.fresh(what, ident, now, svc.changes.read()))
    if feed is None:
        since = if_none_match.strip().removeprefix("W/").strip('"') or None
        key, feed = await svc.run_read(_public, svc, what, ident, since, now, filename)
        if feed is None:
            return _Prepared(304, _encoded([("ETag", f'"{key}"')]))
    return feed.answer(gzip_ok, if_none_match)


_ICS_RESPONSE = {200: ResponseSpec(data_container=str, media_type=ICS,
                                   description="iCalendar (RFC 5545)")}


class CalendarController(Controller):
    path = "/api/calendar"
    tags = ["calendar"]

    @get("/centres/{centre_id:int}/programme.ics", responses=_ICS_RESPONSE,
         media_type=ICS)
    async def programme(self, request: Request[Any, Any, Any], centre_id: s.Id) -> ASGIResponse:
        """The centre's public programme (public offers and groups, no personal data)."""
        return await _serve_public(request, "programme", centre_id, "programm.ics")

    @get("/rooms/{room_id:int}/calendar.ics", responses=_ICS_RESPONSE, media_type=ICS)
    async def room(self, request: Request[Any, Any, Any], room_id: s.Id) -> ASGIResponse:
        """Everything that holds the room, with public titles only."""
        return await _serve_public(request, "room", room_id, "raum.ics")

    @get("/centres/{centre_id:int}/links", sync_to_thread=False)
    def links(self, svc: Services, centre_id: s.Id) -> FeedLinks:
        """Where to subscribe to the centre's programme (https and webcal)."""
        return _links(svc, feeds.programme_feed_path(centre_id))

    @get("/feeds/{token:str}/calendar.ics", responses=_ICS_RESPONSE, media_type=ICS,
         sync_to_thread=True)
    def secret(self, request: Request[Any, Any, Any], svc: Services,
               token: FeedToken) -> Response[bytes]:
        """A person's or group's own bookings, behind the feed's secret."""
        now = svc.clock.now()
        with svc.read_db() as db:
            name, events, zone = feeds.secret_feed(db, token, now)
            body = feeds.render(name, events, zone, now)
        return _private_response(request, body, events, now, "raumplan.ics")


def _private_response(request: Request[Any, Any, Any], body: bytes,
                      events: list[feeds.FeedEvent], now: datetime,
                      filename: str) -> Response[bytes]:
    import hashlib

    etag = hashlib.sha256(body).hexdigest()[:32]
    if _not_modified(request, etag):
        return Response(b"", status_code=304, headers={"ETag": f'"{etag}"'})
    return Response(body, media_type=_ICS_TYPE, headers={
        "ETag": f'"{etag}"',
        "Last-Modified": format_datetime(feeds.last_modified(events, now), usegmt=True),
        "Cache-Control": "private, no-store",
        "Content-Disposition": f'attachment; filename="{filename}"'})


class FeedController(Controller):
    path = "/api/me/feeds"
    tags = ["calendar"]

    @get("/", sync_to_thread=True)
    def mine(self, svc: Services, actor: Actor) -> list[FeedOut]:
        """Your feeds (their secrets are not shown again)."""
        with svc.read_db() as db:
            return [_feed_out(svc, f) for f in feeds.my_feeds(db, actor)]

    @post("/", sync_to_thread=True)
    def create(self, svc: Services, actor: Actor, data: FeedIn | None = None) -> FeedOut:
        """A secret feed of your bookings or of a group's; the link is shown once."""
        with transaction(svc.db) as db:
            made = feeds.create_feed(db, actor, group_id=data.group_id if data else None,
                                     now=svc.clock.now())
            return _feed_out(svc, made.feed, made.token)

    @post("/{feed_id:int}/rotate", sync_to_thread=True, status_code=200)
    def rotate(self, svc: Services, actor: Actor, feed_id: s.Id) -> FeedOut:
        """A new secret: the old link stops working at once."""
        with transaction(svc.db) as db:
            made = feeds.rotate_feed(db, actor, feed_id)
            return _feed_out(svc, made.feed, made.token)

    @delete("/{feed_id:int}", sync_to_thread=True, status_code=204)
    def revoke(self, svc: Services, actor: Actor, feed_id: s.Id) -> None:
        """Revoke the feed: its link answers 404 from now on."""
        with transaction(svc.db) as db:
            feeds.revoke_feed(db, actor, feed_id, svc.clock.now())


class ExportController(Controller):
    path = "/api"
    tags = ["calendar"]

    @get("/bookings/{booking_id:int}/calendar.ics", responses=_ICS_RESPONSE, media_type=ICS,
         sync_to_thread=True)
    def booking_ics(self, request: Request[Any, Any, Any], svc: Services, actor: Actor,
                    booking_id: s.Id) -> Response[bytes]:
        """One booking's dates as a file to download."""
        now = svc.clock.now()
        with svc.read_db() as db:
            name, events, zone = feeds.booking_events(db, actor, booking_id, now)
            body = feeds.render(name, events, zone, now)
        return _private_response(request, body, events, now, f"buchung-{booking_id}.ics")

    @get("/centres/{centre_id:int}/bookings.csv", media_type=CSV, sync_to_thread=True,
         responses={200: ResponseSpec(data_container=str, media_type=CSV,
                                      description="CSV, UTF-8 with BOM, semicolons")})
    def bookings_csv(self, svc: Services, actor: Actor, centre_id: s.Id, start: datetime,
                     end: datetime) -> Response[bytes]:
        """The centre's bookings between two instants, for staff (at most 400 days)."""
        with svc.read_db() as db:
            body = feeds.export_csv(db, actor, centre_id, start, end)
        return Response(body, media_type=_CSV_TYPE, headers={
            "Content-Disposition": f'attachment; filename="buchungen-{centre_id}.csv"'})

