"""A week plan run as staff see it: the Raumnutzungsplan on screen,
on paper and in the PDF.

The run is read through the one typed reader of a stored run
(:func:`booking.services.planning.stored.read_stored`); this module turns it once into
entries (title, room, day, time, staff, the Eigenregie and Bürgersprechstunde marks, pinned or
not), the room × time grid at the plan's grain, the Profil figures with met / not met, the
unplaced demand and what moved against the week's published plan. The pages and the PDF only
lay these values out. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.errors import InvalidInput
from booking.messages import Message
from booking.models import Booking, BookingKind, Centre, Offer, PlanRun, Room
from booking.models import RecurringRequest as Request
from booking.permissions import Actor, require_staff
from booking.services import explanations, planning
from booking.services.planning.stored import Source, StoredPlan, read_stored

DAYS = range(7)


@dataclass(slots=True)
class Entry:
    """One placed use of a room in the week (local wall time of the centre). Not frozen: a
    large centre's week has thousands, and a frozen dataclass is slow to make."""

    demand: str
    title: str
    kind: str
    room_id: str
    room: str
    day: int
    start: int
    end: int
    staff: str | None
    self_managed: bool  # Eigenregie: nobody of the staff runs it
    consultation: bool  # Bürgersprechstunde
    pinned: bool

    @property
    def hhmm(self) -> str:
        return f"{_hhmm(self.start)}–{_hhmm(self.end)}"


@dataclass(frozen=True)
class Cell:
    """A run of ``span`` grid slots of one room on one day: an entry, or free time."""

    start: int
    span: int
    entry: Entry | None


@dataclass(frozen=True)
class RoomRow:
    room_id: str
    room: str
    cells: tuple[Cell, ...]
    lane: int = 0  # a second lane only if entries of one room overlap (a divisible room)


@dataclass(frozen=True)
class DayGrid:
    day: int
    date: date
    closed: str | None  # the whole house is closed (a public holiday): why
    rows: tuple[RoomRow, ...]
    entries: int


@dataclass(frozen=True)
class Figure:
    """A requirement of the Profil: what the plan achieves against what is required."""

    key: str
    achieved: float
    required: float
    met: bool


@dataclass(frozen=True)
class Unplaced:
    demand: str
    title: str
    kind: str
    rule: str
    message: str  # the solver's English sentence: shown only when ``explanation`` is None
    explanation: Message | None = None  # the same in the page's language (``explanations``)


@dataclass(frozen=True)
class Change:
    """How one demand differs from the week's published plan."""

    demand: str
    title: str
    what: str  # moved | added | dropped
    before: Entry | None
    after: Entry | None


