"""Filtering the input before the model is built: which (room, day, start) each demand may use.

The research on this machine (``research/solver-anchors.md`` §3.3) found presolve dominating the
solve time, so everything that can be decided per demand is decided here, in plain Python, and
the CP-SAT model only sees compatible options.  The rules applied here are the *filter* half of
the rulebook (``capacity_and_features``, ``closures``, ``staff_availability`` for a single
option, ``pins_hold``); every rejected option is counted by the rule that rejected it, so that
``solver.explain`` can say why a demand has no option at all.

Iteration order is fixed (demands in input order, rooms in input order, days and starts
ascending), which is part of what makes a solve reproducible.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from solver.problem import Demand, Pin, Problem, Room, StaffMember, Window, room_span

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class Option:
    """One way to place a demand: a room (index into ``problem.rooms``) and a start."""

    room: int
    day: int
    start: int
    end: int  # actual end (start + duration)
    slots: tuple[int, ...]  # global grain indices the option occupies (whole grains)
    room_slots: tuple[int, ...] = ()  # grains the room is taken, setup and cleanup included


@dataclass(slots=True)
class DemandOptions:
    """The options of one demand and what was filtered away, by rule."""

    index: int
    demand: Demand
    features: frozenset[str]
    skill: str | None
    staffed: bool
    eligible_staff: tuple[int, ...]
    options: list[Option] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)
    rejected_rooms: dict[str, set[str]] = field(default_factory=dict)
    pinned: Pin | None = None


def slot_index(grain: int, day: int, minute: int) -> int:
    """Global index of the grain that contains ``minute`` of ``day``."""
    return (day * MINUTES_PER_DAY + minute) // grain


def slot_span(grain: int, day: int, start: int, end: int) -> tuple[int, ...]:
    """The grains a use from ``start`` to ``end`` occupies (a partly used grain counts whole)."""
    first = slot_index(grain, day, start)
    last = slot_index(grain, day, end - 1)
    return tuple(range(first, last + 1))


def effective_features(problem: Problem, demand: Demand) -> frozenset[str]:
    """A Bürgersprechstunde also needs the room features the requirements name."""
    if demand.counts_as_consultation:
        return demand.features | problem.requirements.consultation_features
    return demand.features


def effective_skill(problem: Problem, demand: Demand) -> str | None:
    if demand.counts_as_consultation:
        return demand.skill or problem.requirements.consultation_skill
    return demand.skill


def is_staffed(demand: Demand) -> bool:
    """A Bürgersprechstunde always has a contact person; other demands say so themselves."""
    return demand.staffed or demand.counts_as_consultation


# ----------------------------------------------------------------- filter halves of the rules


def capacity_and_features(room: Room, size: int, features: frozenset[str]) -> str | None:
    """Rule ``capacity_and_features``: the room holds the group and has what it needs.

    Returns the explanation kind (``capacity`` / ``missing_feature``) or None if the room fits.
    """
    if room.capacity < size:
        return "capacity"
    if not features <= room.features:
        return "missing_feature"
    return None


def closed(problem: Problem, room: Room, day: int, start: int, end: int) -> bool:
    """Rule ``closures``: the room (or its whole centre) is closed at some point of the span."""
    for closure in problem.closures:
        if closure.room is None and closure.centre not in ("", room.centre):
            continue
        if closure.room is not None and closure.room != room.id:
            continue
        if closure.window.overlaps(day, start, end):
            return True
    return False


def centre_closed(problem: Problem, centre: str, day: int, start: int, end: int) -> bool:
    """The whole centre is closed at some point of the span (no staff on duty then)."""
    return any(
        c.room is None and c.centre in ("", centre) and c.window.overlaps(day, start, end)
        for c in problem.closures
    )


def available(member: StaffMember, day: int, start: int, end: int) -> bool:
    """Rule ``staff_availability`` for one span: some availability window holds it whole."""
    return any(w.contains(day, start, end) for w in member.availability)


def day_window(problem: Problem, day: int) -> Window | None:
    for window in problem.days:
        if window.day == day:
            return window
    return None


def candidate_starts(problem: Problem, demand: Demand, window: Window) -> list[int]:
    """Grid starts inside ``window`` (clipped to the house's day window) that fit the duration."""
    house = day_window(problem, window.day)
    if house is None:
        return []
    if demand.kind == "fixed":
        # A fixed slot keeps its time; the house window does not move it.
        return [window.start]
    lo = max(window.start, house.start)
    hi = min(window.end, house.end)
    grain = problem.grain
    first = -(-lo // grain) * grain
    return list(range(first, hi - demand.duration + 1, grain))


def build_options(problem: Problem) -> list[DemandOptions]:
    """Options for every demand that is not removed by a pin, in input order."""
    pins = {pin.demand: pin for pin in problem.pins}
    staff_index = {member.id: i for i, member in enumerate(problem.staff)}
    result: list[DemandOptions] = []
    for index, demand in enumerate(problem.demands):
        pin = pins.get(demand.id)
        if pin is not None and pin.remove:
            continue
        features = effective_features(problem, demand)
        skill = effective_skill(problem, demand)
        staffed = is_staffed(demand)
        eligible: list[int] = []
        if staffed:
            names = demand.staff or tuple(m.id for m in problem.staff)
            for name in names:
                i = staff_index.get(name)
                if i is None:
                    continue
                member = problem.staff[i]
                if member.centre != demand.centre:
                    continue
                if skill is not None and skill not in member.skills:
                    continue
                eligible.append(i)
        entry = DemandOptions(
            index=index,
            demand=demand,
            features=features,
            skill=skill,
            staffed=staffed,
            eligible_staff=tuple(eligible),
            pinned=pin,
        )
        _fill(problem, entry)
        result.append(entry)
    return result


def prune(
    problem: Problem,
    entries: list[DemandOptions],
    rooms: int,
    keep: dict[str, str] | None = None,
) -> list[DemandOptions]:
    """Keep, per demand, the options in its ``rooms`` best rooms only: last week's room and a
    pinned room first, then the fewest empty seats (the ``room_fit`` goal's order).

    Used for very large houses only (``solver.engine.LARGE_MODEL``): a model with hundreds of
    thousands of options neither finds a first plan in seconds nor fits in memory.  The price
    is that the optimum is proven only over the kept rooms.  ``keep`` (demand → room id, e.g.
    the room of a starting plan) is kept as well."""
    result: list[DemandOptions] = []
    for e in entries:
        last = e.demand.last_week.room if e.demand.last_week is not None else None
        pinned = e.pinned.room if e.pinned is not None else None
        start = (keep or {}).get(e.demand.id)
        ranked = sorted(
            {o.room for o in e.options},
            key=lambda r: (
                problem.rooms[r].id not in (last, pinned),
                problem.rooms[r].capacity - e.demand.size,
                problem.rooms[r].id,
            ),
        )
        chosen = set(ranked[:rooms]) | {
            o.room for o in e.options if problem.rooms[o.room].id == start
        }
        kept = [o for o in e.options if o.room in chosen]
        pruned = DemandOptions(
            e.index,
            e.demand,
            e.features,
            e.skill,
            e.staffed,
            e.eligible_staff,
            kept,
            e.rejected.copy(),
            dict(e.rejected_rooms),
            e.pinned,
        )
        pruned.rejected["pruned"] += len(e.options) - len(kept)
        result.append(pruned)
    return result


def _fill(problem: Problem, entry: DemandOptions) -> None:
    demand = entry.demand
    pin = entry.pinned
    allowed_rooms = set(demand.rooms)
    for room_i, room in enumerate(problem.rooms):
        if room.centre != demand.centre:
            continue
        if allowed_rooms and room.id not in allowed_rooms:
            entry.rejected["rooms"] += 1
            continue
        if pin is not None and pin.room is not None and pin.room != room.id:
            entry.rejected["pins_hold"] += 1
            continue
        why = capacity_and_features(room, demand.size, entry.features)
        if why is not None:
            entry.rejected[why] += 1
            entry.rejected_rooms.setdefault(why, set()).add(room.id)
            continue
        for window in sorted(demand.windows, key=lambda w: (w.day, w.start, w.end)):
            for start in candidate_starts(problem, demand, window):
                end = start + demand.duration
                if pin is not None and (
                    (pin.day is not None and pin.day != window.day)
                    or (pin.start is not None and pin.start != start)
                ):
                    entry.rejected["pins_hold"] += 1
                    continue
                lo, hi = room_span(room, demand, start, end)
                house = day_window(problem, window.day)
                if (
                    demand.kind != "fixed"
                    and house is not None
                    and (lo < house.start or hi > house.end)
                ):
                    entry.rejected["buffer"] += 1  # setup or cleanup outside the house hours
                    continue
                if closed(problem, room, window.day, lo, hi):
                    entry.rejected["closure"] += 1
                    continue
                if entry.staffed and not any(
                    available(problem.staff[s], window.day, start, end)
                    and not centre_closed(problem, demand.centre, window.day, start, end)
                    for s in entry.eligible_staff
                ):
                    entry.rejected["staff"] += 1
                    continue
                entry.options.append(
                    Option(
                        room=room_i,
                        day=window.day,
                        start=start,
                        end=end,
                        slots=slot_span(problem.grain, window.day, start, end),
                        room_slots=slot_span(problem.grain, window.day, max(0, lo), hi),
                    )
                )
    # Two windows may produce the same start; keep each (room, day, start) once, in order.
    seen: set[tuple[int, int, int]] = set()
    unique: list[Option] = []
    for option in entry.options:
        key = (option.room, option.day, option.start)
        if key not in seen:
            seen.add(key)
            unique.append(option)
    entry.options = unique
