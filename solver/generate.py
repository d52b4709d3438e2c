"""Realistic, seeded instances for tests and benchmarks.

``centre``: one Stadtteilzentrum — 12 rooms, 7 days 08:00–22:00, 6 staff, about 60 fixed
programme slots (two of them Bürgersprechstunde), 60 recurring groups (some meeting twice a
week), 40 rental requests (weekend-heavy, many needing the kitchen) and Bürgersprechstunde
candidate blocks.  ``city``: five such centres (ids prefixed ``C1-`` … ``C5-``), which the solver
plans as independent sub-models.  ``house60``: one large house with the rooms, staff and
demand of five centres under one roof (60 rooms, ~890 demands), planned as one model.

The fixed programme is generated together with a conflict-free room and staff assignment, so
the fixed slots are always placeable; recurring groups get a conflict-free "last week" placement
so the stability goal has something to keep.  Rentals are over-demanded on purpose (as in real
centres at weekends), so some stay unplaced and need explaining.

``next_week`` derives the re-planning benchmark's "small change": last week's plan becomes the
groups' ``last_week`` and its opening hours ``last_opening``, 3 groups drop out, 5 rentals
arrive and one room is closed for a day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from solver.problem import (
    Closure,
    Demand,
    LastWeek,
    Plan,
    Problem,
    Requirements,
    Room,
    StaffMember,
    Window,
)

PROFILES = ("centre", "city", "small", "pair", "house60")

_ROOMS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("Saal", 120, ("barrier_free", "projector", "stage")),
    ("Café", 40, ("barrier_free", "kitchen")),
    ("Gruppenraum 1", 25, ("barrier_free",)),
    ("Gruppenraum 2", 25, ("barrier_free", "projector")),
    ("Gruppenraum 3", 18, ()),
    ("Seminarraum", 30, ("barrier_free", "projector")),
    ("Beratungsraum 1", 4, ("barrier_free", "confidential")),
    ("Beratungsraum 2", 6, ("confidential",)),
    ("Werkraum", 15, ("workshop",)),
    ("Bewegungsraum", 35, ("barrier_free", "mats")),
    ("Lernküche", 14, ("barrier_free", "kitchen")),
    ("Kinderraum", 20, ("barrier_free",)),
)

_STAFF = ("Anna", "Mehmet", "Svetlana", "Jonas", "Fatma", "Lukas")

_PROGRAMME = (
    "Offenes Café",
    "Sprachcafé",
    "Elterncafé",
    "Seniorentreff",
    "Hausaufgabenhilfe",
    "Nähwerkstatt",
    "Repair-Café",
    "Stadtteilfrühstück",
    "Deutschkurs",
    "Lesekreis",
    "Mittagstisch",
    "Kinderturnen",
    "Computersprechstunde",
    "Spielenachmittag",
    "Frauenfrühstück",
    "Krabbelgruppe",
)

_GROUPS = (
    "Chor Heimatklang",
    "Yoga für alle",
    "Selbsthilfegruppe Diabetes",
    "Schachclub",
    "Tanzgruppe Anadolu",
    "Malkreis",
    "Gitarrengruppe",
    "Nachbarschaftsinitiative",
    "Senioren-Gymnastik",
    "Kulturverein",
    "Theatergruppe",
    "Imkerverein",
    "Strickkreis",
    "Fotogruppe",
    "Mieterbeirat",
    "Elternverein",
    "Fahrradwerkstatt",
    "Trauergruppe",
    "Migrantenselbstorganisation",
    "Klimagruppe",
)

_RENTALS = (
    "Geburtstagsfeier",
    "Familienfeier",
    "Vereinssitzung",
    "Kindergeburtstag",
    "Hochzeitsvorfeier",
    "Nachbarschaftsfest",
    "Trauerkaffee",
    "Workshop",
)

_BANDS = ((9 * 60, 13 * 60), (14 * 60, 18 * 60), (17 * 60, 22 * 60))


@dataclass
class _Grid:
    rooms: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)
    staff: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)
    hull: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)

    def room_free(self, r: int, day: int, start: int, end: int) -> bool:
        return not any(d == day and a < end and start < b for d, a, b in self.rooms.get(r, []))

    def take_room(self, r: int, day: int, start: int, end: int) -> None:
        self.rooms.setdefault(r, []).append((day, start, end))


def _fits(room: Room, size: int, features: frozenset[str]) -> bool:
    return room.capacity >= size and features <= room.features


def _pick_staff(
    grid: _Grid,
    staff: list[StaffMember],
    day: int,
    start: int,
    end: int,
    skill: str | None,
    rng: random.Random,
) -> int | None:
    order = list(range(len(staff)))
    rng.shuffle(order)
    for s in order:
        member = staff[s]
        if skill is not None and skill not in member.skills:
            continue
        if any(d == day and a < end and start < b for d, a, b in grid.staff.get(s, [])):
            continue
        old = grid.hull.get((s, day))
        lo, hi = (start, end) if old is None else (min(old[0], start), max(old[1], end))
        # Leave room for stretching to a 2-h minimum shift and for the opening rules.
        lo2, hi2 = lo, max(hi, lo + 120)
        if not any(w.contains(day, lo2, hi2) for w in member.availability):
            continue
        if hi2 - lo2 > member.max_day_minutes - 60:
            continue
        week = sum(max(b - a, 120) for (m, _), (a, b) in grid.hull.items() if m == s)
        grown = (hi2 - lo2) - (0 if old is None else max(old[1] - old[0], 120))
        if week + grown > member.max_week_minutes * 0.6:
            continue
        grid.staff.setdefault(s, []).append((day, start, end))
        grid.hull[(s, day)] = (lo, hi)
        return s
    return None


def _staff(rng: random.Random, prefix: str, centre: str) -> list[StaffMember]:
    shapes = ((8 * 60, 16 * 60), (10 * 60, 18 * 60), (12 * 60, 20 * 60), (14 * 60, 22 * 60))
    result: list[StaffMember] = []
    for i, name in enumerate(_STAFF):
        # Everyone works on 5 days; the two late-shift people also cover the weekend.
        days = [0, 1, 2, 3, 4] if i < 4 else [1, 3, 4, 5, 6]
        if i < 4 and rng.random() < 0.5:
            days = [d for d in days if d != rng.randrange(5)] + [5]
        shape = shapes[i % len(shapes)]
        availability = tuple(Window(d, shape[0], shape[1]) for d in sorted(days))
        result.append(
            StaffMember(
                id=f"{prefix}S{i + 1}",
                name=name,
                availability=availability,
                max_week_minutes=rng.choice((20, 25, 30, 35, 39)) * 60,
                max_day_minutes=8 * 60,
                skills=frozenset({"consultation"}) if i < 4 else frozenset(),
                centre=centre,
            )
        )
    return result


def _centre(rng: random.Random, prefix: str = "", centre: str = "", scale: float = 1.0) -> Problem:
    rooms = [
        Room(
            id=f"{prefix}R{i + 1:02d}",
            name=name,
            capacity=cap + (rng.choice((-2, 0, 0, 2)) if cap > 10 else 0),
            features=frozenset(features),
            centre=centre,
        )
        for i, (name, cap, features) in enumerate(_ROOMS)
    ]
    staff = _staff(rng, prefix, centre)
    grid = _Grid()
    demands: list[Demand] = []

    # Fixed programme: generated with a feasible room and staff assignment.
    n_fixed = round(60 * scale)
    fixed_specs: list[tuple[str, int, int, int, bool, bool]] = [
        ("Bürgersprechstunde", 1, 10 * 60, 120, True, True),
        ("Bürgersprechstunde", 3, 16 * 60, 120, True, True),
        ("Familiencafé am Wochenende", 5, 14 * 60, 180, True, False),
    ]
    attempts = 0
    while len(demands) < n_fixed and attempts < 5000:
        attempts += 1
        if fixed_specs:
            title, day, start, duration, staffed, consultation = fixed_specs.pop(0)
        else:
            title = rng.choice(_PROGRAMME)
            day = rng.choices(range(7), weights=(5, 5, 5, 5, 5, 2, 1))[0]
            duration = rng.choice((60, 90, 120, 120, 180))
            start = rng.randrange(8 * 60, 22 * 60 - duration + 1, 30)
            staffed = rng.random() < 0.5
            consultation = False
        size = 3 if consultation else rng.randint(6, 30)
        features = (
            frozenset({"confidential"})
            if consultation
            else frozenset(
                f for f, p in (("barrier_free", 0.4), ("kitchen", 0.1)) if rng.random() < p
            )
        )
        compatible = [i for i, r in enumerate(rooms) if _fits(r, size, features)]
        free = [i for i in compatible if grid.room_free(i, day, start, start + duration)]
        if not free:
            continue
        home = min(free, key=lambda i: (rooms[i].capacity, i))
        skill = "consultation" if consultation else None
        if staffed and _pick_staff(grid, staff, day, start, start + duration, skill, rng) is None:
            if consultation:
                continue
            staffed = False
        grid.take_room(home, day, start, start + duration)
        others = [i for i in compatible if i != home]
        allowed = [home, *rng.sample(others, min(len(others), rng.randint(0, 2)))]
        demands.append(
            Demand(
                id=f"{prefix}F{len(demands) + 1:02d}",
                title=title,
                kind="fixed",
                duration=duration,
                windows=(Window(day, start, start + duration),),
                size=size,
                features=features,
                priority=3,
                rooms=tuple(rooms[i].id for i in sorted(allowed)),
                staffed=staffed,
                last_week=LastWeek(rooms[home].id, day, start),
                consultation=consultation,
                centre=centre,
            )
        )

    # Bürgersprechstunde candidates: 2-h blocks Mon–Sat, morning or afternoon.
    for i in range(max(8, round(18 * scale))):
        day = i % 6
        band = (9 * 60, 13 * 60) if i % 3 != 2 else (15 * 60, 20 * 60)
        demands.append(
            Demand(
                id=f"{prefix}B{i + 1:02d}",
                title="Bürgersprechstunde",
                kind="consultation",
                duration=120,
                windows=(Window(day, band[0], band[1]),),
                size=3,
                priority=1,
                staffed=True,
                centre=centre,
            )
        )

    # Recurring groups, some meeting twice a week (a series).
    n_groups = round(60 * scale)
    count = 0
    series_no = 0
    while count < n_groups:
        title = rng.choice(_GROUPS)
        meetings = 2 if rng.random() < 0.2 and count + 2 <= n_groups else 1
        series_no += 1
        size = rng.randint(5, 35)
        features = frozenset(
            f
            for f, p in (
                ("barrier_free", 0.4),
                ("projector", 0.15),
                ("kitchen", 0.08),
                ("mats", 0.08),
            )
            if rng.random() < p
        )
        duration = rng.choice((60, 90, 120, 120, 180))
        priority = rng.choice((1, 2, 2, 3))
        staffed = rng.random() < 0.12
        bands = rng.sample(_BANDS, rng.randint(1, 2))
        days = sorted(rng.sample(range(7), rng.randint(2, 5)))
        for m in range(meetings):
            count += 1
            windows = tuple(Window(d, a, b) for d in days for a, b in sorted(bands))
            pref_day = days[(m * len(days)) // meetings]
            pref_band = bands[0]
            preferred = (Window(pref_day, pref_band[0], pref_band[1]),)
            last = None
            if rng.random() < 0.9:
                compatible = [i for i, r in enumerate(rooms) if _fits(r, size, features)]
                options = [
                    (i, w.day, s)
                    for w in [*preferred, *windows]
                    for s in range(w.start, w.end - duration + 1, 30)
                    for i in compatible
                ]
                for i, day, s in options:
                    if grid.room_free(i, day, s, s + duration):
                        grid.take_room(i, day, s, s + duration)
                        last = LastWeek(rooms[i].id, day, s)
                        break
            demands.append(
                Demand(
                    id=f"{prefix}G{count:02d}",
                    title=title if meetings == 1 else f"{title} ({m + 1}/{meetings})",
                    kind="group",
                    duration=duration,
                    windows=windows,
                    size=size,
                    features=features,
                    priority=priority,
                    preferred=preferred,
                    staffed=staffed,
                    series=f"{prefix}series{series_no}" if meetings > 1 else None,
                    last_week=last,
                    centre=centre,
                )
            )

    # Rentals: weekend-heavy, 1–3 acceptable windows, many need the kitchen.
    for i in range(round(40 * scale)):
        demands.append(_rental(rng, f"{prefix}M{i + 1:02d}", centre))

    return Problem(
        rooms=tuple(rooms),
        demands=tuple(demands),
        staff=tuple(staff),
        days=tuple(Window(d, 8 * 60, 22 * 60) for d in range(7)),
        requirements=Requirements(),
        grain=30,
        week="2026-W48",
    )


def _rental(rng: random.Random, ident: str, centre: str) -> Demand:
    duration = rng.choice((120, 180, 240))
    windows: list[Window] = []
    for _ in range(rng.randint(1, 3)):
        day = rng.choices(range(7), weights=(1, 1, 1, 1, 2, 5, 4))[0]
        start = rng.randrange(9 * 60, 22 * 60 - duration + 1, 60)
        end = min(22 * 60, start + duration + rng.choice((0, 60, 120)))
        windows.append(Window(day, start, end))
    return Demand(
        id=ident,
        title=rng.choice(_RENTALS),
        kind="rental",
        duration=duration,
        windows=tuple(sorted(set(windows), key=lambda w: (w.day, w.start))),
        size=rng.randint(10, 60),
        features=frozenset(
            f for f, p in (("kitchen", 0.45), ("barrier_free", 0.3)) if rng.random() < p
        ),
        priority=rng.choice((1, 1, 2)),
        staffed=rng.random() < 0.1,
        centre=centre,
    )


def _small(rng: random.Random) -> Problem:
    """A sparse week (research §4.2) where the opening rules bind; solves in about a second."""
    base = _centre(rng, scale=0.15)
    return base


def generate(profile: str, seed: int) -> Problem:
    """A seeded instance of ``profile``: ``centre``, ``city`` (5 centres), ``small`` (a sparse
    centre week, ~0.15×) or ``pair`` (two small centres, for tests of the per-centre split)."""
    rng = random.Random(f"{profile}:{seed}")
    if profile == "centre":
        return _centre(rng)
    if profile == "small":
        return _small(rng)
    if profile == "house60":
        # One large house: five centres' rooms, staff and demand under one roof (60 rooms,
        # 30 staff, ~890 demands), planned as a single model.
        parts = [_centre(random.Random(f"{profile}:{seed}:{i}"), f"H{i}-", "") for i in range(1, 6)]
        return replace(
            parts[0],
            rooms=tuple(r for p in parts for r in p.rooms),
            staff=tuple(s for p in parts for s in p.staff),
            demands=tuple(d for p in parts for d in p.demands),
        )
    if profile in ("city", "pair"):
        count, scale = (5, 1.0) if profile == "city" else (2, 0.15)
        parts = [
            _centre(random.Random(f"{profile}:{seed}:{i}"), f"C{i}-", f"C{i}", scale)
            for i in range(1, count + 1)
        ]
        return replace(
            parts[0],
            rooms=tuple(r for p in parts for r in p.rooms),
            staff=tuple(s for p in parts for s in p.staff),
            demands=tuple(d for p in parts for d in p.demands),
        )
    raise ValueError(f"unknown profile {profile!r}; choose from {', '.join(PROFILES)}")


def next_week(problem: Problem, plan: Plan, seed: int) -> Problem:
    """The benchmark's small change: last week's plan becomes ``last_week``, 3 groups drop out,
    5 new rentals arrive, and one room is closed for one day."""
    rng = random.Random(f"next:{seed}")
    where = {p.demand: p for p in plan.placements}
    groups = [d.id for d in problem.demands if d.kind == "group"]
    dropped = set(rng.sample(groups, min(3, len(groups))))
    demands: list[Demand] = []
    for d in problem.demands:
        if d.id in dropped:
            continue
        p = where.get(d.id)
        last = LastWeek(p.room, p.day, p.start) if p is not None else None
        if d.kind in ("group", "fixed"):
            demands.append(replace(d, last_week=last))
        else:
            demands.append(d)
    centres = problem.centres
    for i in range(5):
        centre = centres[i % len(centres)]
        prefix = f"{centre}-" if centre else ""
        demands.append(_rental(rng, f"{prefix}N{i + 1:02d}", centre))
    # Close a room for a day; avoid a room and day that holds a fixed programme slot, so the
    # change never strands the fixed programme (staff would re-plan that by hand).
    candidates = [r for r in problem.rooms if "confidential" not in r.features]
    fixed_ids = {d.id for d in problem.demands if d.kind == "fixed"}
    fixed_at = {(p.room, p.day) for p in plan.placements if p.demand in fixed_ids}
    options = [(r, d) for r in candidates for d in range(5) if (r.id, d) not in fixed_at]
    room, day = rng.choice(options) if options else (rng.choice(candidates), rng.randrange(5))
    closure = Closure(Window(day, 0, 24 * 60), room=room.id, reason="Wartung", centre=room.centre)
    return replace(
        problem,
        demands=tuple(demands),
        closures=(*problem.closures, closure),
        last_opening=plan.figures.opening_hours,
        last_shifts=plan.shifts,
    )
