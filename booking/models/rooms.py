"""Rooms, their features and house rules, and the doors that open them."""

from __future__ import annotations

import enum

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.models.base import Base
from booking.models.texts import Translatable


class Feature(enum.StrEnum):
    BARRIER_FREE = "barrier_free"  # step-free access to the room
    BARRIER_FREE_TOILET = "barrier_free_toilet"  # accessible toilet nearby
    KITCHEN = "kitchen"
    PROJECTOR = "projector"
    CONFIDENTIAL = "confidential"  # fit for confidential counselling talks
    OUTDOOR = "outdoor"
    SOUND_PROOF = "sound_proof"
    STORAGE = "storage"
    HEARING_LOOP = "hearing_loop"
    STAGE = "stage"


class RoomFeature(Base):
    __tablename__ = "room_feature"

    room_id: Mapped[int] = mapped_column(
        ForeignKey("room.id", ondelete="CASCADE"), primary_key=True
    )
    feature: Mapped[str] = mapped_column(String(40), primary_key=True)


class Room(Translatable, Base):
    __tablename__ = "room"
    TRANSLATED = ("description", "accessibility_notes", "cleaning_rules", "house_rules")
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("price_per_hour_cents >= 0 AND weekend_price_per_hour_cents >= 0 "
                        "AND min_fee_cents >= 0 AND cleaning_fee_cents >= 0", name="prices"),
        CheckConstraint("min_rental_minutes > 0 AND max_rental_minutes >= min_rental_minutes",
                        name="rental_duration"),
        CheckConstraint("latest_end_minute BETWEEN 0 AND 1440", name="latest_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int]
    area_m2: Mapped[float] = mapped_column(default=0.0)
    accessibility_notes: Mapped[str] = mapped_column(Text, default="")
    rentable: Mapped[bool] = mapped_column(default=False)
    # Prices in euro cents. Per started hour; the weekend rate holds Fri–Sun and on holidays.
    price_per_hour_cents: Mapped[int] = mapped_column(default=0)
    weekend_price_per_hour_cents: Mapped[int] = mapped_column(default=0)
    min_fee_cents: Mapped[int] = mapped_column(default=0)
    cleaning_fee_cents: Mapped[int] = mapped_column(default=0)
    min_rental_minutes: Mapped[int] = mapped_column(default=60)
    max_rental_minutes: Mapped[int] = mapped_column(default=8 * 60)
    # House rules: a rental must end by this local time (minutes after midnight).
    latest_end_minute: Mapped[int] = mapped_column(default=22 * 60)
    quiet_from_minute: Mapped[int] = mapped_column(default=22 * 60)
    cleaning_rules: Mapped[str] = mapped_column(Text, default="")
    house_rules: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)

    # Lists of rooms load these with selectinload (catalogue.list_rooms).
    feature_rows: Mapped[list[RoomFeature]] = relationship(
        cascade="all, delete-orphan", order_by=RoomFeature.feature
    )

    @property
    def features(self) -> list[str]:
        return [row.feature for row in self.feature_rows]

    def set_features(self, features: list[str]) -> None:
        self.feature_rows = [RoomFeature(feature=f) for f in sorted(set(features))]


door_room = Table(
    "door_room",
    Base.metadata,
    Column("door_id", ForeignKey("door.id", ondelete="CASCADE"), primary_key=True),
    Column("room_id", ForeignKey("room.id", ondelete="CASCADE"), primary_key=True),
)


class Door(Base):
    __tablename__ = "door"
    __table_args__ = (CheckConstraint("kind IN ('entrance', 'room')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centre.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="room")
    rooms: Mapped[list[Room]] = relationship(secondary=door_room, lazy="selectin",
                                             order_by="Room.id")


class RoomVersion(Base):
    """Change counter of what a room's availability shows, bumped by database triggers
    (migration 0003); the availability cache compares it (``booking/services/availability``)."""

    __tablename__ = "room_version"

    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"),
                                         primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
