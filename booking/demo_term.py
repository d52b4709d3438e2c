"""The demo centre's application round: the spring term 2027, open for applications, with the
centre's published priority classes and fifteen applications from its groups, so that
``raumplan serve --demo`` shows the whole round (apply, allocate, pin, publish, the result).

Loaded through the services, as the groups' contacts and the staff would do it, so the demo
obeys the same rules as a real round (application period, classes, section checks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from booking.models import Centre, Group, Person, Room
from booking.permissions import Actor
from booking.services import terms

TERM_NAME = "Frühjahr 2027"
CRITERIA = (
    "Die Räume werden nach diesen Klassen vergeben, in dieser Reihenfolge: 1. das eigene "
    "Programm des Zentrums; 2. gemeinnützige Gruppen aus dem Stadtteil für Kinder und "
    "Jugendliche; 3. andere gemeinnützige Gruppen; 4. alle anderen. Innerhalb einer Klasse "
    "zählen Wunschzeiten, die Dauer und, wo möglich, der Platz aus dem letzten Halbjahr.")
CLASSES: tuple[dict[str, Any], ...] = (
    {"name": "Eigenes Programm des Zentrums", "conditions": {"own_programme": True}},
    {"name": "Gemeinnützig, aus dem Stadtteil, für Kinder und Jugendliche",
     "conditions": {"non_profit": True, "from_district": True,
                    "target_groups_any": ["children", "youth", "families"]}},
    {"name": "Andere gemeinnützige Gruppen", "conditions": {"non_profit": True}},
    {"name": "Alle anderen"},
)


def _w(day: int, start: str, end: str, rank: int | None = None) -> dict[str, Any]:
    window: dict[str, Any] = {"day": day, "start": start, "end": end}
    if rank is not None:
        window["rank"] = rank
    return window


@dataclass(frozen=True)
class DemoSection:
    title: str
    theme: str
    minutes: tuple[int, int]
    allowed: tuple[dict[str, Any], ...]
    preferred: tuple[dict[str, Any], ...] = ()
    rooms: tuple[str, ...] = ()
    people: int = 12
    targets: tuple[str, ...] = ()
    frequency: str = "weekly"
    month_weeks: tuple[int, ...] = ()
    per_week: int = 1
    features: tuple[str, ...] = ()
    staffed: bool = False


@dataclass(frozen=True)
class DemoApplication:
    group: str | None  # None: the centre's own programme, entered by staff
    sections: tuple[DemoSection, ...]
    non_profit: bool = True
    from_district: bool = True
    note: str = ""
    withdrawn: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


MO, TU, WE, TH, FR, SA, SU = range(7)
APPLICATIONS: tuple[DemoApplication, ...] = (
    DemoApplication(None, (
        DemoSection("Offener Treff für Jugendliche", "culture", (120, 180),
                    (_w(TU, "15:00", "19:00"), _w(TH, "15:00", "19:00")),
                    rooms=("gruppe2",), targets=("youth",), per_week=2, staffed=True),)),
    DemoApplication("kita", (
        DemoSection("Elterncafé mit Kinderbetreuung", "family", (90, 120),
                    (_w(MO, "09:00", "12:00"), _w(WE, "09:00", "12:00")),
                    (_w(MO, "09:30", "11:30", 1),), rooms=("cafe",), people=20,
                    targets=("families", "children"), features=("kitchen",)),)),
    DemoApplication("elternverein", (
        DemoSection("Arabisch für Kinder", "education_general", (90, 120),
                    (_w(SA, "09:00", "13:00"),), (_w(SA, "10:00", "12:00", 1),),
                    rooms=("gruppe1",), people=15, targets=("children",)),
        DemoSection("Elternabend", "family", (90, 120), (_w(TH, "18:00", "21:00"),),
                    rooms=("gruppe1", "gruppe2"), people=20, targets=("families",),
                    frequency="monthly", month_weeks=(1,)),)),
    DemoApplication("kalyna", (
        DemoSection("Tanzgruppe Kalyna (Kinder)", "culture", (60, 90),
                    (_w(SU, "13:00", "17:00"),), rooms=("saal",), people=18,
                    targets=("children",)),
        DemoSection("Sonntagstreff", "welcome_culture", (120, 120),
                    (_w(SU, "14:00", "18:00"),), rooms=("gruppe1",), people=16),)),
    DemoApplication("krabbelgruppe", (
        DemoSection("Krabbelgruppe", "family", (90, 90), (_w(WE, "09:00", "12:00"),),
                    (_w(WE, "09:30", "11:00", 1),), rooms=("gruppe2",), people=10,
                    targets=("families", "children")),)),
    DemoApplication("tus", (
        DemoSection("Seniorengymnastik", "sport", (60, 90),
                    (_w(TU, "09:00", "12:00"), _w(FR, "09:00", "12:00")),
                    rooms=("saal",), people=20, targets=("seniors",),
                    features=("barrier_free",)),)),
    DemoApplication("frauentreff", (
        DemoSection("Internationales Frauenfrühstück", "welcome_culture", (120, 150),
                    (_w(FR, "09:00", "13:00"),), rooms=("cafe",), people=25,
                    features=("kitchen",)),)),
    DemoApplication("repaircafe", (
        DemoSection("Repair-Café", "sustainability", (180, 240),
                    (_w(SA, "10:00", "16:00"),), rooms=("werkraum",), people=12,
                    frequency="monthly", month_weeks=(2,)),)),
    DemoApplication("digitalpaten", (
        DemoSection("Smartphone-Sprechstunde", "education_general", (90, 120),
                    (_w(TU, "14:00", "17:00"), _w(WE, "14:00", "17:00")),
                    rooms=("gruppe1",), people=8, targets=("seniors",)),)),
    DemoApplication("naehwerkstatt", (
        DemoSection("Offene Nähwerkstatt", "sustainability", (150, 180),
                    (_w(FR, "14:00", "19:00"),), rooms=("werkraum",), people=10),)),
    DemoApplication("malkreis", (
        DemoSection("Malkreis", "art", (120, 120), (_w(WE, "16:00", "20:00"),),
                    rooms=("werkraum",), people=10),)),
    DemoApplication("shg-angehoerige", (
        DemoSection("Gesprächsgruppe Angehörige", "self_help", (120, 120),
                    (_w(MO, "18:00", "21:00"),), rooms=("gruppe2",), people=10,
                    frequency="fortnightly"),)),
    DemoApplication("shg-diabetes", (
        DemoSection("Diabetes-Treff", "health_prevention", (90, 120),
                    (_w(FR, "17:00", "21:00"),), rooms=("gruppe2",), people=14,
                    frequency="monthly", month_weeks=(1,)),)),
    DemoApplication("theater", (
        DemoSection("Theaterprobe Bühne frei", "inclusion", (120, 180),
                    (_w(TH, "17:00", "21:00"),), (_w(TH, "18:00", "21:00", 1),),
                    rooms=("saal",), people=16, features=("barrier_free", "stage")),)),
    DemoApplication("demokratie", (
        DemoSection("Demokratiewerkstatt", "education_political", (120, 120),
                    (_w(TH, "19:00", "21:00"),), rooms=("gruppe1",), people=14,
                    frequency="fortnightly"),), from_district=False),
    # A commercial yoga course: class 4, and it wants the Saal on the theatre's evening.
    DemoApplication("vhs", (
        DemoSection("Yoga am Abend", "health_prevention", (90, 90),
                    (_w(TH, "18:00", "21:00"),), rooms=("saal",), people=15),),
        non_profit=False, from_district=False),
)


def load_term_round(session: Session, centre: Centre, now: datetime, staff: Person,
                    groups: dict[str, Group], rooms: dict[str, Room]) -> int:
    """The spring term, open, with its classes and applications; returns the term's id."""
    actor = Actor.of(staff)
    terms.set_priority_classes(session, actor, centre.id, CLASSES, now)
    term = terms.create_term(
        session, actor, centre.id, name=TERM_NAME, starts_on=date(2027, 2, 1),
        ends_on=date(2027, 7, 31), applications_from=now - timedelta(days=14),
        applications_until=now + timedelta(days=28), criteria=CRITERIA, now=now)
    terms.update_term(session, actor, term.id, {"status": "open"}, now)
    for spec in APPLICATIONS:
        group = groups[spec.group] if spec.group else None
        applicant = Actor.of(group.contacts[0]) if group else actor
        terms.submit_application(session, applicant, term.id, {
            "group_id": group.id if group else None, "non_profit": spec.non_profit,
            "from_district": spec.from_district, "note": spec.note,
            "sections": [_section(s, rooms) for s in spec.sections]}, now)
    return term.id


def _section(spec: DemoSection, rooms: dict[str, Room]) -> dict[str, Any]:
    return {"title": spec.title, "theme": spec.theme, "min_minutes": spec.minutes[0],
            "max_minutes": spec.minutes[1], "allowed_windows": list(spec.allowed),
            "preferred_windows": list(spec.preferred),
            "room_ids": [rooms[key].id for key in spec.rooms],
            "expected_people": spec.people, "target_groups": list(spec.targets),
            "frequency": spec.frequency, "month_weeks": list(spec.month_weeks),
            "meetings_per_week": spec.per_week, "features": list(spec.features),
            "staffed": spec.staffed}
