"""People and devices that use the service, their roles, and their login sessions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
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
    # The languages of booking.translations.LANGUAGES (migration 0008 widened it).
    __table_args__ = (CheckConstraint("language IN ('de', 'en', 'tr', 'ar', 'uk')",
                                      name="language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL once the account is deleted (DSGVO): the row stays so records keep a referent.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    display_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(2), default="de")
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
    # Set when the person opened the link mailed at registration (or a password-reset link,
    # which proves the same); accounts made by staff, the CLI or the demo start confirmed.
    # Until then a registered person holds no role, so cannot request rooms.
    email_confirmed_at: Mapped[datetime | None]
    # Door codes (issue 12): also mailed to the person when issued, if they chose so; by
    # default they are shown only in the answer and on their page.
    access_code_by_mail: Mapped[bool] = mapped_column(default=False, server_default=false())

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


class AccountToken(Base):
    """A single-use link sent by mail: confirm the e-mail address, or set a new password.

    Like :class:`AuthToken`, only a SHA-256 of the 256-bit token is stored, so a copy of the
    database does not let anyone open the links."""

    __tablename__ = "account_token"
    __table_args__ = (CheckConstraint("purpose IN ('confirm', 'reset')", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginDevice(Base):
    """A browser or API client that has logged in to this account before (OWASP's "device
    cookie"): it carries the token, and login throttling judges it on its own failures only, so
    an attack from elsewhere cannot lock the owner out. Only a SHA-256 of the token is stored."""

    __tablename__ = "login_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime]
