"""The Alembic migrations build exactly the schema the models describe, on both databases:
a column, constraint or index that exists in one and not the other is a bug that shows only
in production (a CHECK the tests never ran, a missing index)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from booking.models import Base


def test_the_migrations_build_the_schema_the_models_describe(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
