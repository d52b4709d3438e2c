"""Why a demand is not in the plan, in words a staff member understands.

Layered, cheapest first (research §6):

1. *No option at all* — the filter in ``solver/options.py`` counted why every (room, start) was
   rejected: no room large enough (``capacity``), no room with the features (``missing_feature``),
   the fitting rooms closed (``closure``), nobody qualified available (``staff``).
2. *Options, but none free* — for each option, who blocks it in the finished plan: the bookings
   already in that room (``room_conflict``), or no qualified staff member free then (``staff``).
   The explanation names the competing bookings by title.
3. *A free option left unused* — placing it would have broken a rule that couples the week
   (contract hours, one shift a day), so the kind is ``trade_off``.

Unmet requirements (``requirements_unmet`` plans) are described by ``requirement_failure``.
Everything here reads the finished plan only, so it costs milliseconds per demand.
"""

from __future__ import annotations

from collections import Counter

from solver.model import Requirement
from solver.options import DemandOptions, Option, available
from solver.problem import (
    DAY_NAMES,
    Explanation,
    Placement,
    Problem,
    RequirementFailure,
    Shift,
    describe,
)

EXPLANATION_KINDS = (
    "room_conflict",
    "missing_feature",
    "capacity",
    "staff",
    "closure",
    "pin",
    "trade_off",
)


def _needs(size: int, features: frozenset[str]) -> str:
    text = f"{size} people"
    if features:
        text += " with " + ", ".join(sorted(features))
    return text


def _windows_text(entry: DemandOptions) -> str:
    windows = sorted(entry.demand.windows, key=lambda w: (w.day, w.start))
    if not windows:
        return "no window"
    return "; ".join(str(w) for w in windows[:4]) + (" …" if len(windows) > 4 else "")


def _titles(problem: Problem, ids: list[str]) -> str:
    by_id = {d.id: d for d in problem.demands}
    return ", ".join(by_id[i].title if i in by_id else i for i in ids)


def explain(
    problem: Problem,
    entry: DemandOptions,
    placements: list[Placement] | tuple[Placement, ...],
    shifts: list[Shift] | tuple[Shift, ...],
) -> Explanation:
    """Explain why ``entry`` is not placed in a plan with ``placements`` and ``shifts``."""
    demand = entry.demand
    if not entry.options:
        return _no_option(problem, entry)

    by_room: dict[str, list[Placement]] = {}
    for p in placements:
        by_room.setdefault(p.room, []).append(p)
    busy_staff: dict[str, list[Placement]] = {}
    for p in placements:
        if p.staff is not None:
            busy_staff.setdefault(p.staff, []).append(p)
    del shifts  # staff being off duty is not a blocker: shifts can grow

    blockers: Counter[str] = Counter()
    blocked_rooms: dict[str, list[str]] = {}
    staff_blocked: list[Option] = []
    free: list[Option] = []
    for option in entry.options:
        room = problem.rooms[option.room]
        occupants = [
            p.demand
            for p in by_room.get(room.id, [])
            if p.day == option.day and p.start < option.end and option.start < p.end
        ]
        if occupants:
            for o in occupants:
                blockers[o] += 1
                rooms = blocked_rooms.setdefault(room.name, [])
                if o not in rooms:
                    rooms.append(o)
            continue
        if entry.staffed and not _staff_free(problem, entry, option, busy_staff):
            staff_blocked.append(option)
            continue
        free.append(option)

    where = _windows_text(entry)
    if free:
        option = free[0]
        room = problem.rooms[option.room]
        return Explanation(
            demand=demand.id,
            kind="trade_off",
            rule="place_demand",
            message=(
                f"{demand.title}: {room.name} is free "
                f"{describe(option.day, option.start, option.end)}, "
                "but placing it there would break a rule that couples the week "
                "(staff contract hours, one shift a day, opening rules) or displace more "
                "important demand."
            ),
        )
    if not staff_blocked:
        ids = [i for i, _ in blockers.most_common()]
        parts = []
        for room_name, occupants in list(blocked_rooms.items())[:3]:
            parts.append(f"{room_name} is taken by {_titles(problem, occupants[:3])}")
        return Explanation(
            demand=demand.id,
            kind="room_conflict",
            rule="room_conflict",
            message=(
                f"{demand.title}: no room for {_needs(demand.size, entry.features)} is free "
                f"in {where}; " + "; ".join(parts) + "."
            ),
            blockers=tuple(ids[:6]),
        )
    # Some room would be free, but every qualified person is busy or away then.
    eligible = {problem.staff[s].id for s in entry.eligible_staff}
    busy_with: list[str] = []
    for option in staff_blocked:
        for p in placements:
            if (
                p.staff in eligible
                and p.day == option.day
                and p.start < option.end
                and option.start < p.end
                and p.demand not in busy_with
            ):
                busy_with.append(p.demand)
    names = ", ".join(problem.staff[s].name for s in entry.eligible_staff) or "nobody"
    days = sorted({o.day for o in staff_blocked})
    busy_text = f"; they run {_titles(problem, busy_with[:4])} then" if busy_with else ""
    return Explanation(
        demand=demand.id,
        kind="staff",
        rule="staff_single_place" if busy_with else "staff_availability",
        message=(
            f"{demand.title}: a room is free, but it needs a staff member"
            + (f" with skill '{entry.skill}'" if entry.skill else "")
            + f" and no one qualified ({names}) is free in {where} "
            f"(days: {', '.join(DAY_NAMES[d] for d in days)}){busy_text}."
        ),
        blockers=tuple(busy_with[:6]),
    )


