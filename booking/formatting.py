"""One home for showing values to people: money, dates, times, weekdays, ISO weeks and public
holidays, in the reader's language, through Babel's CLDR data.

Choices, the same for every language: Latin digits (``numbering_system="latn"``) and the
24-hour clock, because the forms' date and time fields take them and a page should not mix two
systems; dates with the month's name (``2 Dec 2026``), which no reader can take for another day
as they could ``02/12``. English follows British conventions (``en_GB``), nearer to Bielefeld's
than American ones. ISO weeks are numbered by ISO 8601 in every language (``isocalendar``), not
by the locale's own week rules.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Final

import holidays
from babel import Locale
from babel.dates import format_skeleton, format_time
from babel.numbers import format_currency, format_decimal

from booking.timeutil import to_local
from booking.translations import DEFAULT_LANGUAGE, LANGUAGES, N_, gettext_for

# Our language codes → the CLDR locales whose conventions the pages use.
LOCALES: Final = {"de": "de_DE", "en": "en_GB", "tr": "tr_TR", "ar": "ar", "uk": "uk_UA"}
CURRENCY: Final = "EUR"


@cache
def locale(lang: str) -> Locale:
    return Locale.parse(LOCALES[lang if lang in LANGUAGES else DEFAULT_LANGUAGE])


def money(cents: int, lang: str) -> str:
    """``12,50 €`` (de), ``€12.50`` (en): amounts are stored in cents."""
    return format_currency(Decimal(cents) / 100, CURRENCY, locale=locale(lang),
                           numbering_system="latn")


def number(value: float, lang: str) -> str:
    """``1,5`` (de), ``1.5`` (en); no trailing zeros."""
    return format_decimal(value, locale=locale(lang), numbering_system="latn")


def day(value: date, lang: str) -> str:
    """``2. Dez. 2026`` (de), ``2 Dec 2026`` (en)."""
    return format_skeleton("yMMMd", value, locale=locale(lang))


def weekday_and_day(value: date, lang: str) -> str:
    """``Mi., 2. Dez. 2026`` (de), ``Wed, 2 Dec 2026`` (en)."""
    return format_skeleton("yMMMEd", value, locale=locale(lang))


def clock(value: time | datetime, lang: str) -> str:
    """``18:00`` in every language (24-hour clock, Latin digits)."""
    moment = value if isinstance(value, datetime) else datetime.combine(date(2000, 1, 1), value)
    return format_skeleton("Hm", moment, locale=locale(lang))


def weekday(index: int, lang: str) -> str:
    """``Di.`` (de), ``Tue`` (en): day 0 is Monday, as in the planner."""
    return str(locale(lang).days["format"]["abbreviated"][index])


def weekly(index: int, start: int, end: int, lang: str) -> str:
    """A weekly window: ``Di. 16:00–18:00``; minutes from local midnight (24:00 allowed)."""
    def hhmm(minutes: int) -> str:
        if minutes >= 24 * 60:
            return "24:00"
        return clock(time(minutes // 60, minutes % 60), lang)

    return f"{weekday(index, lang)} {hhmm(start)}–{hhmm(end)}"


def _clocks(s: datetime, e: datetime, lang: str) -> tuple[str, str]:
    """Start and end clock; across a daylight-saving change each carries its zone (``02:30
    MESZ–02:30 MEZ``), so the night the clocks go back shows no span that looks empty and the
    spring night none that looks an hour too long."""
    if s.utcoffset() == e.utcoffset():
        return clock(s, lang), clock(e, lang)
    return (format_time(s, "HH:mm z", locale=locale(lang)),
            format_time(e, "HH:mm z", locale=locale(lang)))


def when(start: datetime, end: datetime, zone_name: str, lang: str) -> str:
    """A span in local time: ``Mi., 2. Dez. 2026, 18:00–21:00``; both days written out when
    it runs past midnight."""
    s, e = to_local(start, zone_name), to_local(end, zone_name)
    first, last = _clocks(s, e, lang)
    # CLDR's way of joining a date and a time: "{1}, {0}" in German, "{1}، {0}" in Arabic.
    joined = str(locale(lang).datetime_formats["medium"])
    if s.date() == e.date():
        return joined.format(f"{first}–{last}", weekday_and_day(s, lang))
    return (joined.format(first, weekday_and_day(s, lang)) + " – "
            + joined.format(last, weekday_and_day(e, lang)))


def times(start: datetime, end: datetime, zone_name: str, lang: str) -> str:
    """``18:00–21:00`` within a day; the whole span when it crosses midnight."""
    s, e = to_local(start, zone_name), to_local(end, zone_name)
    if s.date() == e.date():
        first, last = _clocks(s, e, lang)
        return f"{first}–{last}"
    return when(start, end, zone_name, lang)


def iso_week(monday: date, lang: str) -> str:
    """The ISO 8601 week as people say it: ``49/2026``."""
    year, week, _ = monday.isocalendar()
    return f"{number(week, lang)}/{year}"

# Where the ``holidays`` package names German holidays in a language itself.
HOLIDAY_LANGUAGES: Final = {"de": "de", "en": "en_US", "uk": "uk"}
# The subdivision asked first for a date's holiday (Bielefeld is in NRW); then the others.
HOME_SUBDIVISION: Final = "NW"

# Every German holiday name ``holidays`` knows (any state, as of 0.109), as msgids: languages
# the package does not cover (tr, ar) translate them in our catalogues instead.
HOLIDAY_NAMES: Final = (
    N_("Neujahr"), N_("Heilige Drei Könige"), N_("Frauentag"), N_("Karfreitag"),
    N_("Ostersonntag"), N_("Ostermontag"), N_("Erster Mai"), N_("Christi Himmelfahrt"),
    N_("Pfingstsonntag"), N_("Pfingstmontag"), N_("Fronleichnam"),
    N_("Augsburger Hohes Friedensfest"), N_("Mariä Himmelfahrt"), N_("Weltkindertag"),
    N_("Tag der Deutschen Einheit"), N_("Reformationstag"), N_("Allerheiligen"),
    N_("Buß- und Bettag"), N_("Erster Weihnachtstag"), N_("Zweiter Weihnachtstag"),
    N_("75. Jahrestag des Aufstandes vom 17. Juni 1953"),
    N_("80. Jahrestag der Befreiung vom Nationalsozialismus und der Beendigung des Zweiten "
       "Weltkriegs in Europa"),
)


@cache
def _holidays(year: int, subdivision: str, language: str) -> holidays.HolidayBase:
    return holidays.country_holidays("DE", subdiv=subdivision, years=year, language=language)


def holiday_name(day: date, lang: str, subdivision: str = HOME_SUBDIVISION) -> str | None:
    """The name of the German public holiday on ``day`` in ``lang`` (None on a working day):
    from ``holidays`` where it has the language, else our catalogue's translation of the German
    name. Always asked with an explicit language: without one, ``holidays`` answers in a
    language of its own choosing (English here), which put "Christmas Day" on German pages."""
    subdivisions = [subdivision, *(s for s in holidays.country_holidays("DE").subdivisions
                                   if s != subdivision)]
    for sub in subdivisions:
        german = _holidays(day.year, sub, "de").get(day)
        if german:
            if lang in HOLIDAY_LANGUAGES:
                return str(_holidays(day.year, sub, HOLIDAY_LANGUAGES[lang]).get(day))
            return gettext_for(lang)(str(german))
    return None
