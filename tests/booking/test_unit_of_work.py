"""The request's unit of work (booking.deps): what a handler wrote is committed when it
answers, gone when it fails, and kept when the failure asks for it (a counted failed login)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar, post
from litestar.testing import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from booking.api.problems import HANDLERS
from booking.clock import Clock
from booking.db import make_session_factory
from booking.deps import DEPENDENCIES, Services
from booking.errors import Conflict
from booking.models import Centre
from booking.services.availability import AvailabilityCache, VersionReader
from booking.settings import Settings


@post("/write/{mode:str}", sync_to_thread=True, status_code=200)
def write(db: Session, mode: str) -> dict[str, int]:
    db.add(Centre(slug=f"c-{mode}", name="Zentrum"))
    db.flush()
    if mode == "fail":
        raise Conflict("The write fails after it wrote.")
    if mode == "keep":
        raise Conflict("A failure that keeps what it wrote.", keep_changes=True)
    return {"written": 1}


@pytest.fixture
def client(engine: Engine, db_url: str, tmp_path: Path) -> Iterator[TestClient]:  # type: ignore[type-arg]
    svc = Services(settings=Settings(database_url=db_url, outbox_dir=tmp_path),
                   db=make_session_factory(engine),
                   read_db=make_session_factory(engine, read_only=True), clock=Clock(),
                   availability_cache=AvailabilityCache(VersionReader(engine)))

    def start(app: Litestar) -> None:
        app.state.services = svc

    app = Litestar([write], dependencies=DEPENDENCIES, exception_handlers=HANDLERS,
                   on_startup=[start])
    with TestClient(app) as c:
        yield c


def _centres(engine: Engine, slug: str) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(Centre).where(Centre.slug == slug)) or 0


def test_what_a_handler_wrote_is_committed_when_it_answers(client: TestClient,  # type: ignore[type-arg]
                                                            engine: Engine) -> None:
    assert client.post("/write/ok").status_code == 200
    assert _centres(engine, "c-ok") == 1


def test_a_failed_handler_leaves_nothing_half_written(client: TestClient,  # type: ignore[type-arg]
                                                      engine: Engine) -> None:
    assert client.post("/write/fail").status_code == 409
    assert _centres(engine, "c-fail") == 0
    # The write lock was given back: the next request writes.
    assert client.post("/write/ok").status_code == 200


def test_a_failure_that_asks_to_keep_its_writes_keeps_them(client: TestClient,  # type: ignore[type-arg]
                                                           engine: Engine) -> None:
    assert client.post("/write/keep").status_code == 409
    assert _centres(engine, "c-keep") == 1
