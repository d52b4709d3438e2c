"""An independent checker: does a plan keep every hard rule of its problem?

Written separately from the model on purpose (research §3.7: the prototype's checker caught a
real modelling ambiguity).  It reads only the problem and the plan's placements and shifts, in
wall-clock minutes rather than grains, and shares no code with ``solver/options.py`` or
``solver/constraints.py``.  Each function carries the name of the rule it checks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import pairwise

from solver.problem import DAY_NAMES, WEEKEND, Demand, Placement, Plan, Problem, Violation, describe


def _overlap(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def _needed_features(problem: Problem, d: Demand) -> frozenset[str]:
    if d.consultation or d.kind == "consultation":
        return d.features | problem.requirements.consultation_features
    return d.features


def _is_consultation(d: Demand) -> bool:
    return d.consultation or d.kind == "consultation"


def _needs_staff(d: Demand) -> bool:
    return d.staffed or d.consultation or d.kind == "consultation"


def _removed(problem: Problem) -> set[str]:
    return {p.demand for p in problem.pins if p.remove}


def placed_whole(problem: Problem, plan: Plan) -> list[Violation]:
    """Each placement is one known demand, once, for its whole duration, inside one of its
    windows and the house's day window, on the time grid."""
    out: list[Violation] = []
    demands = {d.id: d for d in problem.demands}
    house = {w.day: w for w in problem.days}
    seen: set[str] = set()
    removed = _removed(problem)
    for p in plan.placements:
        d = demands.get(p.demand)
        if d is None:
            out.append(Violation("placed_whole", f"unknown demand {p.demand}", (p.demand,)))
            continue
        if p.demand in seen:
            out.append(Violation("placed_whole", f"{d.title} is placed twice", (p.demand,)))
        seen.add(p.demand)
        if p.demand in removed:
            out.append(
                Violation("placed_whole", f"{d.title} was removed but is placed", (p.demand,))
            )
        if p.end - p.start != d.duration:
            out.append(
                Violation(
                    "placed_whole",
                    f"{d.title} lasts {p.end - p.start} min instead of {d.duration}",
                    (p.demand,),
                )
            )
        if d.kind == "fixed":
            inside = any(w.day == p.day and w.start == p.start for w in d.windows)
        else:
            inside = any(
                w.day == p.day and w.start <= p.start and p.end <= w.end for w in d.windows
            )
            day = house.get(p.day)
            if day is None or not (day.start <= p.start and p.end <= day.end):
                inside = False
            if p.start % problem.grain:
                inside = False
        if not inside:
            out.append(
                Violation(
                    "placed_whole",
                    f"{d.title} at {describe(p.day, p.start, p.end)} is outside its windows",
                    (p.demand,),
                )
            )
    return out


def _occupied(problem: Problem, p: Placement) -> tuple[int, int]:
    """The span ``p`` takes its room: its own time plus setup and cleanup."""
    d = next((x for x in problem.demands if x.id == p.demand), None)
    r = next((x for x in problem.rooms if x.id == p.room), None)
    if d is None or r is None:
        return p.start, p.end
    kind_buffer = {k: m for k, m in r.buffers}.get(d.kind, 0)
    return p.start - max(d.setup, kind_buffer), p.end + max(d.cleanup, kind_buffer)


def room_conflict(problem: Problem, plan: Plan) -> list[Violation]:
    """No two placements in the same room overlap (setup and cleanup buffers included), and a
    divisible room is not used whole while one of its parts is in use."""
    out: list[Violation] = []
    # Each placement blocks its room and, for a divisible room, the whole and its parts.
    related: dict[str, set[str]] = defaultdict(set)
    for r in problem.rooms:
        related[r.id].add(r.id)
        for part in r.parts:
            related[r.id].add(part)
            related[part].add(r.id)
    spans = [(p, _occupied(problem, p)) for p in plan.placements]
    for i, (a, (a0, a1)) in enumerate(spans):
        for b, (b0, b1) in spans[i + 1 :]:
            if a.day != b.day or b.room not in related.get(a.room, {a.room}):
                continue
            if _overlap(a0, a1, b0, b1):
                where = a.room if a.room == b.room else f"{a.room}/{b.room}"
                out.append(
                    Violation(
                        "room_conflict",
                        f"{a.demand} and {b.demand} overlap in {where} "
                        f"({describe(a.day, max(a0, b0), min(a1, b1))})",
                        (a.demand, b.demand),
                    )
                )
    return out


