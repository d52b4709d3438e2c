"""A week plan run read back: the one typed reader of what a run stores (``PlanRun.problem``,
``PlanRun.plan`` and ``PlanRun.id_map``, issue 11 §9).

The problem and the plan are the solver's JSON; :func:`read_stored` turns them into the
solver's own types (:func:`solver.problem_from_json`, :func:`solver.plan_from_json`) and the
map from the solver's demand ids to our rows into :class:`Source` values. Publishing, the
plan's pages (``booking.services.plan_view``), the API and the command line read a run only
through here; nobody indexes the JSON or parses a demand id such as ``"group-12"``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

import solver
from booking.models import PlanRun
from solver.problem import hhmm as hhmm  # the solver's HH:MM, for the readers' labels


@dataclass(frozen=True)
class Source:
    """Where a demand of the problem came from; stored with the run (``PlanRun.id_map``), so
    publishing reads what each demand is instead of parsing its id."""

    kind: str  # fixed | group | rental | series_date
    booking_id: int | None = None
    request_id: int | None = None
    series_date_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "booking_id": self.booking_id,
                "request_id": self.request_id, "series_date_id": self.series_date_id}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Source:
        return cls(kind=str(data["kind"]), booking_id=data.get("booking_id"),
                   request_id=data.get("request_id"),
                   series_date_id=data.get("series_date_id"))


def read_sources(run: PlanRun) -> dict[str, Source]:
    """The run's map from demand ids to rows (empty before the run was solved). Runs solved
    before the map was stored got it from migration 0019."""
    return {k: Source.from_json(v) for k, v in (run.id_map or {}).items()}


@dataclass(frozen=True)
class StoredPlan:
    """A run's problem, plan and id map, read back typed."""

    problem: solver.Problem
    plan: solver.Plan
    sources: dict[str, Source]

    def demand(self, demand_id: str) -> solver.Demand | None:
        return self._demands.get(demand_id)

    def title(self, demand_id: str) -> str:
        found = self._demands.get(demand_id)
        return found.title if found is not None else ""

    def figures_json(self) -> dict[str, Any]:
        """The plan's figures in the solver's JSON form (``plan.schema.json``)."""
        return dict(solver.plan_to_json(self.plan)["figures"])

    def failures_json(self) -> list[dict[str, Any]]:
        """The requirements of the Profil the plan misses, in the solver's JSON form."""
        return [asdict(r) for r in self.plan.requirement_failures]

    @cached_property
    def _demands(self) -> dict[str, solver.Demand]:
        return {d.id: d for d in self.problem.demands}


def read_plan(run: PlanRun) -> solver.Plan | None:
    """Only the run's plan, typed (for a count or a summary that needs no problem)."""
    return solver.plan_from_json(run.plan) if run.plan is not None else None


def read_stored(run: PlanRun) -> StoredPlan | None:
    """The run's stored problem and plan as solver types, with its sources; None while it
    has no plan."""
    if run.plan is None or run.problem is None:
        return None
    return StoredPlan(solver.problem_from_json(run.problem), solver.plan_from_json(run.plan),
                      read_sources(run))
