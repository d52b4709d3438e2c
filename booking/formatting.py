"""One home for showing values to people: money, dates, times, weekdays, ISO weeks and public
holidays, in the reader's language, through Babel's CLDR data.

Digits stay Latin in every language (``numbering_system="latn"``): the forms' date and time
fields take Latin digits, and a page should not mix two digit systems.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Final

import holidays

from booking.translations import N_, gettext_for

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
