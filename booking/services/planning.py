"""The weekly Raumnutzungsplan inside the service: from bookings to a solver problem, runs in a
worker process, drafts staff adjust, and publishing.

The solver (``solver/``) knows nothing of the database; this module is the edge that turns the
centre's week into a :class:`solver.Problem` (local wall time, string ids) and a plan back into
occurrences (UTC instants). What becomes what:

* dates of a published term's series in the week → ``group`` demands anchored at the
  series' slot, free to move within the group's allowed windows for this week only
  (``booking.services.week_series``); publishing writes a moved date as an exception of its
  series, never the series' pattern;
* confirmed occurrences of programme slots, confirmed rentals and plain group bookings in the
  week → ``fixed`` demands in their room (programme staffed unless its offer is Eigenregie;
  offers marked ``consultation`` count as Bürgersprechstunde);
* closures and NRW public holidays → closures;
* recurring requests that meet in the week → ``group`` demands, with last week's placement as
  the stability anchor; occurrences an earlier plan published for them are replaced;
* pending rentals in the week → ``rental`` demands (their room and time as asked);
* staff profiles → staff with availability and contract hours.

The run keeps the map from the solver's demand ids to the rows (``PlanRun.id_map``, read by
:func:`read_sources`). Publishing writes one transaction: the term's dates moved, the week's
earlier request placements cancelled and the new ones inserted, placed rentals confirmed.
The database guarantee still holds: a rental confirmed meanwhile that collides makes the
publish a 409 naming it, and nothing is written.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time as _time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

import solver
from booking.audit import record
from booking.db import transaction
from booking.errors import Conflict, InvalidInput, NotFound
from booking.messages import Joined
from booking.models import (
    HOLDING_STATUS,
    Booking,
    BookingKind,
    BookingStatus,
    Centre,
    Occurrence,
    PlanRun,
    RecurringRequest,
    Room,
)
from booking.permissions import Actor, require_staff
from booking.services import access as door_access
from booking.services import rentals, series, week_series
from booking.services.conflicts import is_overlap_error
from booking.services.locking import lock_rooms

# The problem and its time arithmetic live in week_problem; callers keep reading them here.
from booking.services.week_problem import GRAIN as GRAIN
from booking.services.week_problem import HOUSE_CLOSE as HOUSE_CLOSE
from booking.services.week_problem import HOUSE_OPEN as HOUSE_OPEN
from booking.services.week_problem import Source as Source
from booking.services.week_problem import _pin
from booking.services.week_problem import build_problem as build_problem
from booking.services.week_problem import instant as instant
from booking.services.week_problem import parse_week as parse_week
from booking.services.week_problem import read_sources as read_sources
from booking.services.week_problem import read_stored as read_stored
from booking.services.week_problem import request_meets_in_week as request_meets_in_week
from booking.services.week_problem import week_span as week_span

log = logging.getLogger("raumplan.planning")

DEFAULT_TIME_LIMIT = 30.0
MAX_TIME_LIMIT = 600.0


# ------------------------------------------------------------------------------------- runs


def _centre(session: Session, centre_id: int) -> Centre:
    centre = session.get(Centre, centre_id)
    if centre is None:
        raise NotFound("no_centre", id=centre_id)
    return centre


def _run(session: Session, run_id: int) -> PlanRun:
    run = session.get(PlanRun, run_id)
    if run is None:
        raise NotFound("no_plan", id=run_id)
    return run


def queue_plan(session: Session, actor: Actor | None, *, centre_id: int, week: str,
               now: datetime,
               time_limit: float = DEFAULT_TIME_LIMIT, seed: int = 0,
               pins: Sequence[dict[str, Any]] = (), previous_id: int | None = None) -> PlanRun:
    """Queue a solve of the week; ``actor`` None is the command line (an operator)."""
    centre = _centre(session, centre_id)
    person_id = require_staff(actor, centre.id) if actor is not None else None
    parse_week(week)
    if not 1 <= time_limit <= MAX_TIME_LIMIT:
        raise InvalidInput("time_limit", max=int(MAX_TIME_LIMIT))
    run = PlanRun(centre_id=centre.id, week=week.upper(), status="queued",
                  requested_by_id=person_id, previous_id=previous_id,
                  time_limit_seconds=time_limit, seed=seed, pins=list(pins), progress={},
                  created_at=now)
    session.add(run)
    session.flush()
    record(session, now, person_id, "plan_run", run.id, "queued", week=run.week)
    return run


def claim_next(factory: sessionmaker[Session], worker: str, now: datetime) -> int | None:
    """Take the oldest queued run; two workers never take the same one. A run whose worker
    died (still "running" well past the longest time limit) is queued work again."""
    stale = now - timedelta(seconds=MAX_TIME_LIMIT + 300)
    waiting = (PlanRun.status == "queued") | (
        (PlanRun.status == "running") & (PlanRun.started_at < stale))
    with transaction(factory) as session:
        candidate = session.scalar(select(PlanRun.id).where(waiting)
                                   .order_by(PlanRun.id).limit(1))
        if candidate is None:
            return None
        taken = session.execute(
            update(PlanRun).where(PlanRun.id == candidate, waiting)
            .values(status="running", worker=worker, started_at=now))
        return candidate if taken.rowcount == 1 else None  # type: ignore[attr-defined]


def execute(factory: sessionmaker[Session], run_id: int, now: Callable[[], datetime],
            workers: int = 2) -> PlanRun:
    """Solve a claimed run: build the problem, solve with progress written as it improves,
    store the plan as a draft. Failures are stored on the run, never lost."""
    last_write = [0.0]

    def progress(p: solver.Progress) -> None:
        # At most two writes a second: progress is for people watching, not a log.
        if _time.monotonic() - last_write[0] < 0.5:
            return
        last_write[0] = _time.monotonic()
        with transaction(factory) as s:
            s.execute(update(PlanRun).where(PlanRun.id == run_id).values(progress={
                "objective": p.objective, "bound": p.bound, "seconds": round(p.seconds, 2)}))

    try:
        with transaction(factory) as session:
            run = _run(session, run_id)
            centre = _centre(session, run.centre_id)
            problem, sources = build_problem(session, centre, run.week, run.pins)
            run.problem = solver.problem_to_json(problem)
            run.id_map = {k: v.as_json() for k, v in sources.items()}
            limit, seed = run.time_limit_seconds, run.seed
        plan = solver.solve(problem, time_limit=limit, seed=seed, workers=workers,
                            on_progress=progress)
    except Exception as exc:
        # Whatever failed (the week's data, the solver), the run says so instead of hanging
        # in "running" for ever.
        log.exception("plan run %s failed", run_id)
        with transaction(factory) as session:
            failed = _still_running(session, run_id)
            if failed is not None:
                failed.status, failed.error, failed.finished_at = "failed", str(exc)[:2000], now()
        raise
    with transaction(factory) as session:
        ours = _still_running(session, run_id)
        if ours is None:
            return _run(session, run_id)
        run = ours
        run.plan = solver.plan_to_json(plan)
        run.status = "done"
        run.finished_at = now()
        run.progress = {"objective": plan.stats.objective, "bound": plan.stats.bound,
                        "seconds": plan.stats.seconds, "gap": plan.stats.gap,
                        "status": plan.status}
        record(session, run.finished_at, None, "plan_run", run.id, "solved", status=plan.status,
               placed=plan.figures.placed, unplaced=plan.figures.unplaced)
        return run


def _still_running(session: Session, run_id: int) -> PlanRun | None:
    """The run, locked, if it is still being solved; None if a stopping worker handed it back
    meanwhile (then the worker that takes it up again writes the result, not this one)."""
    run = session.get(PlanRun, run_id, with_for_update=True)
    if run is None:
        raise NotFound("no_plan", id=run_id)
    return run if run.status == "running" else None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def hand_back(factory: sessionmaker[Session], worker: str, now: datetime) -> list[int]:
    """A stopping worker puts the runs it is solving back into the queue, so another worker
    (or this one, restarted) solves them at once instead of after the stale-claim timeout."""
    with transaction(factory) as session:
        runs = session.scalars(select(PlanRun).where(
            PlanRun.status == "running", PlanRun.worker == worker).with_for_update()).all()
        for run in runs:
            run.status, run.worker, run.started_at, run.progress = "queued", None, None, {}
            record(session, now, None, "plan_run", run.id, "handed_back", worker=worker)
    from booking.services import term_runs

    return [run.id for run in runs] + term_runs.hand_back(factory, worker, now)


def worker_loop(factory: sessionmaker[Session], now: Callable[[], datetime], *,
                poll_seconds: float = 1.0, once: bool = False, workers: int = 2,
                name: str | None = None, stop: threading.Event | None = None) -> int:
    """The planning worker (``raumplan worker``): solves queued runs one after the other,
    outside any request, so a long solve never blocks bookings or door checks. Once ``stop``
    is set it takes no further run."""
    name = name or worker_name()
    stop = stop or threading.Event()
    done = 0
    while not stop.is_set():
        run_id = claim_next(factory, name, now())
        if run_id is None:
            # No week plan waits: a term allocation may (solved by the same worker, one run
            # at a time, outside any request).
            from booking.services import term_runs

            if term_runs.work_once(factory, name, now):
                done += 1
                continue
            if once:
                return done
            stop.wait(poll_seconds)
            continue
        try:
            execute(factory, run_id, now, workers=workers)
        except Exception:  # noqa: S112 - stored on the run; the worker goes on with the next
            continue
        finally:
            done += 1
    return done


# ---------------------------------------------------------------------- drafts and publish


def get_run(session: Session, actor: Actor, run_id: int) -> PlanRun:
    run = _run(session, run_id)
    require_staff(actor, run.centre_id)
    return run


def list_runs(session: Session, actor: Actor, centre_id: int) -> Sequence[PlanRun]:
    require_staff(actor, centre_id)
    return session.scalars(select(PlanRun).where(PlanRun.centre_id == centre_id)
                           .order_by(PlanRun.id.desc()).limit(50)).all()


def adjust(session: Session, actor: Actor, run_id: int, pin: dict[str, Any],
           now: datetime) -> PlanRun:
    """Pin, move or remove one demand of a draft; the change takes effect on re-solve."""
    run = get_run(session, actor, run_id)
    if run.status != "done":
        raise Conflict("plan_not_adjustable", id=run.id, status=run.status)
    demand_ids = {d["id"] for d in (run.problem or {}).get("demands", [])}
    if pin.get("demand") not in demand_ids:
        raise InvalidInput("no_demand", demand=str(pin.get("demand")))
    if pin.get("room_id") is not None:
        room = session.get(Room, pin["room_id"])
        if room is None or room.centre_id != run.centre_id:
            raise InvalidInput("no_room_in_centre", id=pin["room_id"])
    _pin(pin)  # refuses a malformed time
    run.pins = [p for p in run.pins if p["demand"] != pin["demand"]] + [pin]
    record(session, now, actor.person_id, "plan_run", run.id, "adjusted", pin=pin)
    return run


def release(session: Session, actor: Actor, run_id: int, demand: str,
            now: datetime) -> PlanRun:
    """Take back the pin (or move or removal) of one demand of a draft: on re-solve the
    planner places it freely again."""
    run = get_run(session, actor, run_id)
    if run.status != "done":
        raise Conflict("plan_not_adjustable", id=run.id, status=run.status)
    if not any(p["demand"] == demand for p in run.pins or []):
        raise InvalidInput("plan_not_pinned")
    run.pins = [p for p in run.pins if p["demand"] != demand]
    record(session, now, actor.person_id, "plan_run", run.id, "released", demand=demand)
    return run


def resolve(session: Session, actor: Actor, run_id: int, now: datetime) -> PlanRun:
    old = get_run(session, actor, run_id)
    if old.status not in ("done", "failed"):
        raise Conflict("plan_running", id=old.id, status=old.status)
    old.status = "superseded"
    return queue_plan(session, actor, centre_id=old.centre_id, week=old.week, now=now,
                      time_limit=old.time_limit_seconds, seed=old.seed, pins=old.pins,
                      previous_id=old.id)


def publish(session: Session, actor: Actor, run_id: int, now: datetime, *,
            acknowledge_unmet: bool = False) -> PlanRun:
    """Write the draft as the week's occurrences, in one transaction.

    A draft whose week misses a requirement of the Profil (opening hours, Bürgersprechstunde,
    weekend offer) is published only when staff say so (``acknowledge_unmet``): the centre then
    knowingly falls short of what the city funds it for, and the audit records which
    requirements were acknowledged, by whom."""
    run = get_run(session, actor, run_id)
    staff_id = require_staff(actor, run.centre_id)
    stored = read_stored(run)
    if run.status != "done" or stored is None:
        raise Conflict("plan_not_publishable", id=run.id, status=run.status)
    plan = stored.plan
    if plan.status == "no_plan":
        raise Conflict("plan_incomplete")
    unmet = [f.message for f in plan.requirement_failures]
    if unmet and not acknowledge_unmet:
        raise Conflict("plan_unmet", unmet=Joined(tuple(unmet)))
    centre = _centre(session, run.centre_id)
    monday = parse_week(run.week)
    start, end = week_span(monday, centre.timezone)
    lock_rooms(session, (int(r.id) for r in stored.problem.rooms))

    # The week's earlier placements of recurring requests are replaced by this plan's.
    replaced = session.scalars(
        select(Occurrence).join(Booking).where(
            Booking.centre_id == centre.id, Booking.request_id.is_not(None),
            Occurrence.status == HOLDING_STATUS, Occurrence.starts_at >= start,
            Occurrence.starts_at < end)).all()
    for occ in replaced:
        occ.status = BookingStatus.CANCELLED
    session.flush()

    titles = {d.id: d.title for d in stored.problem.demands}
    sources = stored.sources
    created = confirmed = 0
    created_bookings: list[Booking] = []
    try:
        with session.begin_nested():
            # The term's dates first: a date that makes way for a rental moves before the
            # rental is confirmed into its slot. Each moved date is an exception of its
            # series; the series' pattern and other weeks stay.
            moved = series.move_dates(session, actor, week_series.moves_of(session, [
                (source.series_date_id, int(p.room),
                 instant(monday, p.day, p.start, centre.timezone))
                for p in plan.placements
                if (source := sources.get(p.demand)) is not None
                and source.series_date_id is not None]), now=now)
            for placement in plan.placements:
                source = sources.get(placement.demand)
                if source is None:
                    continue
                s = instant(monday, placement.day, placement.start, centre.timezone)
                e = instant(monday, placement.day, placement.end, centre.timezone)
                if source.kind == "group" and source.request_id is not None:
                    req = session.get(RecurringRequest, source.request_id)
                    if req is None:
                        continue
                    booking = Booking(
                        centre_id=centre.id, kind=BookingKind.GROUP,
                        status=BookingStatus.CONFIRMED, title=titles.get(placement.demand,
                                                                         req.title),
                        group_id=req.group_id, offer_id=req.offer_id, request_id=req.id,
                        plan_run_id=run.id, requested_by_id=staff_id, responsible_id=staff_id,
                        created_at=now, updated_at=now)
                    booking.occurrences = [Occurrence(room_id=int(placement.room), starts_at=s,
                                                      ends_at=e, status=HOLDING_STATUS)]
                    session.add(booking)
                    created_bookings.append(booking)
                    created += 1
                elif source.kind == "rental" and source.booking_id is not None:
                    rental = session.get(Booking, source.booking_id)
                    if rental is not None and rental.status == BookingStatus.PENDING:
                        rentals.confirm(session, actor, rental.id, now)
                        confirmed += 1
            session.flush()
    except IntegrityError as exc:
        if not is_overlap_error(exc):
            raise
        raise Conflict("week_changed") from exc
    except Conflict as exc:
        raise Conflict("week_changed_because", reason=exc.message) from exc
    # Slots of self-managed offers run in Eigenregie: their door codes at once (issue 12);
    # the rentals confirmed above got theirs through rentals.confirm.
    for booking in created_bookings:
        door_access.booking_confirmed(session, booking, staff_id, now)
    for other in session.scalars(select(PlanRun).where(
            PlanRun.centre_id == centre.id, PlanRun.week == run.week,
            PlanRun.status == "published")):
        other.status = "superseded"
    run.status = "published"
    run.published_at = now
    record(session, now, staff_id, "plan_run", run.id, "published", created=created,
           confirmed_rentals=confirmed, replaced=len(replaced), moved_dates=len(moved),
           **({"acknowledged_unmet": unmet} if unmet else {}))
    return run
