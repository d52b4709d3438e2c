"""Bookings and their occurrences: the one calendar of programme, groups, rentals, closures.

A booking says *what* and *who*; its occurrences say *where* and *when*, one row per concrete
``[starts_at, ends_at)`` in one room. Only occurrences whose status is ``confirmed`` hold the
room, and the database itself refuses two such rows that overlap in the same room (see the
migration ``0001``): on PostgreSQL an exclusion constraint, on SQLite a trigger inside
``BEGIN IMMEDIATE`` transactions. A check in Python is not enough: two requests that both
check before either writes would both win (the anchors' most reported bug).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.models.base import Base
from booking.models.rooms import Room


class BookingKind(enum.StrEnum):
    PROGRAMME = "programme"  # fixed programme slot of the centre
    GROUP = "group"  # recurring group
    RENTAL = "rental"  # resident rental (Raumvermietung)
    CLOSURE = "closure"  # maintenance, summer break: blocks the room


class BookingStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


# The one status that holds a room; the constraint and trigger name it too.
HOLDING_STATUS = "confirmed"


class Booking(Base):
    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("kind IN ('programme', 'group', 'rental', 'closure')", name="kind"),
        CheckConstraint("status IN ('pending', 'confirmed', 'declined', 'cancelled')",
                        name="status"),
        CheckConstraint("fee_cents >= 0", name="fee"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    # The title public views show; never a renter's name.
    title: Mapped[str] = mapped_column(String(200))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offer.id"))
    purpose: Mapped[str | None] = mapped_column(Text)  # private: renter's own words
    expected_people: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)
    fee_cents: Mapped[int] = mapped_column(default=0)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # Recurrence in the centre's local terms (RFC 5545), kept for display and re-expansion.
    rrule: Mapped[str | None] = mapped_column(Text)
    # Set on group bookings that place a recurring request (by the planner or the demo), so a
    # re-plan of a week knows which occurrences it replaces.
    request_id: Mapped[int | None] = mapped_column(ForeignKey("recurring_request.id"),
                                                   index=True)
    plan_run_id: Mapped[int | None] = mapped_column(ForeignKey("plan_run.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    occurrences: Mapped[list[Occurrence]] = relationship(
        back_populates="booking", lazy="selectin", order_by="Occurrence.starts_at",
        cascade="all, delete-orphan",
    )

    @property
    def is_open(self) -> bool:
        return self.status in (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class Occurrence(Base):
    __tablename__ = "occurrence"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="positive_duration"),
        CheckConstraint("status IN ('pending', 'confirmed', 'declined', 'cancelled')",
                        name="status"),
        Index("ix_occurrence_room_time", "room_id", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"),
                                            index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    # iCalendar SEQUENCE: raised whenever time, room or status change (booking.services.series
    # bumps it on every flush that changes them), so calendar clients replace their copy.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    # Last change of this date on its own (moved, cancelled, restored); None: as created.
    updated_at: Mapped[datetime | None]

    # Loaded when used (usually from the identity map): eager joins here made every booking
    # load also load rooms and their features, a third of a confirmation's cost.
    booking: Mapped[Booking] = relationship(back_populates="occurrences")
    room: Mapped[Room] = relationship()