def capacity_and_features(problem: Problem, plan: Plan) -> list[Violation]:
    """The room exists, belongs to the demand's centre, is allowed, holds it and has its needs."""
    out: list[Violation] = []
    demands = {d.id: d for d in problem.demands}
    rooms = {r.id: r for r in problem.rooms}
    for p in plan.placements:
        d = demands.get(p.demand)
        r = rooms.get(p.room)
        if d is None:
            continue
        if r is None:
            out.append(Violation("capacity_and_features", f"unknown room {p.room}", (p.demand,)))
            continue
        problems = []
        if r.centre != d.centre:
            problems.append("room of another centre")
        if d.rooms and r.id not in d.rooms:
            problems.append("room not allowed")
        if r.capacity < d.size:
            problems.append(f"capacity {r.capacity} < {d.size}")
        missing = _needed_features(problem, d) - r.features
        if missing:
            problems.append("missing " + ", ".join(sorted(missing)))
        if problems:
            out.append(
                Violation(
                    "capacity_and_features",
                    f"{d.title} in {r.name}: " + "; ".join(problems),
                    (p.demand,),
                )
            )
    return out


def fixed_slots_stay(problem: Problem, plan: Plan) -> list[Violation]:
    """Every fixed programme slot (not removed by staff) is placed."""
    placed = {p.demand for p in plan.placements}
    removed = _removed(problem)
    return [
        Violation("fixed_slots_stay", f"fixed slot {d.title} is not placed", (d.id,))
        for d in problem.demands
        if d.kind == "fixed" and d.id not in placed and d.id not in removed
    ]


def pins_hold(problem: Problem, plan: Plan) -> list[Violation]:
    """Pinned demands are placed where they were pinned."""
    out: list[Violation] = []
    where = {p.demand: p for p in plan.placements}
    for pin in problem.pins:
        if pin.remove:
            continue
        p = where.get(pin.demand)
        if (
            p is None
            or (pin.room is not None and p.room != pin.room)
            or (pin.day is not None and p.day != pin.day)
            or (pin.start is not None and p.start != pin.start)
        ):
            out.append(Violation("pins_hold", f"pin of {pin.demand} not kept", (pin.demand,)))
    return out


def closures(problem: Problem, plan: Plan) -> list[Violation]:
    """No placement in a closed room or centre; nobody on duty while the centre is closed."""
    out: list[Violation] = []
    rooms = {r.id: r for r in problem.rooms}
    staff_centre = {s.id: s.centre for s in problem.staff}
    for p in plan.placements:
        room = rooms.get(p.room)
        for c in problem.closures:
            hits_room = c.room == p.room or (
                c.room is None and room is not None and c.centre in ("", room.centre)
            )
            if (
                hits_room
                and c.window.day == p.day
                and _overlap(c.window.start, c.window.end, p.start, p.end)
            ):
                out.append(
                    Violation(
                        "closures",
                        f"{p.demand} in {p.room} during closure {c.window} {c.reason}".strip(),
                        (p.demand,),
                    )
                )
    for s in plan.shifts:
        for c in problem.closures:
            if (
                c.room is None
                and c.centre in ("", staff_centre.get(s.staff, ""))
                and c.window.day == s.day
                and _overlap(c.window.start, c.window.end, s.start, s.end)
            ):
                out.append(
                    Violation(
                        "closures", f"{s.staff} on duty while the centre is closed", (s.staff,)
                    )
                )
    return out


def staff_availability(problem: Problem, plan: Plan) -> list[Violation]:
    """Shifts lie in availability, one per day (or two around a 30–60 min break), each at least
    the minimum length and at most 6 h in a row (ArbZG § 4), within the daily maximum and the
    weekly contract hours, with 11 h rest between days (ArbZG § 5)."""
    out: list[Violation] = []
    staff = {s.id: s for s in problem.staff}
    per_day: dict[tuple[str, int], int] = defaultdict(int)
    week: dict[str, int] = defaultdict(int)
    for s in plan.shifts:
        member = staff.get(s.staff)
        if member is None:
            out.append(Violation("staff_availability", f"unknown staff {s.staff}", (s.staff,)))
            continue
        if not any(
            w.day == s.day and w.start <= s.start and s.end <= w.end for w in member.availability
        ):
            out.append(
                Violation(
                    "staff_availability",
                    f"{member.name} on duty {describe(s.day, s.start, s.end)} outside availability",
                    (s.staff,),
                )
            )
        if s.end - s.start < problem.requirements.min_shift_minutes:
            out.append(
                Violation(
                    "staff_availability", f"{member.name}: shift shorter than minimum", (s.staff,)
                )
            )
        per_day[(s.staff, s.day)] += s.end - s.start
        week[s.staff] += s.end - s.start
    for (sid, day), minutes in sorted(per_day.items()):
        if sid in staff and minutes > staff[sid].max_day_minutes:
            out.append(
                Violation(
                    "staff_availability",
                    f"{staff[sid].name}: above daily maximum on {DAY_NAMES[day]}",
                    (sid,),
                )
            )
    by_day: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for s in plan.shifts:
        by_day[(s.staff, s.day)].append((s.start, s.end))
    for (sid, day), spans in sorted(by_day.items()):
        spans.sort()
        if len(spans) > 2:
            out.append(
                Violation("staff_availability", f"{sid}: {len(spans)} shifts on day {day}", (sid,))
            )
        for (_, a_end), (b_start, _) in pairwise(spans):
            if not 30 <= b_start - a_end <= 60:
                out.append(
                    Violation(
                        "staff_availability",
                        f"{sid}: two shifts on day {day} not separated by a 30–60 min break",
                        (sid,),
                    )
                )
        for start, end in spans:
            if end - start > 6 * 60:
                out.append(
                    Violation(
                        "staff_availability",
                        f"{sid}: {describe(day, start, end)} is more than 6 h without a break "
                        "(ArbZG § 4)",
                        (sid,),
                    )
                )
    for (sid, day), spans in sorted(by_day.items()):
        following = by_day.get((sid, day + 1))
        if following:
            rest = 24 * 60 - max(e for _, e in spans) + min(a for a, _ in following)
            if rest < 11 * 60:
                out.append(
                    Violation(
                        "staff_availability",
                        f"{sid}: only {rest / 60:g} h rest before {DAY_NAMES[day + 1]} "
                        "(ArbZG § 5: 11 h)",
                        (sid,),
                    )
                )
    for sid, minutes in sorted(week.items()):
        if sid in staff and minutes > staff[sid].max_week_minutes:
            out.append(
                Violation(
                    "staff_availability",
                    f"{staff[sid].name}: {minutes / 60:g} h above contract "
                    f"{staff[sid].max_week_minutes / 60:g} h",
                    (sid,),
                )
            )
    return out


