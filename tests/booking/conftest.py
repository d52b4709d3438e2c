"""Fixtures for API tests: an in-process app on the parametrised database, a frozen clock,
a small world, and clients logged in as each of its people."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.orm import Session, sessionmaker

from booking import security
from booking.app import build_app, service_hooks
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


_BUILT_APPS: dict[tuple[str, str], Litestar] = {}


def app_for(settings: Settings, clock: FrozenClock) -> Litestar:
    """What ``create_app(settings, clock)`` gives, with the routes built once per test process.

    Building the routes costs about a third of a second of CPU, and over a thousand tests each
    want an app; what differs between them is only the services (database, clock, outbox), which
    the lifespan hooks hand over. Use it with ``with TestClient(...)``: the services exist only
    between startup and shutdown, so a test can never reach the database of the one before."""
    on_startup, on_shutdown = service_hooks(settings, clock)

    async def shutdown(app: Litestar) -> None:
        await on_shutdown(app)
        del app.state.services

    key = (settings.base_url, settings.log_level)
    app = _BUILT_APPS.get(key)
    if app is None:
        app = _BUILT_APPS[key] = build_app(settings, on_startup, shutdown)
    else:
        app.on_startup[:] = [on_startup]
        app.on_shutdown[:] = [shutdown]
    return app


@pytest.fixture
def client(settings: Settings, clock: FrozenClock) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(app_for(settings, clock)) as c:
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
