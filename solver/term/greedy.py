"""A greedy baseline for terms: first come, first served by priority class.

Pinned sections first, then the Bürgersprechstunde, then class by class (fewest patterns
first); each section takes its best pattern (longest duration, primary window, first wished
room, fewest lost dates) that is free in every concrete week — room, staff on duty,
Bürgersprechstunde apart — and keeps each day's opening hours one staffed block.  Then the
opening is stretched day by day inside the staffed hours towards the weekly minimum.

It exists for comparison in the benchmark and as the fallback when CP-SAT finds nothing in
time; it checks its own plan (``solver.term.check``) and returns "no plan" with the reason if
a hard rule is broken.  It does not import the CP-SAT engine.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date

from solver.problem import OpeningHours
from solver.term.check import check_term
from solver.term.explain import pattern_dates
from solver.term.patterns import (
    Calendar,
    Pattern,
    SectionPatterns,
    build_patterns,
    is_staffed,
    staffed_at,
)
from solver.term.plan import assemble, canonical
from solver.term.problem import TermPlan, TermProblem, TermStats, problems_with


def _preference(problem: TermProblem, e: SectionPatterns, p: Pattern) -> tuple[int, ...]:
    s = e.section
    room = problem.rooms[p.room].id
    primary = all(
        any(
            pref.level == "primary" and pref.window.contains(d, p.start, p.end)
            for pref in s.preferred
        )
        for d in p.days
    )
    last = s.last_term
    same = last is not None and (last.room, tuple(sorted(last.days)), last.start) == (
        room,
        p.days,
        p.start,
    )
    wish = s.rooms.index(room) if room in s.rooms else len(s.rooms)
    return (
        0 if same else 1,
        -p.duration,
        0 if primary else 1,
        wish,
        p.avoidable,
        problem.rooms[p.room].capacity,
    )


class _State:
    def __init__(self, problem: TermProblem, calendar: Calendar) -> None:
        self.problem = problem
        self.rooms: dict[tuple[str, date], list[tuple[int, int]]] = defaultdict(list)
        self.staffed: dict[date, list[tuple[int, int]]] = defaultdict(list)
        self.consultation: dict[date, list[tuple[int, int]]] = defaultdict(list)
        self.hull: dict[int, tuple[int, int]] = {}
        for slot in problem.programme:
            mask, _ = calendar.held(slot.room, slot.day, slot.start, slot.end)
            for w in range(problem.weeks):
                if mask >> w & 1:
                    when = problem.date_of(w, slot.day)
                    self.rooms[(slot.room, when)].append((slot.start, slot.end))
                    if slot.staffed:
                        self.staffed[when].append((slot.start, slot.end))
                    if slot.consultation:
                        self.consultation[when].append((slot.start, slot.end))
            if slot.staffed:
                self._grow(slot.day, slot.start, slot.end)

    def _grow(self, day: int, start: int, end: int) -> None:
        old = self.hull.get(day)
        self.hull[day] = (start, end) if old is None else (min(old[0], start), max(old[1], end))

    def hull_ok(self, day: int, start: int, end: int) -> bool:
        old = self.hull.get(day)
        lo, hi = (start, end) if old is None else (min(old[0], start), max(old[1], end))
        grain = self.problem.grain
        return all(staffed_at(self.problem, day, t, t + grain) >= 1 for t in range(lo, hi, grain))

    def fits(
        self,
        staffed: bool,
        consultation: bool,
        room: str,
        day: int,
        dates: list[date],
        start: int,
        end: int,
    ) -> bool:
        grain = self.problem.grain
        for when in dates:
            if any(a < end and start < b for a, b in self.rooms[(room, when)]):
                return False
            if consultation and any(a < end and start < b for a, b in self.consultation[when]):
                return False
            if staffed:
                for t in range(start // grain * grain, end, grain):
                    load = sum(1 for a, b in self.staffed[when] if a < t + grain and t < b)
                    if load + 1 > staffed_at(self.problem, day, t, t + grain):
                        return False
        return True

    def take(
        self,
        staffed: bool,
        consultation: bool,
        room: str,
        day: int,
        dates: list[date],
        start: int,
        end: int,
    ) -> None:
        for when in dates:
            self.rooms[(room, when)].append((start, end))
            if staffed:
                self.staffed[when].append((start, end))
            if consultation:
                self.consultation[when].append((start, end))
        if staffed:
            self._grow(day, start, end)


def greedy_term(problem: TermProblem) -> TermPlan:
    """The greedy baseline plan, or "no plan" with the reason if it breaks a hard rule.
    Input that cannot be planned raises ``ValueError``, as for ``solve_term``."""
    wrong = problems_with(problem)
    if wrong:
        raise ValueError("; ".join(wrong))
    problem = canonical(problem)
    plan = draft_term(problem)
    violations = check_term(problem, plan)
    if not violations:
        return plan
    rules = sorted({v.rule for v in violations})
    reason = (
        f"the greedy baseline cannot keep every hard rule ({', '.join(rules)}), "
        f"e.g. {violations[0].message}"
    )
    return replace(plan, status="no_plan", allocations=(), reason=reason)


def draft_term(problem: TermProblem) -> TermPlan:
    """The greedy attempt itself, unchecked."""
    problem = canonical(problem)
    calendar = Calendar(problem)
    entries = build_patterns(problem, calendar)
    state = _State(problem, calendar)
    order = sorted(
        (e for e in entries if e.patterns),
        key=lambda e: (
            e.pin is None,
            not e.section.consultation,
            e.section.priority_class,
            len(e.patterns),
            e.index,
        ),
    )
    chosen: dict[int, Pattern] = {}
    for e in order:
        staffed = is_staffed(e.section)
        for p in sorted(e.patterns, key=lambda p: _preference(problem, e, p)):
            room = problem.rooms[p.room].id
            dates = pattern_dates(problem, p)
            by_day = {d: [x for x in dates if x.weekday() == d] for d in p.days}
            if staffed and not all(state.hull_ok(d, p.start, p.end) for d in p.days):
                continue
            if not all(
                state.fits(staffed, e.section.consultation, room, d, by_day[d], p.start, p.end)
                for d in p.days
            ):
                continue
            for d in p.days:
                state.take(staffed, e.section.consultation, room, d, by_day[d], p.start, p.end)
            chosen[e.index] = p
            break
    opening = _opening(problem, state)
    stats = TermStats(
        status="GREEDY",
        objective=0,
        bound=0,
        gap=0.0,
        proven=False,
        seconds=0.0,
        first_solution_seconds=None,
    )
    return assemble(problem, calendar, entries, chosen, opening, stats, "greedy", proven=False)


def _opening(problem: TermProblem, state: _State) -> tuple[OpeningHours, ...]:
    """One block per day: the staffed activities' hull, stretched to the whole staffed span
    around it, day by day, until a full week reaches the minimum opening."""
    grain = problem.grain
    hull = dict(state.hull)
    req = problem.requirements

    def staffed(t: int, day: int) -> bool:
        return staffed_at(problem, day, t, t + grain) >= 1

    for house in sorted(problem.days, key=lambda w: w.day):
        if sum(b - a for a, b in hull.values()) >= req.min_open_minutes:
            break
        day = house.day
        if day not in hull:
            ts = [t for t in range(house.start, house.end, grain) if staffed(t, day)]
            if not ts:
                continue
            hull[day] = (ts[0], ts[0] + grain)
        lo, hi = hull[day]
        while hi + grain <= house.end and staffed(hi, day):
            hi += grain
        while lo - grain >= house.start and staffed(lo - grain, day):
            lo -= grain
        hull[day] = (lo, hi)
    return tuple(OpeningHours(day, a, b) for day, (a, b) in sorted(hull.items()))
