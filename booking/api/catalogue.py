"""API: centres, rooms, offers, groups, doors, persons."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import Parameter

from booking.api import convert
from booking.api import schemas as s
from booking.api.deps import Services
from booking.db import transaction
from booking.permissions import Actor
from booking.services import catalogue


class CentreController(Controller):
    path = "/api/centres"
    tags = ["centres"]

    @get("/", sync_to_thread=True)
    def list_centres(self, svc: Services) -> list[s.CentreOut]:
        with svc.read_db() as db:
            return [convert.centre(c) for c in catalogue.list_centres(db)]

    @get("/{centre_id:int}", sync_to_thread=True)
    def get_centre(self, svc: Services, centre_id: s.Id) -> s.CentreOut:
        with svc.read_db() as db:
            return convert.centre(catalogue.get_centre(db, centre_id))

    @post("/", sync_to_thread=True)
    def create_centre(self, svc: Services, actor: Actor, data: s.CentreIn) -> s.CentreOut:
        with transaction(svc.db) as db:
            return convert.centre(catalogue.create_centre(
                db, actor, slug=data.slug, name=data.name, address=data.address,
                timezone=data.timezone, now=svc.clock.now()))

    @get("/{centre_id:int}/doors", sync_to_thread=True)
    def list_doors(self, svc: Services, actor: Actor, centre_id: s.Id) -> list[s.DoorOut]:
        with svc.read_db() as db:
            return [convert.door(d) for d in catalogue.list_doors(db, actor, centre_id)]

    @post("/{centre_id:int}/doors", sync_to_thread=True)
    def create_door(self, svc: Services, actor: Actor, centre_id: s.Id,
                    data: s.DoorIn) -> s.DoorOut:
        with transaction(svc.db) as db:
            return convert.door(catalogue.create_door(
                db, actor, centre_id, name=data.name, kind=data.kind, room_ids=data.room_ids,
                now=svc.clock.now()))

    @post("/{centre_id:int}/rooms", sync_to_thread=True)
    def create_room(self, svc: Services, actor: Actor, centre_id: s.Id,
                    data: s.RoomIn) -> s.RoomOut:
        values = msgspec.structs.asdict(data)
        values["translations"] = msgspec.to_builtins(data.translations)
        with transaction(svc.db) as db:
            return convert.room(catalogue.create_room(db, actor, centre_id, values,
                                                      svc.clock.now()))

    @post("/{centre_id:int}/offers", sync_to_thread=True)
    def create_offer(self, svc: Services, actor: Actor, centre_id: s.Id,
                     data: s.OfferIn) -> s.OfferOut:
        """A new offer of the centre; ``translations`` carries its title, description and
        target groups in other languages (German is the original)."""
        values = msgspec.structs.asdict(data)
        values["translations"] = msgspec.to_builtins(data.translations)
        with transaction(svc.db) as db:
            return convert.offer(catalogue.create_offer(db, actor, centre_id, values,
                                                        svc.clock.now()))

    @post("/{centre_id:int}/groups", sync_to_thread=True)
    def create_group(self, svc: Services, actor: Actor, centre_id: s.Id,
                     data: s.GroupIn) -> s.GroupOut:
        with transaction(svc.db) as db:
            return convert.group(show_contacts=True, g=catalogue.create_group(
                db, actor, centre_id, name=data.name, kind=data.kind,
                description=data.description, contact_ids=data.contact_ids,
                now=svc.clock.now()))


class RoomController(Controller):
    path = "/api/rooms"
    tags = ["rooms"]

    @get("/", sync_to_thread=True)
    def list_rooms(
        self,
        svc: Services,
        centre_id: Annotated[int | None, Parameter(ge=1, le=s.MAX_ID)] = None,
        min_capacity: Annotated[int | None, Parameter(ge=1, le=10_000)] = None,
        feature: Annotated[list[s.Feature] | None, Parameter(max_items=10)] = None,
        barrier_free: bool | None = None,
        rentable: bool | None = None,
        free_from: datetime | None = None,
        free_to: datetime | None = None,
    ) -> list[s.RoomOut]:
        """Rooms, filtered: capacity ≥ N, features, barrier-free, free between two instants."""
        with svc.read_db() as db:
            rooms = catalogue.list_rooms(
                db, centre_id=centre_id, min_capacity=min_capacity, features=feature or [],
                barrier_free=barrier_free, rentable=rentable, free_from=free_from,
                free_to=free_to)
            return [convert.room(r) for r in rooms]

    @get("/{room_id:int}", sync_to_thread=True)
    def get_room(self, svc: Services, room_id: s.Id) -> s.RoomOut:
        with svc.read_db() as db:
            return convert.room(catalogue.get_room(db, room_id))

    @patch("/{room_id:int}", sync_to_thread=True)
    def update_room(self, svc: Services, actor: Actor, room_id: s.Id,
                    data: s.RoomPatch) -> s.RoomOut:
        values: dict[str, Any] = {k: v for k, v in msgspec.structs.asdict(data).items()
                                  if v is not msgspec.UNSET}
        if "translations" in values:
            values["translations"] = msgspec.to_builtins(data.translations)
        with transaction(svc.db) as db:
            return convert.room(catalogue.update_room(db, actor, room_id, values,
                                                      svc.clock.now()))


class OfferController(Controller):
    path = "/api/offers"
    tags = ["offers"]

    @get("/", sync_to_thread=True)
    def list_offers(
        self, svc: Services, actor: Actor,
        centre_id: Annotated[int | None, Parameter(ge=1, le=s.MAX_ID)] = None,
        theme: s.Theme | None = None,
    ) -> list[s.OfferOut]:
        with svc.read_db() as db:
            return [convert.offer(o) for o in catalogue.list_offers(db, actor, centre_id, theme)]

    @get("/{offer_id:int}", sync_to_thread=True)
    def get_offer(self, svc: Services, actor: Actor, offer_id: s.Id) -> s.OfferOut:
        with svc.read_db() as db:
            return convert.offer(catalogue.get_offer(db, actor, offer_id))

    @patch("/{offer_id:int}", sync_to_thread=True)
    def update_offer(self, svc: Services, actor: Actor, offer_id: s.Id,
                     data: s.OfferPatch) -> s.OfferOut:
        """Staff change an offer's German texts, whether it is public, or its translations:
        each language given in ``translations`` replaces that language's texts, a language
        given as ``{}`` is removed, the others stay."""
        values: dict[str, Any] = {k: v for k, v in msgspec.structs.asdict(data).items()
                                  if v is not msgspec.UNSET}
        if "translations" in values:
            values["translations"] = msgspec.to_builtins(data.translations)
        with transaction(svc.db) as db:
            return convert.offer(catalogue.update_offer(db, actor, offer_id, values,
                                                        svc.clock.now()))


class GroupController(Controller):
    path = "/api/groups"
    tags = ["groups"]

    @get("/", sync_to_thread=True)
    def list_groups(
        self, svc: Services, actor: Actor,
        centre_id: Annotated[int | None, Parameter(ge=1, le=s.MAX_ID)] = None,
    ) -> list[s.GroupOut]:
        with svc.read_db() as db:
            return [convert.group(g, actor.is_staff_of(g.centre_id))
                    for g in catalogue.list_groups(db, actor, centre_id)]


class PersonController(Controller):
    path = "/api/persons"
    tags = ["persons"]

    @get("/", sync_to_thread=True)
    def list_persons(self, svc: Services, actor: Actor) -> list[s.PersonOut]:
        with svc.read_db() as db:
            return [convert.person(p) for p in catalogue.list_persons(db, actor)]

    @get("/{person_id:int}", sync_to_thread=True)
    def get_person(self, svc: Services, actor: Actor, person_id: s.Id) -> s.PersonOut:
        with svc.read_db() as db:
            return convert.person(catalogue.get_person(db, actor, person_id))