def _staff_free(
    problem: Problem,
    entry: DemandOptions,
    option: Option,
    busy: dict[str, list[Placement]],
) -> bool:
    """Could some eligible staff member take ``option`` without moving another activity?

    Shifts may grow, so being off duty is not a blocker here; if growing a shift breaks contract
    hours the demand ends up explained as a ``trade_off``.
    """
    for s in entry.eligible_staff:
        member = problem.staff[s]
        if not available(member, option.day, option.start, option.end):
            continue
        if any(
            p.day == option.day and p.start < option.end and option.start < p.end
            for p in busy.get(member.id, [])
        ):
            continue
        return True
    return False


def _no_option(problem: Problem, entry: DemandOptions) -> Explanation:
    demand = entry.demand
    needs = _needs(demand.size, entry.features)
    rooms = [r for r in problem.rooms if r.centre == demand.centre]
    if entry.rejected.get("pins_hold"):
        return Explanation(
            demand.id,
            "pin",
            "pins_hold",
            f"{demand.title}: it is pinned to a room or time where it cannot take place.",
        )
    with_features = [r for r in rooms if entry.features <= r.features]
    big_enough = [r for r in rooms if r.capacity >= demand.size]
    if not with_features:
        missing = sorted(entry.features - set().union(*(r.features for r in rooms)))
        text = (
            f"no room has {', '.join(missing)}"
            if missing
            else f"no room has all of {', '.join(sorted(entry.features))}"
        )
        return Explanation(
            demand.id,
            "missing_feature",
            "capacity_and_features",
            f"{demand.title} needs {needs}: {text}.",
        )
    if not any(r.capacity >= demand.size for r in with_features):
        largest = max(with_features, key=lambda r: r.capacity)
        if big_enough:
            lacking = sorted({f for r in big_enough for f in entry.features - r.features})
            extra = (
                f"; the rooms large enough ({', '.join(r.name for r in big_enough[:3])}) "
                f"lack {', '.join(lacking)}"
            )
        else:
            extra = ""
        return Explanation(
            demand.id,
            "capacity",
            "capacity_and_features",
            f"{demand.title} needs {needs}: the largest fitting room, {largest.name}, holds "
            f"{largest.capacity}{extra}.",
        )
    if (
        entry.rejected.get("rooms")
        and not entry.rejected.get("closure")
        and not entry.rejected.get("staff")
    ):
        return Explanation(
            demand.id,
            "missing_feature",
            "capacity_and_features",
            f"{demand.title} needs {needs}: none of the rooms it may use "
            f"({', '.join(demand.rooms)}) fits.",
        )
    closure = entry.rejected.get("closure", 0)
    staff = entry.rejected.get("staff", 0)
    if closure >= staff and closure:
        reasons = sorted({c.reason for c in problem.closures if c.reason})
        return Explanation(
            demand.id,
            "closure",
            "closures",
            f"{demand.title}: every fitting room is closed in {_windows_text(entry)}"
            + (f" ({'; '.join(reasons)})" if reasons else "")
            + ".",
        )
    if staff:
        return Explanation(
            demand.id,
            "staff",
            "staff_availability",
            f"{demand.title}: no staff member"
            + (f" with skill '{entry.skill}'" if entry.skill else "")
            + f" is available in {_windows_text(entry)}.",
        )
    return Explanation(
        demand.id,
        "closure",
        "closures",
        f"{demand.title}: the house is not open for use in {_windows_text(entry)}.",
    )


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
    elif req.rule in ("fixed_slots_stay", "pins_hold"):
        title = next((d.title for d in problem.demands if d.id == req.subject), req.subject)
        text = f"{req.rule}: {title} ({req.subject}) cannot be placed at its fixed time."
    else:
        text = f"{label}: cannot be met this week."
    return RequirementFailure(req.rule, req.subject, required, achieved, req.unit or "count", text)
