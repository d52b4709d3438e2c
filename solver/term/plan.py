"""Putting a term plan together from chosen patterns and opening grains.

Shared by the CP-SAT engine and the greedy baseline, so neither imports the other."""

from __future__ import annotations

from dataclasses import replace

from solver.problem import OpeningHours
from solver.term import explain, figures
from solver.term.patterns import Calendar, Pattern, SectionPatterns
from solver.term.problem import (
    Allocation,
    SkippedDate,
    TermPlan,
    TermProblem,
    TermStats,
    TermStatus,
)


def canonical(problem: TermProblem) -> TermProblem:
    """The same term in a canonical order (rooms, sections, pins by id), so a plan does not
    depend on the order in which the caller listed its input."""
    return replace(
        problem,
        rooms=tuple(sorted(problem.rooms, key=lambda r: r.id)),
        sections=tuple(sorted(problem.sections, key=lambda s: s.id)),
        programme=tuple(sorted(problem.programme, key=lambda s: s.id)),
        bookings=tuple(sorted(problem.bookings, key=lambda b: b.id)),
        pins=tuple(sorted(problem.pins, key=lambda p: (p.section, p.forbid))),
        staffing=tuple(
            sorted(problem.staffing, key=lambda s: (s.window.day, s.window.start, s.count))
        ),
        days=tuple(sorted(problem.days, key=lambda w: w.day)),
    )


def allocation_of(
    problem: TermProblem, calendar: Calendar, entry: SectionPatterns, p: Pattern
) -> Allocation:
    """The allocation a pattern stands for, with its held and skipped dates."""
    room = problem.rooms[p.room].id
    dates = []
    skipped = []
    for day in p.days:
        _, reasons = calendar.held(room, day, p.start, p.end)
        wanted = calendar.frequency_mask(entry.section, day, p.phase)
        for week in range(problem.weeks):
            if not wanted >> week & 1:
                continue
            when = problem.date_of(week, day)
            why = reasons.get(week)
            if why is None:
                dates.append(when)
            else:
                skipped.append(SkippedDate(when, why[0], why[1]))
    return Allocation(
        section=entry.section.id,
        room=room,
        days=p.days,
        start=p.start,
        end=p.end,
        phase=p.phase,
        dates=tuple(sorted(dates)),
        skipped=tuple(sorted(skipped, key=lambda s: s.date)),
    )


def opening_blocks(grain: int, open_grains: set[tuple[int, int]]) -> tuple[OpeningHours, ...]:
    """Contiguous open grains per weekday as published opening hours."""
    out: list[OpeningHours] = []
    for day in range(7):
        ts = sorted(t for d, t in open_grains if d == day)
        start: int | None = None
        previous = -1
        for t in ts:
            if start is None:
                start = t
            elif t != previous + grain:
                out.append(OpeningHours(day, start, previous + grain))
                start = t
            previous = t
        if start is not None:
            out.append(OpeningHours(day, start, previous + grain))
    return tuple(out)


def assemble(
    problem: TermProblem,
    calendar: Calendar,
    entries: list[SectionPatterns],
    chosen: dict[int, Pattern],
    opening: tuple[OpeningHours, ...],
    stats: TermStats,
    status: TermStatus,
    *,
    proven: bool,
    reason: str = "",
) -> TermPlan:
    """The plan: allocations in section order, a refusal for every other section, the weeks'
    figures and shortfalls."""
    allocations = tuple(
        allocation_of(problem, calendar, entries[s], p) for s, p in sorted(chosen.items())
    )
    refusals = explain.refusals(problem, calendar, entries, chosen, opening, proven=proven)
    return TermPlan(
        status=status,
        allocations=allocations,
        refusals=tuple(refusals),
        opening=opening,
        weeks=figures.week_reports(problem, allocations, opening, calendar),
        stats=stats,
        reason=reason,
    )
