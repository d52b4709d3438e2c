"""Typed input and output of the JSON API (msgspec structs), separate from the ORM models.

Every number and string has bounds, so malformed or hostile input is a 400 with a message,
never a database error. A string stored in a varchar column takes its limit from the model.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar.params import Parameter

from booking.models import Booking, Centre, Door, Group, Offer, Person, PlanRun, Room
from booking.models.base import max_length

MAX_ID = 2_147_483_647
Id = Annotated[int, Parameter(ge=1, le=MAX_ID)]
IdField = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
# One-line fields (names, titles, e-mail, rules) refuse every control character: NUL, which
# PostgreSQL cannot store, and the others (escape sequences, bells, line breaks) a name has no
# use for. Free texts keep tab and line breaks, for the text areas of the pages.
LINE = "^[^\\x00-\\x1f\\x7f-\\x9f]*$"
_TEXT = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"
# Strings stored in a varchar column take its length from the model (``max_length``), so the
# schema cannot accept what the database cannot hold. Free texts (text columns) have limits of
# their own, for sensible pages and mails.
TEXT_LENGTH = 4000
REASON_LENGTH = 2000
RRULE_LENGTH = 500
LIST_ITEM_LENGTH = 300


def _line(length: int, min_length: int = 0) -> msgspec.Meta:
    return msgspec.Meta(min_length=min_length, max_length=length, pattern=LINE)


CentreName = Annotated[str, _line(max_length(Centre.name), 1)]
Address = Annotated[str, _line(max_length(Centre.address))]
TimeZone = Annotated[str, _line(max_length(Centre.timezone), 1)]
RoomName = Annotated[str, _line(max_length(Room.name), 1)]
DoorName = Annotated[str, _line(max_length(Door.name), 1)]
GroupName = Annotated[str, _line(max_length(Group.name), 1)]
OfferTitle = Annotated[str, _line(max_length(Offer.title), 1)]
BookingTitle = Annotated[str, _line(max_length(Booking.title), 1)]
PersonName = Annotated[str, _line(max_length(Person.display_name), 1)]
Email = Annotated[str, _line(max_length(Person.email), 3)]
# An ISO week such as 2026-W49: eight characters, which the column (PlanRun.week) holds.
WEEK_LENGTH = min(8, max_length(PlanRun.week))
Week = Annotated[str, msgspec.Meta(max_length=WEEK_LENGTH, pattern=r"^[0-9]{4}-[Ww][0-9]{2}$")]
Text = Annotated[str, msgspec.Meta(max_length=TEXT_LENGTH, pattern=_TEXT)]
Reason = Annotated[str, msgspec.Meta(max_length=REASON_LENGTH, pattern=_TEXT)]
ListItem = Annotated[str, msgspec.Meta(max_length=LIST_ITEM_LENGTH, pattern=LINE)]
Instant = Annotated[datetime, msgspec.Meta(tz=True)]
People = Annotated[int, msgspec.Meta(ge=1, le=10_000)]
Cents = Annotated[int, msgspec.Meta(ge=0, le=100_000_000)]
Minutes = Annotated[int, msgspec.Meta(ge=1, le=1440)]
MinuteOfDay = Annotated[int, msgspec.Meta(ge=0, le=1440)]
# A password is never stored, only hashed: anything but NUL (its byte count is argon2's).
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=512, pattern=r"^[^\x00]*$")]
# Tokens of mailed links and device tokens: URL-safe base64 (booking.security.new_token).
LinkToken = Annotated[str, msgspec.Meta(max_length=200, pattern=r"^[A-Za-z0-9_=-]*$")]
Feature = Literal["barrier_free", "barrier_free_toilet", "kitchen", "projector",
                  "confidential", "outdoor", "sound_proof", "storage", "hearing_loop", "stage"]
Theme = Literal["family", "education_general", "education_political", "welcome_culture",
                "counselling", "inclusion", "sustainability", "self_help", "health_prevention",
                "sport", "art", "culture", "other"]

# Languages content may be translated into (German is the original, in the row's own fields).
TranslationLanguage = Literal["en", "tr", "ar", "uk"]  # booking.models.texts


class RoomTexts(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A room's texts in one language; an empty text falls back to the German one."""

    description: Text = ""
    accessibility_notes: Text = ""
    cleaning_rules: Text = ""
    house_rules: Text = ""


