"""A realistic demo centre: the Stadtteilzentrum Sieker-Mitte in Bielefeld (invented).

``load_demo(session, now)`` fills an empty database with one centre as the city's "Profil
Stadtteilzentrum" describes it: rooms with prices and house rules, doors, staff, groups and
their contact persons, offers covering every theme, and a calendar for the weeks around
``now`` (from the Monday two weeks before to eight weeks after): the staffed programme (open
≥ 40 h on ≥ 5 days incl. Saturday, ≥ 10 h Bürgersprechstunde in a confidential room), the
recurring groups (weekly, fortnightly, monthly), a maintenance closure, confirmed rentals and
pending rental requests for staff to decide (two of them compete for the Saal).

The programme and the groups are series (``booking.services.series``), created as staff would
create them: their dates on NRW public holidays and on the centre's closures (a staff day, a
week of cleaning in the Saal) are skipped with the reason, for staff to see, and the public
calendar feeds show the dates that take place.

The week plan below is data, read like the printed Raumnutzungsplan: one row per series, in
local time of the centre. Rows are grouped by room, so it is easy to see by eye that no two
confirmed uses of a room overlap (the database refuses them anyway).

Demo logins — every account's password is ``raumplan-demo``:

================================================  ==========================================
e-mail                                            role(s)
================================================  ==========================================
leitung@sieker-mitte.example                      staff (Leitung, Birgit Hoffmann)
verwaltung@sieker-mitte.example                   staff (Verwaltung, Sabine Köhler)
sozialarbeit@sieker-mitte.example                 staff (Sozialarbeit, Murat Yılmaz)
beratung@sieker-mitte.example                     staff (Sozialarbeit/Beratung, Lea Brandt)
familie@sieker-mitte.example                      staff (Familienarbeit, Daniel Owusu; en)
admin@raumplan.example                            admin (all centres)
sozialplanung@bielefeld.example                   city (reads reports)
terminal-haupteingang@sieker-mitte.example        terminal (door terminal device)
hp.wiegand@example.org                            group_contact + resident
oksana.melnyk@example.org                         group_contact + resident (en)
samira.haddad@example.org                         group_contact + resident
ayse.demir@example.org                            group_contact + resident
klaus.brinkmann@example.org                       group_contact + resident
renate.vogt@example.org                           group_contact + resident
gerd.hansen@example.org                           group_contact + resident
jutta.lange@example.org                           group_contact + resident
tobias.kern@example.org                           group_contact + resident
lena.schulte@example.org                          group_contact + resident
michael.roth@example.org                          group_contact + resident
elif.aksoy@example.org                            group_contact + resident
martina.nolte@example.org                         group_contact + resident
anna.becker@example.org                           resident
jan.kowalski@example.org                          resident (en)
fatma.yildiz@example.org                          resident
peter.schmidt@example.org                         resident
maria.santos@example.org                          resident (en)
================================================  ==========================================

Use: ``with transaction(factory) as session: load_demo(session, clock.now())``. The function
adds and flushes; the caller's transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import holidays
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from booking import audit, demo_texts
from booking.demo_term import load_term_round
from booking.errors import Conflict
from booking.models import (
    AccessAlert,
    Booking,
    BookingKind,
    BookingStatus,
    Centre,
    Door,
    Feature,
    Group,
    GroupKind,
    Occurrence,
    Offer,
    Person,
    PersonRole,
    RecurringRequest,
    Role,
    Room,
    StaffProfile,
    Terminal,
    Theme,
)
from booking.permissions import Actor
from booking.security import hash_password, new_token, token_digest
from booking.services import series as series_service
from booking.services.locking import lock_rooms
from booking.services.rentals import compute_fee
from booking.timeutil import local_to_utc, require_aware, to_local

DEMO_PASSWORD = "raumplan-demo"  # noqa: S105 - published demo password, see the docstring

ZONE = "Europe/Berlin"
SUBDIVISION = "NW"

# The calendar covers [Monday two weeks before now's week, now + 8 weeks].
WEEKS_BEFORE = 5  # enough history that monthly groups have a last meeting to keep
WEEKS_AFTER = 8

MO, TU, WE, TH, FR, SA, SU = range(7)

# --------------------------------------------------------------------------------------------
# The centre
# --------------------------------------------------------------------------------------------

CENTRE = {
    "slug": "sieker-mitte",
    "name": "Stadtteilzentrum Sieker-Mitte",
    "address": "Am Sieker Platz 4, 33605 Bielefeld",
    "email": "info@sieker-mitte.example",
    "timezone": ZONE,
    "holiday_subdivision": SUBDIVISION,
    "max_days_ahead": 180,
    "min_notice_hours": 72,
}

HOUSE_RULES = (
    "Im ganzen Haus gilt Rauchverbot; Alkohol nur bei Vermietungen nach Absprache. "
    "Ab 22:00 Uhr Zimmerlautstärke, Fenster und Türen bei Musik geschlossen halten. "
    "Die verantwortliche Person ist volljährig und während der ganzen Nutzung anwesend. "
    "Fluchtwege und Notausgänge bleiben frei. Schlüssel bzw. Zugangscode nicht weitergeben."
)
CLEANING_RULES = (
    "Raum besenrein hinterlassen, Tische und Stühle wie vorgefunden aufstellen, Müll trennen "
    "und mitnehmen, Fenster schließen, Licht aus. Benutztes Geschirr gespült in die Schränke."
)


@dataclass(frozen=True)
class RoomSpec:
    key: str
    name: str
    capacity: int
    area_m2: float
    features: tuple[Feature, ...]
    description: str
    accessibility: str
    rentable: bool = False
    # Euro cents: per started hour Mon–Thu / Fri–Sun and holidays, minimum, cleaning flat.
    price: int = 0
    weekend_price: int = 0
    min_fee: int = 0
    cleaning_fee: int = 0
    min_minutes: int = 60
    max_minutes: int = 8 * 60
    latest_end: str = "22:00"
    quiet_from: str = "22:00"
    house_rules: str = HOUSE_RULES
    cleaning_rules: str = CLEANING_RULES


F = Feature
ROOMS: tuple[RoomSpec, ...] = (
    RoomSpec(
        "saal", "Saal", 120, 150.0,
        (F.BARRIER_FREE, F.BARRIER_FREE_TOILET, F.STAGE, F.PROJECTOR, F.HEARING_LOOP),
        "Großer Mehrzweckraum mit Bühne, Beamer, Leinwand und Tonanlage; 120 Plätze in "
        "Reihenbestuhlung, 80 an Tischen. Teilbar durch eine mobile Trennwand.",
        "Stufenloser Zugang vom Foyer, Bühne über Rampe erreichbar, induktive Höranlage, "
        "barrierefreies WC gegenüber.",
        rentable=True, price=2500, weekend_price=4000, min_fee=8000, cleaning_fee=5000,
        min_minutes=120, max_minutes=10 * 60,
        house_rules=HOUSE_RULES + " Bühnentechnik nur nach Einweisung durch das Team.",
    ),
    RoomSpec(
        "cafe", "Stadtteilcafé", 40, 75.0,
        (F.BARRIER_FREE, F.BARRIER_FREE_TOILET, F.KITCHEN),
        "Café mit Theke und voll ausgestatteter Küche (Herd, Backofen, Spülmaschine, Geschirr "
        "für 50 Personen), Zugang zur Terrasse und zum Garten.",
        "Stufenlos vom Eingang, unterfahrbare Theke, barrierefreies WC nebenan.",
        rentable=True, price=1500, weekend_price=2500, min_fee=4500, cleaning_fee=3000,
        min_minutes=120, max_minutes=6 * 60,
        cleaning_rules=CLEANING_RULES + " Küche: Spülmaschine ausräumen, Herd und "
        "Arbeitsflächen abwischen, Kühlschrank leeren.",
    ),
    RoomSpec(
        "gruppe1", "Gruppenraum 1 (Lindenzimmer)", 20, 40.0,
        (F.BARRIER_FREE, F.BARRIER_FREE_TOILET, F.PROJECTOR),
        "Heller Gruppenraum im Erdgeschoss mit Beamer, Flipchart und Teeküche; 20 Plätze.",
        "Erdgeschoss, stufenlos, barrierefreies WC auf dem Flur.",
        rentable=True, price=1000, weekend_price=1500, min_fee=2000, cleaning_fee=1500,
    ),
    RoomSpec(
        "gruppe2", "Gruppenraum 2 (Kastanienzimmer)", 16, 32.0,
        (F.BARRIER_FREE, F.BARRIER_FREE_TOILET),
        "Gemütlicher Gruppenraum im Erdgeschoss mit Sitzkreis, Spielteppich und Spielkiste.",
        "Erdgeschoss, stufenlos, barrierefreies WC auf dem Flur.",
        rentable=True, price=800, weekend_price=1200, min_fee=2000, cleaning_fee=1000,
    ),
    RoomSpec(
        "werkraum", "Gruppenraum 3 (Werkraum)", 12, 35.0,
        (F.BARRIER_FREE, F.STORAGE),
        "Werkraum im 1. Obergeschoss mit Werkbänken, Nähmaschinen, Waschbecken und "
        "abschließbaren Materialschränken.",
        "1. Obergeschoss, mit dem Aufzug erreichbar (Tür 90 cm); barrierefreies WC im "
        "Erdgeschoss.",
        rentable=True, price=800, weekend_price=1200, min_fee=2000, cleaning_fee=1500,
        cleaning_rules=CLEANING_RULES + " Werkzeug zurück in die Schränke, Späne fegen.",
    ),
    RoomSpec(
        "beratung1", "Beratungsraum 1", 4, 14.0,
        (F.BARRIER_FREE, F.BARRIER_FREE_TOILET, F.CONFIDENTIAL, F.SOUND_PROOF),
        "Schallgeschützter Raum für vertrauliche Gespräche mit kleinem Besprechungstisch.",
        "Erdgeschoss, stufenlos, neben dem barrierefreien WC; Schild mit großer Schrift.",
    ),
    RoomSpec(
        "beratung2", "Beratungsraum 2", 3, 11.0,
        (F.CONFIDENTIAL, F.SOUND_PROOF),
        "Kleiner schallgeschützter Beratungsraum im Souterrain.",
        "Nur über eine Treppe (8 Stufen) erreichbar; barrierefreie Beratung findet in "
        "Beratungsraum 1 statt.",
    ),
    RoomSpec(
        "buero-leitung", "Büro Leitung", 2, 18.0,
        (F.BARRIER_FREE,),
        "Büro der Zentrumsleitung mit Anmeldetheke zum Foyer.",
        "Erdgeschoss, stufenlos, Theke mit abgesenktem Teil.",
    ),
    RoomSpec(
        "buero-team", "Teambüro", 4, 24.0,
        (F.BARRIER_FREE,),
        "Büro von Verwaltung und Sozialarbeit, vier Arbeitsplätze.",
        "1. Obergeschoss, mit dem Aufzug erreichbar.",
    ),
    RoomSpec(
        "garten", "Garten und Innenhof", 60, 320.0,
        (F.OUTDOOR, F.BARRIER_FREE),
        "Innenhof mit Hochbeeten, Sitzgruppen, Grillplatz und Spielfläche; Zugang über die "
        "Terrasse des Cafés oder das Gartentor.",
        "Ebene, gepflasterte Wege; Hochbeete unterfahrbar. Barrierefreies WC im Café.",
        rentable=True, price=1000, weekend_price=1500, min_fee=3000, cleaning_fee=2000,
        min_minutes=120, max_minutes=6 * 60, latest_end="21:00", quiet_from="20:00",
        house_rules=HOUSE_RULES + " Im Garten ab 20:00 Uhr Rücksicht auf die Nachbarschaft; "
        "Grillen nur auf dem Grillplatz, keine Musikanlage.",
    ),
    RoomSpec(
        "lager", "Lager", 1, 20.0,
        (F.STORAGE,),
        "Lager für Bierzeltgarnituren, Stellwände, Bastel- und Repair-Café-Material.",
        "Souterrain, nur über Treppe.",
    ),
)

# Door name, kind, rooms it opens. The main entrance opens every room reachable from the
# foyer; the garden gate only the garden.
DOORS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Haupteingang", "entrance", tuple(r.key for r in ROOMS)),
    ("Gartentor (Seiteneingang)", "entrance", ("garten",)),
    ("Tür Saal", "room", ("saal",)),
    ("Tür Stadtteilcafé", "room", ("cafe",)),
    ("Tür Gruppenraum 1", "room", ("gruppe1",)),
    ("Tür Gruppenraum 2", "room", ("gruppe2",)),
    ("Tür Werkraum", "room", ("werkraum",)),
)

# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonSpec:
    key: str
    name: str
    email: str
    roles: tuple[Role, ...]
    language: str = "de"
    phone: str | None = None


R = Role
CONTACT = (R.GROUP_CONTACT, R.RESIDENT)
PERSONS: tuple[PersonSpec, ...] = (
    # Staff of the centre
    PersonSpec("leitung", "Birgit Hoffmann", "leitung@sieker-mitte.example", (R.STAFF,),
               phone="0521 123456-10"),
    PersonSpec("verwaltung", "Sabine Köhler", "verwaltung@sieker-mitte.example", (R.STAFF,),
               phone="0521 123456-11"),
    PersonSpec("sozialarbeit", "Murat Yılmaz", "sozialarbeit@sieker-mitte.example", (R.STAFF,),
               phone="0521 123456-12"),
    PersonSpec("beratung", "Lea Brandt", "beratung@sieker-mitte.example", (R.STAFF,),
               phone="0521 123456-13"),
    PersonSpec("familie", "Daniel Owusu", "familie@sieker-mitte.example", (R.STAFF,),
               language="en", phone="0521 123456-14"),
    # Service accounts
    PersonSpec("admin", "Raumplan-Administration", "admin@raumplan.example", (R.ADMIN,)),
    PersonSpec("stadt", "Büro für Integrierte Sozialplanung und Prävention",
               "sozialplanung@bielefeld.example", (R.CITY,)),
    PersonSpec("terminal", "Türterminal Haupteingang",
               "terminal-haupteingang@sieker-mitte.example", (R.TERMINAL,)),
    # Contact persons of groups (also residents)
    PersonSpec("wiegand", "Hans-Peter Wiegand", "hp.wiegand@example.org", CONTACT),
    PersonSpec("melnyk", "Oksana Melnyk", "oksana.melnyk@example.org", CONTACT, language="en"),
    PersonSpec("haddad", "Samira Haddad", "samira.haddad@example.org", CONTACT),
    PersonSpec("demir", "Ayşe Demir", "ayse.demir@example.org", CONTACT),
    PersonSpec("brinkmann", "Klaus Brinkmann", "klaus.brinkmann@example.org", CONTACT),
    PersonSpec("vogt", "Renate Vogt", "renate.vogt@example.org", CONTACT),
    PersonSpec("hansen", "Gerd Hansen", "gerd.hansen@example.org", CONTACT),
    PersonSpec("lange", "Jutta Lange", "jutta.lange@example.org", CONTACT),
    PersonSpec("kern", "Tobias Kern", "tobias.kern@example.org", CONTACT),
    PersonSpec("schulte", "Lena Schulte", "lena.schulte@example.org", CONTACT),
    PersonSpec("roth", "Michael Roth", "michael.roth@example.org", CONTACT),
    PersonSpec("aksoy", "Elif Aksoy", "elif.aksoy@example.org", CONTACT),
    PersonSpec("nolte", "Martina Nolte", "martina.nolte@example.org", CONTACT),
    # Residents who rent rooms
    PersonSpec("becker", "Anna Becker", "anna.becker@example.org", (R.RESIDENT,)),
    PersonSpec("kowalski", "Jan Kowalski", "jan.kowalski@example.org", (R.RESIDENT,),
               language="en"),
    PersonSpec("yildiz", "Fatma Yıldız", "fatma.yildiz@example.org", (R.RESIDENT,)),
    PersonSpec("schmidt", "Peter Schmidt", "peter.schmidt@example.org", (R.RESIDENT,)),
    PersonSpec("santos", "Maria Santos", "maria.santos@example.org", (R.RESIDENT,),
               language="en"),
)

# Staff availability and contract hours for the weekly planner (local time, Mon=0).
WORKDAYS = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class StaffSpec:
    person: str
    days: tuple[int, ...]
    start: str
    end: str
    week_hours: int
    skills: tuple[str, ...] = ()


STAFF_PROFILES: tuple[StaffSpec, ...] = (
    StaffSpec("leitung", WORKDAYS, "09:00", "18:00", 39, ("consultation",)),
    StaffSpec("verwaltung", WORKDAYS, "08:00", "16:00", 30),
    StaffSpec("sozialarbeit", WORKDAYS, "09:30", "18:30", 39),
    StaffSpec("beratung", WORKDAYS, "09:00", "20:30", 30, ("consultation",)),
    StaffSpec("familie", (2, 3, 4, 5), "12:00", "18:00", 25),
)

# Roles that belong to one centre; the others (resident, admin, city) hold for all.
CENTRE_ROLES = frozenset({Role.STAFF, Role.TERMINAL, Role.GROUP_CONTACT})

# --------------------------------------------------------------------------------------------
# Groups and offers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupSpec:
    key: str
    name: str
    kind: GroupKind
    description: str
    contacts: tuple[str, ...]


G = GroupKind
GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec("nachbarschaftsverein", "Nachbarschaftsverein Sieker-Mitte e.V.", G.CLUB,
              "Förderverein des Zentrums; organisiert Kulturabende und den Stammtisch.",
              ("wiegand",)),
    GroupSpec("tus", "TuS Sieker 1921 e.V. – Abteilung Breitensport", G.CLUB,
              "Sportverein im Stadtteil; Seniorengymnastik und Lauftreff.", ("wiegand",)),
    GroupSpec("vhs", "Volkshochschule – Außenstelle Sieker", G.PARTNER,
              "Kooperationspartner für Sprach- und Gesundheitskurse.", ("roth",)),
    GroupSpec("migrationsberatung", "Migrationsberatung Bielefeld-Ost", G.PARTNER,
              "Beratung für zugewanderte Erwachsene, Sprechstunde im Zentrum.", ("aksoy",)),
    GroupSpec("kita", "Familienzentrum Kita Regenbogen", G.PARTNER,
              "Kita im Quartier; gestaltet das Elterncafé mit.", ("nolte",)),
    GroupSpec("kalyna", "Ukrainischer Kulturverein Kalyna e.V.", G.MIGRANT_ORGANISATION,
              "Tanzgruppe, Sonntagstreff und Unterstützung für Geflüchtete aus der Ukraine.",
              ("melnyk",)),
    GroupSpec("elternverein", "Deutsch-Arabischer Elternverein Bielefeld-Ost e.V.",
              G.MIGRANT_ORGANISATION,
              "Herkunftssprachlicher Unterricht und Elternarbeit.", ("haddad",)),
    GroupSpec("frauentreff", "Internationaler Frauentreff Sieker", G.MIGRANT_ORGANISATION,
              "Frauen aus vielen Ländern; Frühstück, Austausch, Ausflüge.",
              ("demir", "haddad")),
    GroupSpec("repaircafe", "Repair-Café Sieker", G.INITIATIVE,
              "Ehrenamtliche reparieren gemeinsam mit Besucher*innen Geräte und Kleidung.",
              ("brinkmann",)),
    GroupSpec("digitalpaten", "Digitalpaten Bielefeld-Ost", G.INITIATIVE,
              "Ehrenamtliche helfen bei Smartphone, Tablet und Online-Terminen.",
              ("brinkmann",)),
    GroupSpec("naehwerkstatt", "Nähwerkstatt Faden & Co.", G.INITIATIVE,
              "Offene Nähwerkstatt: reparieren, ändern, upcyceln.", ("lange",)),
    GroupSpec("malkreis", "Malkreis Sieker", G.INITIATIVE,
              "Malen und Zeichnen für Erwachsene, alle Niveaus.", ("lange",)),
    GroupSpec("shg-angehoerige", "Selbsthilfegruppe Angehörige psychisch erkrankter Menschen",
              G.SELF_HELP, "Geschlossene Gesprächsgruppe; Neue nach Vorgespräch.", ("vogt",)),
    GroupSpec("shg-diabetes", "Selbsthilfegruppe Diabetes Typ 2 Sieker", G.SELF_HELP,
              "Austausch, Vorträge und Kochtipps rund um Diabetes.", ("hansen",)),
    GroupSpec("theater", "Theatergruppe Bühne frei – inklusiv", G.INITIATIVE,
              "Menschen mit und ohne Behinderung spielen gemeinsam Theater.", ("kern",)),
    GroupSpec("demokratie", "Bündnis Sieker für Demokratie", G.INITIATIVE,
              "Demokratiewerkstatt: Beteiligung im Stadtteil, Bezirksvertretung erklärt.",
              ("kern", "wiegand")),
    GroupSpec("krabbelgruppe", "Krabbelgruppe Sieker", G.INITIATIVE,
              "Eltern mit Kindern von 0 bis 3 Jahren treffen sich selbstorganisiert.",
              ("schulte",)),
)


@dataclass(frozen=True)
class OfferSpec:
    key: str
    title: str
    theme: Theme
    description: str
    target_groups: tuple[str, ...] = ("alle",)
    languages: tuple[str, ...] = ("de",)
    group: str | None = None
    self_managed: bool = False  # Eigenregie: run by the group without staff on site
    public: bool = True
    consultation: bool = False  # counts towards the Bürgersprechstunde
    drop_in: bool = True  # one can just come, no registration


T = Theme
OFFERS: tuple[OfferSpec, ...] = (
    # The centre's own, staffed programme
    OfferSpec("offenes-cafe", "Offenes Café", T.OTHER,
              "Ankommen, Kaffee trinken, Nachbar*innen treffen – ohne Anmeldung.",
              ("alle",), ("de", "en", "tr")),
    OfferSpec("mittagstisch", "Mittagstisch mit geretteten Lebensmitteln", T.SUSTAINABILITY,
              "Gemeinsam kochen und essen mit Lebensmitteln vom Foodsharing; gegen Spende.",
              ("alle",)),
    OfferSpec("sprechstunde", "Bürgersprechstunde", T.COUNSELLING,
              "Ansprechperson für alle Fragen: Anträge, Behördenbriefe, Vermittlung an "
              "Fachstellen (Lotsenfunktion). Vertraulich und kostenlos.",
              ("alle",), ("de", "en", "tr"), consultation=True),
    OfferSpec("hausaufgaben", "Hausaufgabenhilfe", T.EDUCATION_GENERAL,
              "Ehrenamtliche und das Team helfen bei Hausaufgaben, Klassen 1–7.",
              ("Schulkinder",), ("de",)),
    OfferSpec("sprachcafe", "Sprachcafé Deutsch", T.WELCOME_CULTURE,
              "Deutsch sprechen üben in lockerer Runde, alle Niveaus willkommen.",
              ("Zugewanderte", "Geflüchtete", "alle"), ("de", "ar", "uk", "tr")),
    OfferSpec("kindertreff", "Offener Kindertreff", T.FAMILY,
              "Spielen, Basteln, Bewegen für Kinder von 6 bis 12 Jahren.",
              ("Kinder 6–12",)),
    OfferSpec("elterncafe", "Elterncafé", T.FAMILY,
              "Austausch für Eltern, mit Kinderbetreuung; in Kooperation mit der Kita "
              "Regenbogen.", ("Eltern", "Familien"), ("de", "ar", "tr"), group="kita"),
    OfferSpec("familiensamstag", "Familiensamstag", T.FAMILY,
              "Offener Nachmittag für Familien mit Spielen, Waffeln und Bastelaktion.",
              ("Familien", "Kinder"), ("de", "en")),
    # Offers of groups and partners
    OfferSpec("deutschkurs", "Deutschkurs A2 (VHS)", T.EDUCATION_GENERAL,
              "Deutschkurs der Volkshochschule, Niveau A2, mit Anmeldung.",
              ("Zugewanderte",), ("de",), group="vhs", self_managed=True, drop_in=False),
    OfferSpec("rueckenfit", "Rückenfit", T.HEALTH_PREVENTION,
              "Rückenschule und Entspannung, Kurs der Volkshochschule.",
              ("Erwachsene",), group="vhs", self_managed=True, drop_in=False),
    OfferSpec("migrationsberatung", "Migrationsberatung", T.COUNSELLING,
              "Beratung zu Aufenthalt, Sprachkursen, Arbeit und Wohnen.",
              ("Zugewanderte",), ("de", "ar", "tr", "en"), group="migrationsberatung",
              self_managed=True),
    OfferSpec("tanzgruppe", "Ukrainische Tanzgruppe Kalyna", T.CULTURE,
              "Traditioneller ukrainischer Tanz für Jugendliche und Erwachsene.",
              ("Jugendliche", "Erwachsene"), ("uk", "de"), group="kalyna", self_managed=True),
    OfferSpec("sonntagstreff", "Ukrainischer Sonntagstreff", T.WELCOME_CULTURE,
              "Treffpunkt für ukrainische Familien und Nachbar*innen, mit Tee und Beratung.",
              ("Geflüchtete", "Familien"), ("uk", "de"), group="kalyna", self_managed=True),
    OfferSpec("arabisch", "Arabisch für Kinder", T.EDUCATION_GENERAL,
              "Herkunftssprachlicher Unterricht Arabisch, 6–12 Jahre.",
              ("Kinder 6–12",), ("ar", "de"), group="elternverein", self_managed=True,
              drop_in=False),
    OfferSpec("frauenfruehstueck", "Internationales Frauenfrühstück", T.WELCOME_CULTURE,
              "Frauen aus aller Welt frühstücken zusammen; jede bringt etwas mit.",
              ("Frauen",), ("de", "tr", "ar"), group="frauentreff", self_managed=True),
    OfferSpec("repaircafe", "Repair-Café", T.SUSTAINABILITY,
              "Reparieren statt wegwerfen: Elektrogeräte, Fahrräder, Textilien.",
              ("alle",), group="repaircafe", self_managed=True),
    OfferSpec("digital", "Digital-Sprechstunde für Senior*innen", T.EDUCATION_GENERAL,
              "Hilfe bei Smartphone, Tablet, Online-Banking und Terminbuchung.",
              ("Senior*innen",), group="digitalpaten", self_managed=True),
    OfferSpec("naehwerkstatt", "Nähwerkstatt", T.SUSTAINABILITY,
              "Nähmaschinen und Anleitung für Reparaturen und Upcycling.",
              ("alle",), ("de", "tr"), group="naehwerkstatt", self_managed=True),
    OfferSpec("malgruppe", "Malgruppe", T.ART,
              "Aquarell, Acryl und Zeichnen in geselliger Runde.",
              ("Erwachsene",), group="malkreis", self_managed=True),
    OfferSpec("shg-angehoerige", "Selbsthilfegruppe Angehörige", T.SELF_HELP,
              "Geschlossene Gruppe für Angehörige psychisch erkrankter Menschen.",
              ("Angehörige",), group="shg-angehoerige", self_managed=True, public=False),
    OfferSpec("shg-diabetes", "Selbsthilfegruppe Diabetes", T.SELF_HELP,
              "Offenes Treffen mit Austausch und Kurzvorträgen.",
              ("Betroffene", "Angehörige"), group="shg-diabetes", self_managed=True),
    OfferSpec("seniorengymnastik", "Seniorengymnastik", T.SPORT,
              "Bewegung für Beweglichkeit und Gleichgewicht, auch im Sitzen möglich.",
              ("Senior*innen",), group="tus", self_managed=True),
    OfferSpec("lauftreff", "Lauftreff Sieker", T.SPORT,
              "Gemeinsam laufen oder walken, Treffpunkt im Innenhof.",
              ("alle",), group="tus", self_managed=True),
    OfferSpec("theater", "Inklusives Theater", T.INCLUSION,
              "Theater für Menschen mit und ohne Behinderung; Aufführung im Frühjahr.",
              ("Menschen mit und ohne Behinderung",), ("de",), group="theater",
              self_managed=True),
    OfferSpec("demokratiewerkstatt", "Demokratiewerkstatt", T.EDUCATION_POLITICAL,
              "Wie funktioniert Mitbestimmung im Stadtbezirk? Projekte für Sieker planen.",
              ("Erwachsene", "Jugendliche"), group="demokratie", self_managed=True),
    OfferSpec("stammtisch", "Politischer Stammtisch", T.EDUCATION_POLITICAL,
              "Gespräch mit Mitgliedern der Bezirksvertretung, einmal im Monat.",
              ("alle",), group="nachbarschaftsverein", self_managed=True),
    OfferSpec("kulturabend", "Kulturabend", T.CULTURE,
              "Musik, Lesung oder Film aus dem Stadtteil, Eintritt frei.",
              ("alle",), ("de", "en"), group="nachbarschaftsverein", self_managed=True),
    OfferSpec("krabbelgruppe", "Krabbelgruppe", T.FAMILY,
              "Eltern mit Babys und Kleinkindern bis 3 Jahre.",
              ("Eltern", "Kleinkinder"), ("de", "en"), group="krabbelgruppe",
              self_managed=True),
)

# --------------------------------------------------------------------------------------------
# The week plan (Raumnutzungsplan), local time, grouped by room
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    offer: str
    room: str
    rule: str  # RRULE body, read in the centre's zone
    start: str
    end: str
    responsible: str  # staff for the programme, the group's contact for groups


WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"

# Staffed programme of the centre: kind "programme". Opening hours per week (union):
# Mo 10–16:30, Di 10–20, Mi 10–18, Do 10–17, Fr 10–17, Sa 14–17 = 41.5 h on 6 days;
# Bürgersprechstunde 12 h on 5 days, Tuesday until 20:00.
PROGRAMME: tuple[Series, ...] = (
    # Stadtteilcafé
    Series("offenes-cafe", "cafe", WEEKDAYS, "10:00", "13:00", "sozialarbeit"),
    Series("mittagstisch", "cafe", WEEKDAYS, "13:00", "14:00", "sozialarbeit"),
    Series("sprachcafe", "cafe", "FREQ=WEEKLY;BYDAY=TU", "15:00", "17:00", "sozialarbeit"),
    Series("familiensamstag", "cafe", "FREQ=WEEKLY;BYDAY=SA", "14:00", "17:00", "familie"),
    # Beratungsraum 1: Bürgersprechstunde
    Series("sprechstunde", "beratung1", "FREQ=WEEKLY;BYDAY=MO", "13:00", "16:00", "leitung"),
    Series("sprechstunde", "beratung1", "FREQ=WEEKLY;BYDAY=TU", "17:00", "20:00", "beratung"),
    Series("sprechstunde", "beratung1", "FREQ=WEEKLY;BYDAY=WE", "15:00", "17:00", "beratung"),
    Series("sprechstunde", "beratung1", "FREQ=WEEKLY;BYDAY=TH", "14:00", "16:00", "leitung"),
    Series("sprechstunde", "beratung1", "FREQ=WEEKLY;BYDAY=FR", "10:00", "12:00", "beratung"),
    # Gruppenraum 1
    Series("kindertreff", "gruppe1", "FREQ=WEEKLY;BYDAY=WE", "15:00", "18:00", "familie"),
    Series("elterncafe", "gruppe1", "FREQ=WEEKLY;BYDAY=TH", "15:00", "17:00", "familie"),
    Series("kindertreff", "gruppe1", "FREQ=WEEKLY;BYDAY=FR", "14:00", "17:00", "familie"),
    # Gruppenraum 2
    Series("hausaufgaben", "gruppe2", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH", "14:00", "16:30",
           "sozialarbeit"),
)

# Recurring groups: kind "group".
GROUP_SERIES: tuple[Series, ...] = (
    # Saal
    Series("tanzgruppe", "saal", "FREQ=WEEKLY;BYDAY=MO", "18:00", "20:00", "melnyk"),
    Series("seniorengymnastik", "saal", "FREQ=WEEKLY;BYDAY=TU,TH", "10:00", "11:00", "wiegand"),
    Series("rueckenfit", "saal", "FREQ=WEEKLY;BYDAY=WE", "18:00", "19:00", "roth"),
    Series("theater", "saal", "FREQ=WEEKLY;BYDAY=TH", "16:30", "18:30", "kern"),
    Series("kulturabend", "saal", "FREQ=MONTHLY;BYDAY=-1FR", "19:00", "22:00", "wiegand"),
    Series("repaircafe", "saal", "FREQ=MONTHLY;BYDAY=1SA", "10:00", "13:30", "brinkmann"),
    # Stadtteilcafé
    Series("frauenfruehstueck", "cafe", "FREQ=WEEKLY;BYDAY=SU", "10:00", "12:30", "demir"),
    # Gruppenraum 1
    Series("deutschkurs", "gruppe1", "FREQ=WEEKLY;BYDAY=MO,WE", "09:00", "12:00", "roth"),
    Series("digital", "gruppe1", "FREQ=WEEKLY;BYDAY=TU", "14:00", "16:00", "brinkmann"),
    Series("demokratiewerkstatt", "gruppe1", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", "19:00",
           "21:00", "kern"),
    Series("stammtisch", "gruppe1", "FREQ=MONTHLY;BYDAY=2MO", "19:00", "21:00", "wiegand"),
    Series("arabisch", "gruppe1", "FREQ=WEEKLY;BYDAY=SA", "10:00", "12:00", "haddad"),
    Series("sonntagstreff", "gruppe1", "FREQ=WEEKLY;BYDAY=SU", "15:00", "17:00", "melnyk"),
    # Gruppenraum 2
    Series("krabbelgruppe", "gruppe2", "FREQ=WEEKLY;BYDAY=WE", "09:30", "11:00", "schulte"),
    Series("shg-angehoerige", "gruppe2", "FREQ=WEEKLY;BYDAY=MO", "19:00", "21:00", "vogt"),
    Series("shg-diabetes", "gruppe2", "FREQ=MONTHLY;BYDAY=1FR", "18:00", "20:00", "hansen"),
    # Werkraum
    Series("malgruppe", "werkraum", "FREQ=WEEKLY;BYDAY=WE", "17:00", "19:00", "lange"),
    Series("naehwerkstatt", "werkraum", "FREQ=WEEKLY;BYDAY=FR", "15:00", "18:00", "lange"),
    # Beratungsraum 2
    Series("migrationsberatung", "beratung2", "FREQ=WEEKLY;BYDAY=TH", "09:00", "12:00",
           "aksoy"),
    # Garten
    Series("lauftreff", "garten", "FREQ=WEEKLY;BYDAY=SU", "10:00", "11:00", "wiegand"),
)

# --------------------------------------------------------------------------------------------
# One-off bookings: week is relative to the week of ``now`` (0 = this week, -1 = last week)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OneOff:
    room: str
    week: int
    weekday: int
    start: str
    end: str
    person: str  # renter (rentals) or the staff member who closes the room (closures)
    title: str = "Raumvermietung"
    purpose: str | None = None
    expected_people: int | None = None
    status: BookingStatus = BookingStatus.CONFIRMED
    notes: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


RENTALS: tuple[OneOff, ...] = (
    # Confirmed (one already past)
    OneOff("cafe", -1, SU, "14:00", "18:00", "becker", purpose="Kindergeburtstag (8 Jahre)",
           expected_people=25),
    OneOff("gruppe1", 1, TU, "19:00", "21:30", "kowalski",
           purpose="Mitgliederversammlung der Mieterinitiative Sieker", expected_people=18),
    OneOff("cafe", 1, SU, "14:00", "18:00", "yildiz", purpose="Tauffeier mit Familie",
           expected_people=30),
    OneOff("saal", 2, SA, "15:00", "21:00", "schmidt",
           purpose="Goldene Hochzeit der Eltern", expected_people=80),
    # Pending: two compete for the Saal on the same Saturday
    OneOff("saal", 3, SA, "14:00", "20:00", "santos", purpose="Geburtstagsfeier (50 Jahre)",
           expected_people=70, status=BookingStatus.PENDING),
    OneOff("saal", 3, SA, "16:00", "22:00", "becker",
           purpose="Abschlussfeier des Deutschkurses mit Buffet", expected_people=45,
           status=BookingStatus.PENDING),
    OneOff("gruppe2", 2, SU, "11:00", "14:00", "schulte", purpose="Kindergeburtstag",
           expected_people=12, status=BookingStatus.PENDING),
    OneOff("gruppe1", 2, SA, "15:00", "18:00", "kowalski",
           purpose="Gründungstreffen einer Foodsharing-Gruppe", expected_people=15,
           status=BookingStatus.PENDING),
)

@dataclass(frozen=True)
class CentreClosure:
    """A closure staff manage: the whole centre (``room`` None) or one room, ``days`` long
    from the weekday of the week relative to ``now``'s (issue 10 §2)."""

    week: int
    weekday: int
    days: int
    reason: str
    person: str
    room: str | None = None


