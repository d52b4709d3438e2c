"""The term problem and the term plan: plain, typed, immutable data.

A *term* (e.g. February–July) is planned at once: groups apply with *sections* (one activity
each), and every section gets at most one *pattern* — day(s), start, a duration between its
minimum and maximum, room and, for a fortnightly group, which weeks — used for all its meetings
of the term.  The facts here are separate from what the solver decides (``Allocation``), as in
the week problem (``solver/problem.py``), whose ``Room``, ``Window`` and ``OpeningHours`` are
reused.

Time: a weekday index (0 = Monday) plus minutes from local midnight, as in the week problem;
concrete dates are ``datetime.date`` (local calendar dates, no zone: the service converts at its
edge).  The term's weeks start on ``TermProblem.start`` (a Monday) and run ``weeks`` weeks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from solver.problem import OpeningHours, Room, Window

Frequency = Literal["weekly", "fortnightly", "monthly"]
FREQUENCIES: tuple[Frequency, ...] = ("weekly", "fortnightly", "monthly")
SectionStatus = Literal["active", "withdrawn", "rejected"]
PreferenceLevel = Literal["primary", "secondary"]
TermStatus = Literal["optimal", "feasible", "greedy", "no_plan"]


@dataclass(frozen=True, slots=True)
class Preference:
    """A window the applicant prefers, ``primary`` (most) or ``secondary``."""

    window: Window
    level: PreferenceLevel = "primary"


@dataclass(frozen=True, slots=True)
class LastSlot:
    """Where the same group met last term; the stability goal prefers the same again."""

    room: str
    days: tuple[int, ...]
    start: int


@dataclass(frozen=True, slots=True)
class Section:
    """One activity of an application.

    ``windows`` are the allowed times (a meeting lies wholly inside one of them); the solver
    picks a duration between ``min_duration`` and ``max_duration`` (minutes, on the grain).
    ``frequency`` is weekly (``per_week`` meetings on different days, 1–3), fortnightly (the
    solver picks the weeks unless ``phase`` is given: 0 = the term's 1st, 3rd … week) or monthly
    (on the ``nth`` weekdays of each month, e.g. ``(1, 3)``; ``-1`` = the last).  ``rooms`` are
    the wished rooms in order; with ``other_rooms`` another room that fits is acceptable too.
    ``priority_class`` is 1 for the highest class (the centre's published classes).  A
    ``withdrawn`` or ``rejected`` section is never allocated."""

    id: str
    title: str
    applicant: str
    priority_class: int
    min_duration: int
    max_duration: int
    windows: tuple[Window, ...]
    frequency: Frequency = "weekly"
    per_week: int = 1
    nth: tuple[int, ...] = ()
    phase: int | None = None
    preferred: tuple[Preference, ...] = ()
    rooms: tuple[str, ...] = ()
    other_rooms: bool = True
    features: frozenset[str] = frozenset()
    size: int = 1
    staffed: bool = False
    consultation: bool = False
    offer: bool = True  # open to residents: a staffed offer on Sat/Sun is the weekend offer
    status: SectionStatus = "active"
    last_term: LastSlot | None = None


@dataclass(frozen=True, slots=True)
class ProgrammeSlot:
    """The centre's own fixed programme: every week of the term at this time and room (not on
    holidays or while the house or room is closed)."""

    id: str
    title: str
    room: str
    day: int
    start: int
    end: int
    staffed: bool = True
    consultation: bool = False
    offer: bool = True


@dataclass(frozen=True, slots=True)
class Booking:
    """A booking confirmed before the allocation (a rental on one date): a section's meeting
    that collides with it is skipped on that date."""

    id: str
    title: str
    room: str
    date: date
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class TermClosure:
    """A room (or, with ``room`` None, the whole house) closed from ``first`` to ``last``."""

    first: date
    last: date
    room: str | None = None
    reason: str = ""

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True, slots=True)
class Holiday:
    """A public holiday (North Rhine-Westphalia): the house is closed."""

    date: date
    name: str


@dataclass(frozen=True, slots=True)
class Staffing:
    """``count`` staff members can run activities at once in ``window`` (every week): staffed
    activities need it, and the house is open only where someone is on duty."""

    window: Window
    count: int


@dataclass(frozen=True, slots=True)
class TermPin:
    """A staff decision: fix a section's pattern (the fields given; None stays free) or, with
    ``forbid``, exclude the patterns matching them.  A fixed section is placed if at all
    possible (``pins_hold`` is the first stage of the solve)."""

    section: str
    room: str | None = None
    days: tuple[int, ...] | None = None
    start: int | None = None
    duration: int | None = None
    phase: int | None = None
    forbid: bool = False


@dataclass(frozen=True, slots=True)
class TermRequirements:
    """The Profil Stadtteilzentrum's weekly minimums, checked in every concrete week."""

    min_open_minutes: int = 40 * 60
    min_open_days: int = 5
    min_day_open_minutes: int = 4 * 60
    weekend_offer: bool = True
    consultation_minutes: int = 10 * 60
    consultation_features: frozenset[str] = frozenset({"confidential"})
    max_blocks: int = 2  # published opening hours: at most this many blocks a day


@dataclass(frozen=True, slots=True)
class TermWeights:
    """Weights of the soft goals (``solver/term/goals.py``); placement is above them all, by
    priority class (solved class by class, not weighted)."""

    preferred_secondary: int = 10
    preferred_outside: int = 30
    duration: int = 8  # per grain below the section's maximum
    stability_room: int = 40
    stability_time: int = 40
    stability_day: int = 40
    room_wish: int = 10  # per rank below the first wish; a room not wished costs 3 ranks
    room_fit: int = 1  # per 10 empty seats
    skipped_date: int = 15  # per date lost to a booking or a room closure
    compact_opening: int = 30  # per extra opening block in a day
    staff_hours: int = 1  # per grain the house is open
    staff_balance: int = 3  # per staffed activity beyond half the staff on duty


@dataclass(frozen=True, slots=True)
class TermProblem:
    """A term of one centre.  ``days`` are the house hours per weekday; ``grain`` the time grid
    (minutes) on which meetings start and last."""

    start: date
    weeks: int
    rooms: tuple[Room, ...]
    sections: tuple[Section, ...]
    programme: tuple[ProgrammeSlot, ...] = ()
    bookings: tuple[Booking, ...] = ()
    closures: tuple[TermClosure, ...] = ()
    holidays: tuple[Holiday, ...] = ()
    staffing: tuple[Staffing, ...] = ()
    days: tuple[Window, ...] = tuple(Window(d, 8 * 60, 22 * 60) for d in range(7))
    pins: tuple[TermPin, ...] = ()
    requirements: TermRequirements = field(default_factory=TermRequirements)
    weights: TermWeights = field(default_factory=TermWeights)
    grain: int = 30
    name: str = ""

    def monday(self, week: int) -> date:
        return self.start + timedelta(days=7 * week)

    def date_of(self, week: int, day: int) -> date:
        return self.start + timedelta(days=7 * week + day)

    def room(self, room_id: str) -> Room:
        for room in self.rooms:
            if room.id == room_id:
                return room
        raise KeyError(room_id)

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)


