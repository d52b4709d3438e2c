"""What publishing a term's run wrote, stored on the run (``TermRun.series``) and read back in
one typed place (issue 11 §6, §9).

For each section of the run, by section id: the series written for it (its booking and
series, the series an earlier publication of a reopened term ended, the slot, the skipped
dates with their reasons), or, when none of its dates could be held at publishing time, the
refusal code instead of a series. Every reader (the applicants' results, a reopened term's
publication, the term problem and the week planner) goes through :func:`read_published`;
nobody indexes the JSON by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from booking.models import TermRun

# The refusal code of a section the plan allocated but whose every date was taken (or
# closed) by the time the run was published.
DATES_TAKEN = "refusal_dates_taken"


@dataclass(frozen=True)
class SeriesSlot:
    """What a section's series is: a room, weekdays, local start and end, how often."""

    room_id: int
    days: tuple[int, ...]
    start: int  # minutes from local midnight
    end: int
    frequency: str  # weekly | fortnightly | monthly
    month_weeks: tuple[int, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"room_id": self.room_id, "days": list(self.days), "start": self.start,
                "end": self.end, "frequency": self.frequency,
                "month_weeks": list(self.month_weeks)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SeriesSlot:
        return cls(room_id=int(data["room_id"]), days=tuple(int(d) for d in data["days"]),
                   start=int(data["start"]), end=int(data["end"]),
                   frequency=str(data["frequency"]),
                   month_weeks=tuple(int(w) for w in data.get("month_weeks", [])))


@dataclass(frozen=True)
class PublishedSkip:
    """A date of the section's slot that was not held when publishing: ``reason`` holiday,
    closure, booking or cancelled; ``code`` the applicant's message; ``detail`` for staff."""

    day: date
    reason: str
    code: str
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "reason": self.reason, "code": self.code,
                "detail": self.detail}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PublishedSkip:
        return cls(day=date.fromisoformat(str(data["date"])), reason=str(data["reason"]),
                   code=str(data.get("code", "")), detail=str(data.get("detail", "")))


@dataclass(frozen=True)
class PublishedSection:
    """One section as a publication wrote it: its series, or its refusal (``refused``, a
    message code) when none of its dates could be held."""

    section_id: int
    booking_id: int | None = None
    series_id: int | None = None
    earlier: tuple[int, ...] = ()  # series of earlier publications it replaced
    slot: SeriesSlot | None = None
    skipped: tuple[PublishedSkip, ...] = ()
    refused: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"booking_id": self.booking_id, "series_id": self.series_id,
                               "earlier": list(self.earlier),
                               "skipped": [s.as_json() for s in self.skipped]}
        if self.slot is not None:
            out["slot"] = self.slot.as_json()
        if self.refused is not None:
            out["refused"] = self.refused
        return out

    @classmethod
    def from_json(cls, section_id: int, data: Mapping[str, Any]) -> PublishedSection:
        def maybe(key: str) -> int | None:
            value = data.get(key)
            return int(value) if value is not None else None

        slot = data.get("slot")
        return cls(section_id=section_id, booking_id=maybe("booking_id"),
                   series_id=maybe("series_id"),
                   earlier=tuple(int(x) for x in data.get("earlier", [])),
                   slot=SeriesSlot.from_json(slot) if slot else None,
                   skipped=tuple(PublishedSkip.from_json(s) for s in data.get("skipped", [])),
                   refused=data.get("refused"))


def read_published(run: TermRun) -> dict[int, PublishedSection]:
    """The one reader of ``TermRun.series``: what the run's publication wrote, by section id
    (empty for a run never published)."""
    return {int(key): PublishedSection.from_json(int(key), entry)
            for key, entry in (run.series or {}).items()}


def published_json(sections: Mapping[int, PublishedSection]) -> dict[str, Any]:
    """The stored form of a publication (``TermRun.series``)."""
    return {str(k): v.as_json() for k, v in sections.items()}
