"""Builders for tiny hand-made weeks, and the rule every test obeys: each plan passes check()."""

from __future__ import annotations

from dataclasses import replace

import pytest

from solver import Demand, Plan, Problem, Requirements, Room, StaffMember, Window, check, solve

NO_REQUIREMENTS = Requirements(
    min_open_minutes=0,
    min_open_days=0,
    min_day_open_minutes=0,
    weekend_offer=False,
    consultation_minutes=0,
    min_shift_minutes=0,
)


def h(hour: float) -> int:
    """Hours → minutes from midnight."""
    return round(hour * 60)


def room(ident: str, capacity: int = 20, *features: str) -> Room:
    return Room(ident, f"Raum {ident}", capacity, frozenset(features))


def staff(
    ident: str, *windows: Window, hours: float = 39, skills: tuple[str, ...] = ()
) -> StaffMember:
    return StaffMember(ident, f"Person {ident}", tuple(windows), h(hours), 600, frozenset(skills))


def demand(
    ident: str, kind: str = "group", duration: float = 2, *windows: Window, **kw: object
) -> Demand:
    return Demand(ident, kw.pop("title", ident), kind, h(duration), tuple(windows), **kw)  # type: ignore[arg-type]


def week(
    rooms: list[Room],
    demands: list[Demand],
    staff_members: list[StaffMember] | None = None,
    requirements: Requirements = NO_REQUIREMENTS,
    **kw: object,
) -> Problem:
    return Problem(
        rooms=tuple(rooms),
        demands=tuple(demands),
        staff=tuple(staff_members or ()),
        requirements=requirements,
        **kw,  # type: ignore[arg-type]
    )


def solved(problem: Problem, **kw: object) -> Plan:
    """Solve deterministically (1 worker) and insist the independent checker accepts the plan."""
    plan = solve(problem, workers=1, seed=0, **kw)  # type: ignore[arg-type]
    assert_valid(problem, plan)
    return plan


def assert_valid(problem: Problem, plan: Plan) -> None:
    violations = check(problem, plan)
    assert violations == [], violations


def placed(plan: Plan) -> dict[str, tuple[str, int, int]]:
    return {p.demand: (p.room, p.day, p.start) for p in plan.placements}


def unplaced_kind(plan: Plan, demand_id: str) -> str:
    for u in plan.unplaced:
        if u.demand == demand_id:
            return u.kind
    raise AssertionError(f"{demand_id} is not reported as unplaced")


@pytest.fixture
def relaxed() -> Requirements:
    return NO_REQUIREMENTS


__all__ = ["replace"]