# --------------------------------------------------------------------------------------- plan


@dataclass(frozen=True, slots=True)
class SkippedDate:
    """A date of an allocated pattern that cannot be held: ``reason`` is ``holiday``,
    ``closure`` or ``booking``; ``detail`` the holiday's name, the closure's reason or the
    booking's id (staff only: the applicant sees the reason, not whose booking)."""

    date: date
    reason: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Allocation:
    """A section's pattern for the whole term and its concrete dates."""

    section: str
    room: str
    days: tuple[int, ...]
    start: int
    end: int
    phase: int | None
    dates: tuple[date, ...]
    skipped: tuple[SkippedDate, ...] = ()


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What would place a refused section: ``kind`` is ``other_window``, ``shorter_duration``
    or ``room_without_feature``; ``params`` as strings (a free slot; no other applicant)."""

    kind: str
    params: tuple[tuple[str, str], ...]
    message: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a section got no slot, in two registers.

    For staff: the deciding ``rule``, a ``kind``, the ``blockers`` (ids of the competing
    sections, programme slots or bookings), ``params`` and the English ``message``.  For the
    applicant: ``code`` + ``code_params`` that name no other applicant (the service translates
    them) and the English ``applicant_message``.  ``suggestions``: what would place it."""

    section: str
    rule: str
    kind: str
    message: str
    code: str
    applicant_message: str
    blockers: tuple[str, ...] = ()
    params: tuple[tuple[str, str], ...] = ()
    code_params: tuple[tuple[str, str], ...] = ()
    suggestions: tuple[Suggestion, ...] = ()

    def param(self, name: str, default: str = "") -> str:
        return dict(self.params).get(name, default)


