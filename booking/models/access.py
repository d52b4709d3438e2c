"""The tables of door access (issue 12): codes, terminals, the door log, the brute-force
state, alerts, per-centre policy, per-room access method, key handovers and use of bookings.

They live here, in ``booking``, and not in ``access/``: ``access`` imports nothing of
``booking`` (DESIGN §6), and models on the shared ``Base`` would have to. ``access`` holds the
rules over plain values; ``booking.services.access`` reads and writes these rows.

No code is stored in clear: ``code_hash`` is argon2id over an HMAC with a pepper kept outside
the database (``access.hashing``); the device tokens of terminals are stored as SHA-256 (they are
256 random bits).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from booking.models.base import Base


class CodeState(enum.StrEnum):
    INACTIVE = "inactive"
    ACTIVE = "active"
    REVOKED = "revoked"


class CodeKind(enum.StrEnum):
    BOOKING = "booking"
    SERIES = "series"
    EMERGENCY = "emergency"


class AccessMethod(enum.StrEnum):
    CODE = "code"
    STAFF = "staff"
    KEY = "key"
    OPEN = "open"


class AccessCode(Base):
    __tablename__ = "access_code"
    __table_args__ = (
        CheckConstraint("state IN ('inactive', 'active', 'revoked')", name="state"),
        CheckConstraint("kind IN ('booking', 'series', 'emergency')", name="kind"),
        # Emergency codes carry their own window, at most two hours, at one door.
        CheckConstraint("kind != 'emergency' OR (door_id IS NOT NULL AND valid_from IS NOT NULL "
                        "AND valid_until IS NOT NULL AND reason IS NOT NULL)", name="emergency"),
        Index("ix_access_code_booking", "booking_id", "state"),
        # A door's emergency codes, read at every validation (migration 0021).
        Index("ix_access_code_door", "door_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"))
    # A group's series (issue 10) once it exists; its dates come through access.interface.
    series_id: Mapped[int | None]
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    door_id: Mapped[int | None] = mapped_column(ForeignKey("door.id", ondelete="CASCADE"))
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    code_hash: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(20))
    offline_hash: Mapped[str | None] = mapped_column(String(200))
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    last_used_at: Mapped[datetime | None]


class Terminal(Base):
    __tablename__ = "access_terminal"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    door_id: Mapped[int] = mapped_column(ForeignKey("door.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    power: Mapped[str | None] = mapped_column(String(20))
    battery_percent: Mapped[int | None]
    firmware: Mapped[str | None] = mapped_column(String(60))
    clock_skew_seconds: Mapped[float | None]
    # No longer written (the limiter reads the terminal's last grant from the door log,
    # booking.services.access); left in the schema, always NULL on new terminals.
    last_success_at: Mapped[datetime | None]
    # Serialises the validations of one terminal (the row is locked while its budget is spent).
    attempts: Mapped[int] = mapped_column(default=0)


class TerminalFailure(Base):
    """The brute-force state: one row per failed attempt, kept an hour (access.limiter)."""

    __tablename__ = "access_failure"
    __table_args__ = (Index("ix_access_failure_terminal_at", "terminal_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    terminal_id: Mapped[int] = mapped_column(ForeignKey("access_terminal.id",
                                                        ondelete="CASCADE"))
    at: Mapped[datetime]


class DoorEvent(Base):
    """One record per validation: door, time, decision, reason, the code if one matched, never
    the typed digits. Only the retention job deletes rows; nothing updates them."""

    __tablename__ = "door_event"
    __table_args__ = (
        UniqueConstraint("terminal_id", "nonce", name="door_event_nonce"),
        Index("ix_door_event_door_at", "door_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("access_terminal.id",
                                                               ondelete="SET NULL"))
    door_id: Mapped[int | None] = mapped_column(ForeignKey("door.id", ondelete="SET NULL"))
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(40))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("access_code.id",
                                                           ondelete="SET NULL"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id", ondelete="SET NULL"))
    nonce: Mapped[str | None] = mapped_column(String(64))
    offline: Mapped[bool] = mapped_column(default=False)


class AccessAlert(Base):
    __tablename__ = "access_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    terminal_id: Mapped[int | None] = mapped_column(ForeignKey("access_terminal.id",
                                                               ondelete="SET NULL"))
    door_id: Mapped[int | None] = mapped_column(ForeignKey("door.id", ondelete="SET NULL"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


class AccessPolicy(Base):
    """Per-centre settings of door access; a centre without a row uses the defaults."""

    __tablename__ = "access_policy"
    __table_args__ = (
        CheckConstraint("margin_before_minutes BETWEEN 0 AND 60 AND "
                        "margin_after_minutes BETWEEN 0 AND 60", name="margins"),
        CheckConstraint("retention_days > 0 AND bundle_hours BETWEEN 1 AND 48", name="periods"),
    )

    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id", ondelete="CASCADE"),
                                           primary_key=True)
    margin_before_minutes: Mapped[int] = mapped_column(default=15)
    margin_after_minutes: Mapped[int] = mapped_column(default=15)
    retention_days: Mapped[int] = mapped_column(default=90)
    bundle_hours: Mapped[int] = mapped_column(default=12)
    silent_minutes: Mapped[int] = mapped_column(default=30)
    low_battery_percent: Mapped[int] = mapped_column(default=20)


class RoomAccessMethod(Base):
    """How a room is opened from ``valid_from`` on (code, staff present, key, open doors); the
    newest row not after an instant holds then. A room without rows uses codes."""

    __tablename__ = "room_access_method"
    __table_args__ = (
        CheckConstraint("method IN ('code', 'staff', 'key', 'open')", name="method"),
        Index("ix_room_access_method_room", "room_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[datetime]
    set_at: Mapped[datetime]
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


class KeyHandover(Base):
    """A physical key handed over for a booking when a code cannot open the door."""

    __tablename__ = "key_handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"),
                                            index=True)
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    note: Mapped[str] = mapped_column(Text, default="")


class BookingUse(Base):
    """A booking whose door was opened by its code during it: the city's reports count
    Eigenregie hours from these rows."""

    __tablename__ = "booking_use"

    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"),
                                            primary_key=True)
    first_opened_at: Mapped[datetime]
    last_opened_at: Mapped[datetime]
