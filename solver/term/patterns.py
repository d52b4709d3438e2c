"""Enumerating each section's patterns before the model is built (the filter half of the rules).

A *pattern* is one way to allocate a section for the whole term: room, day(s), start, duration
and, for a fortnightly group, its phase.  Everything decidable per section is decided here, in
plain Python (as ``solver/options.py`` does for the week): rooms that do not fit, times outside
the allowed windows, the house hours or the staffed hours, and patterns that collide with the
centre's fixed programme in some week are never built.  Each rejected candidate is counted by
the rule that rejected it, so ``solver.term.explain`` can say why a section has no pattern.

For each pattern and meeting day the concrete weeks are computed once, as a bitmask of the
term's week indices in which the meeting is *held*: a week's date is skipped when it is a
holiday, the house or the room is closed, or a booking confirmed before takes the room then.
The model checks conflicts week by week on these masks, so two fortnightly groups in opposite
weeks share a slot, and a room closure costs a group only the dates it covers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import combinations

from solver.problem import Room, Window
from solver.term.problem import Section, TermPin, TermProblem

# Skip reasons in order of precedence (a holiday in a closed week is reported as the holiday).
HOLIDAY, CLOSURE, BOOKING = "holiday", "closure", "booking"


@dataclass(frozen=True, slots=True)
class Pattern:
    """One candidate allocation of a section (``room`` is an index into ``problem.rooms``)."""

    section: int
    room: int
    days: tuple[int, ...]
    start: int
    duration: int
    phase: int | None
    masks: tuple[int, ...]  # per meeting day: weeks (bits) in which it is held
    avoidable: int  # dates lost to a booking or a room closure (another room might keep them)

    @property
    def end(self) -> int:
        return self.start + self.duration

    def held(self, day_pos: int, week: int) -> bool:
        return bool(self.masks[day_pos] >> week & 1)


@dataclass(slots=True)
class SectionPatterns:
    """A section's patterns and what was filtered away, by rule."""

    index: int
    section: Section
    patterns: list[Pattern] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)
    rejected_rooms: dict[str, set[str]] = field(default_factory=dict)
    programme_blockers: set[str] = field(default_factory=set)
    pin: TermPin | None = None


class Calendar:
    """The term's concrete dates: holidays, closures, bookings and frequencies, per week."""

    def __init__(self, problem: TermProblem) -> None:
        self.problem = problem
        self.holidays = {h.date: h.name for h in problem.holidays}
        self.all_weeks = (1 << problem.weeks) - 1
        self.bookings: dict[tuple[str, date], list[tuple[int, int, str]]] = {}
        for b in problem.bookings:
            self.bookings.setdefault((b.room, b.date), []).append((b.start, b.end, b.id))
        self._held: dict[tuple[str, int, int, int], tuple[int, dict[int, tuple[str, str]]]] = {}

    def house_closed(self, day: date) -> tuple[str, str] | None:
        """(reason, detail) when the whole house is closed on ``day``."""
        if day in self.holidays:
            return HOLIDAY, self.holidays[day]
        for c in self.problem.closures:
            if c.room is None and c.covers(day):
                return CLOSURE, c.reason
        return None

    def skip_reason(self, room: str, day: date, start: int, end: int) -> tuple[str, str] | None:
        """Why a meeting in ``room`` on ``day`` from ``start`` to ``end`` cannot be held."""
        house = self.house_closed(day)
        if house is not None:
            return house
        for c in self.problem.closures:
            if c.room == room and c.covers(day):
                return CLOSURE, c.reason
        for b_start, b_end, b_id in self.bookings.get((room, day), []):
            if b_start < end and start < b_end:
                return BOOKING, b_id
        return None

    def held(
        self, room: str, day: int, start: int, end: int
    ) -> tuple[int, dict[int, tuple[str, str]]]:
        """Weeks (bitmask) in which a weekly meeting at this place and time can be held, and
        the reason for each other week."""
        key = (room, day, start, end)
        cached = self._held.get(key)
        if cached is None:
            mask = 0
            reasons: dict[int, tuple[str, str]] = {}
            for week in range(self.problem.weeks):
                why = self.skip_reason(room, self.problem.date_of(week, day), start, end)
                if why is None:
                    mask |= 1 << week
                else:
                    reasons[week] = why
            cached = (mask, reasons)
            self._held[key] = cached
        return cached

    def frequency_mask(self, section: Section, day: int, phase: int | None) -> int:
        """The weeks in which the section would meet on ``day`` before any date is skipped."""
        if section.frequency == "weekly":
            return self.all_weeks
        mask = 0
        for week in range(self.problem.weeks):
            if section.frequency == "fortnightly":
                if week % 2 == (phase or 0):
                    mask |= 1 << week
            elif nth_weekday_matches(self.problem.date_of(week, day), section.nth):
                mask |= 1 << week
        return mask

    def house_open_days(self, week: int) -> list[int]:
        """The weekdays of ``week`` on which the house may open (no holiday, no closure)."""
        return [
            w.day
            for w in sorted(self.problem.days, key=lambda w: w.day)
            if self.house_closed(self.problem.date_of(week, w.day)) is None
        ]


def nth_weekday_matches(day: date, nth: tuple[int, ...]) -> bool:
    """``day`` is the n-th of its weekday in its month for some n in ``nth`` (-1 = last)."""
    n = (day.day - 1) // 7 + 1
    last = (day + timedelta(days=7)).month != day.month
    return n in nth or (last and -1 in nth)


def is_staffed(section: Section) -> bool:
    """A Bürgersprechstunde always has a contact person; other sections say so themselves."""
    return section.staffed or section.consultation


