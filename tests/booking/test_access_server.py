"""The brute-force budget through a real server with two web workers (issue 12 §5): the
limiter's state is in the database, so both workers spend one budget per terminal."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from booking.db import make_engine, make_session_factory, transaction
from booking.models import DoorEvent, TerminalFailure
from booking.permissions import Actor
from booking.services import access as door_access
from tests.booking.access_helpers import add_doors
from tests.factories import build_world
from tests.serverproc import running_server

pytestmark = pytest.mark.slow


def test_100_wrong_codes_at_one_terminal_spend_one_budget_across_two_workers(
        db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    world = build_world(factory, now)
    doors = add_doors(factory, world)
    staff = Actor(person_id=world.people["staff"], roles=frozenset({("staff", world.centre_id)}))
    with transaction(factory) as s:
        token = door_access.register_terminal(s, staff, door_id=doors.entrance, name="Eingang",
                                              now=now).token
    with running_server(db_url, tmp_path, workers=2) as server:
        def guess(i: int) -> int:
            with httpx.Client(base_url=server.url, timeout=30) as http:
                r = http.post("/terminal/v1/validate",
                              headers={"Authorization": f"Bearer {token}"},
                              json={"code": f"{48150000 + i}", "nonce": secrets.token_hex(8),
                                    "sent_at": datetime.now(UTC).isoformat()})
                return r.status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(guess, range(100)))
    with transaction(factory) as s:
        evaluated = s.scalar(select(func.count()).select_from(DoorEvent).where(
            DoorEvent.decision == "deny"))
        throttled = s.scalar(select(func.count()).select_from(DoorEvent).where(
            DoorEvent.decision == "throttled"))
        failures = s.scalar(select(func.count()).select_from(TerminalFailure))
    engine.dispose()
    # Five free failures for the door, not five per worker; every other guess was refused
    # unevaluated (429), and every one of the 100 is in the door log.
    assert evaluated == failures == 5
    assert throttled == 95 and statuses.count(429) == 95 and statuses.count(200) == 5
