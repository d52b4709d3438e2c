"""A Stadtteilzentrum: the unit everything else belongs to."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from booking.models.base import Base
from booking.timeutil import DEFAULT_ZONE


class Centre(Base):
    __tablename__ = "centre"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_ZONE)
    email: Mapped[str] = mapped_column(String(200), default="")
    # Rental policy that holds for every room of the centre.
    max_days_ahead: Mapped[int] = mapped_column(default=180)
    min_notice_hours: Mapped[int] = mapped_column(default=72)
    # Public holidays of this German state close the centre for rentals (holidays library).
    holiday_subdivision: Mapped[str] = mapped_column(String(8), default="NW")
