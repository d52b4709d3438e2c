"""Centres, rooms, doors, offers, groups and persons: reading them, and staff maintaining them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select, true
from sqlalchemy.orm import Session, selectinload

from booking.audit import record
from booking.errors import Conflict, Forbidden, InvalidInput, NotFound
from booking.models import (
    HOLDING_STATUS,
    Booking,
    Centre,
    Door,
    Feature,
    Group,
    GroupKind,
    Occurrence,
    Offer,
    Person,
    PersonRole,
    Role,
    Room,
    RoomFeature,
    StaffProfile,
    Theme,
    group_contact,
)
from booking.models.texts import TRANSLATION_LANGUAGES
from booking.permissions import Actor, require_admin, require_login, require_staff
from booking.timeutil import zone

FEATURES = {str(f) for f in Feature}


def list_centres(session: Session) -> Sequence[Centre]:
    return session.scalars(select(Centre).order_by(Centre.id)).all()


def get_centre(session: Session, centre_id: int) -> Centre:
    centre = session.get(Centre, centre_id)
    if centre is None:
        raise NotFound("no_centre", id=centre_id)
    return centre


def create_centre(session: Session, actor: Actor, *, slug: str, name: str, address: str,
                  timezone: str, now: datetime) -> Centre:
    admin_id = require_admin(actor)
    try:
        zone(timezone)
    except ValueError as exc:
        raise InvalidInput("zone_unknown", zone=timezone) from exc
    if session.scalar(select(Centre.id).where(Centre.slug == slug)) is not None:
        raise InvalidInput("slug_taken", slug=slug)
    centre = Centre(slug=slug, name=name, address=address, timezone=timezone)
    session.add(centre)
    session.flush()
    record(session, now, admin_id, "centre", centre.id, "created", name=name)
    return centre


def check_features(features: Sequence[str]) -> list[str]:
    unknown = sorted(set(features) - FEATURES)
    if unknown:
        raise InvalidInput("features_unknown", unknown=unknown, known=sorted(FEATURES))
    return sorted(set(features))


def list_rooms(
    session: Session,
    *,
    centre_id: int | None = None,
    min_capacity: int | None = None,
    features: Sequence[str] = (),
    barrier_free: bool | None = None,
    rentable: bool | None = None,
    free_from: datetime | None = None,
    free_to: datetime | None = None,
) -> Sequence[Room]:
    query = select(Room).where(Room.active.is_(True))
    if centre_id is not None:
        query = query.where(Room.centre_id == centre_id)
    if min_capacity is not None:
        query = query.where(Room.capacity >= min_capacity)
    wanted = check_features(features)
    if barrier_free:
        wanted = sorted({*wanted, Feature.BARRIER_FREE})
    for feature in wanted:
        query = query.where(exists().where(RoomFeature.room_id == Room.id,
                                           RoomFeature.feature == feature))
    if rentable is not None:
        query = query.where(Room.rentable.is_(rentable))
    if (free_from is None) != (free_to is None):
        raise InvalidInput("free_span_half")
    if free_from is not None and free_to is not None:
        from booking.services.availability import check_window

        start, end = check_window(free_from, free_to)
        query = query.where(~exists().where(
            Occurrence.room_id == Room.id, Occurrence.status == HOLDING_STATUS,
            Occurrence.starts_at < end, Occurrence.ends_at > start))
    return session.scalars(query.options(selectinload(Room.feature_rows))
                           .order_by(Room.centre_id, Room.id)).all()


def get_room(session: Session, room_id: int) -> Room:
    room = session.get(Room, room_id)
    if room is None:
        raise NotFound("no_room", id=room_id)
    return room


def editable_room(session: Session, actor: Actor, room_id: int) -> Room:
    """A room for its edit form: staff of its centre only, the rule update_room applies."""
    room = get_room(session, room_id)
    require_staff(actor, room.centre_id)
    return room


ROOM_FIELDS = {
    "name", "description", "capacity", "area_m2", "accessibility_notes", "rentable",
    "price_per_hour_cents", "weekend_price_per_hour_cents", "min_fee_cents",
    "cleaning_fee_cents", "min_rental_minutes", "max_rental_minutes", "latest_end_minute",
    "quiet_from_minute", "cleaning_rules", "house_rules", "active",
}


def _column_default(key: str) -> Any:
    default = Room.__table__.c[key].default
    return getattr(default, "arg", None)


def _apply_room(room: Room, values: dict[str, Any]) -> None:
    """Set the given fields, after checking them together with the room's other values (the
    database CHECKs are the backstop; a person should get a sentence, not an error code)."""
    def effective(key: str) -> Any:
        if key in values:
            return values[key]
        current = getattr(room, key)
        return current if current is not None else _column_default(key)

    if effective("capacity") is None or effective("capacity") < 1:
        raise InvalidInput("capacity_zero")
    if effective("max_rental_minutes") < effective("min_rental_minutes"):
        raise InvalidInput("rental_bounds")
    for key, value in values.items():
        if key == "features":
            room.set_features(check_features(value))
        elif key == "translations":
            room.translations = merge_translations(room.translations, value)
        elif key in ROOM_FIELDS:
            setattr(room, key, value)


def merge_translations(current: dict[str, dict[str, Any]] | None,
                       given: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The translations after staff gave ``given``: each language given replaces that
    language's texts (empty texts dropped, so the page falls back to German); a language given
    with no text at all is removed; languages not given stay. A new dict, so the JSON column
    is written."""
    merged = {lang: dict(texts) for lang, texts in (current or {}).items()}
    for lang, texts in given.items():
        if lang not in TRANSLATION_LANGUAGES:
            raise InvalidInput("translation_language", name=lang)
        kept = {k: v for k, v in texts.items() if v}
        if kept:
            merged[lang] = kept
        else:
            merged.pop(lang, None)
    return merged


