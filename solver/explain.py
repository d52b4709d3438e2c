"""Why a demand is not in the plan: the rule that decided, as data, rendered at the edge.

An ``Explanation`` carries a ``kind``, the deciding ``rule`` (a name from
``solver.rules.RULEBOOK``), ``params`` (the facts that caused it, as strings) and ``blockers``
(ids of the competing bookings).  ``render`` turns that into English for staff; a caller with
other catalogues renders ``kind`` + ``params`` itself.  Only the deciding rule and only the
facts that caused it are named (issue 8, point 3).

What "decided" means, cheapest first:

1. *No option at all* — the filter stages of ``solver/options.py`` are taken in order (a pin,
   the rooms it may use, their capacity and features, the house's opening days and hours, the
   closures, a qualified staff member's availability); the stage after which no candidate is
   left decided.  E.g. a Sunday rental whose rooms fit is refused by the house being closed on
   Sunday, not by the rooms.
2. *Options, but none free in the finished plan* — every option's room is taken
   (``room_conflict``; the bookings in those rooms are named; when one of them has the same
   priority and could have swapped with it, the soft goal that preferred the other is named),
   or the qualified people who are available then all run other activities
   (``staff_single_place``; only those people are named).
3. *A free option left unused* — a staff member's own limit decided (``staff_availability``
   with ``limit`` = the daily maximum, the contract hours, or the one-shift-a-day window), or,
   in a plan that is not proven optimal, the search simply did not get there.

Unmet requirements (``requirements_unmet`` plans) are described by ``requirement_failure``.
Everything here reads the finished plan only, so it costs milliseconds per demand.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from solver.goals import place_weight
from solver.model import Requirement
from solver.options import (
    DemandOptions,
    Option,
    available,
    candidate_starts,
    capacity_and_features,
    closed,
)
from solver.problem import (
    DAY_NAMES,
    Demand,
    Explanation,
    Placement,
    Problem,
    RequirementFailure,
    Shift,
    describe,
    room_span,
)

EXPLANATION_KINDS = (
    "room_conflict",
    "missing_feature",
    "capacity",
    "house_closed",
    "closure",
    "staff",
    "pin",
    "trade_off",
)

Params = dict[str, str]


def _make(
    demand: Demand, kind: str, rule: str, params: Params, blockers: Sequence[str] = ()
) -> Explanation:
    params = {"title": demand.title, **params}
    items = tuple(sorted(params.items()))
    probe = Explanation(demand.id, kind, rule, "", tuple(blockers), items)
    return Explanation(demand.id, kind, rule, render(probe), tuple(blockers), items)


def _join(values: Sequence[str]) -> str:
    return ", ".join(values)


def _days(days: Sequence[int]) -> str:
    return _join([DAY_NAMES[d] for d in sorted(set(days))])


def _windows(demand: Demand) -> str:
    windows = sorted(demand.windows, key=lambda w: (w.day, w.start))
    return "; ".join(str(w) for w in windows[:4]) + (" …" if len(windows) > 4 else "")


# ----------------------------------------------------------------------------- rendering


def render(e: Explanation) -> str:
    """The English sentence for an explanation (built from ``kind`` and ``params`` only)."""
    p = dict(e.params)
    title = p.get("title", e.demand)
    needs = f"{p.get('size', '?')} people" + (f" with {p['features']}" if p.get("features") else "")
    if e.kind == "pin":
        return f"{title}: it is pinned to a room or time where it cannot take place."
    if e.kind == "missing_feature":
        if p.get("allowed_rooms"):
            return (
                f"{title} needs {needs}: none of the rooms it may use "
                f"({p['allowed_rooms']}) has {p['missing']}."
            )
        return f"{title} needs {needs}: no room has {p['missing']}."
    if e.kind == "capacity":
        text = (
            f"{title} needs {needs}: the largest room with what it needs, {p['largest']}, "
            f"holds {p['largest_capacity']}"
        )
        if p.get("large_rooms"):
            text += f"; the rooms large enough ({p['large_rooms']}) lack {p['lacking']}"
        if p.get("allowed_rooms"):
            text += f" (it may use only {p['allowed_rooms']})"
        return text + "."
    if e.kind == "house_closed" and p.get("buffers"):
        return (
            f"{title}: with the room's setup and cleanup time it does not fit into the house "
            f"hours in {p['windows']}."
        )
    if e.kind == "house_closed":
        return f"{title}: the house is not open in {p['windows']} (open days: {p['open_days']})."
    if e.kind == "closure":
        return (
            f"{title}: every room that fits ({p['rooms']}) is closed in {p['windows']}"
            + (f" ({p['reasons']})" if p.get("reasons") else "")
            + "."
        )
    if e.kind == "staff" and e.rule == "staff_availability":
        skill = f" with skill '{p['skill']}'" if p.get("skill") else ""
        if not p.get("qualified"):
            return f"{title}: no staff member{skill} may run it."
        return f"{title}: no staff member{skill} ({p['qualified']}) is available in {p['windows']}."
    if e.kind == "staff":
        return (
            f"{title}: a room is free {p['when']}, but the qualified staff available then "
            f"({p['available']}) run {p['busy_with']}."
        )
    if e.kind == "room_conflict":
        text = f"{title}: no room for {needs} is free in {p['windows']}; {p['taken']}."
        if p.get("tie_with"):
            text += (
                f" {p['tie_with']} has the same priority and got the room because of "
                f"{p['tie_rule']} ({p['tie_reason']})."
            )
        return text
    if e.kind == "trade_off" and e.rule == "staff_availability":
        limit = {
            "daily_maximum": f"would exceed {p.get('who', '')}'s daily maximum of "
            f"{p.get('value', '')} h",
            "contract_hours": f"would exceed {p.get('who', '')}'s contract of "
            f"{p.get('value', '')} h a week",
            "availability": f"would need {p.get('who', '')} on duty outside their availability "
            "(one shift a day)",
        }.get(p.get("limit", ""), p.get("limit", ""))
        return f"{title}: {p['room']} is free {p['when']}, but running it there {limit}."
    if e.kind == "trade_off" and p.get("proven") == "no":
        return (
            f"{title}: {p['room']} is free {p['when']}; the search stopped at the time limit "
            "before placing it (the plan is not proven optimal)."
        )
    if e.kind == "trade_off":
        return (
            f"{title}: {p['room']} is free {p['when']}, but placing it would displace demand "
            "of higher priority elsewhere in the week."
        )
    return f"{title}: not placed ({e.rule})."


# ------------------------------------------------------------------------ explaining


def explain(
    problem: Problem,
    entry: DemandOptions,
    placements: list[Placement] | tuple[Placement, ...],
    shifts: list[Shift] | tuple[Shift, ...],
    *,
    proven: bool = True,
) -> Explanation:
    """Explain why ``entry`` is not placed in a plan with ``placements`` and ``shifts``."""
    demand = entry.demand
    if not entry.options:
        return _no_option(problem, entry)

    by_room: dict[str, list[Placement]] = {}
    busy: dict[str, list[Placement]] = {}
    for p in placements:
        by_room.setdefault(p.room, []).append(p)
        if p.staff is not None:
            busy.setdefault(p.staff, []).append(p)
    # A divisible room and its parts block each other.
    related: dict[str, set[str]] = {}
    for r in problem.rooms:
        related.setdefault(r.id, set()).add(r.id)
        for part in r.parts:
            related[r.id].add(part)
            related.setdefault(part, {part}).add(r.id)
    by_id = {d.id: d for d in problem.demands}
    rooms = {r.id: r for r in problem.rooms}

    def taken_span(p: Placement) -> tuple[int, int]:
        return room_span(rooms[p.room], by_id[p.demand], p.start, p.end)

    taken: dict[str, list[str]] = {}
    blockers: Counter[str] = Counter()
    staff_blocked: list[tuple[Option, list[str], list[str]]] = []
    free: list[Option] = []
    for option in entry.options:
        room = problem.rooms[option.room]
        lo, hi = room_span(room, demand, option.start, option.end)
        occupants = [
            p.demand
            for rid in sorted(related.get(room.id, {room.id}))
            for p in by_room.get(rid, [])
            if p.day == option.day and (span := taken_span(p))[0] < hi and lo < span[1]
        ]
        if occupants:
            for o in occupants:
                blockers[o] += 1
                names = taken.setdefault(room.name, [])
                if o not in names:
                    names.append(o)
            continue
        if entry.staffed:
            people, work = _available_but_busy(problem, entry, option, busy)
            if people is not None:
                staff_blocked.append((option, people, work))
                continue
        free.append(option)

    if free:
        return _trade_off(problem, entry, free, shifts, proven)
    if staff_blocked:
        option, _, _ = staff_blocked[0]
        people = sorted({n for _, ps, _ in staff_blocked for n in ps})
        work = sorted({w for _, _, ws in staff_blocked for w in ws})
        titles = _titles(problem, work)
        return _make(
            demand,
            "staff",
            "staff_single_place",
            {
                "when": describe(option.day, option.start, option.end),
                "available": _join([_staff_name(problem, s) for s in people]),
                "busy_with": _join(titles),
            },
            work,
        )
    ids = [i for i, _ in blockers.most_common()]
    parts = [f"{name} is taken by {_join(_titles(problem, occ))}" for name, occ in taken.items()]
    params: Params = {
        "size": str(demand.size),
        "features": _join(sorted(entry.features)),
        "windows": _windows(demand),
        "taken": "; ".join(parts),
    }
    params.update(_tie(problem, entry, by_room))
    return _make(demand, "room_conflict", "room_conflict", params, ids)


def _titles(problem: Problem, ids: Sequence[str]) -> list[str]:
    by_id = {d.id: d for d in problem.demands}
    return [by_id[i].title if i in by_id else i for i in ids]


def _staff_name(problem: Problem, staff_id: str) -> str:
    return next((s.name for s in problem.staff if s.id == staff_id), staff_id)


def _available_but_busy(
    problem: Problem, entry: DemandOptions, option: Option, busy: dict[str, list[Placement]]
) -> tuple[list[str] | None, list[str]]:
    """(None, []) if some qualified person available then is free; else the people available
    then and what they run."""
    people: list[str] = []
    work: list[str] = []
    for s in entry.eligible_staff:
        member = problem.staff[s]
        if not available(member, option.day, option.start, option.end):
            continue
        clash = [
            p.demand
            for p in busy.get(member.id, [])
            if p.day == option.day and p.start < option.end and option.start < p.end
        ]
        if not clash:
            return None, []
        people.append(member.id)
        work.extend(c for c in clash if c not in work)
    return people, work


def _trade_off(
    problem: Problem,
    entry: DemandOptions,
    free: list[Option],
    shifts: Sequence[Shift],
    proven: bool,
) -> Explanation:
    """A free option exists: find the person's limit that forbids each free option."""
    demand = entry.demand
    option = free[0]
    base: Params = {
        "room": problem.rooms[option.room].name,
        "when": describe(option.day, option.start, option.end),
    }
    if entry.staffed:
        limits = [_limit(problem, entry, o, shifts) for o in free]
        found = [lim for lim in limits if lim is not None]
        if found and len(found) == len(limits):
            # The first free option's limit is named; the others are of the same kind or not.
            limit, who, value = found[0]
            return _make(
                demand,
                "trade_off",
                "staff_availability",
                {**base, "limit": limit, "who": _staff_name(problem, who), "value": value},
                (who,),
            )
    return _make(demand, "trade_off", "place_demand", {**base, "proven": "yes" if proven else "no"})