@dataclass(frozen=True)
class PlanView:
    run: PlanRun
    centre: Centre
    monday: date
    grain: int
    slots: tuple[int, ...]  # the grid's slot starts (minutes of the day)
    rooms: tuple[tuple[str, str], ...]  # (id, name) in the plan's order
    entries: tuple[Entry, ...]
    unplaced: tuple[Unplaced, ...]
    figures: tuple[Figure, ...]
    open_per_day: tuple[int, ...]
    opening_hours: tuple[tuple[int, int, int], ...]  # (day, start, end)
    requirement_failures: tuple[str, ...]
    plan_status: str | None
    pins: dict[str, dict[str, Any]]
    closed_days: dict[int, str]
    published: PlanRun | None
    stored: StoredPlan | None = None  # the run read back typed (None: no plan yet)

    @property
    def has_plan(self) -> bool:
        return self.stored is not None

    @property
    def sources(self) -> dict[str, Source]:
        """What each demand of the plan stands for (the run's map to our rows)."""
        return self.stored.sources if self.stored is not None else {}

    def days(self, only: Iterable[int] = DAYS) -> list[DayGrid]:
        return [self.day_grid(d) for d in only]

    def day_grid(self, day: int) -> DayGrid:
        by_room: dict[str, list[Entry]] = {}
        for e in self.entries:
            if e.day == day:
                by_room.setdefault(e.room_id, []).append(e)
        rows: list[RoomRow] = []
        for room_id, name in self.rooms:
            for lane, entries in enumerate(_lanes(by_room.get(room_id, []))):
                rows.append(RoomRow(room_id, name, self._cells(entries), lane))
        count = sum(len(v) for v in by_room.values())
        return DayGrid(day, self.monday + timedelta(days=day), self.closed_days.get(day),
                       tuple(rows), count)

    def _cells(self, entries: Sequence[Entry]) -> tuple[Cell, ...]:
        first, end = self.slots[0], self.slots[-1] + self.grain
        cells: list[Cell] = []
        cursor = first
        for e in entries:
            start, stop = max(e.start, first), min(e.end, end)
            if start > cursor:
                cells.append(Cell(cursor, (start - cursor) // self.grain, None))
            cells.append(Cell(start, max(1, -(-(stop - start) // self.grain)), e))
            cursor = start + cells[-1].span * self.grain
        if cursor < end:
            cells.append(Cell(cursor, (end - cursor) // self.grain, None))
        return tuple(cells)

    def by_room_and_day(self) -> list[tuple[str, str, list[list[Entry]]]]:
        """For the printed week: each room with its entries per day, in time order."""
        table: dict[str, list[list[Entry]]] = {rid: [[] for _ in DAYS] for rid, _ in self.rooms}
        for e in self.entries:
            table[e.room_id][e.day].append(e)
        return [(rid, name, table[rid]) for rid, name in self.rooms]

    def room_week(self, room_id: str) -> list[tuple[int, list[Cell | None]]]:
        """For the printed page of one room: a row per grid slot, a column per day; a cell
        that starts an entry spans its slots, the slots it covers are left out (None)."""
        starts: dict[tuple[int, int], Entry] = {}
        covered: set[tuple[int, int]] = set()
        for e in self.entries:
            if e.room_id != room_id or (e.day, e.start) in starts:
                continue
            starts[(e.day, e.start)] = e
            covered.update((e.day, t) for t in range(e.start + self.grain, e.end, self.grain))
        rows = []
        for slot in self.slots:
            cells: list[Cell | None] = []
            for day in DAYS:
                if (day, slot) in covered:
                    cells.append(None)
                elif (day, slot) in starts:
                    e = starts[(day, slot)]
                    span = -(-(min(e.end, self.slots[-1] + self.grain) - slot) // self.grain)
                    cells.append(Cell(slot, span, e))
                else:
                    cells.append(Cell(slot, 1, None))
            rows.append((slot, cells))
        return rows

    def used_rooms(self) -> list[tuple[str, str]]:
        used = {e.room_id for e in self.entries}
        return [(rid, name) for rid, name in self.rooms if rid in used]

    def entry(self, demand: str) -> Entry | None:
        return next((e for e in self.entries if e.demand == demand), None)

    def changes(self) -> list[Change]:
        """What moved, came or went against the week's published plan."""
        if self.published is None or self.published.id == self.run.id:
            return []
        before = {e.demand: e for e in _entries(read_stored(self.published), {})}
        after = {e.demand: e for e in self.entries}
        out: list[Change] = []
        for demand in sorted(before.keys() | after.keys(),
                             key=lambda d: _order(after.get(d) or before[d])):
            b, a = before.get(demand), after.get(demand)
            if b is None and a is not None:
                out.append(Change(demand, a.title, "added", None, a))
            elif a is None and b is not None:
                out.append(Change(demand, b.title, "dropped", b, None))
            elif a is not None and b is not None and (a.room_id, a.day, a.start, a.end) != (
                    b.room_id, b.day, b.start, b.end):
                out.append(Change(demand, a.title, "moved", b, a))
        return out


def _order(e: Entry) -> tuple[int, int, str]:
    return e.day, e.start, e.room


def _lanes(entries: list[Entry]) -> list[list[Entry]]:
    lanes: list[list[Entry]] = []
    for e in sorted(entries, key=lambda x: (x.start, x.end, x.title)):
        for lane in lanes:
            if lane[-1].end <= e.start:
                lane.append(e)
                break
        else:
            lanes.append([e])
    return lanes or [[]]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _entries(stored: StoredPlan | None, pins: dict[str, dict[str, Any]]) -> list[Entry]:
    if stored is None:
        return []
    problem = stored.problem
    rooms = {r.id: r.name for r in problem.rooms}
    staff = {m.id: m.name for m in problem.staff}
    out = []
    for p in stored.plan.placements:
        d = stored.demand(p.demand)
        if d is None:
            continue
        out.append(Entry(
            demand=p.demand, title=d.title, kind=d.kind, room_id=p.room,
            room=rooms.get(p.room, p.room), day=p.day, start=p.start, end=p.end,
            staff=staff.get(p.staff or ""), self_managed=not d.staffed,
            consultation=d.consultation or d.kind == "consultation",
            pinned=p.demand in pins and not pins[p.demand].get("remove")))
    out.sort(key=_order)
    return out


def _figures(stored: StoredPlan, entries: Sequence[Entry]) -> tuple[Figure, ...]:
    req = stored.problem.requirements
    fig = stored.plan.figures
    out = [
        Figure("open_hours", fig.open_minutes / 60, req.min_open_minutes / 60,
               fig.open_minutes >= req.min_open_minutes),
        Figure("open_days", fig.open_days, req.min_open_days,
               fig.open_days >= req.min_open_days),
        Figure("consultation", fig.consultation_minutes / 60, req.consultation_minutes / 60,
               fig.consultation_minutes >= req.consultation_minutes),
    ]
    if req.weekend_offer:
        weekend = sum(1 for e in entries if e.day >= 5)
        out.append(Figure("weekend", weekend, 1, weekend >= 1))
    return tuple(out)


def view(session: Session, run: PlanRun) -> PlanView:
    centre = session.get_one(Centre, run.centre_id)
    monday = planning.parse_week(run.week)
    pins = {p["demand"]: p for p in run.pins or []}
    published = session.scalars(select(PlanRun).where(
        PlanRun.centre_id == run.centre_id, PlanRun.week == run.week,
        PlanRun.status == "published").order_by(PlanRun.published_at.desc()).limit(1)).first()
    stored = read_stored(run)
    if stored is None:
        rooms = tuple((str(r.id), r.name) for r in session.scalars(
            select(Room).where(Room.centre_id == centre.id, Room.active.is_(True))
            .order_by(Room.id)))
        return PlanView(run, centre, monday, planning.GRAIN, _slots(planning.GRAIN), rooms, (),
                        (), (), (), (), (), None, pins, {}, published)
    problem, plan = stored.problem, stored.plan
    grain = problem.grain
    entries = _entries(stored, pins)
    unplaced = tuple(Unplaced(u.demand, stored.title(u.demand), u.kind, u.rule, u.message,
                              explanations.explanation(u, problem, plan))
                     for u in plan.unplaced)
    closed = {c.window.day: c.reason for c in problem.closures
              if c.room is None and c.window.start == 0}
    opening = tuple((o.day, o.start, o.end) for o in plan.figures.opening_hours)
    return PlanView(
        run=run, centre=centre, monday=monday, grain=grain, slots=_slots(grain),
        rooms=tuple((r.id, r.name) for r in problem.rooms), entries=tuple(entries),
        unplaced=unplaced, figures=_figures(stored, entries),
        open_per_day=tuple(plan.figures.open_minutes_per_day), opening_hours=opening,
        requirement_failures=tuple(f.message for f in plan.requirement_failures),
        plan_status=plan.status, pins=pins, closed_days=closed, published=published,
        stored=stored)


def _slots(grain: int) -> tuple[int, ...]:
    return tuple(range(planning.HOUSE_OPEN, planning.HOUSE_CLOSE, grain))


def staff_centre(session: Session, actor: Actor, centre_id: int | None = None) -> Centre:
    """The centre whose plan the staff member works on: the one asked for, else their own
    (the first, for someone on several teams)."""
    if centre_id is None:
        mine = actor.staff_centres
        query = select(Centre).order_by(Centre.id)
        if mine is not None:
            query = query.where(Centre.id.in_(mine))
        centre = session.scalars(query.limit(1)).first()
    else:
        centre = session.get(Centre, centre_id)
    if centre is None:
        raise InvalidInput("plan_no_centre")
    require_staff(actor, centre.id)
    return centre


def runs_of_centre(session: Session, actor: Actor, centre: Centre,
                   limit: int = 20) -> Sequence[PlanRun]:
    require_staff(actor, centre.id)
    return session.scalars(select(PlanRun).where(PlanRun.centre_id == centre.id)
                           .order_by(PlanRun.id.desc()).limit(limit)).all()


def public_entries(session: Session, pv: PlanView) -> list[Entry]:
    """The entries of the week's public programme (the poster): programme slots of public
    offers and groups meeting for a public offer (a recurring request or a date of a term's
    series); never a rental or an internal use. What each entry is comes from the run's map
    to our rows, never from its demand id."""
    sources = pv.sources
    programme_ids = {s.booking_id for e in pv.entries if e.kind == "fixed"
                     and (s := sources.get(e.demand)) is not None and s.booking_id is not None}
    group_ids = {s.booking_id for s in sources.values()
                 if s.kind == "series_date" and s.booking_id is not None}
    request_ids = {s.request_id for s in sources.values()
                   if s.kind == "group" and s.request_id is not None}
    public_bookings = set(session.scalars(
        select(Booking.id).join(Offer, Booking.offer_id == Offer.id)
        .where(Booking.id.in_(sorted(programme_ids | group_ids)), Offer.public.is_(True),
               (Booking.kind == BookingKind.PROGRAMME) | Booking.id.in_(sorted(group_ids)))
    )) if programme_ids or group_ids else set()
    public_requests = set(session.scalars(
        select(Request.id).join(Offer, Request.offer_id == Offer.id)
        .where(Request.id.in_(sorted(request_ids)), Offer.public.is_(True)))
    ) if request_ids else set()
    out = []
    for e in pv.entries:
        source = sources.get(e.demand)
        if source is None:
            continue
        if (source.booking_id in public_bookings and source.kind in ("fixed", "series_date")) \
                or (source.kind == "group" and source.request_id in public_requests):
            out.append(e)
    return out


def elapsed_seconds(run: PlanRun, now: datetime) -> float:
    """How long the run has been solving (or took)."""
    progress = run.progress or {}
    if run.status == "running" and run.started_at is not None:
        return max(0.0, (now - run.started_at).total_seconds())
    return float(progress.get("seconds") or 0.0)
