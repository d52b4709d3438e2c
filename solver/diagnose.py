"""What would fix a week that cannot meet its requirements: what-if solves, cheapest first.

When a plan's status is ``requirements_unmet``, ``fixes`` tries a few changes a centre lead can
actually make and keeps those with which the whole week meets every requirement:

* ``extra_staff``: one more staff member (any skill, available whenever the house is open, a
  full contract); the fix names when that person would be on duty, e.g. "Sat 10:00–14:00";
* ``extra_room``: a second room like the best-equipped one with the features the failing
  demand needs (e.g. ``confidential`` for the Bürgersprechstunde);
* ``lift_closure``: a whole-house closure lifted (e.g. "open Tuesday instead of the closed
  Monday" when the closure was a choice).

Each is a separate choice (issue 8, point 4); the rules that protect people (contract hours,
daily maximum, availability, working-time law) are never among them.  Each what-if is one
CP-SAT run with a short limit, so the list is best effort: a fix not found in time is not
listed, and a listed fix is checked to give a plan that keeps every rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from solver.check import check
from solver.problem import (
    Fix,
    Placement,
    Plan,
    Problem,
    Room,
    Shift,
    StaffMember,
    Window,
    describe,
)

# A what-if solve: the changed problem → placements and shifts of a plan, or None.
Trial = Callable[[Problem], tuple[list[Placement], list[Shift]] | None]

EXTRA_STAFF = "extra-staff"
EXTRA_ROOM = "extra-room"


def _candidates(problem: Problem, plan: Plan) -> list[tuple[str, Problem, dict[str, str]]]:
    centre = problem.centres[0] if problem.centres else ""
    req = problem.requirements
    out: list[tuple[str, Problem, dict[str, str]]] = []
    skills = frozenset().union(*(s.skills for s in problem.staff)) | {req.consultation_skill}
    skills |= {d.skill for d in problem.demands if d.skill}
    extra = StaffMember(
        EXTRA_STAFF,
        "one more staff member",
        tuple(Window(w.day, w.start, w.end) for w in problem.days),
        40 * 60,
        10 * 60,
        skills,
        centre,
    )
    out.append(("extra_staff", replace(problem, staff=(*problem.staff, extra)), {}))
    failing = {f.rule for f in plan.requirement_failures}
    needs: set[frozenset[str]] = set()
    if "buergersprechstunde" in failing:
        needs.add(req.consultation_features)
    failed_ids = {i for f in plan.requirement_failures for i in f.subject.split(",")}
    for d in problem.demands:
        if d.id in failed_ids and d.features:
            needs.add(d.features)
    for features in sorted(needs, key=sorted):
        fitting = [r for r in problem.rooms if features <= r.features]
        model = max(fitting, key=lambda r: (r.capacity, r.id)) if fitting else None
        room = Room(
            EXTRA_ROOM,
            f"a second room with {', '.join(sorted(features))}",
            model.capacity if model else 20,
            features | (model.features if model else frozenset()),
            centre,
        )
        out.append(
            (
                "extra_room",
                replace(problem, rooms=(*problem.rooms, room)),
                {"features": ", ".join(sorted(features))},
            )
        )
    for c in problem.closures:
        if c.room is None:
            rest = tuple(x for x in problem.closures if x is not c)
            out.append(
                (
                    "lift_closure",
                    replace(problem, closures=rest),
                    {"when": str(c.window), "reason": c.reason},
                )
            )
    return out


def _render(kind: str, params: dict[str, str]) -> str:
    if kind == "extra_staff":
        return f"One more staff member on {params['when']} would meet every requirement."
    if kind == "extra_room":
        return f"A second room with {params['features']} would meet every requirement."
    reason = f" ({params['reason']})" if params.get("reason") else ""
    return (
        f"Opening on {params['when']} instead of the closure{reason} would meet every requirement."
    )


def fixes(problem: Problem, plan: Plan, trial: Trial) -> list[Fix]:
    """The changes (at most one per kind and closure) with which the week meets every
    requirement; ``trial`` solves a changed week without relaxing anything."""
    if len(problem.centres) != 1:
        return []  # one house at a time; a city's centres are diagnosed one by one
    found: list[Fix] = []
    for kind, changed, params in _candidates(problem, plan):
        result = trial(changed)
        if result is None:
            continue
        placements, shifts = result
        attempt = replace(plan, placements=tuple(placements), shifts=tuple(shifts))
        if check(changed, attempt):
            continue
        if kind == "extra_staff":
            duty = [s for s in shifts if s.staff == EXTRA_STAFF]
            params = {"when": ", ".join(describe(s.day, s.start, s.end) for s in duty)}
            if not duty:
                continue
        found.append(Fix(kind, _render(kind, params), tuple(sorted(params.items()))))
    return found


__all__ = ["Fix", "fixes"]
