"""Doors, terminals and Eigenregie bookings for the access tests (issue 12)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from litestar.testing import TestClient
from sqlalchemy.orm import Session, sessionmaker

from booking.clock import FrozenClock
from booking.db import transaction
from booking.models import Door, Room
from tests.factories import World

# Friday 27 November 2026, 16:00–18:00 in Bielefeld (UTC+1).
START = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
END = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


@dataclass
class Doors:
    entrance: int
    cafe: int
    group_room: int
    sued_entrance: int


def add_doors(factory: sessionmaker[Session], world: World) -> Doors:
    with transaction(factory) as s:
        cafe = s.get_one(Room, world.rooms["Café"])
        group = s.get_one(Room, world.rooms["Gruppenraum 1"])
        saal = s.get_one(Room, world.rooms["Saal Süd"])
        doors = [Door(centre_id=world.centre_id, name="Eingang", kind="entrance"),
                 Door(centre_id=world.centre_id, name="Café-Tür", kind="room", rooms=[cafe]),
                 Door(centre_id=world.centre_id, name="Gruppenraum-Tür", kind="room",
                      rooms=[group]),
                 Door(centre_id=world.other_centre_id, name="Eingang Süd", kind="entrance",
                      rooms=[saal])]
        s.add_all(doors)
        s.flush()
        return Doors(*(d.id for d in doors))


def rental(client: TestClient[Any], headers: dict[str, str], room_id: int,
           start: datetime = START, end: datetime = END) -> int:
    r = client.post("/api/rentals/", headers=headers, json={
        "room_id": room_id, "starts_at": start.isoformat(), "ends_at": end.isoformat(),
        "expected_people": 5, "purpose": "Geburtstag"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def confirm(client: TestClient[Any], staff: dict[str, str], booking_id: int,
            expect_code: bool = True) -> Any:
    r = client.post(f"/api/rentals/{booking_id}/confirm", headers=staff)
    assert r.status_code == 200, r.text
    code = r.json()["access_code"]
    assert isinstance(code, str) is expect_code
    return code


def confirmed_rental(client: TestClient[Any], as_: Any, world: World, room: str = "Café",
                     start: datetime = START, end: datetime = END,
                     who: str = "anna", expect_code: bool = True) -> tuple[int, Any]:
    booking_id = rental(client, as_(who), world.rooms[room], start, end)
    return booking_id, confirm(client, as_("staff"), booking_id, expect_code)


def register(client: TestClient[Any], staff: dict[str, str], door_id: int) -> dict[str, Any]:
    r = client.post("/api/access/terminals", headers=staff,
                    json={"door_id": door_id, "name": f"Terminal {door_id}"})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def terminal_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def validate(client: TestClient[Any], token: str, code: Any, clock: FrozenClock,
             **extra: Any) -> Any:
    body = {"code": code, "nonce": secrets.token_hex(8), "sent_at": clock.now().isoformat()}
    body.update(extra)
    return client.post("/terminal/v1/validate", headers=terminal_headers(token), json=body)


def opens(client: TestClient[Any], token: str, code: str, clock: FrozenClock) -> bool:
    r = validate(client, token, code, clock)
    assert r.status_code == 200, r.text
    return bool(r.json()["decision"] == "grant")


def clear_budget(factory: sessionmaker[Session]) -> None:
    """Forget the terminals' failures, so a test can probe many denials in a row."""
    from sqlalchemy import delete

    from booking.models import TerminalFailure

    with transaction(factory) as s:
        s.execute(delete(TerminalFailure))