CENTRE_CLOSURES: tuple[CentreClosure, ...] = (
    CentreClosure(3, FR, 1, "Teamtag des Zentrums", "leitung"),
    CentreClosure(5, MO, 5, "Fensterreinigung und Grundreinigung Saal", "leitung", "saal"),
)

CLOSURES: tuple[OneOff, ...] = (
    OneOff("werkraum", 1, TU, "08:00", "20:00", "leitung",
           title="Geschlossen: Malerarbeiten im Werkraum",
           notes="Wände und Decke werden gestrichen; Materialschränke vorher ausräumen."),
)


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


class DemoAlreadyLoaded(Conflict):
    """The demo loads only into an empty database."""


def load_demo(session: Session, now: datetime) -> Centre:
    """Load the demo centre into an empty database and return it (flushed, not committed)."""
    now = require_aware(now, "now")
    if session.scalar(select(func.count()).select_from(Centre)):
        raise DemoAlreadyLoaded(
            "the database already holds a centre; the demo loads only into an empty database"
        )

    centre = Centre(**CENTRE)
    session.add(centre)
    session.flush()

    rooms = _add_rooms(session, centre)
    _add_doors(session, centre, rooms, now)
    persons = _add_persons(session, centre, now)
    groups = _add_groups(session, centre, persons)
    offers = _add_offers(session, centre, groups)

    plan = _Plan(session, centre, now, rooms, persons, groups, offers)
    # Closures first, as a centre has them when it plans: the series skip their days.
    for centre_closure in CENTRE_CLOSURES:
        plan.add_centre_closure(centre_closure)
    for series in PROGRAMME:
        plan.add_series(series, BookingKind.PROGRAMME, actor="leitung")
    for series in GROUP_SERIES:
        for one_day in _per_weekday(series):
            request = _add_request(session, centre, one_day, rooms, offers, plan.first_day)
            booking = plan.add_series(one_day, BookingKind.GROUP, actor="verwaltung")
            booking.request_id = request.id
    _add_staff_profiles(session, centre, persons)
    load_term_round(session, centre, now, persons["leitung"], groups, rooms)
    for closure in CLOSURES:
        plan.add_closure(closure)
    for rental in RENTALS:
        plan.add_rental(rental)
    session.flush()
    return centre


