"""The term's allocation runs: queued by staff, solved by the background worker, read back as
one typed draft (issue 11).

A run is queued in the request (the term must be ``allocating``, its input usable), and
solved by the worker outside any request (``booking.services.planning.worker_loop`` takes
term runs as it takes week plans), with the solver's progress written on the run. The
problem, the plan and the :class:`~booking.services.term_problem.TermIdMap` are stored with
it; :func:`read_term_run` is the one reader that turns them into rows with UTC instants,
refusals as message codes and blockers as titles. Staff decisions (accept, lock, forbid,
move a section's slot) make a new run from the pins.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from booking.audit import record
from booking.errors import Conflict, InvalidInput, NotFound
from booking.messages import Message, Weekly, Word
from booking.models import (
    Application,
    ApplicationSection,
    Centre,
    Room,
    Series,
    Term,
    TermRun,
)
from booking.permissions import Actor, require_staff
from booking.services.run_queue import RunQueue
from booking.services.term_problem import (
    OUTSIDE_TERM,
    TermIdMap,
    build_term_problem,
)
from booking.services.term_published import DATES_TAKEN, read_published
from booking.services.terms import STATUS_WORDS
from booking.timeutil import local_span
from solver.term import (
    TermPlan,
    TermProblem,
    TermProgress,
    problems_with,
    solve_term,
    term_plan_from_json,
    term_plan_to_json,
    term_problem_from_json,
    term_problem_to_json,
)

log = logging.getLogger("raumplan.term_runs")

DEFAULT_TIME_LIMIT = 60.0
MAX_TIME_LIMIT = 600.0
PIN_ACTIONS = ("accept", "lock", "forbid", "move")


# -------------------------------------------------------------------------------- queueing


def _term_for_staff(session: Session, actor: Actor | None, term_id: int,
                    lock: bool = False) -> tuple[Term, int | None]:
    term = session.get(Term, term_id, with_for_update=lock)
    if term is None:
        raise NotFound("no_term", nr=term_id)
    person_id = require_staff(actor, term.centre_id) if actor is not None else None
    return term, person_id


def queue_term_run(session: Session, actor: Actor | None, term_id: int, now: datetime, *,
                   time_limit: float = DEFAULT_TIME_LIMIT, seed: int = 0,
                   pins: Sequence[Mapping[str, Any]] = (),
                   previous_id: int | None = None) -> TermRun:
    """Queue the term's allocation; ``actor`` None is the command line. The input is built
    and checked here (``problems_with``), so unusable input is a 400 now, not a failed run
    later; the worker builds it again when it starts (the round may change meanwhile)."""
    term, person_id = _term_for_staff(session, actor, term_id)
    if term.status != "allocating":
        raise Conflict("term_not_allocating", current=Word(STATUS_WORDS[term.status]))
    if not 1 <= time_limit <= MAX_TIME_LIMIT:
        raise InvalidInput("term_run_time_limit", max=int(MAX_TIME_LIMIT))
    problem, _ = build_term_problem(session, term, pins)
    wrong = problems_with(problem)
    if wrong:
        raise InvalidInput("term_run_input", problems=wrong[:10])
    run = TermRun(term_id=term.id, status="queued", requested_by_id=person_id,
                  previous_id=previous_id, time_limit_seconds=time_limit, seed=seed,
                  pins=[dict(p) for p in pins], progress={}, series={}, created_at=now)
    session.add(run)
    session.flush()
    record(session, now, person_id, "term_run", run.id, "queued", term=term.id,
           pins=len(run.pins))
    return run


def _build(session: Session, run: TermRun) -> tuple[TermProblem, dict[str, Any]]:
    problem, ids = build_term_problem(session, session.get_one(Term, run.term_id), run.pins)
    return problem, ids.to_json()


def _progress(p: TermProgress) -> dict[str, Any]:
    return {"stage": p.stage, "objective": p.objective, "bound": p.bound,
            "seconds": round(p.seconds, 2)}


def _finished(plan: TermPlan) -> dict[str, Any]:
    return {"stage": "done", "objective": plan.stats.objective, "bound": plan.stats.bound,
            "seconds": round(plan.stats.seconds, 2), "gap": plan.stats.gap,
            "status": plan.status}


def _solved(plan: TermPlan) -> dict[str, Any]:
    return {"status": plan.status, "allocated": len(plan.allocations),
            "refused": len(plan.refusals)}


TERM_RUNS = RunQueue(
    model=TermRun, entity="term_run", not_found=lambda run_id: NotFound("no_term_run", nr=run_id),
    log=log, label="term run", stale_after=timedelta(seconds=MAX_TIME_LIMIT + 300),
    build=_build, problem_to_json=term_problem_to_json, solve=solve_term,
    plan_to_json=term_plan_to_json, progress=_progress, finished=_finished, solved=_solved)


def claim_next(factory: sessionmaker[Session], worker: str, now: datetime) -> int | None:
    """Take the oldest queued term run (:meth:`RunQueue.claim_next`)."""
    return TERM_RUNS.claim_next(factory, worker, now)


def execute(factory: sessionmaker[Session], run_id: int, now: Callable[[], datetime],
            workers: int = 1) -> None:
    """Solve a claimed run: build the problem and its id map, solve with the progress
    written as it improves, store the plan as a draft. A failure is stored on the run."""
    TERM_RUNS.execute(factory, run_id, now, workers)


def hand_back(factory: sessionmaker[Session], worker: str, now: datetime) -> list[int]:
    """A stopping worker puts the term runs it is solving back into the queue."""
    return TERM_RUNS.hand_back(factory, worker, now)


def work_once(factory: sessionmaker[Session], worker: str, now: Callable[[], datetime],
              workers: int = 1) -> bool:
    """Solve the oldest queued term run, if any (the worker's step; True: one was taken)."""
    return TERM_RUNS.work_once(factory, worker, now, workers)


# ------------------------------------------------------------------------------ reading


def get_term_run(session: Session, actor: Actor, run_id: int,
                 lock: bool = False) -> tuple[TermRun, Term]:
    run = session.get(TermRun, run_id, with_for_update=lock)
    term = session.get(Term, run.term_id) if run else None
    if run is None or term is None:
        raise NotFound("no_term_run", nr=run_id)
    require_staff(actor, term.centre_id)
    return run, term


@dataclass(frozen=True)
class Skipped:
    """A date of a section's slot that does not take place, and why: ``reason`` holiday,
    closure or booking; ``message`` for the applicant, ``detail`` for staff (a booking's
    title and id)."""

    day: date
    reason: str
    message: Message
    detail: str = ""


@dataclass(frozen=True)
class Blocker:
    kind: str  # section | programme | booking
    title: str
    section_id: int | None = None
    application_id: int | None = None
    booking_id: int | None = None


@dataclass(frozen=True)
class SectionResult:
    """One section under the plan: its slot with the concrete dates (UTC instants) and
    the skipped dates, or its refusal in both registers."""

    section_id: int
    application_id: int
    title: str
    priority_class: int
    room_id: int | None = None
    days: tuple[int, ...] = ()
    start: int | None = None  # minutes from local midnight
    end: int | None = None
    phase: int | None = None
    dates: tuple[tuple[datetime, datetime], ...] = ()
    skipped: tuple[Skipped, ...] = ()
    # Refusal: staff register
    rule: str = ""
    kind: str = ""
    staff_message: str = ""
    blockers: tuple[Blocker, ...] = ()
    suggestions: tuple[str, ...] = ()
    # Refusal: applicant register (names no other applicant)
    reason: Message | None = None

    @property
    def allocated(self) -> bool:
        return self.room_id is not None


@dataclass(frozen=True)
class WeekFigures:
    monday: date
    open_minutes: int
    open_days: int
    weekend_offer: bool
    consultation_minutes: int
    shortfalls: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class TermDraft:
    """A run read back: every section's result, the weekly Profil figures and shortfalls,
    the opening hours and how the plan was found."""

    run_id: int
    term_id: int
    status: str
    plan_status: str
    sections: tuple[SectionResult, ...]
    weeks: tuple[WeekFigures, ...]
    opening: tuple[Weekly, ...]
    stats: dict[str, Any] = field(default_factory=dict)

    def section(self, section_id: int) -> SectionResult | None:
        return next((s for s in self.sections if s.section_id == section_id), None)


def _skipped_message(reason: str, detail: str) -> Message:
    if reason == "holiday":
        return Message("skipped_holiday", {"name": Word(detail)})
    if reason == "closure":
        return Message("skipped_closure", {"reason": detail})
    if reason == "cancelled":
        return Message("skipped_cancelled")
    return Message("skipped_booking")


def refused_at_publish(result: SectionResult, lost: Sequence[Skipped]) -> SectionResult:
    """A section the plan allocated whose every date was taken or closed by the time the run
    was published: a refusal, for staff with the bookings that took the dates, for the
    applicant with a reason that names nobody (``refusal_dates_taken``)."""
    titles = dict.fromkeys(s.detail for s in lost if s.reason == "booking" and s.detail)
    return replace(
        result, room_id=None, days=(), start=None, end=None, phase=None, dates=(),
        skipped=tuple(lost), rule="dates_taken", kind="publish",
        staff_message="Every date of the planned slot was taken or closed when the plan "
                      "was published; reopen the term to place it elsewhere.",
        blockers=tuple(Blocker("booking", t) for t in titles), suggestions=(),
        reason=Message(DATES_TAKEN))


def applicant_reason(code: str, params: Mapping[str, str], row: ApplicationSection,
                     classes: int) -> Message:
    """The refusal for the applicant: the solver's code with our own parameters (their
    windows in their language), never naming another applicant."""
    key = f"refusal_{code}"
    from booking.messages import MESSAGES

    if key not in MESSAGES:
        return Message("refusal_other")
    windows = [Weekly(int(w["day"]), _minutes(w["start"]), _minutes(w["end"]))
               for w in row.allowed_windows]
    values: dict[str, Any] = {"windows": windows, "min_duration": row.min_minutes,
                              "per_week": row.meetings_per_week,
                              "size": row.expected_people,
                              "features": [Word(f) for f in row.features] or "–",
                              "days": len({w["day"] for w in row.allowed_windows}),
                              "class": int(params.get("class", classes) or classes)}
    return Message(key, values)


def _minutes(value: str) -> int:
    hours, _, minutes = value.partition(":")
    return int(hours) * 60 + int(minutes)


def stored(run: TermRun) -> tuple[TermProblem, TermPlan, TermIdMap]:
    if run.plan is None or run.problem is None or run.id_map is None:
        raise Conflict("term_run_not_done", status=run.status)
    return (term_problem_from_json(run.problem), term_plan_from_json(run.plan),
            TermIdMap.from_json(run.id_map))


def read_term_run(session: Session, run: TermRun) -> TermDraft | None:
    """The one reader of a stored run: None while it has no plan yet."""
    if run.plan is None or run.problem is None or run.id_map is None:
        return None
    problem, plan, ids = stored(run)
    term = session.get_one(Term, run.term_id)
    zone = session.get_one(Centre, term.centre_id).timezone
    rows = {s.id: s for s in session.scalars(
        select(ApplicationSection).join(Application).where(Application.term_id == term.id))}
    titles = {s.id: s.title for s in problem.sections}
    titles.update({p.id: p.title for p in problem.programme})
    titles.update({b.id: b.title for b in problem.bookings})
    classes = max((s.priority_class for s in problem.sections), default=1)
    refusals = {r.section: r for r in plan.refusals}
    results: list[SectionResult] = []
    for solver_section in problem.sections:
        ref = ids.sections[solver_section.id]
        row = rows.get(ref.section_id)
        base = SectionResult(section_id=ref.section_id, application_id=ref.application_id,
                             title=solver_section.title,
                             priority_class=solver_section.priority_class)
        allocation = plan.allocation(solver_section.id)
        if allocation is not None:
            duration = timedelta(minutes=allocation.end - allocation.start)
            dates = tuple(local_span(d, time(allocation.start // 60, allocation.start % 60),
                                     duration, zone)
                          for d in allocation.dates if term.starts_on <= d <= term.ends_on)
            skipped = tuple(
                Skipped(s.date, s.reason, _skipped_message(s.reason, s.detail),
                        _staff_detail(s.reason, s.detail, titles, ids))
                for s in allocation.skipped
                if term.starts_on <= s.date <= term.ends_on and s.detail != OUTSIDE_TERM)
            results.append(replace(
                base, room_id=ids.rooms[allocation.room], days=allocation.days,
                start=allocation.start, end=allocation.end, phase=allocation.phase,
                dates=dates, skipped=skipped))
            continue
        refusal = refusals.get(solver_section.id)
        if refusal is None or row is None:
            results.append(replace(base, reason=Message("refusal_other")))
            continue
        blockers = tuple(_blocker(b, titles, ids) for b in refusal.blockers)
        results.append(replace(
            base, rule=refusal.rule, kind=refusal.kind,
            staff_message=_room_names(refusal.message, problem),
            blockers=blockers,
            suggestions=tuple(_room_names(s.message, problem) for s in refusal.suggestions),
            reason=applicant_reason(refusal.code, dict(refusal.code_params), row, classes)))
    # What publishing found: a section whose every date was taken by then is refused.
    for entry in read_published(run).values():
        if entry.refused is None:
            continue
        for i, result in enumerate(results):
            if result.section_id == entry.section_id:
                lost = [Skipped(p.day, p.reason, _skipped_message(p.reason, p.detail),
                                p.detail) for p in entry.skipped]
                results[i] = refused_at_publish(result, lost)
    weeks = tuple(WeekFigures(
        monday=w.monday, open_minutes=w.open_minutes, open_days=w.open_days,
        weekend_offer=w.weekend_offer, consultation_minutes=w.consultation_minutes,
        shortfalls=tuple({"rule": s.rule, "required": s.required, "achieved": s.achieved,
                          "unit": s.unit, "cause": s.cause} for s in w.shortfalls))
        for w in plan.weeks)
    stats = {"status": plan.stats.status, "objective": plan.stats.objective,
             "bound": plan.stats.bound, "gap": plan.stats.gap, "proven": plan.stats.proven,
             "seconds": plan.stats.seconds}
    return TermDraft(run_id=run.id, term_id=term.id, status=run.status, plan_status=plan.status,
                     sections=tuple(results), weeks=weeks,
                     opening=tuple(Weekly(o.day, o.start, o.end) for o in plan.opening),
                     stats=stats)


def _room_names(sentence: str, problem: TermProblem) -> str:
    """The solver's staff sentence with our names for the ids we made: rooms by name, and
    ``section-3 Kinderchor`` as ``Kinderchor`` (longest ids first, so ``room-1`` does not eat
    into ``room-12``). Replacing our own tokens, not reading anything out of them."""
    names = {r.id: r.name for r in problem.rooms}
    titled = {s.id: s.title for s in problem.sections}
    titled.update({p.id: p.title for p in problem.programme})
    titled.update({b.id: b.title for b in problem.bookings})
    for key in sorted([*names, *titled], key=len, reverse=True):
        if key in titled:
            sentence = sentence.replace(f"{key} {titled[key]}", titled[key])
            sentence = sentence.replace(key, titled[key])
        else:
            sentence = sentence.replace(key, names[key])
    return sentence


def _staff_detail(reason: str, detail: str, titles: Mapping[str, str], ids: TermIdMap) -> str:
    if reason == "booking" and detail in ids.bookings:
        return f"{titles.get(detail, '')} (Buchung {ids.bookings[detail]})".strip()
    return detail


def _blocker(key: str, titles: Mapping[str, str], ids: TermIdMap) -> Blocker:
    if key in ids.sections:
        ref = ids.sections[key]
        return Blocker("section", titles.get(key, ""), section_id=ref.section_id,
                       application_id=ref.application_id)
    if key in ids.programme:
        return Blocker("programme", titles.get(key, ""), booking_id=ids.programme[key])
    if key in ids.bookings:
        return Blocker("booking", titles.get(key, ""), booking_id=ids.bookings[key])
    return Blocker("other", titles.get(key, key))


# ------------------------------------------------------------------------------------ pins


def pin(session: Session, actor: Actor, run_id: int, decision: Mapping[str, Any],
        now: datetime) -> TermRun:
    """A staff decision on one section's slot, and a new run from the pins.

    * ``accept``: the slot stays exactly as this run has it (room, days, start, duration);
    * ``lock``: room, days and start stay; the duration may still change within min–max;
    * ``forbid``: the run's slot (or the fields given) is excluded;
    * ``move``: the section goes where the fields given say (room, days, start, minutes).
    """
    run, term = get_term_run(session, actor, run_id, lock=True)
    if run.status not in ("done", "published"):
        raise Conflict("term_run_not_done", status=run.status)
    if term.status != "allocating":
        raise Conflict("term_not_allocating", current=Word(STATUS_WORDS[term.status]))
    _, plan, ids = stored(run)
    section_id = int(decision["section_id"])
    key = ids.section_id(section_id)
    if key is None:
        raise InvalidInput("term_run_unknown_section", nr=section_id)
    action = decision["action"]
    fields = ("room_id", "days", "start", "minutes", "phase")
    given: dict[str, Any] = {k: decision[k] for k in fields if decision.get(k) is not None}
    if "room_id" in given:
        room = session.get(Room, int(given["room_id"]))
        if room is None or room.centre_id != term.centre_id:
            raise NotFound("no_room", nr=given["room_id"])
    if "days" in given:
        days = list(given["days"])
        if not days or len(set(days)) != len(days) or any(not 0 <= d <= 6 for d in days):
            raise InvalidInput("term_run_pin_days")
        given["days"] = sorted(days)
    allocation = plan.allocation(key)
    if action in ("accept", "lock") or (action == "forbid" and not given):
        if allocation is None:
            raise Conflict("term_run_not_allocated", nr=section_id)
        slot: dict[str, Any] = {
            "room_id": ids.rooms[allocation.room], "days": list(allocation.days),
            "start": f"{allocation.start // 60:02d}:{allocation.start % 60:02d}"}
        if action != "lock":
            slot["minutes"] = allocation.end - allocation.start
        if allocation.phase is not None and action != "forbid":
            slot["phase"] = allocation.phase
        given = slot
    elif not given:
        raise InvalidInput("term_run_pin_needs_slot")
    stored_pin = {"section_id": section_id, "action": action, **given}
    pins = [p for p in run.pins if int(p["section_id"]) != section_id] + [stored_pin]
    record(session, now, actor.person_id, "term_run", run.id, "pinned", pin=stored_pin)
    return queue_term_run(session, actor, term.id, now, time_limit=run.time_limit_seconds,
                          seed=run.seed, pins=pins, previous_id=run.id)


def term_runs(session: Session, actor: Actor, term_id: int) -> Sequence[TermRun]:
    term, _ = _term_for_staff(session, actor, term_id)
    return session.scalars(select(TermRun).where(TermRun.term_id == term.id)
                           .order_by(TermRun.id.desc()).limit(50)).all()


# ------------------------------------------------------------------- what applicants see


def published_results(session: Session, term_id: int) -> dict[int, SectionResult]:
    """Each section's result as published (by section id): the dates its series holds now
    and every other date of the series with its reason (a holiday, a closure, the room
    taken, a date cancelled), or its refusal. Read from the series, so a date added back or
    lost to a closure after publishing shows as it is. Empty until the term is published."""
    from booking.services.term_publish import series_dates

    term = session.get(Term, term_id)
    if term is None or term.status not in ("published", "closed"):
        return {}
    run = session.scalar(select(TermRun).where(TermRun.term_id == term_id,
                                               TermRun.status == "published")
                         .order_by(TermRun.published_at.desc()).limit(1))
    draft = read_term_run(session, run) if run is not None else None
    if run is None or draft is None:
        return {}
    published = read_published(run)
    out: dict[int, SectionResult] = {}
    for result in draft.sections:
        entry = published.get(result.section_id)
        if entry is not None and entry.series_id is not None:
            current = session.get(Series, entry.series_id)
            if current is None:
                continue
            planned = {s.day: s for s in result.skipped}
            held: list[tuple[datetime, datetime]] = []
            for earlier_id in entry.earlier:
                earlier = session.get(Series, earlier_id)
                if earlier is not None:
                    held += series_dates(earlier, term.starts_on,
                                         current.first_date - timedelta(days=1))[0]
            now_held, skipped = series_dates(current, term.starts_on, term.ends_on, planned)
            out[result.section_id] = replace(result, dates=tuple(held + now_held),
                                             skipped=tuple(skipped))
        elif not result.allocated:
            out[result.section_id] = result
    return out
