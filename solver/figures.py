"""The plan's figures for the compliance report, computed from the plan alone.

Open hours per day, open days, Bürgersprechstunde hours, utilisation per room, placed and
unplaced counts, placed weighted demand and how many demands moved against last week.  Computed
from placements and shifts (not from solver variables), so a greedy plan and a CP-SAT plan are
measured the same way.  With several centres the open minutes are summed over centres.
"""

from __future__ import annotations

from collections import Counter

from solver.goals import place_weight
from solver.problem import DEMAND_KINDS, Figures, OpeningHours, Placement, Problem, Shift


def open_intervals(
    problem: Problem, placements: tuple[Placement, ...], shifts: tuple[Shift, ...]
) -> dict[tuple[str, int], list[tuple[int, int]]]:
    """Merged open intervals per (centre, day): staff on duty, plus self-managed use when the
    requirements count it as open."""
    staff_centre = {s.id: s.centre for s in problem.staff}
    spans: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for shift in shifts:
        key = (staff_centre.get(shift.staff, ""), shift.day)
        spans.setdefault(key, []).append((shift.start, shift.end))
    if problem.requirements.self_managed_counts_as_open:
        by_id = {d.id: d for d in problem.demands}
        for p in placements:
            d = by_id[p.demand]
            if not (d.staffed or d.counts_as_consultation):
                spans.setdefault((d.centre, p.day), []).append((p.start, p.end))
    return {key: merge_intervals(items) for key, items in spans.items()}


def merge_intervals(items: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching (start, end) intervals joined, in order."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(items):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def compute(
    problem: Problem,
    placements: tuple[Placement, ...],
    shifts: tuple[Shift, ...],
    unplaced: int,
) -> Figures:
    by_id = {d.id: d for d in problem.demands}
    intervals = open_intervals(problem, placements, shifts)
    per_day = [0] * 7
    open_days = 0
    req = problem.requirements
    for (_, day), spans in sorted(intervals.items()):
        minutes = sum(end - start for start, end in spans)
        per_day[day] += minutes
        if minutes >= req.min_day_open_minutes:
            open_days += 1
    sessions = [p for p in placements if by_id[p.demand].counts_as_consultation]
    consultation_sessions = sum(p.end - p.start for p in sessions)
    # Visible Bürgersprechstunde: the union of the sessions' time per centre and day.
    visible: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for p in sessions:
        visible.setdefault((by_id[p.demand].centre, p.day), []).append((p.start, p.end))
    consultation = sum(end - start for spans in visible.values()
                       for start, end in merge_intervals(spans))
    house = sum(w.end - w.start for w in problem.days)
    used: Counter[str] = Counter()
    for p in placements:
        used[p.room] += p.end - p.start
    utilisation = tuple(
        (room.id, round(used[room.id] / house, 4) if house else 0.0) for room in problem.rooms
    )
    kinds = Counter(by_id[p.demand].kind for p in placements)
    removed = {pin.demand for pin in problem.pins if pin.remove}
    demand_weight = sum(
        place_weight(problem.weights, d)
        for d in problem.demands
        if d.id not in removed and d.kind != "consultation"
    )
    moved = 0
    for p in placements:
        last = by_id[p.demand].last_week
        if last is not None and (last.room, last.day, last.start) != (p.room, p.day, p.start):
            moved += 1
    return Figures(
        open_minutes_per_day=tuple(per_day),
        open_minutes=sum(per_day),
        open_days=open_days,
        consultation_minutes=consultation,
        utilisation=utilisation,
        placed=len(placements),
        unplaced=unplaced,
        placed_by_kind=tuple((k, kinds[k]) for k in DEMAND_KINDS),
        placed_weight=sum(place_weight(problem.weights, by_id[p.demand]) for p in placements),
        demand_weight=demand_weight,
        moved=moved,
        consultation_session_minutes=consultation_sessions,
        opening_hours=tuple(
            OpeningHours(day, start, end, centre)
            for (centre, day), spans in sorted(intervals.items())
            for start, end in spans
        ),
    )