def _limit(
    problem: Problem, entry: DemandOptions, option: Option, shifts: Sequence[Shift]
) -> tuple[str, str, str] | None:
    """The limit that keeps each qualified, available person from taking ``option`` (the first
    such person's, in order); None if someone could take it."""
    min_shift = problem.requirements.min_shift_minutes
    first: tuple[str, str, str] | None = None
    for s in entry.eligible_staff:
        member = problem.staff[s]
        if not available(member, option.day, option.start, option.end):
            continue
        mine = [x for x in shifts if x.staff == member.id]
        today = [x for x in mine if x.day == option.day]
        start = min([option.start, *(x.start for x in today)])
        end = max([option.end, *(x.end for x in today)])
        if end - start < min_shift:
            end = start + min_shift
        week = sum(x.end - x.start for x in mine if x.day != option.day) + (end - start)
        reason: tuple[str, str, str] | None = None
        if not any(w.contains(option.day, start, end) for w in member.availability):
            reason = ("availability", member.id, "")
        elif end - start > member.max_day_minutes:
            reason = ("daily_maximum", member.id, f"{member.max_day_minutes / 60:g}")
        elif week > member.max_week_minutes:
            reason = ("contract_hours", member.id, f"{member.max_week_minutes / 60:g}")
        if reason is None:
            return None
        first = first or reason
    return first


