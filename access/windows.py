"""When a code opens a door.

A code opens a door from ``before`` minutes ahead of each of its dates' start to ``after``
minutes past its end (per-centre margins, 15 and 15 by default), half-open ``[from, until)``,
in UTC instants computed from the dates every time, never stored: move, shorten or cancel the
booking and the window follows at once.

On a **room** door the margins are cut so that they never reach into another group's date in
that room: the group before leaves when the next one begins, and the next one does not walk in
on the one before. The entrance opens for every standing date of the centre, uncut: the next
group may wait in the hall.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from access.interface import GrantDate

ENTRANCE = "entrance"
ROOM = "room"
MAX_MARGIN_MINUTES = 60


@dataclass(frozen=True)
class Margins:
    before_minutes: int = 15
    after_minutes: int = 15

    def __post_init__(self) -> None:
        for value in (self.before_minutes, self.after_minutes):
            if not 0 <= value <= MAX_MARGIN_MINUTES:
                raise ValueError(f"a margin is 0 to {MAX_MARGIN_MINUTES} minutes")

    @property
    def before(self) -> timedelta:
        return timedelta(minutes=self.before_minutes)

    @property
    def after(self) -> timedelta:
        return timedelta(minutes=self.after_minutes)


@dataclass(frozen=True)
class Window:
    starts_at: datetime
    ends_at: datetime

    def __contains__(self, instant: object) -> bool:
        return isinstance(instant, datetime) and self.starts_at <= instant < self.ends_at


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("naive datetime given where an aware instant is needed")
    return instant


def window(date: GrantDate, margins: Margins, door_kind: str,
           neighbours: Iterable[GrantDate] = ()) -> Window | None:
    """The window of one date at a door of ``door_kind``; ``neighbours`` are the other groups'
    dates in the same room (ignored at the entrance). None when nothing is left after the cut
    (a neighbour overlaps the date itself, which the booking rules prevent)."""
    start, end = _aware(date.starts_at), _aware(date.ends_at)
    lo, hi = start - margins.before, end + margins.after
    if door_kind != ENTRANCE:
        for other in neighbours:
            if other.room_id != date.room_id or other == date:
                continue
            if other.ends_at <= start:
                lo = max(lo, other.ends_at)
            elif other.starts_at >= end:
                hi = min(hi, other.starts_at)
            else:
                return None
    return Window(lo, hi) if lo < hi else None


def windows(dates: Iterable[GrantDate], margins: Margins, door_kind: str,
            neighbours: Iterable[GrantDate] = ()) -> list[Window]:
    """The windows of every date (a series applies the margins to each)."""
    others = list(neighbours)
    found = (window(d, margins, door_kind, others) for d in dates)
    return sorted((w for w in found if w is not None), key=lambda w: w.starts_at)


def is_open(dates: Iterable[GrantDate], margins: Margins, door_kind: str, at: datetime,
            neighbours: Iterable[GrantDate] = ()) -> bool:
    return any(at in w for w in windows(dates, margins, door_kind, neighbours))
