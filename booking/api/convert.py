"""ORM rows → API structs."""

from __future__ import annotations

from booking.api import schemas as s
from booking.messages import Message
from booking.models import (
    Booking,
    Centre,
    Door,
    Group,
    Occurrence,
    Offer,
    Person,
    Room,
    StaffProfile,
)
from booking.services.rentals import format_eur


def centre(c: Centre) -> s.CentreOut:
    return s.CentreOut(id=c.id, slug=c.slug, name=c.name, address=c.address,
                       timezone=c.timezone)


def room(r: Room) -> s.RoomOut:
    return s.RoomOut(
        id=r.id, centre_id=r.centre_id, name=r.name, description=r.description,
        capacity=r.capacity, area_m2=r.area_m2, features=r.features,
        accessibility_notes=r.accessibility_notes, rentable=r.rentable,
        price_per_hour_cents=r.price_per_hour_cents,
        weekend_price_per_hour_cents=r.weekend_price_per_hour_cents,
        min_fee_cents=r.min_fee_cents, cleaning_fee_cents=r.cleaning_fee_cents,
        min_rental_minutes=r.min_rental_minutes, max_rental_minutes=r.max_rental_minutes,
        latest_end_minute=r.latest_end_minute, quiet_from_minute=r.quiet_from_minute,
        cleaning_rules=r.cleaning_rules, house_rules=r.house_rules,
        translations=dict(r.translations or {}),
    )


def occurrence(o: Occurrence) -> s.OccurrenceOut:
    return s.OccurrenceOut(id=o.id, room_id=o.room_id, room=o.room.name, starts_at=o.starts_at,
                           ends_at=o.ends_at, status=o.status)


def rental(b: Booking) -> s.RentalOut:
    return s.RentalOut(
        id=b.id, centre_id=b.centre_id, status=b.status, title=b.title, purpose=b.purpose,
        expected_people=b.expected_people, fee_cents=b.fee_cents, fee=format_eur(b.fee_cents),
        decision_reason=b.decision_reason,
        occurrences=[occurrence(o) for o in b.occurrences], created_at=b.created_at,
    )


def message(m: Message, lang: str) -> s.MessageOut:
    data = m.as_json(lang)
    return s.MessageOut(code=data["code"], params=data["params"], detail=data["detail"])


def accepted(m: Message, lang: str) -> s.Accepted:
    data = m.as_json(lang)
    return s.Accepted(code=data["code"], params=data["params"], detail=data["detail"])


def booking(b: Booking, skipped: list[str] | None = None,
            series_id: int | None = None) -> s.BookingOut:
    return s.BookingOut(id=b.id, centre_id=b.centre_id, kind=b.kind, status=b.status,
                        title=b.title, rrule=b.rrule, offer_id=b.offer_id, group_id=b.group_id,
                        occurrences=[occurrence(o) for o in b.occurrences],
                        skipped=skipped or [], series_id=series_id)


def offer(o: Offer) -> s.OfferOut:
    return s.OfferOut(id=o.id, centre_id=o.centre_id, group_id=o.group_id, title=o.title,
                      description=o.description, theme=o.theme,
                      target_groups=list(o.target_groups or []),
                      languages=list(o.languages or []), self_managed=o.self_managed,
                      public=o.public, drop_in=o.drop_in, translations=dict(o.translations or {}))


def group(g: Group, show_contacts: bool = False) -> s.GroupOut:
    """Who a group's contacts are is for staff; the public sees the group only."""
    return s.GroupOut(id=g.id, centre_id=g.centre_id, name=g.name, kind=g.kind,
                      description=g.description,
                      contact_ids=[p.id for p in g.contacts] if show_contacts else [])


def door(d: Door) -> s.DoorOut:
    return s.DoorOut(id=d.id, centre_id=d.centre_id, name=d.name, kind=d.kind,
                     room_ids=sorted(r.id for r in d.rooms))


def person(p: Person) -> s.PersonOut:
    return s.PersonOut(id=p.id, email=p.email, display_name=p.display_name,
                       language=p.language,
                       roles=[f"{r.role}@{r.centre_id}" if r.centre_id else r.role
                              for r in p.roles])


def staff_profile(p: StaffProfile) -> s.StaffProfileOut:
    return s.StaffProfileOut(
        person_id=p.person_id, centre_id=p.centre_id, max_week_minutes=p.max_week_minutes,
        max_day_minutes=p.max_day_minutes, skills=list(p.skills),
        availability=[s.AvailabilitySlot(day=int(a["day"]), start=str(a["start"]),
                                         end=str(a["end"])) for a in p.availability])
