"""The CP-SAT variables of a term, and the bookkeeping the term's rules share.

* ``x[p]``: pattern ``p`` (``solver.term.patterns``) is the section's allocation; at most one
  per section;
* ``open[day, minute]``: the house is open (someone on duty) in that grain of that weekday, the
  same in every week of the term (the published opening hours);
* per concrete week ``w``: the shortfall of each Profil minimum (opening minutes, open days,
  weekend offer, Bürgersprechstunde minutes), which the first stage of the solve minimises, so a
  week that cannot reach a minimum (holidays, a closure) reports by how much instead of making
  the term infeasible.

Conflicts that depend on the concrete week (room, staff, Bürgersprechstunde) are posted once
per distinct set of patterns active together (``weekly_limits``), not once per week: a weekly
group and its neighbours give the same set in every week, a fortnightly pair two sets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.term.patterns import Calendar, Pattern, SectionPatterns, house_window
from solver.term.problem import TermProblem


@dataclass(slots=True)
class Penalty:
    """One soft term: ``coef * var`` belongs to ``goal``."""

    goal: str
    coef: int
    var: cp_model.IntVar


@dataclass(slots=True)
class WeekVars:
    """Shortfall variables of one concrete week (grains, days, 0/1, minutes)."""

    open_short: cp_model.IntVar
    days_short: cp_model.IntVar
    weekend_missing: cp_model.IntVar
    consultation_short: cp_model.IntVar


class TermContext:
    """Variables of a term's model plus the lists rules and goals append to."""

    def __init__(self, problem: TermProblem, entries: list[SectionPatterns], calendar: Calendar):
        self.problem = problem
        self.entries = entries
        self.calendar = calendar
        self.grain = problem.grain
        self.model = cp_model.CpModel()
        self.patterns: list[Pattern] = [p for e in entries for p in e.patterns]
        self.x = [
            self.model.new_bool_var(f"x_{p.section}_{i}") for i, p in enumerate(self.patterns)
        ]
        self.of_section: dict[int, list[int]] = {}
        for i, p in enumerate(self.patterns):
            self.of_section.setdefault(p.section, []).append(i)
        self.penalties: list[Penalty] = []
        self.pattern_cost: dict[str, list[int]] = {}  # goal -> cost per pattern
        self.weeks: list[WeekVars] = []
        # Grains of each weekday inside the house hours (minutes from midnight).
        self.day_grains: dict[int, list[int]] = {}
        for w in sorted(problem.days, key=lambda w: w.day):
            first = -(-w.start // self.grain) * self.grain
            self.day_grains[w.day] = list(range(first, w.end - self.grain + 1, self.grain))
        self.open: dict[tuple[int, int], cp_model.IntVar] = {}
        self.open_starts: dict[int, list[cp_model.IntVar]] = {}

    def placed(self, section: int) -> cp_model.LinearExprT:
        return sum(self.x[i] for i in self.of_section.get(section, []))

    def grains(self, start: int, end: int) -> range:
        """Grain starts a span occupies (a partly used grain counts whole)."""
        first = start // self.grain * self.grain
        return range(first, end, self.grain)

    def house_has(self, day: int) -> bool:
        return house_window(self.problem, day) is not None

    def pattern_costs(self, goal: str, cost: Callable[[Pattern], int]) -> None:
        """A soft goal whose cost depends only on the chosen pattern: linear in ``x``."""
        costs = [cost(p) for p in self.patterns]
        self.pattern_cost[goal] = costs

    def penalise(self, goal: str, coef: int, var: cp_model.IntVar) -> None:
        if coef:
            self.penalties.append(Penalty(goal, coef, var))

    def soft_objective(self) -> cp_model.LinearExprT:
        terms: list[cp_model.LinearExprT] = [t.coef * t.var for t in self.penalties]
        for costs in self.pattern_cost.values():
            terms.extend(c * self.x[i] for i, c in enumerate(costs) if c)
        return sum(terms)


def weekly_limits(
    items: list[tuple[int, int]], weeks: int, rhs: Callable[[int], int]
) -> list[tuple[list[int], int]]:
    """Constraints ``sum(x[i] active in week w) <= rhs(w)`` for every week, deduplicated.

    ``items`` are (pattern index, weeks bitmask).  Weeks with the same active masks and bound
    give one constraint; a set contained in another with a bound no smaller is dropped; sets no
    larger than their bound are trivially kept and dropped."""
    by_mask: dict[int, list[int]] = {}
    for i, mask in items:
        by_mask.setdefault(mask, []).append(i)
    masks = sorted(by_mask)
    keys: dict[tuple[int, ...], int] = {}
    for w in range(weeks):
        active = tuple(m for m in masks if m >> w & 1)
        if not active:
            continue
        bound = rhs(w)
        keys[active] = min(bound, keys.get(active, bound))
    kept: list[tuple[tuple[int, ...], int]] = []
    for active, bound in sorted(keys.items()):
        size = sum(len(set(by_mask[m])) for m in active)
        if size <= bound:
            continue
        dominated = any(
            other != active and set(active) <= set(other) and bound >= b
            for other, b in keys.items()
        )
        if not dominated:
            kept.append((active, bound))
    out: list[tuple[list[int], int]] = []
    for active, bound in kept:
        members = sorted({i for m in active for i in by_mask[m]})
        out.append((members, bound))
    return out
