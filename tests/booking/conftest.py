"""Fixtures for API tests: an in-process app on the parametrised database, a frozen clock,
a small world, and clients logged in as each of its people."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from litestar.testing import TestClient
from sqlalchemy.orm import Session, sessionmaker

from booking import security
from booking.app import create_app
from booking.clock import FrozenClock
from booking.services import access as door_access
from booking.settings import Settings
from tests.factories import PASSWORD, World, build_world


@pytest.fixture(autouse=True, scope="session")
def _cheap_argon2() -> None:
    # Still argon2id, with small costs: the production parameters are tested in test_security.
    security.use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    door_access.use_argon2(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def clock(now: datetime) -> FrozenClock:
    return FrozenClock(now)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, outbox_dir=tmp_path / "outbox",
                    mail_send_after_commit=False)


@pytest.fixture
def world(session_factory: sessionmaker[Session], now: datetime) -> World:
    return build_world(session_factory, now)


@pytest.fixture
def client(settings: Settings, clock: FrozenClock) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(create_app(settings, clock)) as c:
        yield c


@pytest.fixture
def as_(client: TestClient, world: World) -> Callable[[str], dict[str, str]]:  # type: ignore[type-arg]
    """``as_("staff")`` → headers with a bearer token for that person of the world."""
    tokens: dict[str, str] = {}

    def headers(key: str) -> dict[str, str]:
        if key == "anonymous":
            return {}
        if key not in tokens:
            r = client.post("/api/login", json={"email": world.emails[key], "password": PASSWORD})
            assert r.status_code == 200, r.text
            tokens[key] = r.json()["token"]
        return {"Authorization": f"Bearer {tokens[key]}"}

    return headers