class OfferTexts(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """An offer's texts in one language; target groups, if given, one per German target
    group and in the same order."""

    title: Annotated[str, _line(max_length(Offer.title))] = ""
    description: Text = ""
    target_groups: Annotated[list[ListItem], msgspec.Meta(max_length=20)] = []


# Per language; a language given with no texts removes its translation (PATCH).
RoomTranslations = Annotated[dict[TranslationLanguage, RoomTexts], msgspec.Meta(max_length=4)]
OfferTranslations = Annotated[dict[TranslationLanguage, OfferTexts], msgspec.Meta(max_length=4)]


class Problem(msgspec.Struct):
    """RFC 9457 problem details. ``code`` and ``params`` say what went wrong as data (the codes
    are stable; ``booking.messages``), ``detail`` says it in the caller's language
    (``Accept-Language``, else the account's language, else German)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    params: dict[str, Any] = msgspec.field(default_factory=dict)


class MessageOut(msgspec.Struct):
    """One message: its code and parameters as data, and the sentence in the caller's
    language."""

    code: str
    params: dict[str, Any]
    detail: str


class Health(msgspec.Struct):
    status: str
    database: str


class CentreOut(msgspec.Struct):
    id: int
    slug: str
    name: str
    address: str
    timezone: str


class CentreIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Annotated[str, msgspec.Meta(min_length=1, max_length=max_length(Centre.slug),
                                      pattern=r"^[a-z0-9-]+$")]
    name: CentreName
    address: Address = ""
    timezone: TimeZone = "Europe/Berlin"


class RoomOut(msgspec.Struct):
    id: int
    centre_id: int
    name: str
    description: str
    capacity: int
    area_m2: float
    features: list[str]
    accessibility_notes: str
    rentable: bool
    price_per_hour_cents: int
    weekend_price_per_hour_cents: int
    min_fee_cents: int
    cleaning_fee_cents: int
    min_rental_minutes: int
    max_rental_minutes: int
    latest_end_minute: int
    quiet_from_minute: int
    cleaning_rules: str
    house_rules: str
    translations: dict[str, dict[str, str]] = {}


class RoomIn(msgspec.Struct, forbid_unknown_fields=True):
    name: RoomName
    capacity: People
    description: Text = ""
    area_m2: Annotated[float, msgspec.Meta(ge=0, le=100_000)] = 0.0
    features: Annotated[list[Feature], msgspec.Meta(max_length=20)] = []
    accessibility_notes: Text = ""
    rentable: bool = False
    price_per_hour_cents: Cents = 0
    weekend_price_per_hour_cents: Cents = 0
    min_fee_cents: Cents = 0
    cleaning_fee_cents: Cents = 0
    min_rental_minutes: Minutes = 60
    max_rental_minutes: Minutes = 480
    latest_end_minute: MinuteOfDay = 1320
    quiet_from_minute: MinuteOfDay = 1320
    cleaning_rules: Text = ""
    house_rules: Text = ""
    translations: RoomTranslations = {}


class RoomPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: RoomName | msgspec.UnsetType = msgspec.UNSET
    capacity: People | msgspec.UnsetType = msgspec.UNSET
    description: Text | msgspec.UnsetType = msgspec.UNSET
    features: Annotated[list[Feature], msgspec.Meta(max_length=20)] | msgspec.UnsetType = \
        msgspec.UNSET
    accessibility_notes: Text | msgspec.UnsetType = msgspec.UNSET
    rentable: bool | msgspec.UnsetType = msgspec.UNSET
    price_per_hour_cents: Cents | msgspec.UnsetType = msgspec.UNSET
    weekend_price_per_hour_cents: Cents | msgspec.UnsetType = msgspec.UNSET
    min_fee_cents: Cents | msgspec.UnsetType = msgspec.UNSET
    cleaning_fee_cents: Cents | msgspec.UnsetType = msgspec.UNSET
    min_rental_minutes: Minutes | msgspec.UnsetType = msgspec.UNSET
    max_rental_minutes: Minutes | msgspec.UnsetType = msgspec.UNSET
    latest_end_minute: MinuteOfDay | msgspec.UnsetType = msgspec.UNSET
    house_rules: Text | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET
    # Merged per language: the languages given replace theirs, the others stay.
    translations: RoomTranslations | msgspec.UnsetType = msgspec.UNSET


class Interval(msgspec.Struct):
    room_id: int
    starts_at: datetime
    ends_at: datetime


class BusyInterval(msgspec.Struct):
    room_id: int
    starts_at: datetime
    ends_at: datetime
    title: str
    kind: str
    booking_id: int | None = None


class ClosedDay(msgspec.Struct):
    """A local day the room is closed, midnight to midnight: ``cause`` "closure" (of the room
    or the whole centre, staff's reason) or "holiday" (a public holiday of the centre's state);
    ``reason`` is the sentence (``detail``) with its code and parameters."""

    room_id: int
    day: date
    starts_at: datetime
    ends_at: datetime
    cause: str
    reason: dict[str, Any]


class Availability(msgspec.Struct):
    """Free intervals never cover a closed day: those are listed in ``closed``, with why."""

    start: datetime
    end: datetime
    busy: list[BusyInterval]
    free: list[Interval]
    closed: list[ClosedDay] = msgspec.field(default_factory=list)


class RentalIn(msgspec.Struct, forbid_unknown_fields=True):
    room_id: IdField
    starts_at: Instant
    ends_at: Instant
    expected_people: People
    purpose: Annotated[str, msgspec.Meta(min_length=1, max_length=REASON_LENGTH, pattern=_TEXT)]


class QuoteIn(msgspec.Struct, forbid_unknown_fields=True):
    room_id: IdField
    starts_at: Instant
    ends_at: Instant
    expected_people: People


class QuoteOut(msgspec.Struct):
    fee_cents: int
    fee: str
    hours_charged: int
    hourly_rate_cents: int
    # Each rule the request would break (codes as in the 422 of ``POST /api/rentals``).
    problems: list[MessageOut]
    # The room's house rules in the caller's language, one sentence after the other…
    rules: str
    allowed: bool
    # …and each as a message (code, parameters, sentence), like ``problems``.
    house_rules: list[MessageOut] = msgspec.field(default_factory=list)


class OccurrenceOut(msgspec.Struct):
    id: int
    room_id: int
    room: str
    starts_at: datetime
    ends_at: datetime
    status: str


class RentalOut(msgspec.Struct):
    id: int
    centre_id: int
    status: str
    title: str
    purpose: str | None
    expected_people: int | None
    fee_cents: int
    fee: str
    decision_reason: str | None
    occurrences: list[OccurrenceOut]
    created_at: datetime
    # The door code, only in the answer of the confirmation that issued it (shown once).
    access_code: str | None = None


class ReasonIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason = ""


class BookingIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["programme", "group", "closure"]
    title: BookingTitle
    room_id: IdField
    starts_at: Instant
    ends_at: Instant
    rrule: Annotated[str, msgspec.Meta(max_length=RRULE_LENGTH, pattern=LINE)] | None = None
    until: date | None = None
    exdates: Annotated[list[date], msgspec.Meta(max_length=400)] = []
    offer_id: IdField | None = None
    group_id: IdField | None = None
    notes: Text | None = None
    skip_conflicts: bool = False


class BookingOut(msgspec.Struct):
    id: int
    centre_id: int
    kind: str
    status: str
    title: str
    rrule: str | None
    offer_id: int | None
    group_id: int | None
    occurrences: list[OccurrenceOut]
    skipped: list[str] = []
    # A booking made with an RRULE is a series: ``/api/series/{series_id}``.
    series_id: int | None = None


class MoveIn(msgspec.Struct, forbid_unknown_fields=True):
    room_id: IdField
    starts_at: Instant
    ends_at: Instant


class OfferOut(msgspec.Struct):
    id: int
    centre_id: int
    group_id: int | None
    title: str
    description: str
    theme: str
    target_groups: list[str]
    languages: list[str]
    self_managed: bool
    public: bool
    drop_in: bool = True
    translations: dict[str, dict[str, str | list[str]]] = {}


class OfferIn(msgspec.Struct, forbid_unknown_fields=True):
    title: OfferTitle
    theme: Theme
    description: Text = ""
    target_groups: Annotated[list[ListItem], msgspec.Meta(max_length=20)] = []
    languages: Annotated[list[Annotated[str, msgspec.Meta(max_length=3,
                                                          pattern=r"^[a-z]{2,3}$")]],
                         msgspec.Meta(max_length=20)] = []
    self_managed: bool = False
    public: bool = True
    group_id: IdField | None = None
    # One can just come, without registering first.
    drop_in: bool = True
    translations: OfferTranslations = {}


class OfferPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    title: OfferTitle | msgspec.UnsetType = msgspec.UNSET
    description: Text | msgspec.UnsetType = msgspec.UNSET
    target_groups: Annotated[list[ListItem], msgspec.Meta(max_length=20)] | msgspec.UnsetType = \
        msgspec.UNSET
    public: bool | msgspec.UnsetType = msgspec.UNSET
    drop_in: bool | msgspec.UnsetType = msgspec.UNSET
    # Merged per language: the languages given replace theirs, the others stay.
    translations: OfferTranslations | msgspec.UnsetType = msgspec.UNSET


class GroupOut(msgspec.Struct):
    id: int
    centre_id: int
    name: str
    kind: str
    description: str
    contact_ids: list[int]


class GroupIn(msgspec.Struct, forbid_unknown_fields=True):
    name: GroupName
    kind: Literal["club", "self_help", "migrant_organisation", "partner", "initiative"]
    description: Text = ""
    contact_ids: Annotated[list[IdField], msgspec.Meta(max_length=20)] = []


class DoorOut(msgspec.Struct):
    id: int
    centre_id: int
    name: str
    kind: str
    room_ids: list[int]


class DoorIn(msgspec.Struct, forbid_unknown_fields=True):
    name: DoorName
    kind: Literal["entrance", "room"]
    room_ids: Annotated[list[IdField], msgspec.Meta(max_length=200)] = []


HHMM = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")]


class AvailabilitySlot(msgspec.Struct, forbid_unknown_fields=True):
    """A weekly window in the centre's local time: ``day`` 0 = Monday … 6 = Sunday."""

    day: Annotated[int, msgspec.Meta(ge=0, le=6)]
    start: HHMM
    end: HHMM


class StaffProfileIn(msgspec.Struct, forbid_unknown_fields=True):
    max_week_minutes: Annotated[int, msgspec.Meta(ge=0, le=7 * 1440)]
    max_day_minutes: Annotated[int, msgspec.Meta(ge=0, le=1440)]
    skills: Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=40,
                                                       pattern=LINE)]],
                      msgspec.Meta(max_length=20)] = []
    availability: Annotated[list[AvailabilitySlot], msgspec.Meta(max_length=50)] = []