def _per_weekday(series: Series) -> list[Series]:
    """A group meeting on several weekdays is one planning request per weekday (the planner
    places each meeting on its own); monthly and single-day rules stay as they are."""
    parts = dict(item.split("=", 1) for item in series.rule.split(";"))
    days = parts.get("BYDAY", "").split(",")
    if parts.get("FREQ") != "WEEKLY" or len(days) < 2:
        return [series]
    result = []
    for day in days:
        rule = ";".join(f"{k}={day if k == 'BYDAY' else v}" for k, v in parts.items())
        result.append(Series(series.offer, series.room, rule, series.start, series.end,
                             series.responsible))
    return result


WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _add_request(session: Session, centre: Centre, series: Series, rooms: dict[str, Room],
                 offers: dict[str, Offer], first_day: date) -> RecurringRequest:
    """The group's standing wish behind a demo series: its weekday, a band of an hour either
    side of its usual time (inside 08:00–22:00), its usual time as preferred, and room needs
    read off the room it uses now (kitchen, outdoor, confidential)."""
    code = series.rule.split("BYDAY=")[1].split(";")[0].lstrip("-0123456789")
    day = WEEKDAY_CODES.index(code)
    start, end = _minute(series.start), _minute(series.end)
    band = {"day": day, "start": _hhmm(max(8 * 60, start - 60)),
            "end": _hhmm(min(22 * 60, end + 60))}
    room = rooms[series.room]
    needs = sorted(set(room.features) & {"kitchen", "outdoor", "confidential"})
    offer = offers[series.offer]
    request = RecurringRequest(
        centre_id=centre.id, group_id=offer.group_id, offer_id=offer.id, title=offer.title,
        rrule=series.rule, valid_from=first_day, duration_minutes=end - start,
        windows=[band], preferred=[{"day": day, "start": series.start, "end": series.end}],
        size=min(room.capacity, 15), features=needs, priority=3, staffed=False)
    session.add(request)
    session.flush()
    return request