def staff_single_place(problem: Problem, plan: Plan) -> list[Violation]:
    """No staff member runs two activities at the same time."""
    out: list[Violation] = []
    by_staff: dict[str, list[Placement]] = defaultdict(list)
    for p in plan.placements:
        if p.staff is not None:
            by_staff[p.staff].append(p)
    for sid, items in sorted(by_staff.items()):
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                if a.day == b.day and _overlap(a.start, a.end, b.start, b.end):
                    out.append(
                        Violation(
                            "staff_single_place",
                            f"{sid} runs {a.demand} and {b.demand} at once",
                            (a.demand, b.demand),
                        )
                    )
    return out


def staffed_activity_has_staff(problem: Problem, plan: Plan) -> list[Violation]:
    """Each staffed placement names a qualified staff member of its centre who is on duty for
    the whole activity."""
    out: list[Violation] = []
    demands = {d.id: d for d in problem.demands}
    staff = {s.id: s for s in problem.staff}
    for p in plan.placements:
        d = demands.get(p.demand)
        if d is None or not _needs_staff(d):
            continue
        member = staff.get(p.staff) if p.staff is not None else None
        if member is None:
            out.append(
                Violation("staffed_activity_has_staff", f"{d.title} has no staff", (p.demand,))
            )
            continue
        skill = d.skill or (
            problem.requirements.consultation_skill
            if _needs_staff(d) and (d.consultation or d.kind == "consultation")
            else None
        )
        if (
            member.centre != d.centre
            or (d.staff and member.id not in d.staff)
            or (skill is not None and skill not in member.skills)
        ):
            out.append(
                Violation(
                    "staffed_activity_has_staff",
                    f"{member.name} may not run {d.title}",
                    (p.demand,),
                )
            )
        if not any(
            s.staff == member.id and s.day == p.day and s.start <= p.start and p.end <= s.end
            for s in plan.shifts
        ):
            out.append(
                Violation(
                    "staffed_activity_has_staff",
                    f"{member.name} is not on duty for {d.title} {describe(p.day, p.start, p.end)}",
                    (p.demand,),
                )
            )
    return out


def _open_minutes(problem: Problem, plan: Plan, centre: str) -> dict[int, int]:
    staff_centre = {s.id: s.centre for s in problem.staff}
    demands = {d.id: d for d in problem.demands}
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for s in plan.shifts:
        if staff_centre.get(s.staff) == centre:
            spans[s.day].append((s.start, s.end))
    if problem.requirements.self_managed_counts_as_open:
        for p in plan.placements:
            d = demands.get(p.demand)
            if d is not None and d.centre == centre and not _needs_staff(d):
                spans[p.day].append((p.start, p.end))
    result: dict[int, int] = {}
    for day, items in spans.items():
        total, reach = 0, -1
        for start, end in sorted(items):
            if end <= reach:
                continue
            total += end - max(start, reach)
            reach = end
        result[day] = total
    return result


def _centres(problem: Problem) -> list[str]:
    return sorted({r.centre for r in problem.rooms} | {s.centre for s in problem.staff})


