"""Reading the pages' forms: strings in, typed values and per-field messages out.

The messages are German msgids (translated in the template with ``_()``); the services still
check everything that is a rule of the centre, so these only catch what cannot be parsed.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from booking.errors import Forbidden, InvalidInput
from booking.timeutil import in_horizon, local_span
from booking.translations import N_


class CsrfRejected(Forbidden):
    """A state-changing form arrived without the token of the page that showed it."""

    title = N_("Nicht erlaubt")

    def __init__(self) -> None:
        super().__init__("csrf_rejected")


# The same characters the API refuses (``booking.api.schemas``): none in a one-line field, and
# in a text area none but tab and line breaks.
_CONTROL_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def field_value(data: dict[str, Any], name: str, *, text_area: bool = False,
                max_length: int | None = None) -> str:
    """One form field as a stripped string (the last one if it came twice). A control
    character (line breaks too, unless the field is a text area) or more than ``max_length``
    characters is a 400 with a sentence: the database could not hold them or should not."""
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    text = str(value).strip()
    if (_CONTROL_IN_TEXT if text_area else _CONTROL_IN_LINE).search(text):
        raise InvalidInput("control_characters")
    if max_length is not None and len(text) > max_length:
        raise InvalidInput("too_long", n=max_length)
    return text


def check_csrf(expected: str | None, data: dict[str, Any]) -> None:
    """Constant-time comparison of the form's ``csrf_token`` with the expected token."""
    given = field_value(data, "csrf_token")
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfRejected()


def parse_date(text: str) -> date | None:
    """ISO (what ``<input type=date>`` sends) or German ``TT.MM.JJJJ`` (typed by hand)."""
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date, no zone
        except ValueError:
            continue
    return None


def parse_time(text: str) -> time | None:
    for fmt in ("%H:%M", "%H.%M", "%H"):
        try:
            return datetime.strptime(text, fmt).time()  # noqa: DTZ007 - a wall time, no zone
        except ValueError:
            continue
    return None


def parse_positive_int(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if 1 <= value <= 100_000 else None


def parse_iso_week(text: str) -> date | None:
    """``2026-W49`` → the Monday of that ISO week."""
    try:
        year, week = text.upper().split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return None


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class RentalForm:
    """The rental request form as typed, with its instants once it parses."""

    day: str = ""
    start: str = ""
    end: str = ""
    people: str = ""
    purpose: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    people_count: int = 0

    @classmethod
    def read(cls, data: dict[str, Any], zone_name: str) -> RentalForm:
        form = cls(day=field_value(data, "datum"), start=field_value(data, "von"),
                   end=field_value(data, "bis"), people=field_value(data, "personen"),
                   purpose=field_value(data, "zweck", text_area=True)[:2000])
        day = parse_date(form.day)
        start, end = parse_time(form.start), parse_time(form.end)
        people = parse_positive_int(form.people)
        if day is None:
            form.errors["datum"] = N_("Bitte ein Datum angeben (TT.MM.JJJJ).")
        elif not in_horizon(day):
            form.errors["datum"] = N_("Bitte ein Datum zwischen 2000 und 2099 angeben.")
            day = None
        if start is None:
            form.errors["von"] = N_("Bitte eine Uhrzeit angeben (SS:MM).")
        if end is None:
            form.errors["bis"] = N_("Bitte eine Uhrzeit angeben (SS:MM).")
        if people is None:
            form.errors["personen"] = N_("Bitte eine ganze Zahl ab 1 eingeben.")
        else:
            form.people_count = people
        if day is not None and start is not None and end is not None:
            # "bis 00:00" means midnight at the end of the day.
            end_day = day + timedelta(days=1) if end == time(0) and start != time(0) else day
            # What the resident states is a wall-clock duration; it lasts that long in real
            # time on the nights the clocks change too (RFC 5545, ``local_span``).
            duration = datetime.combine(end_day, end) - datetime.combine(day, start)
            if duration <= timedelta(0):
                form.errors["bis"] = N_("Das Ende muss nach dem Beginn liegen.")
            else:
                form.starts_at, form.ends_at = local_span(day, start, duration, zone_name)
        return form

    def require_purpose(self) -> None:
        if not self.purpose:
            self.errors["zweck"] = N_("Bitte beschreiben, wofür der Raum gebraucht wird.")

    @property
    def complete(self) -> bool:
        return not self.errors and self.starts_at is not None and self.ends_at is not None

    @property
    def window(self) -> tuple[datetime, datetime]:
        """The requested ``[start, end)``; only for a complete form."""
        if self.starts_at is None or self.ends_at is None:
            raise ValueError("the form is not complete")
        return self.starts_at, self.ends_at