def _soft_costs(problem: Problem, demand: Demand, room_id: str, day: int, start: int) -> Params:
    """Soft-goal costs of placing ``demand`` at one spot (room_fit, preferred_window,
    stability), as the model counts them."""
    w = problem.weights
    room = problem.room(room_id)
    end = start + demand.duration
    costs = {"room_fit": w.room_fit * ((room.capacity - demand.size) // 10)}
    outside = demand.preferred and not any(p.contains(day, start, end) for p in demand.preferred)
    costs["preferred_window"] = w.preferred_window if outside else 0
    last = demand.last_week
    stab = 0
    if last is not None:
        stab += w.stability_room if last.room != room_id else 0
        stab += w.stability_time if (last.day, last.start) != (day, start) else 0
    costs["stability"] = stab
    return {k: str(v) for k, v in costs.items()}


def _tie(problem: Problem, entry: DemandOptions, by_room: dict[str, list[Placement]]) -> Params:
    """If a booking of the same priority holds a spot this demand could have had (same room,
    same start), say which soft goal preferred it."""
    demand = entry.demand
    mine = place_weight(problem.weights, demand)
    spots = {(problem.rooms[o.room].id, o.day, o.start) for o in entry.options}
    by_id = {d.id: d for d in problem.demands}
    for room_id in sorted(by_room):
        for p in sorted(by_room[room_id], key=lambda p: (p.day, p.start, p.demand)):
            other = by_id.get(p.demand)
            if other is None or other.must_place or other.kind == "consultation":
                continue
            if place_weight(problem.weights, other) != mine or other.duration != demand.duration:
                continue
            if (p.room, p.day, p.start) not in spots:
                continue
            theirs = _soft_costs(problem, other, p.room, p.day, p.start)
            ours = _soft_costs(problem, demand, p.room, p.day, p.start)
            diffs = {g: int(ours[g]) - int(theirs[g]) for g in ours}
            goal = max(sorted(diffs), key=lambda g: diffs[g])
            if diffs[goal] <= 0:
                continue
            reasons = {
                "room_fit": f"it leaves fewer empty seats in {problem.room(p.room).name}",
                "preferred_window": "the time is inside its preferred window",
                "stability": "it had this slot last week",
            }
            return {"tie_with": other.title, "tie_rule": goal, "tie_reason": reasons[goal]}
    return {}


def _no_option(problem: Problem, entry: DemandOptions) -> Explanation:
    """No option at all: the filter stage after which no candidate is left decided."""
    demand = entry.demand
    needs: Params = {"size": str(demand.size), "features": _join(sorted(entry.features))}
    if entry.rejected.get("pins_hold"):
        return _make(demand, "pin", "pins_hold", {})
    centre_rooms = [r for r in problem.rooms if r.centre == demand.centre]
    allowed = [r for r in centre_rooms if not demand.rooms or r.id in demand.rooms]
    restricted = _join([r.name for r in allowed]) if demand.rooms else ""
    fitting = [r for r in allowed if capacity_and_features(r, demand.size, entry.features) is None]
    if not fitting:
        with_features = [r for r in allowed if entry.features <= r.features]
        if not with_features:
            have: set[str] = set().union(*(r.features for r in allowed)) if allowed else set()
            missing = sorted(entry.features - have) or sorted(entry.features)
            return _make(
                demand,
                "missing_feature",
                "capacity_and_features",
                {**needs, "missing": _join(missing), "allowed_rooms": restricted},
            )
        largest = max(with_features, key=lambda r: (r.capacity, r.id))
        big = [r for r in allowed if r.capacity >= demand.size]
        lacking = sorted({f for r in big for f in entry.features - r.features})
        return _make(
            demand,
            "capacity",
            "capacity_and_features",
            {
                **needs,
                "largest": largest.name,
                "largest_capacity": str(largest.capacity),
                "allowed_rooms": restricted,
                "large_rooms": _join([r.name for r in big[:3]]),
                "lacking": _join(lacking),
            },
        )
    # Stage: the house's opening days and hours.
    spans: list[tuple[int, int, int]] = []
    for window in demand.windows:
        for start in candidate_starts(problem, demand, window):
            spans.append((window.day, start, start + demand.duration))
    spans = sorted(set(spans))
    windows = _windows(demand)
    if not spans:
        open_days = sorted(w.day for w in problem.days)
        return _make(
            demand,
            "house_closed",
            "closures",
            {"windows": windows, "open_days": _days(open_days) or "none"},
        )
    # Stage: setup and cleanup inside the house hours (fixed slots keep their time).
    house = {w.day: w for w in problem.days}
    buffered = [
        (r, (s[0], *room_span(r, demand, s[1], s[2])))
        for r in fitting
        for s in spans
        if demand.kind == "fixed"
        or (
            house[s[0]].start <= room_span(r, demand, s[1], s[2])[0]
            and room_span(r, demand, s[1], s[2])[1] <= house[s[0]].end
        )
    ]
    if not buffered:
        open_days = sorted(w.day for w in problem.days)
        return _make(
            demand,
            "house_closed",
            "closures",
            {"windows": windows, "open_days": _days(open_days) or "none", "buffers": "yes"},
        )
    # Stage: closures of the fitting rooms.
    open_spots = [(r, s) for r, s in buffered if not closed(problem, r, *s)]
    if not open_spots:
        reasons = sorted(
            {
                c.reason
                for c in problem.closures
                if c.reason
                and any(
                    (c.room == r.id or (c.room is None and c.centre in ("", r.centre)))
                    and c.window.overlaps(*s)
                    for r, s in buffered
                )
            }
        )
        return _make(
            demand,
            "closure",
            "closures",
            {
                "rooms": _join([r.name for r in fitting]),
                "windows": windows,
                "reasons": "; ".join(reasons),
            },
        )
    # Stage: a qualified staff member available (and the centre not closed) then.
    qualified = [problem.staff[s] for s in entry.eligible_staff]
    return _make(
        demand,
        "staff",
        "staff_availability",
        {
            "skill": entry.skill or "",
            "qualified": _join([m.name for m in qualified]),
            "windows": windows,
        },
    )


# ------------------------------------------------------------------ unmet requirements

_LABELS = {
    ("minimum_opening", "open_minutes"): "Opening hours (minimum_opening)",
    ("minimum_opening", "open_days"): "Open days (minimum_opening)",
    ("buergersprechstunde", "consultation_minutes"): "Bürgersprechstunde (buergersprechstunde)",
    ("weekend_offer", "weekend"): "Weekend offer (weekend_offer): no offer on Saturday or Sunday",
}


def requirement_failure(problem: Problem, req: Requirement, shortfall: int) -> RequirementFailure:
    """Describe a broken requirement and by how much it is missed."""
    required = req.required * req.scale
    achieved = required - shortfall if req.unit else 0
    label = _LABELS.get((req.rule, req.subject), req.rule)
    if req.unit == "minutes":
        text = (
            f"{label}: only {achieved / 60:g} h possible instead of {required / 60:g} h "
            f"({shortfall / 60:g} h short)."
        )
    elif req.unit:
        text = (
            f"{label}: only {achieved} {req.unit} possible instead of {required} "
            f"({shortfall} short)."
        )
    elif req.rule == "published_hours":
        text = (
            f"Opening hours on {req.subject} (published_hours): the staffed activities of the "
            "day need more than two blocks of opening hours."
        )
    elif req.rule in ("fixed_slots_stay", "pins_hold"):
        title = next((d.title for d in problem.demands if d.id == req.subject), req.subject)
        text = f"{req.rule}: {title} ({req.subject}) cannot be placed at its fixed time."
    else:
        text = f"{label}: cannot be met this week."
    return RequirementFailure(req.rule, req.subject, required, achieved, req.unit or "count", text)


def slots_failure(
    problem: Problem, rule: str, ids: list[str], why: Explanation
) -> RequirementFailure:
    """One failure for fixed slots (or pins) that cannot be placed for one cause."""
    titles = _titles(problem, ids)
    what = "fixed programme slot" if rule == "fixed_slots_stay" else "pinned demand"
    cause = why.message.split(": ", 1)[1] if ": " in why.message else why.message
    if len(ids) == 1:
        text = f"{rule}: {titles[0]} ({ids[0]}) cannot be placed: {cause}"
    else:
        text = (
            f"{rule}: {len(ids)} {what}s cannot be placed ({', '.join(titles[:8])}"
            + (" …" if len(ids) > 8 else "")
            + f"); for {titles[0]}: {cause}"
        )
    return RequirementFailure(rule, ",".join(ids), len(ids), 0, "count", text)


__all__ = [
    "EXPLANATION_KINDS",
    "explain",
    "render",
    "requirement_failure",
    "slots_failure",
]