def fits(room: Room, size: int, features: frozenset[str]) -> str | None:
    """Rule ``capacity_and_features``: None if the room fits, else ``capacity`` or
    ``missing_feature``."""
    if room.capacity < size:
        return "capacity"
    if not features <= room.features:
        return "missing_feature"
    return None


def needed_features(problem: TermProblem, section: Section) -> frozenset[str]:
    if section.consultation:
        return section.features | problem.requirements.consultation_features
    return section.features


def staffed_at(problem: TermProblem, day: int, start: int, end: int) -> int:
    """How many staff members can run an activity for the whole span (the smallest count of
    the staffing windows that hold it)."""
    best = 0
    for s in problem.staffing:
        if s.window.contains(day, start, end):
            best = max(best, s.count)
    return best


def house_window(problem: TermProblem, day: int) -> Window | None:
    for w in problem.days:
        if w.day == day:
            return w
    return None


def _time_candidates(
    problem: TermProblem, entry: SectionPatterns
) -> dict[tuple[int, int], list[int]]:
    """(duration, start) → the days on which a meeting of that length may start then."""
    section = entry.section
    grain = problem.grain
    out: dict[tuple[int, int], list[int]] = {}
    durations = range(section.min_duration, section.max_duration + 1, grain)
    for window in sorted(section.windows, key=lambda w: (w.day, w.start, w.end)):
        house = house_window(problem, window.day)
        if house is None:
            entry.rejected["house_hours"] += 1
            continue
        lo, hi = max(window.start, house.start), min(window.end, house.end)
        first = -(-lo // grain) * grain
        for duration in durations:
            if first + duration > hi:
                entry.rejected["window" if hi - lo < duration else "house_hours"] += 1
            for start in range(first, hi - duration + 1, grain):
                if (
                    is_staffed(section)
                    and staffed_at(problem, window.day, start, start + duration) < 1
                ):
                    entry.rejected["staffing"] += 1
                    continue
                days = out.setdefault((duration, start), [])
                if window.day not in days:
                    days.append(window.day)
    return out


def _pin_matches(
    pin: TermPin, room: str, days: tuple[int, ...], start: int, duration: int, phase: int | None
) -> bool:
    return (
        (pin.room is None or pin.room == room)
        and (pin.days is None or tuple(sorted(pin.days)) == days)
        and (pin.start is None or pin.start == start)
        and (pin.duration is None or pin.duration == duration)
        and (pin.phase is None or pin.phase == phase)
    )


def build_patterns(problem: TermProblem, calendar: Calendar | None = None) -> list[SectionPatterns]:
    """Patterns of every section, in input order (withdrawn and rejected ones get none)."""
    calendar = calendar or Calendar(problem)
    programme: dict[tuple[str, int], list[tuple[int, int, int, str]]] = {}
    for slot in problem.programme:
        mask, _ = calendar.held(slot.room, slot.day, slot.start, slot.end)
        programme.setdefault((slot.room, slot.day), []).append(
            (slot.start, slot.end, mask, slot.id)
        )
    result: list[SectionPatterns] = []
    for index, section in enumerate(problem.sections):
        fixing = [p for p in problem.pins if p.section == section.id and not p.forbid]
        forbids = [p for p in problem.pins if p.section == section.id and p.forbid]
        entry = SectionPatterns(index, section, pin=fixing[0] if fixing else None)
        result.append(entry)
        if section.status != "active":
            entry.rejected["status"] += 1
            continue
        features = needed_features(problem, section)
        rooms: list[int] = []
        for r, room in enumerate(problem.rooms):
            if section.rooms and room.id not in section.rooms and not section.other_rooms:
                entry.rejected["rooms"] += 1
                continue
            why = fits(room, section.size, features)
            if why is not None:
                entry.rejected[why] += 1
                entry.rejected_rooms.setdefault(why, set()).add(room.id)
                continue
            rooms.append(r)
        times = _time_candidates(problem, entry)
        phases: list[int | None]
        if section.frequency == "fortnightly":
            phases = [section.phase] if section.phase is not None else [0, 1]
        else:
            phases = [None]
        for (duration, start), day_list in sorted(times.items()):
            end = start + duration
            for days in combinations(sorted(day_list), section.per_week):
                for r in rooms:
                    room_id = problem.rooms[r].id
                    for phase in phases:
                        if entry.pin is not None and not _pin_matches(
                            entry.pin, room_id, days, start, duration, phase
                        ):
                            entry.rejected["pins_hold"] += 1
                            continue
                        if any(
                            _pin_matches(f, room_id, days, start, duration, phase) for f in forbids
                        ):
                            entry.rejected["pins_hold"] += 1
                            continue
                        masks: list[int] = []
                        avoidable = 0
                        blocked = False
                        for day in days:
                            held, reasons = calendar.held(room_id, day, start, end)
                            wanted = calendar.frequency_mask(section, day, phase)
                            mask = held & wanted
                            for s0, s1, pmask, pid in programme.get((room_id, day), []):
                                if s0 < end and start < s1 and pmask & mask:
                                    entry.programme_blockers.add(pid)
                                    blocked = True
                            avoidable += sum(
                                1
                                for week, (why, _) in reasons.items()
                                if wanted >> week & 1
                                and why != HOLIDAY
                                and calendar.house_closed(problem.date_of(week, day)) is None
                            )
                            masks.append(mask)
                        if blocked:
                            entry.rejected["programme"] += 1
                            continue
                        if not any(masks):
                            entry.rejected["no_dates"] += 1
                            continue
                        entry.patterns.append(
                            Pattern(index, r, days, start, duration, phase, tuple(masks), avoidable)
                        )
    return result
