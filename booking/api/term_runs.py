"""API: the term's allocation runs (issue 11 §4–§6). Staff queue a run (the worker solves it),
watch its progress, read every section's slot or refusal and the weekly Profil figures, pin a
section's slot (a new run), and publish."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from sqlalchemy import select

from booking.api import schemas as s
from booking.api.deps import Services
from booking.api.problems import answer_language
from booking.db import transaction
from booking.messages import Message
from booking.models import Room, Term, TermRun
from booking.permissions import Actor
from booking.services import term_publish, term_runs
from booking.services.term_runs import SectionResult, TermDraft

# The term is planned on a 30-minute grid (booking.services.term_problem.GRAIN).
HHMM = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):(00|30)$", max_length=5)]


class TermRunIn(msgspec.Struct, forbid_unknown_fields=True):
    time_limit: Annotated[float, msgspec.Meta(ge=1, le=600)] = term_runs.DEFAULT_TIME_LIMIT
    seed: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 0


class TermPinIn(msgspec.Struct, forbid_unknown_fields=True):
    """A decision on one section's slot: ``accept`` (keep it exactly), ``lock`` (keep room,
    days and start; the duration may change), ``forbid`` (not this slot, or not the fields
    given), ``move`` (to the fields given)."""

    section_id: s.IdField
    action: Literal["accept", "lock", "forbid", "move"]
    room_id: s.IdField | None = None
    days: Annotated[list[Annotated[int, msgspec.Meta(ge=0, le=6)]],
                    msgspec.Meta(min_length=1, max_length=3)] | None = None
    start: HHMM | None = None
    minutes: Annotated[int, msgspec.Meta(ge=30, le=720, multiple_of=30)] | None = None
    phase: Annotated[int, msgspec.Meta(ge=0, le=1)] | None = None


class Text(msgspec.Struct):
    """A sentence in the reader's language with its code and parameters as data."""

    code: str
    params: dict[str, Any]
    text: str


class SlotDate(msgspec.Struct):
    starts_at: datetime
    ends_at: datetime


class SkippedOut(msgspec.Struct):
    date: date
    reason: str  # holiday | closure | booking
    message: Text
    detail: str = ""  # staff only: the holiday's name, the closure, the booking that took it


class BlockerOut(msgspec.Struct):
    kind: str
    title: str
    section_id: int | None = None
    application_id: int | None = None
    booking_id: int | None = None


class SectionResultOut(msgspec.Struct):
    section_id: int
    application_id: int
    title: str
    priority_class: int
    allocated: bool
    room_id: int | None = None
    room: str | None = None
    days: list[int] = []
    start: str | None = None  # local wall time, HH:MM
    end: str | None = None
    phase: int | None = None
    dates: list[SlotDate] = []
    skipped: list[SkippedOut] = []
    rule: str | None = None
    kind: str | None = None
    explanation: str | None = None  # for staff: the rule, the competing sections, bookings
    blockers: list[BlockerOut] = []
    suggestions: list[str] = []
    reason: Text | None = None  # for the applicant: names no other applicant


class WeekOut(msgspec.Struct):
    monday: date
    open_minutes: int
    open_days: int
    weekend_offer: bool
    consultation_minutes: int
    shortfalls: list[dict[str, Any]]


class TermRunOut(msgspec.Struct):
    id: int
    term_id: int
    status: str
    previous_id: int | None
    time_limit: float
    seed: int
    pins: list[dict[str, Any]]
    progress: dict[str, Any]
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    published_at: datetime | None
    plan_status: str | None = None
    stats: dict[str, Any] = {}
    sections: list[SectionResultOut] = []
    weeks: list[WeekOut] = []
    shortfall_weeks: list[date] = []
    opening: list[Text] = []


def text(message: Message, lang: str) -> Text:
    data = message.as_json()
    return Text(code=data["code"], params=data["params"], text=message.render(lang))


def _hhmm(minutes: int | None) -> str | None:
    return None if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def section_out(result: SectionResult, rooms: dict[int, str], lang: str, *,
                staff: bool) -> SectionResultOut:
    """One section's result; ``staff`` adds the staff register (competing sections and
    bookings, the booking behind a skipped date)."""
    return SectionResultOut(
        section_id=result.section_id, application_id=result.application_id, title=result.title,
        priority_class=result.priority_class, allocated=result.allocated,
        room_id=result.room_id, room=rooms.get(result.room_id) if result.room_id else None,
        days=list(result.days), start=_hhmm(result.start), end=_hhmm(result.end),
        phase=result.phase, dates=[SlotDate(a, b) for a, b in result.dates],
        skipped=[SkippedOut(x.day, x.reason, text(x.message, lang),
                            x.detail if staff else "") for x in result.skipped],
        rule=(result.rule or None) if staff else None,
        kind=(result.kind or None) if staff else None,
        explanation=(result.staff_message or None) if staff else None,
        blockers=[BlockerOut(b.kind, b.title, b.section_id, b.application_id, b.booking_id)
                  for b in result.blockers] if staff else [],
        suggestions=list(result.suggestions) if staff else [],
        reason=text(result.reason, lang) if result.reason else None)