def _check_target_groups(offer: Offer) -> None:
    """Translated target groups stand one for one beside the German ones: the programme
    filters by the German word and shows the translation."""
    german = list(offer.target_groups or [])
    for lang, texts in (offer.translations or {}).items():
        groups = texts.get("target_groups")
        if groups and len(groups) != len(german):
            raise InvalidInput("translation_target_groups", name=lang, n=len(german))


def create_room(session: Session, actor: Actor, centre_id: int, values: dict[str, Any],
                now: datetime) -> Room:
    staff_id = require_staff(actor, get_centre(session, centre_id).id)
    room = Room(centre_id=centre_id)
    _apply_room(room, values)
    session.add(room)
    session.flush()
    record(session, now, staff_id, "room", room.id, "created", **_jsonable(values))
    return room


def update_room(session: Session, actor: Actor, room_id: int, values: dict[str, Any],
                now: datetime) -> Room:
    room = get_room(session, room_id)
    staff_id = require_staff(actor, room.centre_id)
    _apply_room(room, values)
    session.flush()
    record(session, now, staff_id, "room", room.id, "updated", **_jsonable(values))
    return room


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, list | tuple | set) else v) for k, v in values.items()}


def list_doors(session: Session, actor: Actor, centre_id: int) -> Sequence[Door]:
    require_staff(actor, centre_id)
    return session.scalars(select(Door).where(Door.centre_id == centre_id)
                           .order_by(Door.id)).all()


def create_door(session: Session, actor: Actor, centre_id: int, *, name: str, kind: str,
                room_ids: Sequence[int], now: datetime) -> Door:
    staff_id = require_staff(actor, get_centre(session, centre_id).id)
    if kind not in ("entrance", "room"):
        raise InvalidInput("door_kind")
    rooms = [get_room(session, rid) for rid in sorted(set(room_ids))]
    if any(r.centre_id != centre_id for r in rooms):
        raise InvalidInput("door_other_centre")
    door = Door(centre_id=centre_id, name=name, kind=kind, rooms=rooms)
    session.add(door)
    session.flush()
    record(session, now, staff_id, "door", door.id, "created", name=name, rooms=list(room_ids))
    return door


def list_offers(session: Session, actor: Actor, centre_id: int | None = None,
                theme: str | None = None) -> Sequence[Offer]:
    query = select(Offer)
    if centre_id is not None:
        query = query.where(Offer.centre_id == centre_id)
        if not actor.is_staff_of(centre_id):
            query = query.where(Offer.public.is_(True))
    elif not actor.is_admin:
        query = query.where(Offer.public.is_(True))
    if theme is not None:
        if theme not in {str(t) for t in Theme}:
            raise InvalidInput("theme_unknown", theme=theme, known=[t.value for t in Theme])
        query = query.where(Offer.theme == theme)
    return session.scalars(query.order_by(Offer.centre_id, Offer.title)).all()


def create_offer(session: Session, actor: Actor, centre_id: int, values: dict[str, Any],
                 now: datetime) -> Offer:
    staff_id = require_staff(actor, get_centre(session, centre_id).id)
    if values.get("theme") not in {str(t) for t in Theme}:
        raise InvalidInput("theme_unknown", theme=str(values.get("theme")),
                           known=[t.value for t in Theme])
    group_id = values.get("group_id")
    if group_id is not None:
        group = session.get(Group, group_id)
        if group is None or group.centre_id != centre_id:
            raise NotFound("no_group_in_centre", id=group_id)
    translations = values.pop("translations", None) or {}
    offer = Offer(centre_id=centre_id, **values)
    offer.translations = merge_translations({}, translations)
    _check_target_groups(offer)
    session.add(offer)
    session.flush()
    record(session, now, staff_id, "offer", offer.id, "created", title=offer.title)
    return offer


