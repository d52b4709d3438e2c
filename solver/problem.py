"""The planning problem and the plan: plain, typed, immutable data.

This module holds the *facts* the solver reads (rooms, staff, demands, closures, the centre's
requirements) separately from what it *decides* (placements, staff shifts), in the spirit of
Timefold's problem-fact / planning-entity split.  Nothing here imports OR-Tools, a database or a
web framework, so the booking service can build a `Problem` and read a `Plan` without knowing how
the plan was found.

Time inside a problem is local wall-clock time of one ISO week: a day index (0 = Monday … 6 =
Sunday) plus minutes from local midnight.  The booking service converts to and from absolute
instants (Europe/Berlin) at its edge; the solver never sees a time zone, so a group at 19:00
stays at 19:00 in a week with a daylight-saving change.  In JSON the minutes are written as
``"HH:MM"`` (see ``solver/schemas``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKEND = frozenset({5, 6})

DemandKind = Literal["fixed", "group", "rental", "consultation"]
DEMAND_KINDS: tuple[DemandKind, ...] = ("fixed", "group", "rental", "consultation")

PlanStatus = Literal["optimal", "feasible", "requirements_unmet", "no_plan", "greedy"]


def hhmm(minutes: int) -> str:
    """Format minutes from midnight as ``HH:MM`` (24:00 allowed for an end of day)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def describe(day: int, start: int, end: int) -> str:
    """Human form of a time span, e.g. ``Tue 17:00–21:00``."""
    return f"{DAY_NAMES[day]} {hhmm(start)}–{hhmm(end)}"


@dataclass(frozen=True, slots=True)
class Window:
    """A span of local time on one day of the week: ``start <= t < end`` in minutes."""

    day: int
    start: int
    end: int

    def contains(self, day: int, start: int, end: int) -> bool:
        return self.day == day and self.start <= start and end <= self.end

    def overlaps(self, day: int, start: int, end: int) -> bool:
        return self.day == day and self.start < end and start < self.end

    def __str__(self) -> str:
        return describe(self.day, self.start, self.end)


@dataclass(frozen=True, slots=True)
class Room:
    """A bookable room; ``features`` are tags such as ``kitchen`` or ``confidential``.

    ``buffers`` gives, per demand kind, the minutes the room needs before and after a use of
    that kind (setup and cleanup: a rental in the Saal needs 30 minutes each side).  ``parts``
    names the rooms this one divides into (a hall usable whole or as two halves): the whole and
    a part are never used at once."""

    id: str
    name: str
    capacity: int
    features: frozenset[str] = frozenset()
    centre: str = ""
    buffers: tuple[tuple[str, int], ...] = ()
    parts: tuple[str, ...] = ()

    def buffer(self, kind: str) -> int:
        return dict(self.buffers).get(kind, 0)


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A member of staff: when they can work, how much (contract hours), and what they may do."""

    id: str
    name: str
    availability: tuple[Window, ...]
    max_week_minutes: int
    max_day_minutes: int = 600
    skills: frozenset[str] = frozenset()
    centre: str = ""


@dataclass(frozen=True, slots=True)
class Closure:
    """A room (or, with ``room`` None, the whole centre) is closed in ``window``."""

    window: Window
    room: str | None = None
    reason: str = ""
    centre: str = ""


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """A block of published opening hours: the door and the website say the centre is open on
    ``day`` from ``start`` to ``end`` (a staff member is on duty throughout)."""

    day: int
    start: int
    end: int
    centre: str = ""

    def __str__(self) -> str:
        return describe(self.day, self.start, self.end)


@dataclass(frozen=True, slots=True)
class LastWeek:
    """Where a recurring demand was last week; the stability goal prefers the same again."""

    room: str
    day: int
    start: int


@dataclass(frozen=True, slots=True)
class Demand:
    """Something that needs a room for ``duration`` minutes this week.

    * ``fixed``: a programme slot; its single window is its exact time; it must be placed.
    * ``group``: a recurring group; placed once in one of ``windows`` (several demands sharing a
      ``series`` are the same group meeting on several days).
    * ``rental``: a resident's request for a date with acceptable windows.
    * ``consultation``: a candidate block of Bürgersprechstunde; the solver places as many as the
      weekly requirement needs.  A fixed demand with ``consultation=True`` also counts.

    The demand must lie wholly inside one of ``windows``; ``rooms`` (if not empty) restricts the
    rooms it may use; ``staffed`` demands need a staff member on duty for their whole duration
    (``staff``, if not empty, lists who may do it); otherwise they run self-managed (Eigenregie).
    """

    id: str
    title: str
    kind: DemandKind
    duration: int
    windows: tuple[Window, ...]
    size: int = 1
    features: frozenset[str] = frozenset()
    priority: int = 1
    preferred: tuple[Window, ...] = ()
    rooms: tuple[str, ...] = ()
    staffed: bool = False
    staff: tuple[str, ...] = ()
    skill: str | None = None
    series: str | None = None
    last_week: LastWeek | None = None
    consultation: bool = False
    centre: str = ""
    setup: int = 0  # minutes the room is needed before the demand (on top of its duration)
    cleanup: int = 0  # ... and after it

    @property
    def counts_as_consultation(self) -> bool:
        return self.consultation or self.kind == "consultation"

    @property
    def must_place(self) -> bool:
        return self.kind == "fixed"


@dataclass(frozen=True, slots=True)
class Pin:
    """A staff decision on a draft: fix a demand's room and/or time, or remove it from the plan.

    ``room``/``day``/``start`` left as None stay free.  A pinned demand must be placed (a pin is
    a hard rule, ``pins_hold``); a removed demand is not placed and not reported as unplaced.
    """

    demand: str
    room: str | None = None
    day: int | None = None
    start: int | None = None
    remove: bool = False


@dataclass(frozen=True, slots=True)
class Requirements:
    """The centre's weekly requirements from the Profil Stadtteilzentrum (section IV).

    "Open" means at least one staff member on duty; with ``self_managed_counts_as_open`` the
    hours of self-managed (Eigenregie) use count as open too.
    """

    min_open_minutes: int = 40 * 60
    min_open_days: int = 5
    min_day_open_minutes: int = 4 * 60
    weekend_offer: bool = True
    consultation_minutes: int = 10 * 60
    consultation_features: frozenset[str] = frozenset({"confidential"})
    consultation_skill: str = "consultation"
    min_shift_minutes: int = 120
    self_managed_counts_as_open: bool = False


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the soft goals; see the table in ``solver/goals.py``."""

    place_fixed: int = 5
    place_group: int = 3
    place_rental: int = 2
    preferred_window: int = 10
    stability_room: int = 100
    stability_time: int = 100
    stability_day: int = 100  # on top of stability_time when a group moves to another day
    stability_shift: int = 20  # a staff member's shift on a day differs from last week's
    compact_opening: int = 30
    staff_hours: int = 1
    staff_balance: int = 2
    room_changes: int = 40
    room_fit: int = 1


