"""Putting a plan together: canonical order, figures, gaps.

Shared by the CP-SAT engine and the greedy baseline, so neither imports the other (the circle
``engine`` ↔ ``greedy`` the code review found, §4 item 5, is gone).
"""

from __future__ import annotations

from solver import figures
from solver.goals import place_weight
from solver.problem import (
    Explanation,
    Placement,
    Plan,
    PlanStatus,
    Problem,
    RequirementFailure,
    Shift,
    SolveStats,
)


def relative_gap(objective: int, bound: int) -> float:
    """Proven relative gap between the best plan and the bound (0.0 = proven optimal)."""
    return round(abs(bound - objective) / max(1, abs(objective)), 6)


def placed_weight(problem: Problem, placements: tuple[Placement, ...] | list[Placement]) -> int:
    weights = problem.weights
    by_id = {d.id: d for d in problem.demands}
    return sum(place_weight(weights, by_id[p.demand]) for p in placements)


def assemble(
    problem: Problem,
    placements: list[Placement],
    shifts: list[Shift],
    unplaced: list[Explanation],
    unused: list[str],
    failures: list[RequirementFailure],
    stats: SolveStats,
    status: PlanStatus,
    reason: str = "",
) -> Plan:
    """Put a plan together in canonical order and compute its figures."""
    order = {d.id: i for i, d in enumerate(problem.demands)}
    placements_t = tuple(sorted(placements, key=lambda p: order[p.demand]))
    shifts_t = tuple(sorted(shifts, key=lambda s: (s.staff, s.day, s.start)))
    unplaced_t = tuple(sorted(unplaced, key=lambda u: order[u.demand]))
    return Plan(
        status=status,
        placements=placements_t,
        shifts=shifts_t,
        unplaced=unplaced_t,
        unused_candidates=tuple(sorted(unused, key=lambda d: order[d])),
        requirement_failures=tuple(failures),
        figures=figures.compute(problem, placements_t, shifts_t, len(unplaced_t)),
        stats=stats,
        week=problem.week,
        reason=reason,
    )


def no_plan(problem: Problem, reason: str, stats: SolveStats) -> Plan:
    """An empty plan that says why there is none: the library never returns a plan that breaks
    a hard rule, so a fallback that cannot keep every rule ends here."""
    return assemble(problem, [], [], [], [], [], stats, "no_plan", reason)
