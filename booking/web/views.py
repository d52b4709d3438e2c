"""Views of the data: plain values the templates show (a room, a rental request)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from booking import formatting
from booking.messages import Message
from booking.models import Booking, Centre, Person, Room
from booking.models.texts import Translatable
from booking.services import rentals
from booking.translations import DEFAULT_LANGUAGE, N_
from booking.web import i18n

# --- views of the data (plain values for the templates) ------------------------------------


@dataclass(frozen=True)
class Localized:
    """A text staff wrote, in the page's language if they translated it, else in German.
    ``lang`` is set when the text's language differs from the page's, so the template writes
    ``lang="de"`` on its element (``_macros.html``: ``m.lang_of``) and a screen reader reads
    it as German."""

    text: str
    lang: str | None = None

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    @classmethod
    def of(cls, row: Translatable, name: str, page_lang: str) -> Localized:
        text, lang = row.translated(name, page_lang)
        return cls(str(text or ""), None if lang == page_lang else lang)


def localized_list(row: Translatable, name: str, page_lang: str) -> list[tuple[str, Localized]]:
    """A translated list (an offer's target groups) as (German key, shown text) pairs."""
    german = list(getattr(row, name) or [])
    shown, lang = row.translated(name, page_lang)
    if lang != page_lang and lang == DEFAULT_LANGUAGE:
        return [(g, Localized(g, None if page_lang == DEFAULT_LANGUAGE else lang))
                for g in german]
    return [(g, Localized(str(t))) for g, t in zip(german, shown, strict=False)]


def said(messages: list[Message], page_lang: str) -> list[Localized]:
    """Messages in the page's language, each marked with the language it is really in (a
    staff-written rule without a translation stays German, ``lang="de"``)."""
    out = []
    for m in messages:
        lang = m.language(page_lang)
        out.append(Localized(m.render(page_lang), None if lang == page_lang else lang))
    return out


@dataclass(frozen=True)
class RoomView:
    id: int
    name: str
    centre: str
    description: Localized
    capacity: int
    area_m2: float
    area: str
    features: list[str]
    accessibility_notes: Localized
    price: str
    weekend_price: str
    min_fee: str
    cleaning_fee: str
    min_hours: str
    max_hours: str
    rules: list[Localized]  # the house rules (``rentals.house_rules``) in the page's language
    cleaning_rules: Localized
    house_rules: Localized
    rentable: bool
    barrier_free: bool

    @classmethod
    def of(cls, room: Room, centre: Centre, lang: str) -> RoomView:
        def eur(cents: int) -> str:
            return formatting.money(cents, lang)

        def hours(minutes: int) -> str:
            return formatting.number(minutes / 60, lang)

        return cls(
            id=room.id, name=room.name, centre=centre.name,
            description=Localized.of(room, "description", lang),
            capacity=room.capacity, area_m2=room.area_m2,
            area=formatting.number(room.area_m2, lang),
            features=[i18n.FEATURE_WORDS.get(f, f) for f in room.features],
            accessibility_notes=Localized.of(room, "accessibility_notes", lang),
            price=eur(room.price_per_hour_cents),
            weekend_price=eur(room.weekend_price_per_hour_cents),
            min_fee=eur(room.min_fee_cents), cleaning_fee=eur(room.cleaning_fee_cents),
            min_hours=hours(room.min_rental_minutes), max_hours=hours(room.max_rental_minutes),
            rules=said(rentals.house_rules(room), lang),
            cleaning_rules=Localized.of(room, "cleaning_rules", lang),
            house_rules=Localized.of(room, "house_rules", lang),
            rentable=room.rentable and room.active,
            barrier_free="barrier_free" in room.features)


@dataclass(frozen=True)
class RentalView:
    id: int
    room: str
    room_id: int
    centre: str
    when: str
    status: str
    status_word: str
    fee: str
    people: int
    purpose: str
    reason: str
    requester: str
    can_cancel: bool


def rental_view(db: Any, booking: Booking, lang: str, now: datetime) -> RentalView:
    occ = booking.occurrences[0]
    centre = db.get(Centre, booking.centre_id)
    zone_name = centre.timezone if centre else "Europe/Berlin"
    requester = ""
    if booking.requested_by_id is not None:
        person = db.get(Person, booking.requested_by_id)
        if person is not None:
            requester = (f"{person.display_name or ''} <{person.email}>" if person.email
                         else N_("gelöschtes Konto"))
    return RentalView(
        id=booking.id, room=occ.room.name, room_id=occ.room_id,
        centre=centre.name if centre else "",
        when=formatting.when(occ.starts_at, occ.ends_at, zone_name, lang),
        status=booking.status, status_word=i18n.STATUS_WORDS.get(booking.status, booking.status),
        fee=formatting.money(booking.fee_cents, lang), people=booking.expected_people or 0,
        purpose=booking.purpose or "",
        # The automatic reason (another request got the room) is a msgid; staff's own text
        # passes through gettext unchanged.
        reason=i18n.gettext(lang)(booking.decision_reason) if booking.decision_reason else "",
        requester=requester, can_cancel=booking.is_open and occ.starts_at > now)


@dataclass
class DayRow:
    label: str
    # (time, public title): an offer's title in the page's language where staff translated it
    items: list[tuple[str, str | Localized]] = field(default_factory=list)
    free: list[str] = field(default_factory=list)  # free times, e.g. "08:00–10:00"
    # Why the room is closed that day (a closure or a public holiday), in the page's language.
    closed: str = ""