OFFER_FIELDS = {"title", "description", "target_groups", "public", "drop_in"}


def get_offer(session: Session, actor: Actor, offer_id: int) -> Offer:
    """One offer; an internal one exists only for its centre's staff (and admins)."""
    offer = session.get(Offer, offer_id)
    if offer is None or not (offer.public or actor.is_staff_of(offer.centre_id)):
        raise NotFound("offer_not_found", id=offer_id)
    return offer


def update_offer(session: Session, actor: Actor, offer_id: int, values: dict[str, Any],
                 now: datetime) -> Offer:
    """Staff change an offer's texts (German and translations) or whether it is public."""
    offer = get_offer(session, actor, offer_id)
    staff_id = require_staff(actor, offer.centre_id)
    for key, value in values.items():
        if key == "translations":
            offer.translations = merge_translations(offer.translations, value)
        elif key in OFFER_FIELDS:
            setattr(offer, key, list(value) if key == "target_groups" else value)
    _check_target_groups(offer)
    session.flush()
    record(session, now, staff_id, "offer", offer.id, "updated", **_jsonable(values))
    return offer


def list_groups(session: Session, actor: Actor, centre_id: int | None = None) -> Sequence[Group]:
    query = select(Group)
    if centre_id is not None:
        query = query.where(Group.centre_id == centre_id)
    return session.scalars(query.order_by(Group.name)).all()


def create_group(session: Session, actor: Actor, centre_id: int, *, name: str, kind: str,
                 description: str, contact_ids: Sequence[int], now: datetime) -> Group:
    staff_id = require_staff(actor, get_centre(session, centre_id).id)
    if kind not in {str(k) for k in GroupKind}:
        raise InvalidInput("group_kind_unknown", known=[k.value for k in GroupKind])
    # Only people the staff member may see: naming another centre's resident as a contact
    # would both reveal and misuse an account they have no business with.
    wanted = sorted(set(contact_ids))
    found = {p.id: p for p in session.scalars(select(Person).where(
        Person.id.in_(wanted), Person.deleted_at.is_(None), visible_to(actor)))}
    for pid in wanted:
        if pid not in found:
            raise NotFound("no_person", id=pid)
    contacts = [found[pid] for pid in wanted]
    group = Group(centre_id=centre_id, name=name, kind=kind, description=description,
                  contacts=contacts)
    session.add(group)
    session.flush()
    record(session, now, staff_id, "group", group.id, "created", name=name)
    return group


def list_staff_profiles(session: Session, actor: Actor,
                        centre_id: int) -> Sequence[tuple[StaffProfile, Person]]:
    """The staff of a centre as the planner sees them (contract hours, skills, availability);
    for that centre's staff only."""
    require_staff(actor, get_centre(session, centre_id).id)
    rows = session.execute(select(StaffProfile, Person)
                           .join(Person, Person.id == StaffProfile.person_id)
                           .where(StaffProfile.centre_id == centre_id)
                           .order_by(Person.display_name)).all()
    return [(profile, person) for profile, person in rows]


def staff_profile(session: Session, actor: Actor,
                  person_id: int) -> tuple[StaffProfile, Person]:
    """A staff member's profile for its edit form; staff of the same centre only."""
    row = session.execute(select(StaffProfile, Person)
                          .join(Person, Person.id == StaffProfile.person_id)
                          .where(StaffProfile.person_id == person_id)).first()
    if row is None:
        raise NotFound("no_staff_member", nr=person_id)
    require_staff(actor, row[0].centre_id)
    return row[0], row[1]


