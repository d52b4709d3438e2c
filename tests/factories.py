"""Small worlds for tests: a centre with rooms, staff and residents, built through the
services, plus an API client logged in as any of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from booking.db import transaction
from booking.models import Centre, Feature, Role, Room
from booking.services import accounts

PASSWORD = "correct horse battery"


@dataclass
class World:
    centre_id: int
    other_centre_id: int
    rooms: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)  # key → person id
    emails: dict[str, str] = field(default_factory=dict)


def build_world(factory: sessionmaker[Session], now: datetime) -> World:
    """Centre 'nord' with a rentable café (kitchen, 30 people), a group room (12), an office
    (not rentable); a second centre 'sued' with its own staff; residents anna and ben; an
    admin; a city reader; a terminal."""
    with transaction(factory) as s:
        nord = Centre(slug="nord", name="Stadtteilzentrum Nord", address="Nordstr. 1, Bielefeld",
                      min_notice_hours=24, max_days_ahead=120)
        sued = Centre(slug="sued", name="Stadtteilzentrum Süd", address="Südstr. 2, Bielefeld")
        s.add_all([nord, sued])
        s.flush()
        world = World(centre_id=nord.id, other_centre_id=sued.id)
        specs: list[tuple[str, int, dict[str, Any], list[str]]] = [
            ("Café", nord.id, dict(capacity=30, rentable=True, price_per_hour_cents=1000,
                                   weekend_price_per_hour_cents=1500, min_fee_cents=3000,
                                   cleaning_fee_cents=2000, min_rental_minutes=60,
                                   max_rental_minutes=360, latest_end_minute=22 * 60),
             [Feature.KITCHEN, Feature.BARRIER_FREE]),
            ("Gruppenraum 1", nord.id, dict(capacity=12, rentable=True,
                                            price_per_hour_cents=500,
                                            weekend_price_per_hour_cents=800), []),
            ("Büro", nord.id, dict(capacity=3, rentable=False), []),
            ("Saal Süd", sued.id, dict(capacity=80, rentable=True, price_per_hour_cents=2000,
                                       weekend_price_per_hour_cents=3000),
             [Feature.BARRIER_FREE]),
        ]
        for name, centre_id, values, features in specs:
            room = Room(centre_id=centre_id, name=name, **values)
            room.set_features([str(f) for f in features])
            s.add(room)
            s.flush()
            world.rooms[name] = room.id
        people: list[tuple[str, list[tuple[Role, int | None]], str]] = [
            ("anna", [(Role.RESIDENT, None)], "de"),
            ("ben", [(Role.RESIDENT, None)], "en"),
            ("staff", [(Role.STAFF, nord.id)], "de"),
            ("staff_sued", [(Role.STAFF, sued.id)], "de"),
            ("admin", [(Role.ADMIN, None)], "de"),
            ("city", [(Role.CITY, nord.id)], "de"),
            ("terminal", [(Role.TERMINAL, nord.id)], "de"),
        ]
        for key, roles, language in people:
            email = f"{key}@example.org"
            person = accounts.create_person(s, email=email, password=PASSWORD,
                                            display_name=key.title(), now=now, roles=roles,
                                            language=language)
            world.people[key] = person.id
            world.emails[key] = email
    return world
