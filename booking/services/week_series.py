"""The term's series in the week plan (issue 11 §7).

A term publishes one series per allocated section (``booking.services.term_publish``). In a
concrete week each date of such a series enters the week problem as a ``group`` demand that is
where the series has it (its room, day and time as the stability anchor, so the planner keeps
it there whenever it can) but may move within the section's allowed windows *for that week
only*: a closure of its room or a rental in its usual slot moves the group instead of losing
the date. A date the series had to skip for a booking or a room closure enters too, so the
planner can hold it elsewhere; dates skipped for a public holiday or a closure of the house
stay skipped. Publishing the week writes a moved date as an exception of its series
(:func:`booking.services.series.move_dates`); the series' pattern and its other dates are
never touched. A date the plan leaves unplaced (or staff remove from the draft) stays as the
series has it: cancelling a date is a decision staff take on the series, not the planner's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

import solver
from booking.models import (
    HOLDING_STATUS,
    ApplicationSection,
    BookingStatus,
    Closure,
    DateState,
    Series,
    SeriesDate,
    Term,
    TermRun,
)
from booking.services import series as series_service
from booking.services.term_published import read_published

# (day index, start minute, end minute) of two instants in the week of a Monday, on the grid.
LocalSlot = Callable[[datetime, datetime, date], tuple[int, int, int]]

# A term's date outranks a rental request (2) and a one-off group request (1): the group
# was allocated the slot for the term; a request placed in its slot moves it only when the
# group can meet elsewhere within its windows.
TERM_DATE_PRIORITY = 4


@dataclass(frozen=True)
class TermSeries:
    """A series a published term wrote, with the section it was allocated for."""

    series: Series
    section: ApplicationSection


def term_series(session: Session, centre_id: int) -> list[TermSeries]:
    """The series of the centre's published terms that still hold dates."""
    out: list[TermSeries] = []
    runs = session.scalars(select(TermRun).join(Term, TermRun.term_id == Term.id).where(
        Term.centre_id == centre_id, TermRun.status == "published").order_by(TermRun.id))
    for run in runs:
        for section_id, entry in read_published(run).items():
            row = session.get(Series, entry.series_id) if entry.series_id is not None \
                else None
            section = session.get(ApplicationSection, section_id)
            if row is None or section is None:
                continue
            if row.booking.status != BookingStatus.CONFIRMED:
                continue
            out.append(TermSeries(row, section))
    return out


@dataclass(frozen=True)
class WeekDate:
    """One date of a term series in the week: the solver's demand and the row it stands for;
    ``occurrence_id`` is the occurrence it holds now (None for a skipped date)."""

    demand: solver.Demand
    row: SeriesDate
    occurrence_id: int | None


def _movable_skip(session: Session, row: SeriesDate) -> bool:
    """A skipped date another room or time may still hold: taken by a booking, or its room
    closed (not the house, not a public holiday)."""
    if row.reason_code == "reason_conflict":
        return True
    if row.reason_code == "reason_closed" and row.closure_id is not None:
        closure = session.get(Closure, row.closure_id)
        return closure is not None and closure.room_id is not None
    return False


def week_dates(session: Session, centre_id: int, monday: date, *, house: tuple[int, int],
               local_slot: LocalSlot) -> list[WeekDate]:
    """Every date of a term series in the week starting ``monday`` that the planner may place:
    a group demand with the section's allowed windows on that day (and on days the group does
    not meet this week), anchored at where the series has it."""
    sunday = monday + timedelta(days=6)
    out: list[WeekDate] = []
    for item in term_series(session, centre_id):
        series, section = item.series, item.section
        rows = [r for r in series.dates if monday <= r.day <= sunday]
        meeting_days = {(r.day - monday).days for r in rows}
        for row in rows:
            occ = row.occurrence
            if row.state == DateState.PLANNED and occ is not None \
                    and occ.status == HOLDING_STATUS:
                room_id, begin, end = occ.room_id, occ.starts_at, occ.ends_at
            elif row.state == DateState.SKIPPED and _movable_skip(session, row):
                begin, end = series_service._span(series, row.day)
                room_id = series_service.params(series, row.day)[2]
                occ = None
            else:
                continue
            day, start, finish = local_slot(begin, end, monday)
            if start < house[0] or finish > house[1] or not 0 <= day <= 6:
                continue  # outside the house's hours it stays as it is
            duration = finish - start
            current = solver.Window(day, start, finish)
            windows = [solver.Window(int(w["day"]), _minutes(w["start"]), _minutes(w["end"]))
                       for w in section.allowed_windows
                       if int(w["day"]) == day or int(w["day"]) not in meeting_days]
            windows = [w for w in windows if w.end - w.start >= duration]
            if not any(w.contains(day, start, finish) for w in windows):
                windows.append(current)
            out.append(WeekDate(solver.Demand(
                id=f"series-date-{row.id}", title=series.booking.title, kind="group",
                duration=duration, windows=tuple(windows), size=section.expected_people,
                features=frozenset(section.features), priority=TERM_DATE_PRIORITY,
                preferred=(current,), staffed=section.staffed, series=f"series-{series.id}",
                last_week=solver.LastWeek(room=str(room_id), day=day, start=start),
            ), row, occ.id if occ is not None else None))
    return out


def _minutes(value: str) -> int:
    hours, _, minutes = value.partition(":")
    return int(hours) * 60 + int(minutes)


def moves_of(session: Session, placements: Sequence[tuple[int, int, datetime]],
             ) -> list[series_service.DateMove]:
    """The dates a published week moves: ``(series date id, room, local start)`` of each
    placement, kept only where it differs from what the date holds now; the length stays
    the series'."""
    moves: list[series_service.DateMove] = []
    for row_id, room_id, begin in placements:
        row = session.get(SeriesDate, row_id)
        if row is None:
            continue
        minutes = series_service.params(row.series, row.day)[1]
        end = begin + timedelta(minutes=minutes)
        occ = row.occurrence
        if row.state == DateState.PLANNED and occ is not None \
                and occ.status == HOLDING_STATUS \
                and (occ.room_id, occ.starts_at, occ.ends_at) == (room_id, begin, end):
            continue
        moves.append(series_service.DateMove(row, room_id, begin, end))
    return moves