@dataclass(frozen=True, slots=True)
class Problem:
    """One week of one or more centres.

    ``days`` gives, per day index, the window in which the house may be used at all (e.g. 08:00
    to 22:00); a day not listed is unavailable.  ``grain`` is the time grid in minutes (30 or 15):
    demands start on the grid and occupy whole grains.
    """

    rooms: tuple[Room, ...]
    demands: tuple[Demand, ...]
    staff: tuple[StaffMember, ...] = ()
    days: tuple[Window, ...] = tuple(Window(d, 8 * 60, 22 * 60) for d in range(7))
    closures: tuple[Closure, ...] = ()
    pins: tuple[Pin, ...] = ()
    requirements: Requirements = field(default_factory=Requirements)
    weights: Weights = field(default_factory=Weights)
    grain: int = 30
    week: str = ""
    # Last week's published opening hours; changing a day's hours against them costs like
    # moving a group (``Weights.stability_time``).  Empty: no previous week to keep.
    last_opening: tuple[OpeningHours, ...] = ()
    # Last week's staff shifts; a day's shift that changes costs ``Weights.stability_shift``.
    last_shifts: tuple[Shift, ...] = ()

    def room(self, room_id: str) -> Room:
        for room in self.rooms:
            if room.id == room_id:
                return room
        raise KeyError(room_id)

    def demand(self, demand_id: str) -> Demand:
        for demand in self.demands:
            if demand.id == demand_id:
                return demand
        raise KeyError(demand_id)

    @property
    def centres(self) -> tuple[str, ...]:
        return tuple(sorted({r.centre for r in self.rooms} | {s.centre for s in self.staff}))


def room_span(room: Room, demand: Demand, start: int, end: int) -> tuple[int, int]:
    """The span a use occupies its room, setup and cleanup buffers included."""
    before = max(demand.setup, room.buffer(demand.kind))
    after = max(demand.cleanup, room.buffer(demand.kind))
    return start - before, end + after


def canonical(problem: Problem) -> Problem:
    """The same problem in a canonical order (demands, rooms, staff, closures, pins by id).

    The solver builds its model from this form, so a plan does not depend on the order in
    which the caller listed its input (issue 8, point 9)."""

    def windows(ws: tuple[Window, ...]) -> tuple[Window, ...]:
        return tuple(sorted(ws, key=lambda w: (w.day, w.start, w.end)))

    return replace(
        problem,
        rooms=tuple(
            sorted(
                (
                    replace(r, buffers=tuple(sorted(r.buffers)), parts=tuple(sorted(r.parts)))
                    for r in problem.rooms
                ),
                key=lambda r: r.id,
            )
        ),
        demands=tuple(
            sorted(
                (
                    replace(
                        d,
                        windows=windows(d.windows),
                        preferred=windows(d.preferred),
                        rooms=tuple(sorted(d.rooms)),
                        staff=tuple(sorted(d.staff)),
                    )
                    for d in problem.demands
                ),
                key=lambda d: d.id,
            )
        ),
        staff=tuple(
            sorted(
                (replace(s, availability=windows(s.availability)) for s in problem.staff),
                key=lambda s: s.id,
            )
        ),
        days=windows(problem.days),
        closures=tuple(
            sorted(
                problem.closures,
                key=lambda c: (
                    c.centre,
                    c.room or "",
                    c.window.day,
                    c.window.start,
                    c.window.end,
                    c.reason,
                ),
            )
        ),
        pins=tuple(sorted(problem.pins, key=lambda p: p.demand)),
        last_opening=tuple(
            sorted(problem.last_opening, key=lambda o: (o.centre, o.day, o.start, o.end))
        ),
        last_shifts=tuple(sorted(problem.last_shifts, key=lambda x: (x.staff, x.day, x.start))),
    )