def _add_staff_profiles(session: Session, centre: Centre, persons: dict[str, Person]) -> None:
    for spec in STAFF_PROFILES:
        session.add(StaffProfile(
            person_id=persons[spec.person].id, centre_id=centre.id,
            max_week_minutes=spec.week_hours * 60, max_day_minutes=10 * 60,
            skills=list(spec.skills),
            availability=[{"day": d, "start": spec.start, "end": spec.end} for d in spec.days]))
    session.flush()


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minute(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _time(text: str) -> time:
    return time(*divmod(_minute(text), 60))


def _add_rooms(session: Session, centre: Centre) -> dict[str, Room]:
    rooms: dict[str, Room] = {}
    for spec in ROOMS:
        room = Room(
            centre_id=centre.id, name=spec.name, description=spec.description,
            capacity=spec.capacity, area_m2=spec.area_m2,
            accessibility_notes=spec.accessibility, rentable=spec.rentable,
            price_per_hour_cents=spec.price, weekend_price_per_hour_cents=spec.weekend_price,
            min_fee_cents=spec.min_fee, cleaning_fee_cents=spec.cleaning_fee,
            min_rental_minutes=spec.min_minutes, max_rental_minutes=spec.max_minutes,
            latest_end_minute=_minute(spec.latest_end), quiet_from_minute=_minute(spec.quiet_from),
            house_rules=spec.house_rules, cleaning_rules=spec.cleaning_rules, active=True,
            translations=demo_texts.ROOMS.get(spec.key, {}),
        )
        room.set_features([str(f) for f in spec.features])
        session.add(room)
        rooms[spec.key] = room
    session.flush()
    return rooms


def _add_doors(session: Session, centre: Centre, rooms: dict[str, Room],
               now: datetime) -> None:
    """The doors, each with its registered keypad terminal (issue 12), so the access page
    shows what staff would see in a running centre: terminals on mains that reported a minute
    ago, and the garden gate's battery keypad running low (one alert). The devices' tokens are
    random and never shown: to try a keypad, staff register a terminal of their own."""
    for name, kind, room_keys in DOORS:
        door = Door(centre_id=centre.id, name=name, kind=kind,
                    rooms=[rooms[key] for key in room_keys])
        session.add(door)
        session.flush()
        battery = name.startswith("Gartentor")
        terminal = Terminal(centre_id=centre.id, door_id=door.id, name=f"Tastatur {name}",
                            token_hash=token_digest(new_token()), created_at=now,
                            last_seen_at=now - timedelta(minutes=1),
                            power="battery" if battery else "mains",
                            battery_percent=12 if battery else None, firmware="demo-2.3",
                            clock_skew_seconds=0.4)
        session.add(terminal)
        session.flush()
        if battery:
            session.add(AccessAlert(centre_id=centre.id, kind="low_battery", at=now,
                                    terminal_id=terminal.id, door_id=door.id,
                                    details={"battery_percent": 12}))


def _add_persons(session: Session, centre: Centre, now: datetime) -> dict[str, Person]:
    # One argon2id hash for all demo accounts: the password is public anyway, and hashing
    # it two dozen times at production cost would make loading the demo slow.
    password_hash = hash_password(DEMO_PASSWORD)
    persons: dict[str, Person] = {}
    for spec in PERSONS:
        person = Person(
            email=spec.email, password_hash=password_hash, display_name=spec.name,
            phone=spec.phone, language=spec.language, created_at=now,
            email_confirmed_at=now,  # demo accounts are ready to use
            roles=[PersonRole(role=str(role),
                              centre_id=centre.id if role in CENTRE_ROLES else None)
                   for role in spec.roles],
        )
        session.add(person)
        persons[spec.key] = person
    session.flush()
    return persons


def _add_groups(session: Session, centre: Centre,
                persons: dict[str, Person]) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    for spec in GROUPS:
        group = Group(centre_id=centre.id, name=spec.name, kind=str(spec.kind),
                      description=spec.description,
                      contacts=[persons[key] for key in spec.contacts])
        session.add(group)
        groups[spec.key] = group
    session.flush()
    return groups


def _add_offers(session: Session, centre: Centre,
                groups: dict[str, Group]) -> dict[str, Offer]:
    offers: dict[str, Offer] = {}
    for spec in OFFERS:
        offer = Offer(
            centre_id=centre.id, group_id=groups[spec.group].id if spec.group else None,
            title=spec.title, description=spec.description, theme=str(spec.theme),
            target_groups=list(spec.target_groups), languages=list(spec.languages),
            self_managed=spec.self_managed, public=spec.public,
            consultation=spec.consultation, drop_in=spec.drop_in,
            translations=demo_texts.OFFERS.get(spec.key, {}),
        )
        session.add(offer)
        offers[spec.key] = offer
    session.flush()
    return offers


def public_holidays(first: date, last: date, subdivision: str = SUBDIVISION) -> set[date]:
    """The public holidays of the German state ``subdivision`` in ``[first, last]``."""
    calendar = holidays.country_holidays("DE", subdiv=subdivision,
                                         years=range(first.year, last.year + 1))
    return {day for day in calendar if first <= day <= last}


class _Plan:
    """Turns the tables above into bookings with occurrences, one audit record each."""

    def __init__(self, session: Session, centre: Centre, now: datetime,
                 rooms: dict[str, Room], persons: dict[str, Person],
                 groups: dict[str, Group], offers: dict[str, Offer]) -> None:
        self.session = session
        self.centre = centre
        self.now = now
        self.rooms = rooms
        self.persons = persons
        self.groups = groups
        self.offers = offers
        today = to_local(now, centre.timezone).date()
        self.monday = today - timedelta(days=today.weekday())
        self.first_day = self.monday - timedelta(weeks=WEEKS_BEFORE)
        self.last_day = today + timedelta(weeks=WEEKS_AFTER)
        self.holidays = public_holidays(self.first_day, self.last_day,
                                        centre.holiday_subdivision)

    def add_series(self, series: Series, kind: BookingKind, actor: str) -> Booking:
        """A series as staff would create it (``booking.services.series``), its dates on public
        holidays and closures skipped with their reason (staff see them and can add one back).
        It ends with the demo's calendar (:data:`WEEKS_AFTER`), like a half-year programme
        that is planned on: open-ended, 18 months of dates made loading the demo seven times
        slower, in every test that loads it."""
        offer = self.offers[series.offer]
        staff = self.persons[actor]
        spec = series_service.SeriesSpec(
            kind=str(kind), title=offer.title, room_id=self.rooms[series.room].id,
            start=_time(series.start),
            duration=timedelta(minutes=_minute(series.end) - _minute(series.start)),
            first_date=self.first_day, until=self.last_day,
            pattern=series_service.Pattern("rrule", rrule=series.rule),
            offer_id=offer.id, group_id=offer.group_id,
            responsible_id=self.persons[series.responsible].id)
        made = series_service.create_series(
            self.session, Actor(person_id=staff.id,
                                roles=frozenset({(str(Role.STAFF), self.centre.id)})),
            spec, now=self.now)
        assert made.series is not None
        booking = made.series.booking
        audit.record(self.session, self.now, staff.id, "booking", booking.id, "created",
                     kind=booking.kind, status=booking.status, title=booking.title,
                     occurrences=len(booking.occurrences), source="demo")
        return booking

    def add_centre_closure(self, closure: CentreClosure) -> None:
        """A closure staff manage (``booking.services.series``): series dates on its days are
        skipped with its reason."""
        day = self.monday + timedelta(weeks=closure.week, days=closure.weekday)
        staff = self.persons[closure.person]
        series_service.create_closure(
            self.session, Actor(person_id=staff.id,
                                roles=frozenset({(str(Role.STAFF), self.centre.id)})),
            self.centre.id, room_id=self.rooms[closure.room].id if closure.room else None,
            first_day=day, last_day=day + timedelta(days=closure.days - 1),
            reason=closure.reason, now=self.now)

    def add_closure(self, closure: OneOff) -> Booking:
        day = self._day(closure)
        booking = Booking(
            centre_id=self.centre.id, kind=str(BookingKind.CLOSURE),
            status=str(BookingStatus.CONFIRMED), title=closure.title,
            requested_by_id=self.persons[closure.person].id,
            responsible_id=self.persons[closure.person].id, notes=closure.notes,
            created_at=self.now, updated_at=self.now,
            occurrences=self._occurrences(closure.room, [self._instants(day, closure)],
                                          BookingStatus.CONFIRMED),
        )
        return self._save(booking, closure.person)

    def add_rental(self, rental: OneOff) -> Booking:
        day = self._day(rental)
        room = self.rooms[rental.room]
        begin, end = self._instants(day, rental)
        renter = self.persons[rental.person]
        booking = Booking(
            centre_id=self.centre.id, kind=str(BookingKind.RENTAL), status=str(rental.status),
            title=rental.title, requested_by_id=renter.id, responsible_id=renter.id,
            purpose=rental.purpose, expected_people=rental.expected_people,
            fee_cents=self._fee(room, day, begin, end), notes=rental.notes,
            created_at=self.now, updated_at=self.now,
            occurrences=self._occurrences(rental.room, [(begin, end)], rental.status),
        )
        self._save(booking, rental.person)
        if rental.status == BookingStatus.CONFIRMED:
            audit.record(self.session, self.now, self.persons["verwaltung"].id, "booking",
                         booking.id, "confirmed", status=str(BookingStatus.CONFIRMED))
        return booking

    def _day(self, one_off: OneOff) -> date:
        day = self.monday + timedelta(weeks=one_off.week, days=one_off.weekday)
        while day in self.holidays:  # the centre is closed: same weekday a week later
            day += timedelta(weeks=1)
        return day

    def _instants(self, day: date, one_off: OneOff) -> tuple[datetime, datetime]:
        zone_name = self.centre.timezone
        return (local_to_utc(day, _time(one_off.start), zone_name),
                local_to_utc(day, _time(one_off.end), zone_name))

    def _fee(self, room: Room, day: date, begin: datetime, end: datetime) -> int:
        # The service's own fee rule, so the demo's fees are what a request would quote.
        return compute_fee(room, begin, end, self.centre)[0]

    def _occurrences(self, room_key: str, instants: Iterable[tuple[datetime, datetime]],
                     status: BookingStatus) -> list[Occurrence]:
        room_id = self.rooms[room_key].id
        return [Occurrence(room_id=room_id, starts_at=begin, ends_at=end, status=str(status))
                for begin, end in instants]

    def _save(self, booking: Booking, actor: str) -> Booking:
        lock_rooms(self.session, {o.room_id for o in booking.occurrences})
        self.session.add(booking)
        self.session.flush()
        audit.record(self.session, self.now, self.persons[actor].id, "booking", booking.id,
                     "created", kind=booking.kind, status=booking.status, title=booking.title,
                     occurrences=len(booking.occurrences), source="demo")
        return booking

