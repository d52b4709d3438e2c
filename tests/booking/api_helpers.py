"""Small helpers for the API behaviour tests: Berlin wall times as instants, and the few
requests most tests start from."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(y: int, mo: int, d: int, h: int, mi: int = 0) -> str:
    """A Berlin wall time (summer or winter) as an ISO instant with its offset."""
    return datetime(y, mo, d, h, mi, tzinfo=BERLIN).isoformat()


def local(instant: str) -> datetime:
    """An instant from the API, read on the Berlin wall clock."""
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(BERLIN)


def utc(instant: str) -> datetime:
    return datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(UTC)


def wall(instant: str) -> tuple[date, time]:
    value = local(instant)
    return value.date(), value.time().replace(tzinfo=None)


def rent(client: Any, headers: dict[str, str], room_id: int, start: str, end: str,
         people: int = 10, purpose: str = "Geburtstag") -> Any:
    return client.post("/api/rentals", headers=headers, json={
        "room_id": room_id, "starts_at": start, "ends_at": end, "expected_people": people,
        "purpose": purpose})


def book(client: Any, headers: dict[str, str], room_id: int, start: str, end: str,
         title: str = "Sprachcafé", kind: str = "programme", **extra: Any) -> Any:
    return client.post("/api/bookings", headers=headers, json={
        "kind": kind, "title": title, "room_id": room_id, "starts_at": start, "ends_at": end,
        **extra})
