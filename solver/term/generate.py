"""A realistic, seeded term for tests and benchmarks (``generate --profile term``).

One Stadtteilzentrum, February to July (26 weeks from the first Monday of February 2027 + the
seed's offset in years): 12 rooms, staffed hours Mon–Fri 09:00–21:00 (3 people) and Sat
10:00–18:00 (2), NRW public holidays (from the ``holidays`` package), a two-week closure of the
whole house in summer and a three-week renovation of one room, bookings confirmed before the
round, the centre's fixed weekly programme (with 4 h of Bürgersprechstunde) and 60+ sections in
4 priority classes: weekly (1–3 meetings a week), fortnightly and monthly (on the n-th
weekday), each with a minimum and maximum duration, allowed and preferred windows, wished
rooms and features.  Evenings are over-demanded on purpose, as in real centres, so some
sections are refused and need explaining; two are withdrawn and one rejected by staff.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import holidays as public_holidays

from solver.generate import _ROOMS
from solver.problem import Room, Window
from solver.term.problem import (
    Booking,
    Frequency,
    Holiday,
    LastSlot,
    Preference,
    ProgrammeSlot,
    Section,
    SectionStatus,
    Staffing,
    TermClosure,
    TermProblem,
)

WEEKS = 26

# (title, priority class, size range, features, staffed, band keys)
_OWN: tuple[tuple[str, int, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Familiencafé am Samstag", 30, ("barrier_free",), ("sat",)),
    ("Kinderturnen", 18, ("mats",), ("afternoon",)),
    ("Deutschkurs A2", 14, ("projector",), ("morning", "afternoon")),
    ("Computerhilfe", 8, (), ("afternoon",)),
    ("Stadtteilfrühstück", 30, ("kitchen",), ("morning",)),
    ("Kochen für Jugendliche", 12, ("kitchen",), ("afternoon",)),
    ("Lernwerkstatt", 12, (), ("afternoon",)),
)
_YOUTH = (
    "Jugendtreff Mädchen",
    "Hip-Hop-Tanz",
    "Hausaufgabenclub",
    "Kindertheater",
    "Schülerband",
    "Pfadfinder Stamm Sennestadt",
    "Roboter-AG",
    "Kinderchor",
    "Jugendfeuerwehr Theorie",
    "Kreativwerkstatt Kinder",
    "Nachhilfe Mathe",
    "Krabbelgruppe",
    "Eltern-Kind-Turnen",
    "Jugendrat",
)
_NONPROFIT = (
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
    "Anonyme Alkoholiker",
    "Lesekreis",
    "Repair-Café",
    "Seniorenbeirat",
)
_OTHERS = (
    "Pilates-Kurs",
    "Sprachschule Kurs B1",
    "Fotokurs privat",
    "Gitarrenunterricht",
    "Trommelkurs",
    "Nähkurs",
    "Zumba",
    "Malkurs Aquarell",
    "Schreibwerkstatt",
    "Qigong",
    "Babymassage",
    "Bauchtanz",
    "Rückenschule",
    "Kochkurs Syrisch",
    "Skatrunde",
    "Stricken",
)

_EVENING = (
    "Männerchor Eintracht",
    "Kammerorchester Laien",
    "Volkstanzgruppe",
    "Bürgerverein",
    "Kleingartenverein",
    "Geschichtswerkstatt",
    "Frauennetzwerk",
    "Tischtennis-Treff",
    "Improvisationstheater",
    "Philosophischer Abend",
    "Salsa-Kurs",
    "Band-Probe",
)

_BANDS = {
    "morning": (9 * 60, 13 * 60),
    "afternoon": (14 * 60, 18 * 60),
    "evening": (18 * 60, 21 * 60),
    "late": (18 * 60, 22 * 60),
    "sat": (10 * 60, 18 * 60),
}


def _rooms() -> tuple[Room, ...]:
    return tuple(
        Room(id=f"R{i + 1:02d}", name=name, capacity=cap, features=frozenset(features))
        for i, (name, cap, features) in enumerate(_ROOMS)
    )


def _start(seed: int) -> date:
    first = date(2027 + seed % 3, 2, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _programme() -> tuple[ProgrammeSlot, ...]:
    slots: list[ProgrammeSlot] = []
    for d in range(5):
        slots.append(ProgrammeSlot(f"P-cafe-{d}", "Offenes Café", "R02", d, 10 * 60, 13 * 60))
    slots += [
        ProgrammeSlot(
            "P-bs-tue", "Bürgersprechstunde", "R07", 1, 10 * 60, 12 * 60, consultation=True
        ),
        ProgrammeSlot(
            "P-bs-thu", "Bürgersprechstunde", "R07", 3, 15 * 60, 17 * 60, consultation=True
        ),
        ProgrammeSlot("P-hausaufgaben-mon", "Hausaufgabenhilfe", "R12", 0, 14 * 60, 16 * 60),
        ProgrammeSlot("P-hausaufgaben-wed", "Hausaufgabenhilfe", "R12", 2, 14 * 60, 16 * 60),
        ProgrammeSlot("P-sprachcafe", "Sprachcafé", "R06", 2, 17 * 60, 19 * 60),
        ProgrammeSlot("P-senioren", "Seniorentreff", "R02", 3, 14 * 60, 17 * 60),
        ProgrammeSlot("P-mittagstisch", "Mittagstisch", "R11", 4, 12 * 60, 14 * 60),
    ]
    return tuple(slots)


def _windows(rng: random.Random, bands: tuple[str, ...], days: list[int]) -> list[Window]:
    out: list[Window] = []
    for day in days:
        band = "sat" if day == 5 else rng.choice(bands)
        lo, hi = _BANDS[band]
        out.append(Window(day, lo, hi))
    return out


def _section(
    rng: random.Random,
    rooms: tuple[Room, ...],
    sid: str,
    title: str,
    cls: int,
    *,
    size: int,
    features: frozenset[str],
    staffed: bool,
    bands: tuple[str, ...],
    days_pool: list[int],
    frequency: Frequency,
    status: SectionStatus = "active",
) -> Section:
    per_week = 1
    if frequency == "weekly":
        per_week = min(len(days_pool), rng.choices((1, 2, 3), (75, 20, 5))[0])
    n_days = min(len(days_pool), per_week + rng.choice((0, 0, 1, 2)))
    days = sorted(rng.sample(days_pool, n_days))
    if per_week > 1:
        band = rng.choice(bands)
        windows = [Window(d, *_BANDS["sat" if d == 5 else band]) for d in days]
    else:
        windows = _windows(rng, bands, days)
    min_d = rng.choice((60, 90, 90, 120, 120))
    max_d = min_d + rng.choice((0, 30, 60, 60, 90))
    max_d = min(max_d, min(w.end - w.start for w in windows))
    min_d = min(min_d, max_d)
    first = windows[0]
    pref_start = (
        first.start + rng.choice((0, 30, 60)) if first.end - first.start > max_d else first.start
    )
    pref_end = min(first.end, pref_start + max_d + 30)
    preferred = [Preference(Window(first.day, pref_start, pref_end), "primary")]
    if len(windows) > 1:
        preferred.append(Preference(windows[1], "secondary"))
    fitting = [r for r in rooms if r.capacity >= size and features <= r.features]
    rng.shuffle(fitting)
    fitting.sort(key=lambda r: r.capacity - size + rng.randrange(15))
    wished = tuple(r.id for r in fitting[: rng.choice((1, 1, 2, 3))])
    nth: tuple[int, ...] = ()
    if frequency == "monthly":
        nth = rng.choice(((1,), (2,), (3,), (-1,), (1, 3), (2, 4)))
    last = None
    if wished and rng.random() < 0.4:
        last = LastSlot(wished[0], tuple(w.day for w in windows[:per_week]), first.start)
    return Section(
        id=sid,
        title=title,
        applicant=f"A-{sid}",
        priority_class=cls,
        min_duration=min_d,
        max_duration=max_d,
        windows=tuple(windows),
        frequency=frequency,
        per_week=per_week,
        nth=nth,
        preferred=tuple(preferred),
        rooms=wished,
        other_rooms=rng.random() < 0.3,
        features=features,
        size=size,
        staffed=staffed,
        status=status,
        last_term=last,
    )


def _frequency(rng: random.Random) -> Frequency:
    choices: tuple[Frequency, ...] = ("weekly", "fortnightly", "monthly")
    return rng.choices(choices, (60, 25, 15))[0]


def generate_term(seed: int = 1) -> TermProblem:
    """The ``term`` profile (module docstring)."""
    rng = random.Random(seed)
    rooms = _rooms()
    start = _start(seed)
    end = start + timedelta(weeks=WEEKS) - timedelta(days=1)
    nrw = public_holidays.country_holidays("DE", subdiv="NW", years=range(start.year, end.year + 1))
    holidays = tuple(
        Holiday(day, str(name)) for day, name in sorted(nrw.items()) if start <= day <= end
    )
    closure_week = 21 + rng.randrange(3)
    closures = (
        TermClosure(
            start + timedelta(weeks=closure_week),
            start + timedelta(weeks=closure_week + 2) - timedelta(days=1),
            None,
            "Sommerschließung",
        ),
        TermClosure(
            start + timedelta(weeks=8 + rng.randrange(4)),
            start + timedelta(weeks=11 + rng.randrange(4)) - timedelta(days=1),
            "R09",
            "Renovierung Werkraum",
        ),
    )
    staffing = (
        *(Staffing(Window(d, 9 * 60, 21 * 60), 3) for d in range(5)),
        Staffing(Window(5, 10 * 60, 18 * 60), 2),
    )
    sections: list[Section] = []
    weekdays = [0, 1, 2, 3, 4]
    for i in range(3):
        sections.append(
            Section(
                id=f"S{len(sections) + 1:02d}",
                title="Bürgersprechstunde (offen)",
                applicant="A-centre",
                priority_class=1,
                min_duration=120,
                max_duration=180,
                windows=tuple(Window(d, 9 * 60, 18 * 60) for d in weekdays),
                preferred=(Preference(Window(i * 2, 9 * 60, 13 * 60), "primary"),),
                rooms=("R07", "R08"),
                other_rooms=False,
                staffed=True,
                consultation=True,
                offer=True,
                size=2,
            )
        )
    for title, size, own_features, bands in _OWN:
        pool = [5] if bands == ("sat",) else weekdays
        sections.append(
            _section(
                rng,
                rooms,
                f"S{len(sections) + 1:02d}",
                title,
                1,
                size=size,
                features=frozenset(own_features),
                staffed=True,
                bands=bands,
                days_pool=pool,
                frequency="weekly",
            )
        )
    catalogue = (
        [(t, 2) for t in _YOUTH]
        + [(t, 3) for t in _NONPROFIT]
        + [(t, 4) for t in _OTHERS]
        + [(t, 3 + i % 2) for i, t in enumerate(_EVENING)]
    )
    feature_pool: tuple[tuple[str, ...], ...] = (
        (),
        (),
        (),
        ("barrier_free",),
        ("barrier_free",),
        ("kitchen",),
        ("mats",),
        ("projector",),
        ("workshop",),
    )
    for title, cls in catalogue:
        size = rng.choice((6, 8, 10, 12, 15, 18, 20, 25, 30))
        feats = frozenset(rng.choice(feature_pool))
        bands = ("afternoon", "evening") if cls == 2 else ("morning", "evening", "late", "evening")
        pool = weekdays + ([5] if rng.random() < 0.2 else [])
        status: SectionStatus = "active"
        sections.append(
            _section(
                rng,
                rooms,
                f"S{len(sections) + 1:02d}",
                title,
                cls,
                size=size,
                features=feats,
                staffed=cls == 2 and rng.random() < 0.3,
                bands=bands,
                days_pool=pool,
                frequency=_frequency(rng),
                status=status,
            )
        )
    # Two applications withdrawn by their groups, one rejected by staff.
    new: SectionStatus
    for k, new in ((12, "withdrawn"), (30, "withdrawn"), (45, "rejected")):
        sections[k] = replace(sections[k], status=new)
    bookings: list[Booking] = []
    for b in range(20):
        week = rng.randrange(WEEKS)
        day = rng.choice((4, 5, 5, 6, 6, 2))
        room = rng.choice(("R01", "R02", "R02", "R03", "R06"))
        begin = rng.choice((14, 16, 18)) * 60
        bookings.append(
            Booking(
                f"B{b + 1:02d}",
                "Vermietung",
                room,
                start + timedelta(weeks=week, days=day),
                begin,
                begin + rng.choice((180, 240)),
            )
        )
    return TermProblem(
        start=start,
        weeks=WEEKS,
        rooms=rooms,
        sections=tuple(sections),
        programme=_programme(),
        bookings=tuple(bookings),
        closures=closures,
        holidays=holidays,
        staffing=staffing,
        name=f"Sommersemester {start.year} (seed {seed})",
    )
