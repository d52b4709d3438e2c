"""A term plan's figures, computed from the allocations and opening hours (not from solver
variables), so a greedy plan and a CP-SAT plan are reported alike: each concrete week's open
hours, open days, weekend offer and Bürgersprechstunde, and the shortfalls with their cause."""

from __future__ import annotations

from solver.problem import WEEKEND, OpeningHours
from solver.term.patterns import Calendar, is_staffed
from solver.term.problem import Allocation, Shortfall, TermProblem, WeekReport


def week_causes(problem: TermProblem, calendar: Calendar, week: int) -> str:
    """What takes days from a week: its holidays and house closures, or "" if nothing."""
    names: list[str] = []
    for day in range(7):
        why = calendar.house_closed(problem.date_of(week, day))
        if why is not None:
            label = f"{why[0]}: {why[1]}" if why[1] else why[0]
            if label not in names:
                names.append(label)
    return "; ".join(names)


def week_reports(
    problem: TermProblem,
    allocations: tuple[Allocation, ...],
    opening: tuple[OpeningHours, ...],
    calendar: Calendar | None = None,
) -> tuple[WeekReport, ...]:
    calendar = calendar or Calendar(problem)
    req = problem.requirements
    sections = {s.id: s for s in problem.sections}
    reports: list[WeekReport] = []
    for week in range(problem.weeks):
        days = set(calendar.house_open_days(week))
        dates = {problem.date_of(week, d): d for d in range(7)}
        per_day = {d: 0 for d in range(7)}
        for o in opening:
            if o.day in days:
                per_day[o.day] += o.end - o.start
        open_minutes = sum(per_day.values())
        open_days = sum(1 for m in per_day.values() if m >= req.min_day_open_minutes)
        weekend = False
        consultation = 0
        for slot in problem.programme:
            mask, _ = calendar.held(slot.room, slot.day, slot.start, slot.end)
            if mask >> week & 1:
                weekend |= slot.staffed and slot.offer and slot.day in WEEKEND
                if slot.consultation:
                    consultation += slot.end - slot.start
        for a in allocations:
            s = sections[a.section]
            for held in a.dates:
                day = dates.get(held)
                if day is None:
                    continue
                weekend |= is_staffed(s) and s.offer and day in WEEKEND
                if s.consultation:
                    consultation += a.end - a.start
        cause = week_causes(problem, calendar, week) or "plan"
        shortfalls: list[Shortfall] = []
        if open_minutes < req.min_open_minutes:
            shortfalls.append(
                Shortfall("minimum_opening", req.min_open_minutes, open_minutes, "minutes", cause)
            )
        if open_days < req.min_open_days:
            shortfalls.append(
                Shortfall("minimum_opening", req.min_open_days, open_days, "days", cause)
            )
        if req.weekend_offer and not weekend:
            shortfalls.append(Shortfall("weekend_offer", 1, 0, "offers", cause))
        if consultation < req.consultation_minutes:
            shortfalls.append(
                Shortfall(
                    "buergersprechstunde", req.consultation_minutes, consultation, "minutes", cause
                )
            )
        reports.append(
            WeekReport(
                week,
                problem.monday(week),
                open_minutes,
                open_days,
                weekend,
                consultation,
                tuple(shortfalls),
            )
        )
    return tuple(reports)
