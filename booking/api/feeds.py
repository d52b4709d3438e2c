"""API: iCalendar feeds (public programme, room, secret person and group feeds, one booking)
and the staff's CSV export. Feeds answer ``text/calendar; charset=utf-8`` with ``ETag`` and
``Last-Modified``; a conditional request for an unchanged feed gets a 304."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.response.base import ASGIResponse

from booking.api import schemas as s
from booking.api.deps import Services, services
from booking.db import transaction
from booking.errors import NotFound
from booking.models import CalendarFeed
from booking.permissions import Actor
from booking.services import feeds
from booking.timeutil import local_today

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


def _calendar_response(request: Request[Any, Any, Any], entry: feeds.CachedFeed,
                       filename: str) -> ASGIResponse:
    """The cached bytes as they are: gzipped once when cached, never per request (the app
    has no compression middleware that would do it again)."""
    headers = [*entry.headers, ("Content-Disposition", f'inline; filename="{filename}"')]
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        headers.append(("Content-Encoding", "gzip"))
        return ASGIResponse(body=entry.gzipped, media_type=_ICS_TYPE, headers=headers)
    return ASGIResponse(body=entry.body, media_type=_ICS_TYPE, headers=headers)


def _not_modified(request: Request[Any, Any, Any], etag: str) -> bool:
    wanted = request.headers.get("if-none-match", "")
    return any(tag.strip().removeprefix("W/") in (f'"{etag}"', "*")
               for tag in wanted.split(","))


def _public(svc: Services, what: str, ident: int, since: str | None) -> tuple[
        str, feeds.CachedFeed | None]:
    """The feed's current key and, unless the caller has that version, its bytes."""
    sql = feeds.PUBLIC_KEY_SQL if what == "programme" else _ROOM_KEY_SQL
    assert svc.plain is not None  # the app factory always makes one
    rows = svc.plain.rows(sql, [ident])
    now = svc.clock.now()
    zone = rows[0][2] if rows else "Europe/Berlin"
    key = feeds.public_key(rows, local_today(now, zone))
    if key is None or (what == "room" and rows[0][3] is None):
        raise NotFound("feed_not_found")
    if since == key:
        return key, None
    cached = svc.feed_cache.get((what, ident, key))
    if cached is not None:
        return key, cached
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
    entry = feeds.CachedFeed.of(key, feeds.last_modified(events, as_of), body)
    svc.feed_cache.put((what, ident, key), entry)
    return key, entry


async def _serve_public(request: Request[Any, Any, Any], what: str, ident: int,
                        filename: str) -> ASGIResponse:
    svc = services(request)
    wanted = request.headers.get("if-none-match", "").strip().removeprefix("W/").strip('"')
    key, entry = await svc.run_read(_public, svc, what, ident, wanted or None)
    if entry is None or _not_modified(request, key):
        return ASGIResponse(body=b"", status_code=304, headers={"ETag": f'"{key}"'})
    return _calendar_response(request, entry, filename)


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