def minimum_opening(problem: Problem, plan: Plan) -> list[Violation]:
    """Each centre is open the required minutes a week on the required number of days."""
    out: list[Violation] = []
    req = problem.requirements
    for centre in _centres(problem):
        minutes = _open_minutes(problem, plan, centre)
        total = sum(minutes.values())
        days = sum(1 for m in minutes.values() if m >= req.min_day_open_minutes)
        if total < req.min_open_minutes:
            out.append(
                Violation(
                    "minimum_opening",
                    f"{centre or 'centre'} open {total / 60:g} h < {req.min_open_minutes / 60:g} h",
                    (centre,),
                )
            )
        if days < req.min_open_days:
            out.append(
                Violation(
                    "minimum_opening",
                    f"{centre or 'centre'} open on {days} days < {req.min_open_days}",
                    (centre,),
                )
            )
    return out


def published_hours(problem: Problem, plan: Plan) -> list[Violation]:
    """Each centre's opening hours (staff on duty) form at most two blocks a day, each
    starting and ending on the full or half hour."""
    out: list[Violation] = []
    staff_centre = {s.id: s.centre for s in problem.staff}
    demands = {d.id: d for d in problem.demands}
    spans: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for s in plan.shifts:
        spans[(staff_centre.get(s.staff, ""), s.day)].append((s.start, s.end))
    if problem.requirements.self_managed_counts_as_open:
        for p in plan.placements:
            d = demands.get(p.demand)
            if d is not None and not _needs_staff(d):
                spans[(d.centre, p.day)].append((p.start, p.end))
    for (centre, day), items in sorted(spans.items()):
        blocks: list[list[int]] = []
        for start, end in sorted(items):
            if blocks and start <= blocks[-1][1]:
                blocks[-1][1] = max(blocks[-1][1], end)
            else:
                blocks.append([start, end])
        text = ", ".join(describe(day, a, b) for a, b in blocks)
        if len(blocks) > 2:
            out.append(
                Violation(
                    "published_hours",
                    f"{centre or 'centre'} open in {len(blocks)} blocks: {text}",
                    (centre,),
                )
            )
        if any(a % 30 or b % 30 for a, b in blocks):
            out.append(
                Violation(
                    "published_hours",
                    f"{centre or 'centre'} opening hours not on the half hour: {text}",
                    (centre,),
                )
            )
    return out


def weekend_offer(problem: Problem, plan: Plan) -> list[Violation]:
    """Each centre has an offer (not a private rental) on Saturday or Sunday while open."""
    req = problem.requirements
    if not req.weekend_offer:
        return []
    demands = {d.id: d for d in problem.demands}
    out: list[Violation] = []
    for centre in _centres(problem):
        ok = any(
            p.day in WEEKEND
            and (d := demands.get(p.demand)) is not None
            and d.centre == centre
            and d.kind != "rental"
            and (_needs_staff(d) or req.self_managed_counts_as_open)
            for p in plan.placements
        )
        if not ok:
            out.append(
                Violation("weekend_offer", f"{centre or 'centre'} has no weekend offer", (centre,))
            )
    return out


def buergersprechstunde(problem: Problem, plan: Plan) -> list[Violation]:
    """Each centre has the required minutes of Bürgersprechstunde (room and staff are checked
    by ``capacity_and_features`` and ``staffed_activity_has_staff``)."""
    demands = {d.id: d for d in problem.demands}
    need = problem.requirements.consultation_minutes
    out: list[Violation] = []
    for centre in _centres(problem):
        # Visible time: the union of the sessions, so parallel sessions count once.
        spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for p in plan.placements:
            d = demands.get(p.demand)
            if d is not None and d.centre == centre and _is_consultation(d):
                spans[p.day].append((p.start, p.end))
        minutes = 0
        for items in spans.values():
            reach = -1
            for start, end in sorted(items):
                if end > reach:
                    minutes += end - max(start, reach)
                    reach = end
        if minutes < need:
            out.append(
                Violation(
                    "buergersprechstunde",
                    f"{centre or 'centre'}: {minutes / 60:g} h Bürgersprechstunde "
                    f"< {need / 60:g} h",
                    (centre,),
                )
            )
    return out


CHECKS: tuple[Callable[[Problem, Plan], list[Violation]], ...] = (
    placed_whole,
    room_conflict,
    capacity_and_features,
    closures,
    fixed_slots_stay,
    pins_hold,
    staff_availability,
    staff_single_place,
    staffed_activity_has_staff,
    minimum_opening,
    published_hours,
    weekend_offer,
    buergersprechstunde,
)


def check(problem: Problem, plan: Plan, rules: Iterable[str] | None = None) -> list[Violation]:
    """Every violation of a hard rule in ``plan`` (empty list: the plan keeps every rule)."""
    wanted = set(rules) if rules is not None else None
    out: list[Violation] = []
    for fn in CHECKS:
        if wanted is None or fn.__name__ in wanted:
            out.extend(fn(problem, plan))
    return out