def run_out(run: TermRun, draft: TermDraft | None, rooms: dict[int, str],
            lang: str) -> TermRunOut:
    out = TermRunOut(
        id=run.id, term_id=run.term_id, status=run.status, previous_id=run.previous_id,
        time_limit=run.time_limit_seconds, seed=run.seed, pins=run.pins, progress=run.progress,
        error=run.error, created_at=run.created_at, finished_at=run.finished_at,
        published_at=run.published_at)
    if draft is None:
        return out
    out.plan_status = draft.plan_status
    out.stats = draft.stats
    out.sections = [section_out(r, rooms, lang, staff=True) for r in draft.sections]
    out.weeks = [WeekOut(w.monday, w.open_minutes, w.open_days, w.weekend_offer,
                         w.consultation_minutes, list(w.shortfalls)) for w in draft.weeks]
    out.shortfall_weeks = [w.monday for w in draft.weeks if w.shortfalls]
    out.opening = [text(Message("term_opening", {"hours": o}), lang) for o in draft.opening]
    return out


def room_names(db: Any, term_id: int) -> dict[int, str]:
    centre_id = db.scalar(select(Term.centre_id).where(Term.id == term_id))
    return {r.id: r.name for r in db.scalars(select(Room).where(Room.centre_id == centre_id))}


def _answer(db: Any, run: TermRun, lang: str) -> TermRunOut:
    return run_out(run, term_runs.read_term_run(db, run), room_names(db, run.term_id), lang)


class TermRunController(Controller):
    path = "/api"
    tags = ["terms"]

    @post("/terms/{term_id:int}/runs", sync_to_thread=True, status_code=202)
    def queue(self, svc: Services, actor: Actor, request: Request[Any, Any, Any],
              term_id: s.Id, data: TermRunIn) -> TermRunOut:
        """Staff: queue the term's allocation (the term must be in allocation); the worker
        solves it, ``GET /api/term-runs/{id}`` shows its progress and then the result."""
        with transaction(svc.db) as db:
            run = term_runs.queue_term_run(db, actor, term_id, svc.clock.now(),
                                           time_limit=data.time_limit, seed=data.seed)
            return _answer(db, run, answer_language(request))

    @get("/terms/{term_id:int}/runs", sync_to_thread=True)
    def list_runs(self, svc: Services, actor: Actor, request: Request[Any, Any, Any],
                  term_id: s.Id) -> list[TermRunOut]:
        """Staff: the term's runs, newest first (without their results)."""
        with svc.read_db() as db:
            return [run_out(r, None, {}, answer_language(request))
                    for r in term_runs.term_runs(db, actor, term_id)]

    @get("/term-runs/{run_id:int}", sync_to_thread=True)
    def get_run(self, svc: Services, actor: Actor, request: Request[Any, Any, Any],
                run_id: s.Id) -> TermRunOut:
        """Staff: progress while it runs; then every section's slot with its dates and
        skipped dates, or its refusal with the staff explanation, and the weekly Profil
        figures with the weeks that fall short."""
        with svc.read_db() as db:
            run, _ = term_runs.get_term_run(db, actor, run_id)
            return _answer(db, run, answer_language(request))

    @post("/term-runs/{run_id:int}/pins", sync_to_thread=True, status_code=202)
    def pin(self, svc: Services, actor: Actor, request: Request[Any, Any, Any],
            run_id: s.Id, data: TermPinIn) -> TermRunOut:
        """Staff: accept, lock, forbid or move one section's slot; a new run is queued from
        the pins (this run's pins carry over)."""
        with transaction(svc.db) as db:
            run = term_runs.pin(db, actor, run_id, msgspec.to_builtins(data), svc.clock.now())
            return _answer(db, run, answer_language(request))

    @post("/term-runs/{run_id:int}/publish", sync_to_thread=True, status_code=200)
    def publish(self, svc: Services, actor: Actor, request: Request[Any, Any, Any],
                run_id: s.Id) -> TermRunOut:
        """Staff: write one series per allocated section, mark the sections allocated or
        refused, publish the term and mail each applicant, in one transaction."""
        with transaction(svc.db) as db:
            run = term_publish.publish_term_run(db, actor, run_id, svc.clock.now())
            return _answer(db, run, answer_language(request))
