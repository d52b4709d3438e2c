"""People and devices that use the service, their roles, and their login sessions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.models.base import Base


class Role(enum.StrEnum):
    RESIDENT = "resident"
    GROUP_CONTACT = "group_contact"
    STAFF = "staff"
    ADMIN = "admin"
    CITY = "city"  # the social planning office: reads reports
    TERMINAL = "terminal"  # a door terminal device


class PersonRole(Base):
    __tablename__ = "person_role"
    __table_args__ = (
        UniqueConstraint("person_id", "role", "centre_id", name="person_role_centre"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    # Staff and terminals belong to one centre; residents and admins to none (all).
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centre.id"))


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (CheckConstraint("language IN ('de', 'en')", name="language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL once the account is deleted (DSGVO): the row stays so records keep a referent.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(2), default="de")
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]

    # Loaded when used: most loads of a person (mail recipients, owners) never look at roles.
    roles: Mapped[list[PersonRole]] = relationship(
        cascade="all, delete-orphan", order_by=PersonRole.id
    )


class AuthToken(Base):
    """A login: a cookie session (``kind='session'``) or an API bearer token.

    Only a SHA-256 of the token is stored; tokens are 256 random bits, so a fast hash is
    enough (passwords, which people choose, get argon2id instead).
    """

    __tablename__ = "auth_token"
    __table_args__ = (CheckConstraint("kind IN ('session', 'api')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    csrf_token: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class LoginAttempt(Base):
    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    success: Mapped[bool]
