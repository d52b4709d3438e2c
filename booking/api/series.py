"""API: series (create, preview, edit, add a date back) and closures.

A series is given as a form would: a pattern (weekly on weekdays, every n weeks, the nth
weekday of the month, days of the month, or a list of dates), a local start time and a
duration; the answer shows the RRULE underneath. Every date's verdict (free, conflict with
what, closed for what) is in the answer of the preview and of the save alike.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, delete, get, patch, post

from booking.api import schemas as s
from booking.api.deps import Services
from booking.api.problems import answer_language
from booking.db import transaction
from booking.errors import InvalidInput
from booking.models import Closure, DateState, Series
from booking.permissions import Actor
from booking.services import series as svc_series

Weekday = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
WallTime = Annotated[str, msgspec.Meta(max_length=5,
                                       pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
                                       examples=["19:00"])]
Position = Annotated[int, msgspec.Meta(ge=-1, le=5)]
MonthDay = Annotated[int, msgspec.Meta(ge=1, le=31)]
Rule = Annotated[str, msgspec.Meta(max_length=s.RRULE_LENGTH, pattern=s.LINE)]
OnConflict = Literal["skip", "fail"]
ClosureReason = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=s.LINE)]


class PatternIn(msgspec.Struct, forbid_unknown_fields=True):
    """``weekly``: ``weekdays``, every ``interval`` weeks. ``monthly_weekday``: the
    ``positions`` (1–5, -1 = last) of the ``weekdays`` ("2nd and 4th Tuesday": positions
    [2, 4], weekdays ["TU"]). ``monthly_day``: ``month_days``. ``dates``: an explicit list.
    ``rrule``: an RFC 5545 rule as it is (FREQ DAILY to YEARLY)."""

    kind: Literal["weekly", "monthly_weekday", "monthly_day", "dates", "rrule"]
    interval: Annotated[int, msgspec.Meta(ge=1, le=52)] = 1
    weekdays: Annotated[list[Weekday], msgspec.Meta(max_length=7)] = []
    positions: Annotated[list[Position], msgspec.Meta(max_length=6)] = []
    month_days: Annotated[list[MonthDay], msgspec.Meta(max_length=31)] = []
    dates: Annotated[list[date], msgspec.Meta(max_length=400)] = []
    rrule: Rule | None = None


class SeriesIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["programme", "group"]
    title: s.BookingTitle
    room_id: s.IdField
    start_time: WallTime
    duration_minutes: s.Minutes
    first_date: date
    pattern: PatternIn
    until: date | None = None
    count: Annotated[int, msgspec.Meta(ge=1, le=svc_series.MAX_DATES)] | None = None
    offer_id: s.IdField | None = None
    group_id: s.IdField | None = None
    notes: s.Text | None = None
    on_conflict: OnConflict = "skip"


class SeriesEditIn(msgspec.Struct, forbid_unknown_fields=True):
    """``scope``: ``all`` dates from today on, or ``following`` from ``from_date`` on. One
    date on its own is moved or cancelled through ``/api/occurrences/{id}``."""

    scope: Literal["all", "following"] = "all"
    from_date: date | None = None
    title: s.BookingTitle | None = None
    start_time: WallTime | None = None
    duration_minutes: s.Minutes | None = None
    room_id: s.IdField | None = None
    on_conflict: OnConflict = "skip"
    preview: bool = False


class DateOut(msgspec.Struct):
    date: date
    state: str  # free / conflict / closed (preview); planned / skipped / cancelled (stored)
    starts_at: s.Instant | None = None
    ends_at: s.Instant | None = None
    room_id: int | None = None
    occurrence_id: int | None = None
    reason: str | None = None
    reason_code: str | None = None
    # Changed on its own: edits of the series leave it as it is.
    detached: bool = False


class SeriesOut(msgspec.Struct):
    id: int | None
    booking_id: int | None
    title: str
    room_id: int
    start_time: str
    duration_minutes: int
    zone: str
    rrule: str | None
    pattern: dict[str, Any]
    first_date: date
    until: date | None
    count: int | None
    materialised_until: date | None
    dates: list[DateOut]
    skipped: list[DateOut]


class ClosureIn(msgspec.Struct, forbid_unknown_fields=True):
    first_day: date
    last_day: date
    reason: ClosureReason
    room_id: s.IdField | None = None


class ClosurePatch(msgspec.Struct, forbid_unknown_fields=True):
    first_day: date
    last_day: date
    reason: ClosureReason | None = None


class HitOut(msgspec.Struct):
    """A rental or one-off booking on the closed days: kept, for staff to decide about."""

    booking_id: int
    occurrence_id: int
    kind: str
    status: str
    title: str
    room_id: int
    starts_at: datetime
    ends_at: datetime


class ClosureOut(msgspec.Struct):
    id: int | None
    centre_id: int
    room_id: int | None
    first_day: date
    last_day: date
    reason: str
    lost: list[DateOut] = []
    back: list[DateOut] = []
    bookings: list[HitOut] = []


def _wall(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _pattern(p: PatternIn) -> svc_series.Pattern:
    return svc_series.Pattern(kind=p.kind, interval=p.interval, weekdays=tuple(p.weekdays),
                              positions=tuple(x for x in p.positions if x != 0),
                              month_days=tuple(p.month_days), dates=tuple(p.dates),
                              rrule=p.rrule)


def _verdict(v: svc_series.Verdict, lang: str) -> DateOut:
    return DateOut(date=v.day, state=v.state, starts_at=v.starts_at, ends_at=v.ends_at,
                   room_id=v.room_id, reason=v.reason.render(lang) if v.reason else None,
                   reason_code=v.reason.code if v.reason else None, detached=v.detached)


def _stored(row: Any, lang: str) -> DateOut:
    reason = svc_series.stored_reason(row)
    occ = row.occurrence
    return DateOut(date=row.day, state=row.state,
                   starts_at=occ.starts_at if occ is not None else None,
                   ends_at=occ.ends_at if occ is not None else None,
                   room_id=occ.room_id if occ is not None else None,
                   occurrence_id=occ.id if occ is not None else None,
                   reason=reason.render(lang) if reason else None,
                   reason_code=reason.code if reason else None, detached=row.detached)


def series_out(series: Series, lang: str) -> SeriesOut:
    dates = [_stored(r, lang) for r in series.dates]
    # The values new dates get: those of the last edit.
    start_minute, minutes, room_id = svc_series.params(series, date.max)
    return SeriesOut(
        id=series.id, booking_id=series.booking_id, title=series.booking.title,
        room_id=room_id, start_time=f"{start_minute // 60:02d}:{start_minute % 60:02d}",
        duration_minutes=minutes, zone=series.zone, rrule=series.rrule,
        pattern=series.pattern, first_date=series.first_date, until=series.until,
        count=series.count, materialised_until=series.materialised_until, dates=dates,
        skipped=[d for d in dates if d.state == DateState.SKIPPED])


def _preview_out(data: SeriesIn, rule: str | None, verdicts: list[svc_series.Verdict],
                 lang: str) -> SeriesOut:
    dates = [_verdict(v, lang) for v in verdicts]
    return SeriesOut(
        id=None, booking_id=None, title=data.title, room_id=data.room_id,
        start_time=data.start_time, duration_minutes=data.duration_minutes, zone="",
        rrule=rule, pattern=msgspec.to_builtins(data.pattern), first_date=data.first_date,
        until=data.until, count=data.count, materialised_until=None, dates=dates,
        skipped=[d for d in dates if d.state != "free"])


def _spec(data: SeriesIn) -> svc_series.SeriesSpec:
    return svc_series.SeriesSpec(
        kind=data.kind, title=data.title, room_id=data.room_id, start=_wall(data.start_time),
        duration=timedelta(minutes=data.duration_minutes), first_date=data.first_date,
        pattern=_pattern(data.pattern), until=data.until, count=data.count,
        offer_id=data.offer_id, group_id=data.group_id, notes=data.notes)


def closure_out(c: Closure, outcome: svc_series.ClosureOutcome | None = None,
                lang: str = "de") -> ClosureOut:
    return ClosureOut(id=c.id, centre_id=c.centre_id, room_id=c.room_id, first_day=c.first_day,
                      last_day=c.last_day, reason=c.reason,
                      lost=[_stored(r, lang) for r in outcome.lost] if outcome else [],
                      back=[_stored(r, lang) for r in outcome.back] if outcome else [],
                      bookings=[HitOut(booking_id=o.booking_id, occurrence_id=o.id,
                                       kind=o.booking.kind, status=o.status,
                                       title=o.booking.title, room_id=o.room_id,
                                       starts_at=o.starts_at, ends_at=o.ends_at)
                                for o in outcome.hit] if outcome else [])


class SeriesController(Controller):
    path = "/api/series"
    tags = ["series"]

    @post("/preview", sync_to_thread=True, status_code=200)
    def preview(self, request: Request[Any, Any, Any], svc: Services, actor: Actor,
                data: SeriesIn) -> SeriesOut:
        """What saving this series would do on every date (free, conflict, closed): the same
        function the save runs. Nothing is written."""
        with transaction(svc.db) as db:
            outcome = svc_series.create_series(db, actor, _spec(data), now=svc.clock.now(),
                                               on_conflict="skip", dry_run=True)
            db.rollback()
            return _preview_out(data, svc_series.pattern_rrule(_pattern(data.pattern)),
                                outcome.verdicts, answer_language(request))

    @post("/", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], svc: Services, actor: Actor,
               data: SeriesIn) -> SeriesOut:
        """A programme slot or group series; ``on_conflict``: ``skip`` stores each date that
        is not free as skipped with its reason, ``fail`` refuses the series (409)."""
        with transaction(svc.db) as db:
            outcome = svc_series.create_series(db, actor, _spec(data), now=svc.clock.now(),
                                               on_conflict=data.on_conflict)
            assert outcome.series is not None
            return series_out(outcome.series, answer_language(request))

    @get("/{series_id:int}", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], svc: Services, actor: Actor,
             series_id: s.Id) -> SeriesOut:
        """The series with every materialised date, skipped ones with their reason."""
        with svc.read_db() as db:
            return series_out(svc_series.get_series(db, actor, series_id),
                              answer_language(request))

    @patch("/{series_id:int}", sync_to_thread=True)
    def edit(self, request: Request[Any, Any, Any], svc: Services, actor: Actor,
             series_id: s.Id, data: SeriesEditIn) -> list[DateOut]:
        """Change the whole series or this and the following dates; with ``preview`` only
        say what would happen. Dates changed on their own stay (``detached``)."""
        if data.scope == "following" and data.from_date is None:
            raise InvalidInput("series_pattern_incomplete", field="from_date")
        change = svc_series.SeriesChange(
            title=data.title, start=_wall(data.start_time) if data.start_time else None,
            duration=timedelta(minutes=data.duration_minutes) if data.duration_minutes
            else None, room_id=data.room_id)
        with transaction(svc.db) as db:
            outcome = svc_series.edit_series(
                db, actor, series_id, change, now=svc.clock.now(),
                from_day=data.from_date if data.scope == "following" else None,
                on_conflict=data.on_conflict, dry_run=data.preview)
            if data.preview:
                db.rollback()
            lang = answer_language(request)
            return [_verdict(v, lang) for v in outcome.verdicts]

    @post("/{series_id:int}/dates/{day:date}/restore", sync_to_thread=True, status_code=200)
    def restore(self, request: Request[Any, Any, Any], svc: Services, actor: Actor,
                series_id: s.Id, day: date) -> DateOut:
        """Add a skipped or cancelled date back, if the room is free and open then."""
        with transaction(svc.db) as db:
            row = svc_series.restore_date(db, actor, series_id, day, now=svc.clock.now())
            return _stored(row, answer_language(request))


class ClosureController(Controller):
    path = "/api"
    tags = ["closures"]

    @get("/centres/{centre_id:int}/closures", sync_to_thread=True)
    def closures(self, svc: Services, actor: Actor, centre_id: s.Id) -> list[ClosureOut]:
        """The centre's and its rooms' closures (public holidays come on top, per state)."""
        with svc.read_db() as db:
            return [closure_out(c) for c in svc_series.list_closures(db, actor, centre_id)]

    @post("/centres/{centre_id:int}/closures", sync_to_thread=True)
    def close(self, request: Request[Any, Any, Any], svc: Services, actor: Actor,
              centre_id: s.Id, data: ClosureIn) -> ClosureOut:
        """Close the centre (no ``room_id``) or one room on local days; series dates on them
        are skipped and the people responsible mailed."""
        with transaction(svc.db) as db:
            outcome = svc_series.create_closure(
                db, actor, centre_id, room_id=data.room_id, first_day=data.first_day,
                last_day=data.last_day, reason=data.reason, now=svc.clock.now())
            assert outcome.closure is not None
            return closure_out(outcome.closure, outcome, answer_language(request))

    @patch("/closures/{closure_id:int}", sync_to_thread=True)
    def move(self, request: Request[Any, Any, Any], svc: Services, actor: Actor,
             closure_id: s.Id, data: ClosurePatch) -> ClosureOut:
        """Move a closure: dates it no longer covers come back where the room is free."""
        with transaction(svc.db) as db:
            outcome = svc_series.move_closure(
                db, actor, closure_id, first_day=data.first_day, last_day=data.last_day,
                reason=data.reason, now=svc.clock.now())
            assert outcome.closure is not None
            return closure_out(outcome.closure, outcome, answer_language(request))

    @delete("/closures/{closure_id:int}", sync_to_thread=True, status_code=200)
    def remove(self, request: Request[Any, Any, Any], svc: Services, actor: Actor,
               closure_id: s.Id) -> list[DateOut]:
        """Remove a closure; the answer lists the dates that came back."""
        with transaction(svc.db) as db:
            outcome = svc_series.delete_closure(db, actor, closure_id, svc.clock.now())
            lang = answer_language(request)
            return [_stored(r, lang) for r in outcome.back]