class StaffProfileOut(msgspec.Struct):
    person_id: int
    centre_id: int
    max_week_minutes: int
    max_day_minutes: int
    skills: list[str]
    availability: list[AvailabilitySlot]


class PersonOut(msgspec.Struct):
    id: int
    email: str | None
    display_name: str | None
    language: str
    roles: list[str]


class RegisterIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password
    display_name: PersonName
    language: Literal["de", "en", "tr", "ar", "uk"] = "de"  # booking.translations.LANGUAGES


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password
    # The device token an earlier login of this client got (OWASP device cookie).
    device_token: LinkToken | None = None


class TokenOut(msgspec.Struct):
    token: str
    token_type: str
    expires_at: datetime
    person: PersonOut
    # Keep it and send it with the next login: this client is then judged on its own
    # failed logins only, not locked out by other people's guesses.
    device_token: str = ""


class Accepted(msgspec.Struct):
    """A request taken in: what happens next, in words (mailed links and the like)."""

    detail: str
    code: str
    params: dict[str, Any] = msgspec.field(default_factory=dict)


class ConfirmIn(msgspec.Struct, forbid_unknown_fields=True):
    token: LinkToken


class ResetRequestIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email


class ResetIn(msgspec.Struct, forbid_unknown_fields=True):
    token: LinkToken
    password: Password


class ResetOut(msgspec.Struct):
    detail: str
    device_token: str
