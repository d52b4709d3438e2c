"""booking.formatting: money, dates, times and weeks as a reader of each language expects."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from booking import formatting

BERLIN = "Europe/Berlin"


@pytest.mark.parametrize(("lang", "expected"), [
    ("de", "1.234,50\xa0€"), ("en", "€1,234.50"), ("tr", "€1.234,50"),
    ("ar", "\u200f1,234.50\xa0€"), ("uk", "1\xa0234,50\xa0EUR"),
])
def test_money_in_each_language(lang: str, expected: str) -> None:
    assert formatting.money(123450, lang) == expected


def test_a_span_shows_weekday_date_and_24_hour_times_in_local_time() -> None:
    start = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # 18:00 in Bielefeld
    end = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
    assert formatting.when(start, end, BERLIN, "de") == "Mi., 2. Dez. 2026, 18:00–21:00"
    assert formatting.when(start, end, BERLIN, "en") == "Wed, 2 Dec 2026, 18:00–21:00"
    arabic = formatting.when(start, end, BERLIN, "ar")
    assert "الأربعاء" in arabic and "18:00–21:00" in arabic and "،" in arabic


def test_a_span_past_midnight_names_both_days() -> None:
    start = datetime(2026, 12, 31, 22, 0, tzinfo=UTC)  # 23:00 on New Year's Eve
    end = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)
    assert formatting.when(start, end, BERLIN, "de") == \
        "Do., 31. Dez. 2026, 23:00 – Fr., 1. Jan. 2027, 02:00"
    assert formatting.times(start, end, BERLIN, "de") == formatting.when(start, end, BERLIN, "de")


def test_summer_time_is_shown_as_the_wall_clock() -> None:
    start = datetime(2026, 7, 1, 16, 0, tzinfo=UTC)  # 18:00 CEST
    assert formatting.times(start, start.replace(hour=19), BERLIN, "uk") == "18:00–21:00"


def test_iso_weeks_follow_iso_8601_in_every_language() -> None:
    # 2026-12-28 is in ISO week 53 of 2026; en_US week rules would call it week 1 of 2027.
    assert {formatting.iso_week(date(2026, 12, 28), lang) for lang in ("de", "en", "ar")} == \
        {"53/2026"}


def test_numbers_use_the_language_decimal_mark() -> None:
    assert formatting.number(1.5, "de") == "1,5" and formatting.number(1.5, "en") == "1.5"
    assert formatting.number(2.0, "tr") == "2"


def test_the_night_the_clocks_go_back_shows_which_0230_is_meant() -> None:
    # 02:30 summer time to 02:30 winter time is an hour, not nothing.
    start = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    end = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert formatting.times(start, end, BERLIN, "de") == "02:30 MESZ–02:30 MEZ"
    assert formatting.times(start, end, BERLIN, "en") == "02:30 CEST–02:30 CET"
    assert formatting.when(start, end, BERLIN, "de") == "So., 25. Okt. 2026, 02:30 MESZ–02:30 MEZ"
    # An ordinary evening keeps its plain clock.
    assert formatting.times(datetime(2026, 10, 25, 17, tzinfo=UTC),
                            datetime(2026, 10, 25, 19, tzinfo=UTC), BERLIN, "de") == "18:00–20:00"