def set_staff_profile(session: Session, actor: Actor, centre_id: int, person_id: int,
                      values: dict[str, Any], now: datetime) -> StaffProfile:
    """Contract hours, skills and weekly availability of a staff member of the centre, as
    the planner uses them; made if the person has none yet. Staff of the centre only."""
    staff_id = require_staff(actor, get_centre(session, centre_id).id)
    is_staff = session.scalar(select(PersonRole.person_id).where(
        PersonRole.person_id == person_id, PersonRole.role == Role.STAFF,
        PersonRole.centre_id == centre_id))
    if is_staff is None:
        raise NotFound("no_staff_member", nr=person_id)
    week, day = values["max_week_minutes"], values["max_day_minutes"]
    if day > week:
        raise InvalidInput("day_hours_above_week")
    slots = [dict(s) for s in values.get("availability", [])]
    for slot in slots:
        if slot["end"] <= slot["start"]:
            raise InvalidInput("window_ends_before_start")
    profile = session.get(StaffProfile, person_id)
    if profile is None:
        profile = StaffProfile(person_id=person_id, centre_id=centre_id)
        session.add(profile)
    elif profile.centre_id != centre_id:
        raise NotFound("no_staff_member", nr=person_id)
    profile.max_week_minutes, profile.max_day_minutes = week, day
    profile.skills = sorted({str(s).strip() for s in values.get("skills", []) if str(s).strip()})
    profile.availability = slots
    session.flush()
    record(session, now, staff_id, "staff_profile", person_id, "updated",
           max_week_minutes=week, max_day_minutes=day, skills=profile.skills,
           availability=slots)
    return profile


def visible_to(actor: Actor) -> ColumnElement[bool]:
    """Which persons ``actor`` may see, as a condition on :class:`Person`: themselves, and for
    staff the people connected to their centres (who requested or is responsible for a booking
    there, contacts of its groups, anyone holding a role there, its staff profiles). Admins see
    everyone. Residents of one centre are none of another centre's staff's business."""
    centres = actor.staff_centres
    if centres is None:
        return true()
    return or_(Person.id == actor.person_id, connected_to(sorted(centres)))


def connected_to(ids: Sequence[int]) -> ColumnElement[bool]:
    """Persons connected to one of the centres ``ids`` (see :func:`visible_to`)."""
    return or_(
        exists().where(Booking.centre_id.in_(ids),
                       or_(Booking.requested_by_id == Person.id,
                           Booking.responsible_id == Person.id)),
        exists().where(group_contact.c.person_id == Person.id,
                       group_contact.c.group_id == Group.id, Group.centre_id.in_(ids)),
        exists().where(PersonRole.person_id == Person.id, PersonRole.centre_id.in_(ids)),
        exists().where(StaffProfile.person_id == Person.id, StaffProfile.centre_id.in_(ids)),
    )


def list_persons(session: Session, actor: Actor) -> Sequence[Person]:
    require_login(actor)
    if not actor.is_any_staff:
        raise Forbidden("staff_only_persons")
    return session.scalars(select(Person).where(Person.deleted_at.is_(None), visible_to(actor))
                           .order_by(Person.id)).all()


def get_person(session: Session, actor: Actor, person_id: int) -> Person:
    """One person; to anyone who may not see them it does not exist (404, not 403)."""
    me = require_login(actor)
    if me != person_id and not actor.is_any_staff:
        raise NotFound("no_person", id=person_id)
    person = session.scalar(select(Person).where(Person.id == person_id,
                                                 Person.deleted_at.is_(None),
                                                 visible_to(actor)))
    if person is None:
        raise NotFound("no_person", id=person_id)
    return person


# --- doors, offers and groups as staff maintain them in the pages -----------------------------


def get_door(session: Session, actor: Actor, door_id: int) -> Door:
    """A door for its edit form: staff of its centre only (to others it does not exist)."""
    door = session.get(Door, door_id)
    if door is None or not actor.is_staff_of(door.centre_id):
        raise NotFound("no_door", id=door_id)
    return door


def _door_rooms(session: Session, centre_id: int, room_ids: Sequence[int]) -> list[Room]:
    rooms = [get_room(session, rid) for rid in sorted(set(room_ids))]
    if any(r.centre_id != centre_id for r in rooms):
        raise InvalidInput("door_other_centre")
    return rooms


def update_door(session: Session, actor: Actor, door_id: int, *, name: str, kind: str,
                room_ids: Sequence[int], now: datetime) -> Door:
    """Rename a door, change its kind or the rooms it opens; staff of its centre only. Codes
    already issued keep the doors they were issued for (``booking.services.access``)."""
    door = get_door(session, actor, door_id)
    staff_id = require_staff(actor, door.centre_id)
    if kind not in ("entrance", "room"):
        raise InvalidInput("door_kind")
    door.name, door.kind = name, kind
    door.rooms = _door_rooms(session, door.centre_id, room_ids)
    session.flush()
    record(session, now, staff_id, "door", door.id, "updated", name=name, kind=kind,
           rooms=sorted(set(room_ids)))
    return door


