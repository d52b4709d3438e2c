"""API: centres, rooms, offers, groups, doors, persons."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, patch, post, put
from litestar.params import Parameter
from sqlalchemy.orm import Session

from booking.api import convert
from booking.api import schemas as s
from booking.permissions import Actor
from booking.services import catalogue


class CentreController(Controller):
    path = "/api/centres"
    tags = ["centres"]

    @get("/", sync_to_thread=True)
    def list_centres(self, read_db: Session) -> list[s.CentreOut]:
        return [convert.centre(c) for c in catalogue.list_centres(read_db)]

    @get("/{centre_id:int}", sync_to_thread=True)
    def get_centre(self, read_db: Session, centre_id: s.Id) -> s.CentreOut:
        return convert.centre(catalogue.get_centre(read_db, centre_id))

    @post("/", sync_to_thread=True)
    def create_centre(self, db: Session, now: datetime, actor: Actor,
                      data: s.CentreIn) -> s.CentreOut:
        return convert.centre(catalogue.create_centre(
            db, actor, slug=data.slug, name=data.name, address=data.address,
            timezone=data.timezone, now=now))

    @get("/{centre_id:int}/doors", sync_to_thread=True)
    def list_doors(self, read_db: Session, actor: Actor, centre_id: s.Id) -> list[s.DoorOut]:
        return [convert.door(d) for d in catalogue.list_doors(read_db, actor, centre_id)]

    @post("/{centre_id:int}/doors", sync_to_thread=True)
    def create_door(self, db: Session, now: datetime, actor: Actor, centre_id: s.Id,
                    data: s.DoorIn) -> s.DoorOut:
        return convert.door(catalogue.create_door(
            db, actor, centre_id, name=data.name, kind=data.kind, room_ids=data.room_ids,
            now=now))

    @post("/{centre_id:int}/rooms", sync_to_thread=True)
    def create_room(self, db: Session, now: datetime, actor: Actor, centre_id: s.Id,
                    data: s.RoomIn) -> s.RoomOut:
        values = msgspec.structs.asdict(data)
        values["translations"] = msgspec.to_builtins(data.translations)
        return convert.room(catalogue.create_room(db, actor, centre_id, values, now))

    @post("/{centre_id:int}/offers", sync_to_thread=True)
    def create_offer(self, db: Session, now: datetime, actor: Actor, centre_id: s.Id,
                     data: s.OfferIn) -> s.OfferOut:
        """A new offer of the centre; ``translations`` carries its title, description and
        target groups in other languages (German is the original)."""
        values = msgspec.structs.asdict(data)
        values["translations"] = msgspec.to_builtins(data.translations)
        return convert.offer(catalogue.create_offer(db, actor, centre_id, values, now))

    @post("/{centre_id:int}/groups", sync_to_thread=True)
    def create_group(self, db: Session, now: datetime, actor: Actor, centre_id: s.Id,
                     data: s.GroupIn) -> s.GroupOut:
        return convert.group(show_contacts=True, g=catalogue.create_group(
            db, actor, centre_id, name=data.name, kind=data.kind,
            description=data.description, contact_ids=data.contact_ids,
            now=now))


    @put("/{centre_id:int}/staff/{person_id:int}", sync_to_thread=True)
    def set_staff_profile(self, db: Session, now: datetime, actor: Actor, centre_id: s.Id,
                          person_id: s.Id, data: s.StaffProfileIn) -> s.StaffProfileOut:
        """A staff member's contract hours, skills and weekly availability (the centre's
        local time), as the planner uses them."""
        return convert.staff_profile(catalogue.set_staff_profile(
            db, actor, centre_id, person_id, msgspec.to_builtins(data), now))


class RoomController(Controller):
    path = "/api/rooms"
    tags = ["rooms"]

    @get("/", sync_to_thread=True)
    def list_rooms(
        self,
        read_db: Session,
        centre_id: Annotated[int | None, Parameter(ge=1, le=s.MAX_ID)] = None,
        min_capacity: Annotated[int | None, Parameter(ge=1, le=10_000)] = None,
        feature: Annotated[list[s.Feature] | None, Parameter(max_items=10)] = None,
        barrier_free: bool | None = None,
        rentable: bool | None = None,
        free_from: datetime | None = None,
        free_to: datetime | None = None,
    ) -> list[s.RoomOut]:
        """Rooms, filtered: capacity ≥ N, features, barrier-free, free between two instants."""
        rooms = catalogue.list_rooms(
            read_db, centre_id=centre_id, min_capacity=min_capacity, features=feature or [],
            barrier_free=barrier_free, rentable=rentable, free_from=free_from,
            free_to=free_to)
        return [convert.room(r) for r in rooms]

    @get("/{room_id:int}", sync_to_thread=True)
    def get_room(self, read_db: Session, room_id: s.Id) -> s.RoomOut:
        return convert.room(catalogue.get_room(read_db, room_id))

    @patch("/{room_id:int}", sync_to_thread=True)
    def update_room(self, db: Session, now: datetime, actor: Actor, room_id: s.Id,
                    data: s.RoomPatch) -> s.RoomOut:
        values: dict[str, Any] = {k: v for k, v in msgspec.structs.asdict(data).items()
                                  if v is not msgspec.UNSET}
        if "translations" in values:
            values["translations"] = msgspec.to_builtins(data.translations)
        return convert.room(catalogue.update_room(db, actor, room_id, values, now))


class OfferController(Controller):
    path = "/api/offers"
    tags = ["offers"]

    @get("/", sync_to_thread=True)
    def list_offers(
        self, read_db: Session, actor: Actor,
        centre_id: Annotated[int | None, Parameter(ge=1, le=s.MAX_ID)] = None,
        theme: s.Theme | None = None,
    ) -> list[s.OfferOut]:
        return [convert.offer(o) for o in catalogue.list_offers(read_db, actor, centre_id, theme)]

    @get("/{offer_id:int}", sync_to_thread=True)
    def get_offer(self, read_db: Session, actor: Actor, offer_id: s.Id) -> s.OfferOut:
        return convert.offer(catalogue.get_offer(read_db, actor, offer_id))

    @patch("/{offer_id:int}", sync_to_thread=True)
    def update_offer(self, db: Session, now: datetime, actor: Actor, offer_id: s.Id,
                     data: s.OfferPatch) -> s.OfferOut:
        """Staff change an offer's German texts, whether it is public, or its translations:
        each language given in ``translations`` replaces that language's texts, a language
        given as ``{}`` is removed, the others stay."""
        values: dict[str, Any] = {k: v for k, v in msgspec.structs.asdict(data).items()
                                  if v is not msgspec.UNSET}
        if "translations" in values:
            values["translations"] = msgspec.to_builtins(data.translations)
        return convert.offer(catalogue.update_offer(db, actor, offer_id, values, now))


class GroupController(Controller):
    path = "/api/groups"
    tags = ["groups"]

    @get("/", sync_to_thread=True)
    def list_groups(
        self, read_db: Session, actor: Actor,
        centre_id: Annotated[int | None, Parameter(ge=1, le=s.MAX_ID)] = None,
    ) -> list[s.GroupOut]:
        return [convert.group(g, actor.is_staff_of(g.centre_id))
                for g in catalogue.list_groups(read_db, actor, centre_id)]


class PersonController(Controller):
    path = "/api/persons"
    tags = ["persons"]

    @get("/", sync_to_thread=True)
    def list_persons(self, read_db: Session, actor: Actor) -> list[s.PersonOut]:
        return [convert.person(p) for p in catalogue.list_persons(read_db, actor)]

    @get("/{person_id:int}", sync_to_thread=True)
    def get_person(self, read_db: Session, actor: Actor, person_id: s.Id) -> s.PersonOut:
        return convert.person(catalogue.get_person(read_db, actor, person_id))
