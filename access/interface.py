"""The one interface through which ``access`` knows bookings (DESIGN §6).

A booking (a rental in Eigenregie, a self-managed programme slot), and later a group's series
(issue 10), is seen as an :class:`AccessGrant`: who holds it, whether it stands, and its dates,
each a UTC span in one room. A series supplies the dates of its terms the same way; the rules
here never ask where the dates come from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class GrantDate:
    """One date of a grant: ``[starts_at, ends_at)`` in a room, aware UTC instants."""

    room_id: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class AccessGrant:
    """What a code is issued for. ``standing`` is true only for a confirmed booking (or an
    active series): a pending, declined or cancelled one never opens a door."""

    source: str  # "booking" (later also "series")
    source_id: int
    centre_id: int
    holder_id: int | None
    standing: bool
    dates: tuple[GrantDate, ...]


class BookingSource(Protocol):
    """What ``booking`` implements for ``access``."""

    def grant(self, source: str, source_id: int) -> AccessGrant | None:
        """The grant as it stands now, or None if it is gone."""
        ...

    def dates_near(self, room_ids: Sequence[int], start: datetime,
                   end: datetime) -> Sequence[tuple[int, GrantDate]]:
        """(source id, date) of every standing date in these rooms that overlaps
        ``[start, end)``: the neighbours a room door's window is cut against."""
        ...
