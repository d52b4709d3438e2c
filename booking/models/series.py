"""Series (a booking's recurrence in local terms), their dates, closures and calendar feeds.

A :class:`Series` says *when* a programme slot or group meets, in the centre's local terms: a
wall-clock start, a duration, a zone, an RFC 5545 RRULE (or an explicit list of dates), a first
date and an end (date or count). Its dates are materialised up to a rolling horizon as
:class:`SeriesDate` rows, one per local date, each either holding an occurrence (the UTC instants
the rest of the service reads, under the database's no-overlap guarantee) or skipped with a
reason (a conflict, a closure, a public holiday). A date that staff changed on its own is marked
``detached``: later edits of the series leave it alone (MRBS #659).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.models.base import Base
from booking.models.bookings import Booking, Occurrence


class DateState:
    PLANNED = "planned"  # holds its occurrence
    SKIPPED = "skipped"  # no room: a conflict, a closure or a holiday (reason says which)
    CANCELLED = "cancelled"  # staff cancelled this one date


class Series(Base):
    __tablename__ = "series"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 1440", name="duration"),
        CheckConstraint("start_minute >= 0 AND start_minute < 1440", name="start_minute"),
        CheckConstraint("count IS NULL OR count > 0", name="count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"),
                                            unique=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    zone: Mapped[str] = mapped_column(String(64))
    start_minute: Mapped[int]  # local wall-clock start, minutes after midnight
    duration_minutes: Mapped[int]  # in real time (RFC 5545)
    rrule: Mapped[str | None] = mapped_column(Text)  # None: only the explicit dates
    rdates: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO dates
    first_date: Mapped[date]
    until: Mapped[date | None]
    count: Mapped[int | None]
    # The form's view of the rule (pattern, weekdays, positions, …), kept for editing.
    pattern: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Edits from a date on: [{"from": ISO date, "start_minute", "duration_minutes", "room_id"}],
    # ascending; each holds from its date until the next (booking.services.series.params).
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Dates are materialised up to and including this local date.
    materialised_until: Mapped[date]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    booking: Mapped[Booking] = relationship()
    dates: Mapped[list[SeriesDate]] = relationship(
        back_populates="series", order_by="SeriesDate.day", cascade="all, delete-orphan")


class SeriesDate(Base):
    __tablename__ = "series_date"
    __table_args__ = (
        UniqueConstraint("series_id", "day", name="uq_series_date_day"),
        CheckConstraint("state IN ('planned', 'skipped', 'cancelled')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"),
                                           index=True)
    day: Mapped[date]  # the local date the rule gives (RECURRENCE-ID)
    state: Mapped[str] = mapped_column(String(20))
    # Kept across skips and restores, so a date keeps its UID and calendars see one event.
    occurrence_id: Mapped[int | None] = mapped_column(
        ForeignKey("occurrence.id", ondelete="SET NULL"), index=True)
    # Why the date is skipped: a message code (booking.messages) and its parameters.
    reason_code: Mapped[str | None] = mapped_column(String(40))
    reason_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    closure_id: Mapped[int | None] = mapped_column(ForeignKey("closure.id", ondelete="SET NULL"))
    # Changed on its own (moved, cancelled, other room): series edits leave it as it is.
    detached: Mapped[bool] = mapped_column(default=False)

    series: Mapped[Series] = relationship(back_populates="dates")
    occurrence: Mapped[Occurrence | None] = relationship()


class Closure(Base):
    """A centre (``room_id`` None) or one room closed on local dates ``[first_day, last_day]``:
    summer break, staff day, maintenance. Public holidays are not stored: they come from the
    ``holidays`` package for the centre's subdivision."""

    __tablename__ = "closure"
    __table_args__ = (CheckConstraint("last_day >= first_day", name="days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    first_day: Mapped[date]
    last_day: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CalendarFeed(Base):
    """A secret feed of one person's or one group's bookings. Only a digest of the token is
    stored; rotating replaces it, revoking sets ``revoked_at``."""

    __tablename__ = "calendar_feed"
    __table_args__ = (
        CheckConstraint("(person_id IS NULL) <> (group_id IS NULL)", name="owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                          index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
