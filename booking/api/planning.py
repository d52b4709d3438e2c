"""API: weekly plans. Staff queue a solve (it runs in the worker process), watch its progress,
read the draft with its explanations, pin/move/remove, re-solve, and publish."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from sqlalchemy.orm import Session

from booking.api import schemas as s
from booking.api.problems import answer_language
from booking.models import Centre, PlanRun
from booking.permissions import Actor
from booking.services import explanations, planning
from booking.services.planning.stored import hhmm
from booking.translations import DEFAULT_LANGUAGE


class PlanIn(msgspec.Struct, forbid_unknown_fields=True):
    centre_id: s.IdField
    week: s.Week
    time_limit: Annotated[float, msgspec.Meta(ge=1, le=600)] = planning.DEFAULT_TIME_LIMIT
    seed: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 0


class PinIn(msgspec.Struct, forbid_unknown_fields=True):
    """Pin a demand of the draft to a room and/or a day and start, or remove it."""

    demand: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[a-z]+-[0-9]+$")]
    room_id: s.IdField | None = None
    day: Annotated[int, msgspec.Meta(ge=0, le=6)] | None = None
    start: Annotated[str, msgspec.Meta(max_length=5, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")] \
        | None = None
    remove: bool = False


class PublishIn(msgspec.Struct, forbid_unknown_fields=True):
    """Publishing a plan that misses a requirement of the Profil needs staff's explicit yes."""

    acknowledge_unmet: bool = False


class PlanEntry(msgspec.Struct):
    demand: str
    title: str
    kind: str
    room_id: int
    room: str
    starts_at: datetime
    ends_at: datetime
    local: str
    staff: str | None


class PlanOut(msgspec.Struct):
    id: int
    centre_id: int
    week: str
    status: str
    progress: dict[str, Any]
    pins: list[dict[str, Any]]
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    published_at: datetime | None
    plan_status: str | None = None
    entries: list[PlanEntry] = []
    unplaced: list[dict[str, Any]] = []
    requirement_failures: list[dict[str, Any]] = []
    figures: dict[str, Any] = {}


def plan_out(run: PlanRun, centre: Centre, detail: bool = True,
             lang: str = DEFAULT_LANGUAGE) -> PlanOut:
    out = PlanOut(id=run.id, centre_id=run.centre_id, week=run.week, status=run.status,
                  progress=run.progress or {}, pins=run.pins or [], error=run.error,
                  created_at=run.created_at, finished_at=run.finished_at,
                  published_at=run.published_at)
    stored = planning.read_stored(run) if detail else None
    if stored is None:
        return out
    monday = planning.parse_week(run.week)
    problem, plan = stored.problem, stored.plan
    rooms = {r.id: r.name for r in problem.rooms}
    staff = {m.id: m.name for m in problem.staff}
    entries = []
    for p in plan.placements:
        demand = stored.demand(p.demand)
        entries.append(PlanEntry(
            demand=p.demand, title=demand.title if demand else "",
            kind=demand.kind if demand else "", room_id=int(p.room), room=rooms[p.room],
            starts_at=planning.instant(monday, p.day, p.start, centre.timezone),
            ends_at=planning.instant(monday, p.day, p.end, centre.timezone),
            local=f"{['Mo', 'Di', 'Mi', 'Do', 'Fr', 'Sa', 'So'][p.day]} "
                  f"{hhmm(p.start)}–{hhmm(p.end)}",
            staff=staff.get(p.staff or "")))
    out.plan_status = plan.status
    out.entries = entries
    # Each explanation also as a message in the caller's language (code, params, detail);
    # ``message`` stays the solver's English sentence.
    out.unplaced = []
    for u in plan.unplaced:
        said = explanations.explanation(u, problem, plan)
        out.unplaced.append({
            "demand": u.demand, "kind": u.kind, "rule": u.rule, "message": u.message,
            "blockers": list(u.blockers), "params": dict(u.params),
            "explanation": said.as_json(lang) if said else None})
    out.requirement_failures = stored.failures_json()
    out.figures = stored.figures_json()
    return out


class PlanController(Controller):
    path = "/api/plans"
    tags = ["planning"]

    @post("/", sync_to_thread=True, status_code=202)
    def start(self, db: Session, now: datetime, actor: Actor, data: PlanIn) -> PlanOut:
        """Queue a solve of a centre's week; the worker process picks it up."""
        run = planning.queue_plan(db, actor, centre_id=data.centre_id, week=data.week,
                                  now=now, time_limit=data.time_limit,
                                  seed=data.seed)
        return plan_out(run, db.get_one(Centre, run.centre_id))

    @get("/", sync_to_thread=True)
    def list_plans(self, read_db: Session, actor: Actor,
                   centre_id: Annotated[int, Parameter(ge=1, le=s.MAX_ID)]) -> list[PlanOut]:
        centre = read_db.get(Centre, centre_id)
        return [plan_out(r, centre, detail=False)  # type: ignore[arg-type]
                for r in planning.list_runs(read_db, actor, centre_id)]

    @get("/{run_id:int}", sync_to_thread=True)
    def get_plan(self, read_db: Session, actor: Actor, run_id: s.Id,
                 request: Request[Any, Any, Any]) -> PlanOut:
        """Status and progress while it runs; the draft with explanations when done (each
        unplaced demand's ``explanation`` in the caller's language, ``Accept-Language``)."""
        run = planning.get_run(read_db, actor, run_id)
        return plan_out(run, read_db.get_one(Centre, run.centre_id),
                        lang=answer_language(request))

    @post("/{run_id:int}/pins", sync_to_thread=True, status_code=200)
    def pin(self, db: Session, now: datetime, actor: Actor, run_id: s.Id,
            data: PinIn, request: Request[Any, Any, Any]) -> PlanOut:
        pin = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None}
        run = planning.adjust(db, actor, run_id, pin, now)
        return plan_out(run, db.get_one(Centre, run.centre_id), lang=answer_language(request))

    @post("/{run_id:int}/resolve", sync_to_thread=True, status_code=202)
    def resolve(self, db: Session, now: datetime, actor: Actor, run_id: s.Id) -> PlanOut:
        run = planning.resolve(db, actor, run_id, now)
        return plan_out(run, db.get_one(Centre, run.centre_id))

    @post("/{run_id:int}/publish", sync_to_thread=True, status_code=200)
    def publish(self, db: Session, now: datetime, actor: Actor, run_id: s.Id,
                data: PublishIn | None = None) -> PlanOut:
        """Write the draft's placements as occurrences (409 if the week changed meanwhile).
        A plan that misses a requirement of the Profil answers 409 unless the body says
        ``{"acknowledge_unmet": true}``; the acknowledgement is recorded in the audit."""
        run = planning.publish(db, actor, run_id, now,
                               acknowledge_unmet=bool(data and data.acknowledge_unmet))
        return plan_out(run, db.get_one(Centre, run.centre_id))
