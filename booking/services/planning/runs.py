"""Week plan runs: queued by staff (or the command line), solved one after the other by the
background worker outside any request with the solver's progress written on the run, read by
staff, pinned, moved or removed demand by demand, and solved again from the pins. The term's
allocation runs are solved by the same worker (``booking.services.term_runs``); both kinds go
through the one lifecycle of ``booking.services.run_queue``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import solver
from booking.audit import record
from booking.errors import Conflict, InvalidInput, NotFound
from booking.models import Centre, PlanRun, Room
from booking.permissions import Actor, require_staff
from booking.services import term_runs
from booking.services.planning.problem import _pin, build_problem, parse_week
from booking.services.planning.stored import read_stored
from booking.services.run_queue import RunQueue

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
    return PLAN_RUNS.get(session, run_id)


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


def _build(session: Session, run: PlanRun) -> tuple[solver.Problem, dict[str, Any]]:
    centre = _centre(session, run.centre_id)
    problem, sources = build_problem(session, centre, run.week, run.pins)
    return problem, {k: v.as_json() for k, v in sources.items()}


def _progress(p: solver.Progress) -> dict[str, Any]:
    return {"objective": p.objective, "bound": p.bound, "seconds": round(p.seconds, 2)}


def _finished(plan: solver.Plan) -> dict[str, Any]:
    return {"objective": plan.stats.objective, "bound": plan.stats.bound,
            "seconds": plan.stats.seconds, "gap": plan.stats.gap, "status": plan.status}


def _solved(plan: solver.Plan) -> dict[str, Any]:
    return {"status": plan.status, "placed": plan.figures.placed,
            "unplaced": plan.figures.unplaced}


PLAN_RUNS = RunQueue(
    model=PlanRun, entity="plan_run", not_found=lambda run_id: NotFound("no_plan", id=run_id),
    log=log, label="plan run", stale_after=timedelta(seconds=MAX_TIME_LIMIT + 300),
    build=_build, problem_to_json=solver.problem_to_json, solve=solver.solve,
    plan_to_json=solver.plan_to_json, progress=_progress, finished=_finished, solved=_solved)


def claim_next(factory: sessionmaker[Session], worker: str, now: datetime) -> int | None:
    """Take the oldest queued week plan run (:meth:`RunQueue.claim_next`)."""
    return PLAN_RUNS.claim_next(factory, worker, now)


def execute(factory: sessionmaker[Session], run_id: int, now: Callable[[], datetime],
            workers: int = 2) -> PlanRun:
    """Solve a claimed run: build the problem, solve with progress written as it improves,
    store the plan as a draft. Failures are stored on the run, never lost."""
    return PLAN_RUNS.execute(factory, run_id, now, workers)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def hand_back(factory: sessionmaker[Session], worker: str, now: datetime) -> list[int]:
    """A stopping worker puts the week plan and term runs it is solving back into the
    queue."""
    return (PLAN_RUNS.hand_back(factory, worker, now)
            + term_runs.hand_back(factory, worker, now))


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
        # Week plans first; when none waits, a term allocation may (solved by the same
        # worker, one run at a time, outside any request).
        if (PLAN_RUNS.work_once(factory, name, now, workers)
                or term_runs.work_once(factory, name, now)):
            done += 1
            continue
        if once:
            return done
        stop.wait(poll_seconds)
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
