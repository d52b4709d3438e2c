"""Builders for tiny hand-made terms, and the rule every term test obeys: each plan passes the
independent checker (``solver.term.check_term``)."""

from __future__ import annotations

from datetime import date

from solver import Room, Window
from solver.term import (
    Section,
    Staffing,
    TermPlan,
    TermProblem,
    TermRequirements,
    check_term,
    solve_term,
)

MONDAY = date(2027, 2, 1)
NO_PROFIL = TermRequirements(
    min_open_minutes=0,
    min_open_days=0,
    min_day_open_minutes=0,
    weekend_offer=False,
    consultation_minutes=0,
)
EVERYONE = tuple(Staffing(Window(d, 8 * 60, 22 * 60), 3) for d in range(7))


def h(hour: float) -> int:
    return round(hour * 60)


def room(ident: str, capacity: int = 20, *features: str) -> Room:
    return Room(ident, f"Raum {ident}", capacity, frozenset(features))


def section(ident: str, *windows: Window, minutes: int = 120, **kw: object) -> Section:
    fields: dict[str, object] = {
        "title": f"Gruppe {ident}",
        "applicant": f"Verein {ident}",
        "priority_class": 1,
        "min_duration": minutes,
        "max_duration": minutes,
    }
    fields.update(kw)
    return Section(ident, windows=tuple(windows), **fields)  # type: ignore[arg-type]


def term(
    rooms: list[Room],
    sections: list[Section],
    *,
    weeks: int = 4,
    requirements: TermRequirements = NO_PROFIL,
    **kw: object,
) -> TermProblem:
    return TermProblem(
        start=MONDAY,
        weeks=weeks,
        rooms=tuple(rooms),
        sections=tuple(sections),
        requirements=requirements,
        staffing=kw.pop("staffing", EVERYONE),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def solved(problem: TermProblem, limit: float = 20.0) -> TermPlan:
    plan = solve_term(problem, time_limit=limit, seed=0, workers=1)
    assert check_term(problem, plan) == []
    return plan


def allocated(plan: TermPlan) -> set[str]:
    return {a.section for a in plan.allocations}
