"""Declarative base and shared column helpers for the booking models."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from booking.db import UTCDateTime

# Stable constraint names, so migrations on SQLite (batch mode) and PostgreSQL agree.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def max_length(attribute: Any) -> int:
    """The length of the varchar column behind a mapped attribute (``max_length(Room.name)``):
    the one source of the limit that the API schema and the forms enforce, so what they accept
    always fits (PostgreSQL refuses a longer value; SQLite would store it)."""
    length = attribute.property.columns[0].type.length
    if not isinstance(length, int):
        raise TypeError(f"{attribute} is not a column of bounded length")
    return length


def created_at_column() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), nullable=False)
