"""Raumplan's planning library: a week's demand in, a Raumnutzungsplan out.

Pure Python plus OR-Tools CP-SAT; no database, no web, nothing from ``booking`` or ``access``.
The booking service calls this API from a worker process:

* ``Problem`` / ``Plan`` (and their parts, in ``solver.problem``): typed, frozen dataclasses.
  Times are a day index (0 = Monday of the ISO week) plus minutes from local midnight; the
  JSON forms write them as ``"HH:MM"`` (``solver/schemas``).  The booking service converts to
  and from absolute instants at its edge.
* ``solve(problem, *, time_limit=None, seed=0, workers=2, on_progress=None) -> Plan``: the
  CP-SAT plan.  ``on_progress`` gets a ``Progress`` (objective, bound, seconds) on each improving
  solution.  With a time limit the best plan found is returned with its proven gaps
  (``plan.stats``).  Same input (in any order), seed and worker count give the same plan as
  long as the run ends by proving optimality (see ``solver.engine``).
* ``check(problem, plan) -> list[Violation]``: independent verification of every hard rule.
* ``greedy(problem) -> Plan``: first-come-first-served baseline; "no plan" with the reason if
  it cannot keep every hard rule.
* ``generate(profile, seed) -> Problem``: realistic instances (``centre``, ``city``, ``small``).
* ``problem_from_json`` / ``problem_to_json`` / ``plan_from_json`` / ``plan_to_json``.

Staff adjusting a draft express it with ``Pin`` entries in ``Problem.pins``: pin a demand to a
room and/or day/start, or remove it.  The rules are listed in ``solver.rules.RULEBOOK``.

The term planner (a season's applications, every week of it at once) is ``solver.term``.
"""

from __future__ import annotations

from collections.abc import Callable

from solver import engine
from solver.check import check
from solver.generate import generate
from solver.greedy import greedy
from solver.jsonio import plan_from_json, plan_to_json, problem_from_json, problem_to_json
from solver.problem import (
    Closure,
    Demand,
    Explanation,
    Figures,
    Fix,
    LastWeek,
    OpeningHours,
    Pin,
    Placement,
    Plan,
    Problem,
    Progress,
    RequirementFailure,
    Requirements,
    Room,
    Shift,
    SolveStats,
    StaffMember,
    Violation,
    Weights,
    Window,
)


def solve(
    problem: Problem,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int = 2,
    on_progress: Callable[[Progress], None] | None = None,
) -> Plan:
    """Plan the week with CP-SAT.

    ``time_limit`` (seconds, wall clock, whole problem) stops the search with the best plan so
    far, its placement gap and soft gap (``plan.stats``).  Each centre is searched by one
    deterministic thread with ``seed``; ``workers >= 2`` solves several centres at once, so the
    plan does not depend on ``workers`` — nor on the order of the input (it is solved in a
    canonical order).  Every returned plan passes ``check`` (except the requirements a
    ``requirements_unmet`` plan declares); if none can be found in time, the checked greedy
    baseline (status ``greedy``) or "no plan" with ``plan.reason`` is returned.  If the
    requirements cannot be met, ``plan.requirement_failures`` names each failing requirement and
    by how much, ``plan.alternatives`` other equally small relaxations, and ``plan.fixes``
    changes with which the week would meet them all.
    """
    return engine.solve(
        problem, time_limit=time_limit, seed=seed, workers=workers, on_progress=on_progress
    )


__all__ = [
    "Closure",
    "Demand",
    "Explanation",
    "Figures",
    "Fix",
    "LastWeek",
    "OpeningHours",
    "Pin",
    "Placement",
    "Plan",
    "Problem",
    "Progress",
    "RequirementFailure",
    "Requirements",
    "Room",
    "Shift",
    "SolveStats",
    "StaffMember",
    "Violation",
    "Weights",
    "Window",
    "check",
    "generate",
    "greedy",
    "plan_from_json",
    "plan_to_json",
    "problem_from_json",
    "problem_to_json",
    "solve",
]
