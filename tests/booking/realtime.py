"""Helpers for tests against a real server process: it runs on the real clock, so rentals lie
on real future weekdays; and the database-level checks those tests share."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import httpx
from sqlalchemy import Engine, text

BERLIN = ZoneInfo("Europe/Berlin")

# Pairs of confirmed occurrences of one room whose half-open ranges overlap. On SQLite the
# instants are fixed-width UTC text, so the comparison is in time order there as well.
OVERLAPPING_CONFIRMED = text("""
    SELECT a.id, b.id FROM occurrence a JOIN occurrence b
      ON a.room_id = b.room_id AND a.id < b.id
     AND a.status = 'confirmed' AND b.status = 'confirmed'
     AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
""")


def future_weekdays(count: int, *, days_ahead: int = 10) -> list[date]:
    """``count`` Mondays to Thursdays from ``days_ahead`` days on that are no NRW holiday (the
    weekday rate, and the centre is open), counted from the real date."""
    day = datetime.now(BERLIN).date() + timedelta(days=days_ahead)
    found: list[date] = []
    while len(found) < count:
        if day.weekday() <= 3 and day not in holidays.country_holidays("DE", subdiv="NW",
                                                                      years=day.year):
            found.append(day)
        day += timedelta(days=1)
    return found


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    """The UTC instant of a Bielefeld wall time."""
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN).astimezone(UTC)


def login(base_url: str, email: str, password: str) -> str:
    r = httpx.post(base_url + "/api/login", json={"email": email, "password": password},
                   timeout=30)
    assert r.status_code == 200, r.text
    token: str = r.json()["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def overlapping_confirmed(engine: Engine) -> list[tuple[int, int]]:
    with engine.connect() as conn:
        return [(a, b) for a, b in conn.execute(OVERLAPPING_CONFIRMED)]