# --------------------------------------------------------------------------------------- plan


@dataclass(frozen=True, slots=True)
class Placement:
    """A demand placed in ``room`` on ``day`` from ``start`` to ``end``, run by ``staff``."""

    demand: str
    room: str
    day: int
    start: int
    end: int
    staff: str | None = None


@dataclass(frozen=True, slots=True)
class Shift:
    """A staff member on duty (the centre is open) on ``day`` from ``start`` to ``end``."""

    staff: str
    day: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a demand is not in the plan, as data: machine-readable ``kind``, the ``rule`` that
    decided (a rule name from ``solver.rules.RULEBOOK``), its ``params`` (name → value, as
    strings) and the ``blockers`` (ids of the competing bookings or staff members it names).
    ``message`` is the English rendering (``solver.explain.render``); a caller that speaks
    another language renders ``kind``/``rule``/``params`` itself."""

    demand: str
    kind: str
    rule: str
    message: str
    blockers: tuple[str, ...] = ()
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str, default: str = "") -> str:
        return dict(self.params).get(name, default)


@dataclass(frozen=True, slots=True)
class RequirementFailure:
    """A requirement the week cannot meet, and by how much (the minimum relaxation found)."""

    rule: str
    subject: str
    required: int
    achieved: int
    unit: str
    message: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A change with which the week would meet every requirement (``solver.diagnose``):
    ``kind`` (``extra_staff``, ``extra_room``, ``lift_closure``), its ``params`` as strings,
    and the English ``message``.  Each is a separate choice for staff."""

    kind: str
    message: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Figures:
    """The plan's figures for the compliance report."""

    open_minutes_per_day: tuple[int, ...]
    open_minutes: int
    open_days: int
    consultation_minutes: int
    utilisation: tuple[tuple[str, float], ...]
    placed: int
    unplaced: int
    placed_by_kind: tuple[tuple[str, int], ...]
    placed_weight: int
    demand_weight: int
    moved: int
    # Published opening hours: per centre and day at most two blocks on the full or half hour.
    opening_hours: tuple[OpeningHours, ...] = ()
    # Sum of the Bürgersprechstunde sessions' lengths; parallel sessions count twice here, but
    # only once in ``consultation_minutes`` (the visible time residents can use).
    consultation_session_minutes: int = 0


@dataclass(frozen=True, slots=True)
class SolveStats:
    """How the plan was found: objective and proven bound (both as "value to maximise"), the
    relative gap, the solver status, wall times, and each soft goal's penalty."""

    status: str
    objective: int
    bound: int
    gap: float
    seconds: float
    first_solution_seconds: float | None
    penalties: tuple[tuple[str, int], ...] = ()
    seed: int = 0
    workers: int = 0
    # The objective mixes placement (× U) and soft penalties, so ``gap`` hides soft quality.
    # Reported apart: placed weight and its proven upper bound, soft penalty and its proven
    # lower bound (at that placement), and a relative gap for each.
    placed_value: int = 0
    placed_bound: int = 0
    placement_gap: float = 0.0
    soft_penalty: int = 0
    soft_bound: int = 0
    soft_gap: float = 0.0


@dataclass(frozen=True, slots=True)
class Plan:
    """A week's Raumnutzungsplan with its explanations and figures."""

    status: PlanStatus
    placements: tuple[Placement, ...]
    shifts: tuple[Shift, ...]
    unplaced: tuple[Explanation, ...]
    unused_candidates: tuple[str, ...]
    requirement_failures: tuple[RequirementFailure, ...]
    figures: Figures
    stats: SolveStats
    week: str = ""
    # Why there is no plan (status ``no_plan``) or why it is only the greedy baseline.
    reason: str = ""
    # When requirements are unmet: other relaxations exactly as small as the one the plan uses
    # (``requirement_failures``).  Staff choose; the solver does not decide between equals.
    alternatives: tuple[tuple[RequirementFailure, ...], ...] = ()
    # When requirements are unmet: changes a centre can make so the week meets them all.
    fixes: tuple[Fix, ...] = ()


@dataclass(frozen=True, slots=True)
class Progress:
    """Reported to ``on_progress`` on each improving solution."""

    objective: int
    bound: int
    seconds: float
    centre: str = ""


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken hard rule found by ``solver.check``."""

    rule: str
    message: str
    subjects: tuple[str, ...] = ()