@dataclass(frozen=True, slots=True)
class Shortfall:
    """A Profil minimum a week does not reach, by how much, and why (``cause``: holidays,
    closure, or ``plan`` when the week could not be filled otherwise)."""

    rule: str
    required: int
    achieved: int
    unit: str
    cause: str


@dataclass(frozen=True, slots=True)
class WeekReport:
    """One concrete week's figures under the plan."""

    index: int
    monday: date
    open_minutes: int
    open_days: int
    weekend_offer: bool
    consultation_minutes: int
    shortfalls: tuple[Shortfall, ...] = ()


@dataclass(frozen=True, slots=True)
class StageStats:
    """One stage of the lexicographic solve (``pins``, ``profil``, ``class 1`` …, ``soft``):
    the value reached, its proven bound, whether proven."""

    name: str
    objective: int
    bound: int
    proven: bool
    seconds: float


@dataclass(frozen=True, slots=True)
class TermStats:
    """How the plan was found.  ``objective``/``bound``/``gap`` are of the last stage (the
    soft penalty, minimised); ``proven`` holds when every stage was proven optimal."""

    status: str
    objective: int
    bound: int
    gap: float
    proven: bool
    seconds: float
    first_solution_seconds: float | None
    stages: tuple[StageStats, ...] = ()
    penalties: tuple[tuple[str, int], ...] = ()
    patterns: int = 0


@dataclass(frozen=True, slots=True)
class TermPlan:
    """The term's allocation: one pattern per allocated section, a refusal with reasons for
    each active section without one, the published opening hours, and every week's figures."""

    status: TermStatus
    allocations: tuple[Allocation, ...]
    refusals: tuple[Refusal, ...]
    opening: tuple[OpeningHours, ...]
    weeks: tuple[WeekReport, ...]
    stats: TermStats
    reason: str = ""

    def allocation(self, section_id: str) -> Allocation | None:
        for a in self.allocations:
            if a.section == section_id:
                return a
        return None


@dataclass(frozen=True, slots=True)
class TermProgress:
    """Reported to ``on_progress`` on each improving solution of a stage."""

    stage: str
    objective: int
    bound: int
    seconds: float


def problems_with(problem: TermProblem) -> list[str]:
    """What makes a term problem unusable, in words for the caller (empty: fine).  The solver
    refuses such input rather than explaining every section away with a wrong reason."""
    out: list[str] = []
    if problem.start.weekday() != 0:
        out.append(f"the term must start on a Monday, not {problem.start.isoformat()}")
    if problem.weeks < 1:
        out.append("the term needs at least one week")
    if problem.grain <= 0 or (24 * 60) % problem.grain:
        out.append(f"grain {problem.grain} does not divide a day")
    seen: set[str] = set()
    rooms = {r.id for r in problem.rooms}
    for s in problem.sections:
        where = f"section {s.id}"
        if s.id in seen:
            out.append(f"{where} appears twice")
        seen.add(s.id)
        if not 0 < s.min_duration <= s.max_duration:
            out.append(f"{where}: durations {s.min_duration}–{s.max_duration} are not a range")
        elif s.min_duration % problem.grain or s.max_duration % problem.grain:
            out.append(f"{where}: durations are not on the {problem.grain}-minute grid")
        if not 1 <= s.per_week <= 3:
            out.append(f"{where}: {s.per_week} meetings a week (1–3 allowed)")
        if s.frequency != "weekly" and s.per_week != 1:
            out.append(f"{where}: a {s.frequency} section meets once in its weeks")
        if s.frequency == "monthly" and not s.nth:
            out.append(f"{where}: a monthly section needs its n-th weekdays")
        if any(n not in (1, 2, 3, 4, 5, -1) for n in s.nth):
            out.append(f"{where}: n-th weekdays must be 1–5 or -1 (last)")
        if s.phase not in (None, 0, 1):
            out.append(f"{where}: phase must be 0 or 1")
        if s.priority_class < 1:
            out.append(f"{where}: priority classes start at 1")
        if unknown := sorted(set(s.rooms) - rooms):
            out.append(f"{where}: unknown rooms {', '.join(unknown)}")
    for p in problem.pins:
        if p.section not in seen:
            out.append(f"pin for unknown section {p.section}")
    return out
