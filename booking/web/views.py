"""Views of the data: plain values the templates show (a room, a rental request)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from booking import formatting
from booking.models import Booking, Centre, Person, Room
from booking.services import rentals
from booking.translations import N_
from booking.web import i18n

# --- views of the data (plain values for the templates) ------------------------------------


@dataclass(frozen=True)
class RoomView:
    id: int
    name: str
    centre: str
    description: str
    capacity: int
    area_m2: float
    area: str
    features: list[str]
    accessibility_notes: str
    price: str
    weekend_price: str
    min_fee: str
    cleaning_fee: str
    min_hours: str
    max_hours: str
    rules: str
    rentable: bool

    @classmethod
    def of(cls, room: Room, centre: Centre, lang: str) -> RoomView:
        def eur(cents: int) -> str:
            return formatting.money(cents, lang)

        def hours(minutes: int) -> str:
            return formatting.number(minutes / 60, lang)

        return cls(
            id=room.id, name=room.name, centre=centre.name, description=room.description,
            capacity=room.capacity, area_m2=room.area_m2,
            area=formatting.number(room.area_m2, lang),
            features=[i18n.FEATURE_WORDS.get(f, f) for f in room.features],
            accessibility_notes=room.accessibility_notes,
            price=eur(room.price_per_hour_cents),
            weekend_price=eur(room.weekend_price_per_hour_cents),
            min_fee=eur(room.min_fee_cents), cleaning_fee=eur(room.cleaning_fee_cents),
            min_hours=hours(room.min_rental_minutes), max_hours=hours(room.max_rental_minutes),
            rules=rentals.house_rules_text(room), rentable=room.rentable and room.active)


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
    items: list[tuple[str, str]] = field(default_factory=list)  # (time, public title)
