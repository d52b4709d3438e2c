"""Week plan runs: queued by staff (or the command line), solved one after the other by the
background worker outside any request with the solver's progress written on the run, read by
staff, pinned, moved or removed demand by demand, and solved again from the pins. The term's
allocation runs are solved by the same worker (``booking.services.term_runs``).
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
from sqlalchemy.orm import Session, sessionmaker

import solver
from booking.audit import record
from booking.db import transaction
from booking.errors import Conflict, InvalidInput, NotFound
from booking.models import Centre, PlanRun, Room
from booking.permissions import Actor, require_staff
from booking.services import term_runs
from booking.services.planning.problem import _pin, build_problem, parse_week
from booking.services.planning.stored import read_stored

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


# ------------------------------------------------------------------------------- drafts


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
    stored = read_stored(run)
    if stored is None or stored.demand(str(pin.get("demand"))) is None:
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
