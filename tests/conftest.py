"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

The schema comes from the Alembic migrations, as in production. PostgreSQL is expected at
``RAUMPLAN_TEST_PG_URL`` (default: the local server, database ``test``; each test run makes
its own database beside it). When ``CI=true`` a missing PostgreSQL fails the run instead of
skipping, so CI can never pass without having run the PostgreSQL half.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from booking.db import make_engine, make_session_factory
from booking.migrate import upgrade
from booking.models import Base

PG_ADMIN_URL = os.environ.get(
    "RAUMPLAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"

# Door codes need a pepper (issue 12): in-process apps and the servers tests start read it from
# here, as a deployment reads it from its environment.
TEST_PEPPER = "k1:" + "5e" * 32
os.environ.setdefault("RAUMPLAN_ACCESS_PEPPER", TEST_PEPPER)


def need_service(what: str, error: Exception) -> None:
    """Skip locally, fail in CI: a missing service must never pass CI silently."""
    message = f"{what} is not available: {error}"
    if IN_CI:
        pytest.fail(message + " (CI=true: failing instead of skipping)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[str]:
    name = f"raumplan_test_{uuid.uuid4().hex[:10]}"
    admin: Engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        need_service("PostgreSQL", exc)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    emptying = _EMPTYING_ENGINES.pop(url, None)
    if emptying is not None:
        emptying.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_EMPTYING_ENGINES: dict[str, Engine] = {}


def _empty_pg(url: str) -> None:
    """Empty every table and restart every sequence, as TRUNCATE … RESTART IDENTITY would.

    One round trip of DELETEs with triggers and foreign-key checks off (replica role; the test
    user is the superuser): on tables this small it costs a fifth of TRUNCATE, which makes new
    files for forty tables on every test."""
    engine = _EMPTYING_ENGINES.get(url)
    if engine is None:
        # No pool: an idle connection left between tests would count against a test's own
        # connections and die when a test terminates the database's backends.
        engine = _EMPTYING_ENGINES[url] = create_engine(url, poolclass=NullPool)
    script = ";\n".join([
        "SET LOCAL session_replication_role = replica",
        *(f'DELETE FROM "{t.name}"' for t in Base.metadata.sorted_tables),
        "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n"
        " ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = 'public'",
    ])
    with engine.begin() as conn:
        conn.exec_driver_sql(script)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: a fresh SQLite file, or the session's PostgreSQL
    database emptied."""
    if request.param == "sqlite":
        path = tmp_path / "raumplan.sqlite3"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("_pg_database")
    _empty_pg(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def now() -> datetime:
    """A fixed 'now' for tests: a Wednesday morning in Bielefeld."""
    return datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def pytest_configure(config: pytest.Config) -> None:
    # The test processes hold a large heap (every module of the service, schemathesis, hypothesis,
    # OR-Tools): the collector's default thresholds walk it over and over. Collect less often.
    import gc
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
