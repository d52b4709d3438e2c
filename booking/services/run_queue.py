"""The lifecycle of a solver run, once for every kind of run (a centre's week plan, a term's
allocation): queued in a request, claimed by one background worker, its problem built in one
transaction, solved outside any transaction with the progress written as it improves, and
stored as done (a draft) or failed; a stopping worker hands its runs back to the queue.

A :class:`RunQueue` is told what differs between the kinds: the run model (a
:class:`~booking.models.runs.SolverRun`), how its problem is built and solved, what its
progress and result say, and its names (audit entity, not-found error, log). The queue itself
lives in the run table: a plain ``UPDATE … WHERE status = 'queued'`` claims a run, so it works
on SQLite as on PostgreSQL, with no broker.
"""

from __future__ import annotations

import logging
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from booking.audit import record
from booking.db import transaction
from booking.errors import NotFound
from booking.models.runs import SolverRun

RunT = TypeVar("RunT", bound=SolverRun)
ProblemT = TypeVar("ProblemT")
ProgressT = TypeVar("ProgressT")
PlanT = TypeVar("PlanT")
ProblemT_contra = TypeVar("ProblemT_contra", contravariant=True)
ProgressT_co = TypeVar("ProgressT_co", covariant=True)
PlanT_co = TypeVar("PlanT_co", covariant=True)

JSON = dict[str, Any]

# At most two progress writes a second: progress is for people watching, not a log.
PROGRESS_INTERVAL = 0.5


# Who solves a run, since when (``worker``, ``started_at``): set when a worker claims it.
Claim = tuple[str | None, datetime | None]


def _claim(run: SolverRun) -> Claim:
    return run.worker, run.started_at


class Solve(Protocol[ProblemT_contra, ProgressT_co, PlanT_co]):
    """The solver's entry point for one kind of problem (``solver.solve``,
    ``solver.term.solve_term``)."""

    def __call__(self, problem: ProblemT_contra, *, time_limit: float | None, seed: int,
                 workers: int,
                 on_progress: Callable[[ProgressT_co], None] | None) -> PlanT_co: ...


@dataclass(frozen=True)
class RunQueue(Generic[RunT, ProblemT, ProgressT, PlanT]):
    """One kind of solver run and its queue.

    ``build`` makes the solver's problem from the run (in the transaction that stores it) and
    returns it with its id map as stored; ``progress`` is what a run shows while it is solved,
    ``finished`` what it shows when done, ``solved`` the audit record's fields then."""

    model: type[RunT]
    entity: str  # the audit records' entity, e.g. "plan_run"
    not_found: Callable[[int], NotFound]
    log: logging.Logger
    label: str  # in the log, e.g. "plan run"
    stale_after: timedelta  # a "running" run claimed longer ago: its worker died
    build: Callable[[Session, RunT], tuple[ProblemT, JSON]]
    problem_to_json: Callable[[ProblemT], JSON]
    solve: Solve[ProblemT, ProgressT, PlanT]
    plan_to_json: Callable[[PlanT], JSON]
    progress: Callable[[ProgressT], JSON]
    finished: Callable[[PlanT], JSON]
    solved: Callable[[PlanT], JSON]

    def get(self, session: Session, run_id: int, *, lock: bool = False) -> RunT:
        run = session.get(self.model, run_id, with_for_update=lock)
        if run is None:
            raise self.not_found(run_id)
        return run

    def claim_next(self, factory: sessionmaker[Session], worker: str,
                   now: datetime) -> int | None:
        """Take the oldest queued run; two workers never take the same one. A run whose
        worker died (still "running" well past the longest time limit) is queued work
        again."""
        model = self.model
        stale = now - self.stale_after
        waiting = (model.status == "queued") | (
            (model.status == "running") & (model.started_at < stale))
        with transaction(factory) as session:
            candidate = session.scalar(select(model.id).where(waiting)
                                       .order_by(model.id).limit(1))
            if candidate is None:
                return None
            taken = session.execute(
                update(model).where(model.id == candidate, waiting)
                .values(status="running", worker=worker, started_at=now))
            return candidate if taken.rowcount == 1 else None  # type: ignore[attr-defined]

    def still_ours(self, session: Session, run_id: int, claim: Claim) -> RunT | None:
        """The run, locked, if it is still being solved under ``claim``; None if a stopping
        worker handed it back meanwhile, or another worker took it up again (then that worker
        writes the result, not this one)."""
        run = self.get(session, run_id, lock=True)
        return run if run.status == "running" and _claim(run) == claim else None

    def execute(self, factory: sessionmaker[Session], run_id: int,
                now: Callable[[], datetime], workers: int) -> RunT:
        """Solve a claimed run: build the problem and its id map, solve with the progress
        written as it improves, store the plan as a draft. A failure is stored on the run,
        never lost, and raised again. Progress and result are written only while the run is
        still under the claim it had when its problem was built."""
        last_write = [0.0]
        claim: Claim = (None, None)

        def progress(p: ProgressT) -> None:
            if _time.monotonic() - last_write[0] < PROGRESS_INTERVAL:
                return
            last_write[0] = _time.monotonic()
            model = self.model
            with transaction(factory) as s:
                s.execute(update(model).where(
                    model.id == run_id, model.status == "running", model.worker == claim[0],
                    model.started_at == claim[1]).values(progress=self.progress(p)))

        try:
            with transaction(factory) as session:
                run = self.get(session, run_id)
                claim = _claim(run)
                problem, id_map = self.build(session, run)
                run.problem = self.problem_to_json(problem)
                run.id_map = id_map
                limit, seed = run.time_limit_seconds, run.seed
            plan = self.solve(problem, time_limit=limit, seed=seed, workers=workers,
                              on_progress=progress)
        except Exception as exc:
            # Whatever failed (the data, the solver), the run says so instead of hanging in
            # "running" for ever.
            self.log.exception("%s %s failed", self.label, run_id)
            with transaction(factory) as session:
                failed = self.still_ours(session, run_id, claim)
                if failed is not None:
                    failed.status, failed.error, failed.finished_at = (
                        "failed", str(exc)[:2000], now())
            raise
        with transaction(factory) as session:
            ours = self.still_ours(session, run_id, claim)
            if ours is None:
                return self.get(session, run_id)
            ours.plan = self.plan_to_json(plan)
            ours.status = "done"
            ours.finished_at = now()
            ours.progress = self.finished(plan)
            record(session, ours.finished_at, None, self.entity, ours.id, "solved",
                   **self.solved(plan))
            return ours

    def hand_back(self, factory: sessionmaker[Session], worker: str,
                  now: datetime) -> list[int]:
        """A stopping worker puts the runs it is solving back into the queue, so another
        worker (or this one, restarted) solves them at once instead of after the stale-claim
        timeout."""
        with transaction(factory) as session:
            runs = session.scalars(select(self.model).where(
                self.model.status == "running", self.model.worker == worker)
                .with_for_update()).all()
            for run in runs:
                run.status, run.worker, run.started_at, run.progress = "queued", None, None, {}
                record(session, now, None, self.entity, run.id, "handed_back", worker=worker)
            return [run.id for run in runs]

    def work_once(self, factory: sessionmaker[Session], worker: str,
                  now: Callable[[], datetime], workers: int) -> bool:
        """The worker's step: solve the oldest queued run, if any (True: one was taken,
        whether it was solved or failed; a failure is stored on the run)."""
        run_id = self.claim_next(factory, worker, now())
        if run_id is None:
            return False
        try:
            self.execute(factory, run_id, now, workers)
        except Exception:  # noqa: S110 - stored on the run; the worker goes on with the next
            pass
        return True
