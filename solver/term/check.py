"""An independent checker for term plans: does the plan keep every hard rule in every concrete
week of the term, and does it report every week's Profil shortfall truthfully?

Written separately from the model (research §3.7): it expands the frequencies, holidays,
closures and bookings itself, date by date and minute by minute, and shares no code with
``solver/term/patterns.py`` or ``solver/term/constraints.py``.  Each function carries the
name of the rule it checks.
"""

from __future__ import annotations

import calendar as cal
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta

from solver.problem import Violation
from solver.term.problem import Allocation, Section, TermPlan, TermProblem

Meeting = tuple[
    date, str, int, int, str, bool, bool, bool
]  # date, room, start, end, who, staffed, consultation, offer


def _overlap(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def _house_closed(problem: TermProblem, when: date) -> str | None:
    for h in problem.holidays:
        if h.date == when:
            return "holiday"
    for c in problem.closures:
        if c.room is None and c.first <= when <= c.last:
            return "closure"
    return None


def _cannot_hold(problem: TermProblem, room: str, when: date, start: int, end: int) -> str | None:
    why = _house_closed(problem, when)
    if why:
        return why
    for c in problem.closures:
        if c.room == room and c.first <= when <= c.last:
            return "closure"
    for b in problem.bookings:
        if b.room == room and b.date == when and _overlap(b.start, b.end, start, end):
            return "booking"
    return None


def _nominal(problem: TermProblem, s: Section, a: Allocation) -> list[date]:
    """Every date the section would meet on under the allocation, before skipping."""
    out: list[date] = []
    for day in a.days:
        first = problem.start + timedelta(days=day)
        for k in range(problem.weeks):
            when = first + timedelta(weeks=k)
            if s.frequency == "fortnightly" and k % 2 != (a.phase or 0):
                continue
            if s.frequency == "monthly":
                last_day = cal.monthrange(when.year, when.month)[1]
                n = (when.day + 6) // 7
                if not (n in s.nth or (-1 in s.nth and when.day + 7 > last_day)):
                    continue
            out.append(when)
    return sorted(out)


def _meetings(problem: TermProblem, plan: TermPlan) -> list[Meeting]:
    sections = {s.id: s for s in problem.sections}
    out: list[Meeting] = []
    for a in plan.allocations:
        s = sections.get(a.section)
        if s is None:
            continue
        for when in a.dates:
            out.append(
                (
                    when,
                    a.room,
                    a.start,
                    a.end,
                    a.section,
                    s.staffed or s.consultation,
                    s.consultation,
                    s.offer,
                )
            )
    for slot in problem.programme:
        for k in range(problem.weeks):
            when = problem.start + timedelta(days=7 * k + slot.day)
            if _cannot_hold(problem, slot.room, when, slot.start, slot.end) in (
                "holiday",
                "closure",
            ):
                continue
            out.append(
                (
                    when,
                    slot.room,
                    slot.start,
                    slot.end,
                    slot.id,
                    slot.staffed,
                    slot.consultation,
                    slot.offer,
                )
            )
    return out


def _staff_on(problem: TermProblem, day: int, minute: int) -> int:
    best = 0
    for s in problem.staffing:
        w = s.window
        if w.day == day and w.start <= minute < w.end:
            best = max(best, s.count)
    return best


def _staffed_span(problem: TermProblem, day: int, start: int, end: int) -> int:
    return min(_staff_on(problem, day, m) for m in range(start, end, 15)) if end > start else 0


def status(problem: TermProblem, plan: TermPlan) -> list[Violation]:
    """A withdrawn or rejected section is never allocated; each allocation is known, once."""
    out: list[Violation] = []
    sections = {s.id: s for s in problem.sections}
    seen: set[str] = set()
    for a in plan.allocations:
        s = sections.get(a.section)
        if s is None:
            out.append(Violation("status", f"unknown section {a.section}", (a.section,)))
            continue
        if a.section in seen:
            out.append(Violation("one_pattern", f"{s.title} is allocated twice", (a.section,)))
        seen.add(a.section)
        if s.status != "active":
            out.append(Violation("status", f"{s.title} is {s.status} but allocated", (s.id,)))
    return out


def allowed_window(problem: TermProblem, plan: TermPlan) -> list[Violation]:
    """Duration between min and max on the grid; ``per_week`` distinct days; every meeting
    inside an allowed window and the house hours."""
    out: list[Violation] = []
    sections = {s.id: s for s in problem.sections}
    house = {w.day: w for w in problem.days}
    for a in plan.allocations:
        s = sections.get(a.section)
        if s is None:
            continue
        length = a.end - a.start
        if not s.min_duration <= length <= s.max_duration or length % problem.grain:
            out.append(
                Violation(
                    "allowed_window",
                    f"{s.title} lasts {length} min, outside {s.min_duration}–{s.max_duration}",
                    (s.id,),
                )
            )
        if a.start % problem.grain:
            out.append(Violation("allowed_window", f"{s.title} starts off the grid", (s.id,)))
        if len(set(a.days)) != len(a.days) or len(a.days) != s.per_week:
            out.append(
                Violation(
                    "allowed_window",
                    f"{s.title} meets on {len(a.days)} days, not {s.per_week}",
                    (s.id,),
                )
            )
        for day in a.days:
            inside = any(w.day == day and w.start <= a.start and a.end <= w.end for w in s.windows)
            h = house.get(day)
            if not inside or h is None or not (h.start <= a.start and a.end <= h.end):
                out.append(
                    Violation(
                        "allowed_window",
                        f"{s.title} on day {day} {a.start}–{a.end} is outside its windows",
                        (s.id,),
                    )
                )
    return out


def capacity_and_features(problem: TermProblem, plan: TermPlan) -> list[Violation]:
    out: list[Violation] = []
    sections = {s.id: s for s in problem.sections}
    rooms = {r.id: r for r in problem.rooms}
    for a in plan.allocations:
        s = sections.get(a.section)
        room = rooms.get(a.room)
        if s is None:
            continue
        if room is None:
            out.append(Violation("capacity_and_features", f"unknown room {a.room}", (s.id,)))
            continue
        needed = set(s.features)
        if s.consultation:
            needed |= problem.requirements.consultation_features
        if room.capacity < s.size or not needed <= room.features:
            out.append(
                Violation("capacity_and_features", f"{s.title} does not fit {room.id}", (s.id,))
            )
        if s.rooms and not s.other_rooms and room.id not in s.rooms:
            out.append(
                Violation(
                    "capacity_and_features",
                    f"{s.title} is in {room.id}, which it did not wish",
                    (s.id,),
                )
            )
    return out


def pins_hold(problem: TermProblem, plan: TermPlan) -> list[Violation]:
    out: list[Violation] = []
    for pin in problem.pins:
        a = plan.allocation(pin.section)
        if a is None:
            continue
        match = (
            (pin.room is None or pin.room == a.room)
            and (pin.days is None or sorted(pin.days) == sorted(a.days))
            and (pin.start is None or pin.start == a.start)
            and (pin.duration is None or pin.duration == a.end - a.start)
            and (pin.phase is None or pin.phase == a.phase)
        )
        if match == pin.forbid:
            verb = "forbidden" if pin.forbid else "pinned"
            out.append(
                Violation("pins_hold", f"{pin.section} ignores its {verb} slot", (pin.section,))
            )
    return out


def skipped_dates(problem: TermProblem, plan: TermPlan) -> list[Violation]:
    """The dates are the frequency's dates minus exactly those that cannot be held, each
    skipped date with its true reason."""
    out: list[Violation] = []
    sections = {s.id: s for s in problem.sections}
    for a in plan.allocations:
        s = sections.get(a.section)
        if s is None:
            continue
        nominal = _nominal(problem, s, a)
        held = [d for d in nominal if _cannot_hold(problem, a.room, d, a.start, a.end) is None]
        if list(a.dates) != held:
            out.append(
                Violation(
                    "skipped_dates",
                    f"{s.title}: dates differ from the term's "
                    "dates minus holidays, closures and bookings",
                    (s.id,),
                )
            )
        for sk in a.skipped:
            why = _cannot_hold(problem, a.room, sk.date, a.start, a.end)
            if sk.date not in nominal or why is None:
                out.append(
                    Violation(
                        "skipped_dates", f"{s.title}: {sk.date} skipped without cause", (s.id,)
                    )
                )
        if not a.dates:
            out.append(Violation("skipped_dates", f"{s.title} has no date left", (s.id,)))
    return out


def room_conflict(problem: TermProblem, plan: TermPlan) -> list[Violation]:
    """No two meetings (sections and programme) in a room at once on any concrete date."""
    out: list[Violation] = []
    by_room: dict[tuple[str, date], list[Meeting]] = defaultdict(list)
    for m in _meetings(problem, plan):
        by_room[(m[1], m[0])].append(m)
    for (room, when), ms in sorted(by_room.items()):
        ms.sort(key=lambda m: m[2])
        for i, m in enumerate(ms):
            for n in ms[i + 1 :]:
                if _overlap(m[2], m[3], n[2], n[3]):
                    out.append(
                        Violation(
                            "room_conflict",
                            f"{m[4]} and {n[4]} both use {room} on {when}",
                            (m[4], n[4]),
                        )
                    )
    return out


def staff_capacity(problem: TermProblem, plan: TermPlan) -> list[Violation]:
    out: list[Violation] = []
    by_date: dict[date, list[Meeting]] = defaultdict(list)
    for m in _meetings(problem, plan):
        if m[5]:
            by_date[m[0]].append(m)
    for when, ms in sorted(by_date.items()):
        for minute in range(0, 24 * 60, 15):
            running = [m[4] for m in ms if m[2] <= minute < m[3]]
            if len(running) > _staff_on(problem, when.weekday(), minute):
                out.append(
                    Violation(
                        "staff_capacity",
                        f"{len(running)} staffed activities at "
                        f"{minute // 60:02d}:{minute % 60:02d} on {when}",
                        tuple(running),
                    )
                )
                break
    return out


def consultation_apart(problem: TermProblem, plan: TermPlan) -> list[Violation]:
    out: list[Violation] = []
    by_date: dict[date, list[Meeting]] = defaultdict(list)
    for m in _meetings(problem, plan):
        if m[6]:
            by_date[m[0]].append(m)
    for when, ms in sorted(by_date.items()):
        for i, m in enumerate(ms):
            for n in ms[i + 1 :]:
                if _overlap(m[2], m[3], n[2], n[3]):
                    out.append(
                        Violation(
                            "consultation_apart",
                            f"{m[4]} and {n[4]} overlap on {when}",
                            (m[4], n[4]),
                        )
                    )
    return out


def published_hours(problem: TermProblem, plan: TermPlan) -> list[Violation]:
    """At most ``max_blocks`` blocks a day, on the grid, staffed throughout, inside the house
    hours, covering every staffed activity on every date."""
    out: list[Violation] = []
    house = {w.day: w for w in problem.days}
    per_day: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for o in plan.opening:
        per_day[o.day].append((o.start, o.end))
        h = house.get(o.day)
        if h is None or not (h.start <= o.start < o.end <= h.end):
            out.append(Violation("published_hours", f"opening {o} outside the house hours"))
        if o.start % problem.grain or o.end % problem.grain:
            out.append(Violation("published_hours", f"opening {o} off the grid"))
        if _staffed_span(problem, o.day, o.start, o.end) < 1:
            out.append(Violation("published_hours", f"opening {o} without staff on duty"))
    for day, spans in per_day.items():
        if len(spans) > problem.requirements.max_blocks:
            out.append(Violation("published_hours", f"{len(spans)} opening blocks on day {day}"))
    for m in _meetings(problem, plan):
        if not m[5]:
            continue
        covered = any(a <= m[2] and m[3] <= b for a, b in per_day.get(m[0].weekday(), []))
        if not covered:
            out.append(
                Violation(
                    "published_hours", f"{m[4]} on {m[0]} runs outside the opening hours", (m[4],)
                )
            )
            break
    return out


def profil(problem: TermProblem, plan: TermPlan) -> list[Violation]:
    """Every week's Profil figures recomputed; each shortfall must be reported as it is, and no
    week may report one it does not have."""
    out: list[Violation] = []
    req = problem.requirements
    meetings = _meetings(problem, plan)
    reports = {w.index: w for w in plan.weeks}
    for k in range(problem.weeks):
        monday = problem.start + timedelta(weeks=k)
        days = [monday + timedelta(days=d) for d in range(7)]
        open_days = [d for d in days if _house_closed(problem, d) is None]
        per_day = {
            d: sum(o.end - o.start for o in plan.opening if o.day == d.weekday()) for d in open_days
        }
        minutes = sum(per_day.values())
        n_days = sum(1 for v in per_day.values() if v >= req.min_day_open_minutes)
        week_ms = [m for m in meetings if monday <= m[0] < monday + timedelta(days=7)]
        weekend = any(m[5] and m[7] and m[0].weekday() >= 5 for m in week_ms)
        consultation = sum(m[3] - m[2] for m in week_ms if m[6])
        expected: set[tuple[str, str, int]] = set()
        if minutes < req.min_open_minutes:
            expected.add(("minimum_opening", "minutes", minutes))
        if n_days < req.min_open_days:
            expected.add(("minimum_opening", "days", n_days))
        if req.weekend_offer and not weekend:
            expected.add(("weekend_offer", "offers", 0))
        if consultation < req.consultation_minutes:
            expected.add(("buergersprechstunde", "minutes", consultation))
        report = reports.get(k)
        got = set() if report is None else {(s.rule, s.unit, s.achieved) for s in report.shortfalls}
        if got != expected:
            for rule, unit, achieved in sorted(expected ^ got):
                how = "not reported" if (rule, unit, achieved) in expected else "reported wrongly"
                out.append(Violation(rule, f"week {k + 1} ({monday}): {unit} {achieved} {how}"))
    return out


CHECKS: tuple[Callable[[TermProblem, TermPlan], list[Violation]], ...] = (
    status,
    allowed_window,
    capacity_and_features,
    pins_hold,
    skipped_dates,
    room_conflict,
    staff_capacity,
    consultation_apart,
    published_hours,
    profil,
)


def check_term(problem: TermProblem, plan: TermPlan) -> list[Violation]:
    """Every broken hard rule of ``plan`` (empty: the plan keeps them all, week by week)."""
    out: list[Violation] = []
    for rule in CHECKS:
        out.extend(rule(problem, plan))
    return out