def delete_door(session: Session, actor: Actor, door_id: int, now: datetime) -> None:
    """Remove a door nothing depends on: no terminal was ever set up at it, no code was issued
    for it and its log is empty (the door audit log must keep naming the door)."""
    from booking.models import AccessCode, DoorEvent, Terminal

    door = get_door(session, actor, door_id)
    staff_id = require_staff(actor, door.centre_id)
    for model in (Terminal, AccessCode, DoorEvent):
        if session.scalar(select(model.id).where(model.door_id == door.id).limit(1)) is not None:
            raise Conflict("door_in_use", name=door.name)
    record(session, now, staff_id, "door", door.id, "deleted", name=door.name)
    session.delete(door)
    session.flush()


def offer_for_staff(session: Session, actor: Actor, offer_id: int) -> Offer:
    """An offer for its edit form: staff of its centre only."""
    offer = session.get(Offer, offer_id)
    if offer is None or not actor.is_staff_of(offer.centre_id):
        raise NotFound("offer_not_found", id=offer_id)
    return offer


# What staff may change on an offer in the pages besides its texts: how it runs and counts.
OFFER_STAFF_FIELDS = {"theme", "self_managed", "consultation", "languages", "group_id"}


def update_offer_details(session: Session, actor: Actor, offer_id: int,
                         values: dict[str, Any], now: datetime) -> Offer:
    """Everything an offer holds, as the staff page edits it: the texts and public flag
    through :func:`update_offer`, then theme, Eigenregie, Bürgersprechstunde, languages and
    the group, checked like :func:`create_offer` checks them."""
    offer = offer_for_staff(session, actor, offer_id)
    require_staff(actor, offer.centre_id)
    details = {k: values.pop(k) for k in list(values) if k in OFFER_STAFF_FIELDS}
    if "theme" in details and details["theme"] not in {str(t) for t in Theme}:
        raise InvalidInput("theme_unknown", theme=str(details["theme"]),
                           known=[t.value for t in Theme])
    group_id = details.get("group_id")
    if group_id is not None:
        group = session.get(Group, group_id)
        if group is None or group.centre_id != offer.centre_id:
            raise NotFound("no_group_in_centre", id=group_id)
    for key, value in details.items():
        setattr(offer, key, list(value) if key == "languages" else value)
    return update_offer(session, actor, offer_id, {**values, **details}, now)


def get_group(session: Session, actor: Actor, group_id: int) -> Group:
    """A group for its edit form: staff of its centre only."""
    group = session.get(Group, group_id)
    if group is None or not actor.is_staff_of(group.centre_id):
        raise NotFound("no_group", id=group_id)
    return group


def _visible_persons(session: Session, actor: Actor, ids: Sequence[int]) -> list[Person]:
    """The persons ``ids`` if ``actor`` may see every one of them (:func:`visible_to`)."""
    wanted = sorted(set(ids))
    found = {p.id: p for p in session.scalars(select(Person).where(
        Person.id.in_(wanted), Person.deleted_at.is_(None), visible_to(actor)))}
    for pid in wanted:
        if pid not in found:
            raise NotFound("no_person", id=pid)
    return [found[pid] for pid in wanted]


def update_group(session: Session, actor: Actor, group_id: int, *, name: str, kind: str,
                 description: str, contact_ids: Sequence[int], now: datetime) -> Group:
    """Change a group and its contact persons; staff of its centre only, and a contact must
    be a person the staff member may see, the rule :func:`create_group` applies. A contact
    already on the group stays allowed (staff may keep what they found)."""
    group = get_group(session, actor, group_id)
    staff_id = require_staff(actor, group.centre_id)
    if kind not in {str(k) for k in GroupKind}:
        raise InvalidInput("group_kind_unknown", known=[k.value for k in GroupKind])
    current = {p.id: p for p in group.contacts}
    new_ids = [pid for pid in set(contact_ids) if pid not in current]
    added = _visible_persons(session, actor, new_ids)
    kept = [current[pid] for pid in sorted(set(contact_ids)) if pid in current]
    group.name, group.kind, group.description = name, kind, description
    group.contacts = sorted(kept + added, key=lambda p: p.id)
    session.flush()
    record(session, now, staff_id, "group", group.id, "updated", name=name,
           contacts=sorted(p.id for p in group.contacts))
    return group


def contact_candidates(session: Session, actor: Actor, centre_id: int) -> Sequence[Person]:
    """The persons a staff member may name as a group's contact: the people connected to
    their centre (:func:`visible_to`), door terminals' device accounts left out."""
    require_staff(actor, centre_id)
    devices = exists().where(PersonRole.person_id == Person.id,
                             PersonRole.role == Role.TERMINAL)
    return session.scalars(select(Person).where(Person.deleted_at.is_(None), visible_to(actor),
                                                connected_to([centre_id]), ~devices)
                           .order_by(Person.display_name, Person.id)).all()
