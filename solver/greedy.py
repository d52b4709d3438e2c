"""A greedy baseline: first come, first served by priority.

Fixed slots first, then Bürgersprechstunde candidates until the weekly hours are reached, then
groups and rentals by descending placement weight (input order breaks ties).  Each demand takes
its first option (last week's placement first, then preferred windows) whose room is free and,
if staffed, for which a qualified staff member can stretch their day's shift to cover it within
availability, contract hours and the working-time law (a day longer than 6 h is split by a
30-60 min break between the person's activities; 11 h rest between days).  Afterwards shifts
are stretched to the minimum length and, where contract hours allow, the opening is topped up
towards the weekly minimum.

It exists for comparison in ``python -m solver bench`` and as the fallback when CP-SAT finds no
plan in time.  It does not search, so it may miss global requirements that the CP-SAT plan
meets; ``greedy`` therefore checks its own draft with ``solver.check`` and, if any hard rule is
broken, returns "no plan" with the reason instead (the library never returns a rule-breaking
plan).  ``draft`` gives the unchecked attempt, for the benchmark and the explanation tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from solver.check import check
from solver.explain import explain
from solver.figures import merge_intervals
from solver.goals import place_weight
from solver.options import DemandOptions, Option, build_options
from solver.plan import assemble, no_plan
from solver.problem import Placement, Plan, Problem, Shift, SolveStats, canonical


@dataclass(slots=True)
class _State:
    rooms: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)
    busy: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)
    hull: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    # A day longer than 6 h is split by a 30-60 min break between the person's activities.
    breaks: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)


def _fits_window(problem: Problem, s: int, day: int, start: int, end: int) -> bool:
    return any(w.contains(day, start, end) for w in problem.staff[s].availability)


# The baseline plans one shift a day without a break, so at most 6 h (ArbZG § 4), and keeps
# 11 h of rest between days (§ 5).
MAX_HULL = 6 * 60
REST = 11 * 60


def _split(
    problem: Problem, busy: list[tuple[int, int]], start: int, end: int
) -> tuple[int, int] | None:
    """A break (from, to) of 30-60 min between the activities in ``busy`` that cuts the day
    ``start``-``end`` into two parts of at most 6 h and at least the minimum shift each."""
    grain = problem.grain
    low = max(problem.requirements.min_shift_minutes, grain)
    merged = merge_intervals(busy)
    for (_, g0), (g1, _) in pairwise(merged):
        b0 = g0 + (-g0) % grain
        while b0 + 30 <= g1:
            for length in range(30, 61, grain):
                b1 = b0 + length
                if b1 > g1:
                    break
                if low <= b0 - start <= MAX_HULL and low <= end - b1 <= MAX_HULL:
                    return b0, b1
            b0 += grain
    return None


def _rest_ok(
    hull: dict[tuple[int, int], tuple[int, int]], s: int, day: int, start: int, end: int
) -> bool:
    before = hull.get((s, day - 1))
    after = hull.get((s, day + 1))
    if before is not None and 24 * 60 - before[1] + start < REST:
        return False
    return not (after is not None and 24 * 60 - end + after[0] < REST)


def _try_staff(problem: Problem, state: _State, e: DemandOptions, o: Option) -> int | None:
    """The qualified person whose day grows least by taking ``o`` (ties: canonical order), so
    long days stay free for the activities only they can run."""
    best: tuple[int, int] | None = None
    for s in e.eligible_staff:
        member = problem.staff[s]
        if any(d == o.day and a < o.end and o.start < b for d, a, b in state.busy.get(s, [])):
            continue
        old = state.hull.get((s, o.day))
        start, end = (o.start, o.end) if old is None else (min(old[0], o.start), max(old[1], o.end))
        if not _fits_window(problem, s, o.day, start, end):
            continue
        # A shift lasts at least the minimum length, so a new day costs at least that much.
        length = max(end - start, problem.requirements.min_shift_minutes)
        if length > member.max_day_minutes:
            continue
        if length > MAX_HULL:
            today = [(a, b) for d, a, b in state.busy.get(s, []) if d == o.day]
            if _split(problem, [*today, (o.start, o.end)], start, end) is None:
                continue
        if not _rest_ok(state.hull, s, o.day, start, end):
            continue
        grown = length - (0 if old is None else max(old[1] - old[0], _min_shift(problem)))
        if _minutes(state, s, _min_shift(problem)) + max(grown, 0) > member.max_week_minutes:
            continue
        if best is None or max(grown, 0) < best[0]:
            best = (max(grown, 0), s)
    return None if best is None else best[1]


def _ordered(e: DemandOptions, problem: Problem) -> list[Option]:
    last = e.demand.last_week

    def key(o: Option) -> tuple[int, int]:
        if last is not None and (problem.rooms[o.room].id, o.day, o.start) == (
            last.room,
            last.day,
            last.start,
        ):
            return (0, 0)
        preferred = any(p.contains(o.day, o.start, o.end) for p in e.demand.preferred)
        return (1, 0 if preferred else 1)

    return sorted(e.options, key=key)


def _min_shift(problem: Problem) -> int:
    return problem.requirements.min_shift_minutes


def _minutes(state: _State, s: int, minimum: int = 0) -> int:
    return sum(
        max(end - start, minimum) for (member, _), (start, end) in state.hull.items() if member == s
    )


def greedy(problem: Problem) -> Plan:
    """The greedy baseline plan, or "no plan" with the reason if its draft breaks a hard rule."""
    problem = canonical(problem)
    plan = draft(problem)
    violations = check(problem, plan)
    if not violations:
        return plan
    rules = sorted({v.rule for v in violations})
    reason = (
        f"the greedy baseline cannot keep every hard rule ({', '.join(rules)}), "
        f"e.g. {violations[0].message}"
    )
    return no_plan(problem, reason, plan.stats)


def draft(problem: Problem) -> Plan:
    """The greedy attempt itself, unchecked (see module docstring)."""
    problem = canonical(problem)
    entries = build_options(problem)
    weights = problem.weights
    rank = {"fixed": 0, "consultation": 1, "group": 2, "rental": 2}
    order = sorted(
        range(len(entries)),
        key=lambda i: (
            rank[entries[i].demand.kind],
            -place_weight(weights, entries[i].demand),
            i,
        ),
    )
    state = _State()
    placements: list[Placement] = []
    consultation = 0
    # Bürgersprechstunde counts as visible time, so a session parallel to another adds nothing.
    sessions: list[tuple[int, int, int]] = []
    for i in order:
        e = entries[i]
        demand = e.demand
        if (
            demand.kind == "consultation"
            and consultation >= problem.requirements.consultation_minutes
        ):
            continue
        for o in _ordered(e, problem):
            if any(
                d == o.day and a < o.end and o.start < b for d, a, b in state.rooms.get(o.room, [])
            ):
                continue
            if demand.kind == "consultation" and any(
                d == o.day and a < o.end and o.start < b for d, a, b in sessions
            ):
                continue
            staff: int | None = None
            if e.staffed:
                staff = _try_staff(problem, state, e, o)
                if staff is None:
                    continue
                state.busy.setdefault(staff, []).append((o.day, o.start, o.end))
                old = state.hull.get((staff, o.day))
                hull = (
                    (o.start, o.end) if old is None else (min(old[0], o.start), max(old[1], o.end))
                )
                state.hull[(staff, o.day)] = hull
                state.breaks.pop((staff, o.day), None)
                if hull[1] - hull[0] > MAX_HULL:
                    today = [(a, b) for d, a, b in state.busy[staff] if d == o.day]
                    brk = _split(problem, today, *hull)
                    if brk is not None:
                        state.breaks[(staff, o.day)] = brk
            state.rooms.setdefault(o.room, []).append((o.day, o.start, o.end))
            placements.append(
                Placement(
                    demand.id,
                    problem.rooms[o.room].id,
                    o.day,
                    o.start,
                    o.end,
                    None if staff is None else problem.staff[staff].id,
                )
            )
            if demand.counts_as_consultation:
                # Only the time no other session covers yet is new visible time.
                covered = {
                    m
                    for d, a, b in sessions
                    if d == o.day
                    for m in range(max(a, o.start), min(b, o.end))
                }
                consultation += demand.duration - len(covered)
                sessions.append((o.day, o.start, o.end))
            break

    shifts = _shifts(problem, state)
    placed = {p.demand for p in placements}
    unplaced = [
        explain(problem, e, placements, shifts, proven=False)
        for e in entries
        if e.demand.id not in placed and e.demand.kind != "consultation"
    ]
    unused = [
        e.demand.id
        for e in entries
        if e.demand.id not in placed and e.demand.kind == "consultation"
    ]
    stats = SolveStats(
        status="GREEDY", objective=0, bound=0, gap=0.0, seconds=0.0, first_solution_seconds=None
    )
    return assemble(problem, placements, shifts, unplaced, unused, [], stats, "greedy")


def _shifts(problem: Problem, state: _State) -> list[Shift]:
    """Stretch each day's hull to the minimum shift length, then top up the opening."""
    req = problem.requirements
    hull = dict(state.hull)
    for (s, day), (start, end) in sorted(hull.items()):
        need = req.min_shift_minutes - (end - start)
        if need > 0:
            used = sum(b - a for (m, _), (a, b) in hull.items() if m == s)
            if used + need > problem.staff[s].max_week_minutes:
                continue  # stays short: check() refuses the draft rather than break a contract
            for a, b in ((start, end + need), (start - need, end)):
                if _fits_window(problem, s, day, a, b) and _rest_ok(hull, s, day, a, b):
                    hull[(s, day)] = (a, b)
                    break
    # Top up: give whole availability windows to staff on days with the least opening.
    for s, member in enumerate(problem.staff):
        for w in sorted(member.availability, key=lambda w: (w.day, w.start)):
            if _open(problem, hull) >= req.min_open_minutes:
                break
            if (s, w.day) in hull:
                continue
            length = min(w.end - w.start, member.max_day_minutes, MAX_HULL)
            used = sum(b - a for (m, _), (a, b) in hull.items() if m == s)
            length = min(length, member.max_week_minutes - used)
            if length >= req.min_shift_minutes and _rest_ok(
                hull, s, w.day, w.start, w.start + length
            ):
                hull[(s, w.day)] = (w.start, w.start + length)
    shifts: list[Shift] = []
    for (s, day), (start, end) in sorted(hull.items()):
        brk = state.breaks.get((s, day))
        if brk is not None and (start, end) == state.hull.get((s, day)):
            shifts.append(Shift(problem.staff[s].id, day, start, brk[0]))
            shifts.append(Shift(problem.staff[s].id, day, brk[1], end))
        else:
            shifts.append(Shift(problem.staff[s].id, day, start, end))
    return shifts


def _open(problem: Problem, hull: dict[tuple[int, int], tuple[int, int]]) -> int:
    total = 0
    by_day: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for (s, day), span in hull.items():
        by_day.setdefault((problem.staff[s].centre, day), []).append(span)
    for spans in by_day.values():
        reach = -1
        for a, b in sorted(spans):
            if b > reach:
                total += b - max(a, reach)
                reach = b
    return total
