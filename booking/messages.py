"""What the service says to people: codes with parameters, put into words only at the edge.

A service never writes a sentence. It raises a domain error (``booking.errors``) or returns a
:class:`Message` with a **code** and **parameters**; the page, the mail and the API answer turn it
into words in the reader's language, once, with the gettext catalogues
(``booking.translations``). That way one rule ("min_notice", hours=72) reads right in German,
Turkish and Arabic, and an API client gets the code and the parameters as data besides the
sentence.

How to add a message:

1. Add ``"code": N_("German sentence with %(name)s placeholders")`` to :data:`MESSAGES`
   (a pair ``(N_(singular), N_(plural))`` when the sentence depends on the number ``n``).
2. Raise it: ``raise PolicyViolation("min_notice", hours=72)``, or return
   ``Message("min_notice", {"hours": 72})``.
3. Run ``python -m booking.translations`` and translate the new entries in
   ``booking/locale/*/LC_MESSAGES/messages.po``.

Parameters may be plain values (``str`` as is, ``int``/``float`` as numbers in the reader's
locale, ``date`` as a date), or the small wrappers below for values that need more than one
piece to be written right (a time span in the centre's zone, an amount of money, a word that is
itself translated, a nested message, a list).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from booking.translations import DEFAULT_LANGUAGE, N_, translations


@dataclass(frozen=True)
class Span:
    """A time span, written in the centre's zone: ``Sa., 12.12.2026, 14:00–18:00``."""

    start: datetime
    end: datetime
    zone: str


@dataclass(frozen=True)
class Money:
    cents: int


@dataclass(frozen=True)
class Word:
    """A German msgid used as a parameter (a status, a feature), translated with the rest."""

    msgid: str


@dataclass(frozen=True)
class Message:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return render(self.code, self.params, lang)

    def as_json(self) -> dict[str, Any]:
        """The code and parameters as plain JSON data, for API clients that write their own
        sentence."""
        return {"code": self.code, "params": {k: _json(v) for k, v in self.params.items()}}


# code → German msgid. Keep the codes stable: API clients may switch on them.
MESSAGES: Final[dict[str, str | tuple[str, str]]] = {
    "login_required": N_("Bitte melden Sie sich zuerst an."),
    "not_staff": N_("Das darf nur das Team des Stadtteilzentrums."),
    # Series, closures, feeds (booking.services.series, booking.services.feeds)
    "series_bad_rule": N_("Die Wiederholungsregel kann nicht gelesen werden."),
    "series_rule_unsupported": N_("Dieser Teil der Wiederholungsregel wird nicht unterstützt: "
                                  "%(part)s."),
    "series_rule_never": N_("Die Wiederholungsregel ergibt nie einen Termin."),
    "series_pattern_incomplete": N_("Für dieses Wiederholungsmuster fehlt: %(field)s."),
    "series_no_dates": N_("Die Reihe ergibt keinen einzigen Termin."),
    "series_too_many_dates": N_("Eine Reihe darf höchstens %(n)s Termine auf einmal anlegen."),
    "series_dates_conflict": N_("Nicht frei (%(n)s): %(dates)s"),
    "series_nothing_free": N_("Kein einziger Termin dieser Reihe ist frei."),
    "series_not_found": N_("Es gibt keine Terminreihe %(id)s."),
    "series_date_not_found": N_("Die Reihe hat keinen Termin am %(day)s."),
    "series_date_takes_place": N_("Der Termin am %(day)s findet bereits statt."),
    "series_date_not_free": N_("Der Termin am %(day)s ist nicht frei: %(reason)s"),
    "reason_conflict": N_("belegt durch „%(title)s“, %(when)s"),
    "reason_closed": N_("geschlossen: %(reason)s"),
    "reason_holiday": N_("Feiertag: %(name)s"),
    "closure_not_found": N_("Es gibt keine Schließung %(id)s."),
    "closure_days": N_("Der letzte Tag einer Schließung darf nicht vor dem ersten liegen."),
    "feed_not_found": N_("Diesen Kalender gibt es nicht oder nicht mehr."),
    "series_kind": N_("Eine Reihe ist ein Programmpunkt oder eine Gruppe."),
    "title_missing": N_("Bitte geben Sie einen Titel an."),
    "room_not_found": N_("Es gibt keinen Raum %(id)s in diesem Zentrum."),
    "centre_not_found": N_("Es gibt kein Zentrum %(id)s."),
    "offer_not_found": N_("Es gibt kein Angebot %(id)s in diesem Zentrum."),
    "group_not_found": N_("Es gibt keine Gruppe %(id)s in diesem Zentrum."),
    "series_horizon": N_("Die Termine müssen in den Jahren 2000 bis 2099 liegen."),
    "closure_reason_missing": N_("Bitte geben Sie einen Grund für die Schließung an."),
    "room_taken_meanwhile": N_("Der Raum wurde inzwischen belegt; bitte sehen Sie noch einmal "
                               "nach."),
    "export_range": N_("Bitte höchstens %(days)s Tage auf einmal exportieren."),
}


def is_code(text: str) -> bool:
    return text in MESSAGES


def render(code: str, params: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> str:
    """The message ``code`` with ``params`` in ``lang`` (German if the catalogue lacks it)."""
    catalogue = translations(lang)
    msgid = MESSAGES[code]
    words = {k: _word(v, lang) for k, v in params.items()}
    if isinstance(msgid, tuple):
        count = params.get("n", 1)
        text = catalogue.ngettext(msgid[0], msgid[1], count if isinstance(count, int) else 1)
    else:
        text = catalogue.gettext(msgid)
    try:
        return text % words if words or "%(" in text else text
    except (KeyError, ValueError, TypeError):
        # A translation with a broken placeholder must not turn an answer into a 500: the
        # German original is right by construction (tests check every code renders).
        original = msgid[0] if isinstance(msgid, tuple) else msgid
        return original % words if words else original


def _word(value: Any, lang: str) -> str:
    # Imported here: ``formatting`` needs ``timeutil``, which raises domain errors, which
    # carry messages.
    from booking import formatting

    match value:
        case bool():
            return str(value)
        case int() | float():
            return formatting.number(value, lang)
        case datetime():
            return formatting.clock(value, lang)
        case date():
            return formatting.day(value, lang)
        case Span(start, end, zone):
            return formatting.when(start, end, zone, lang)
        case Money(cents):
            return formatting.money(cents, lang)
        case Word(msgid):
            return translations(lang).gettext(msgid)
        case Message():
            return value.render(lang)
        case str():
            return value
        case Sequence():
            return ", ".join(_word(item, lang) for item in value)
    return str(value)


def _json(value: Any) -> Any:
    match value:
        case bool() | int() | float() | str() | None:
            return value
        case datetime() | date():
            return value.isoformat()
        case Span(start, end, zone):
            return {"start": start.isoformat(), "end": end.isoformat(), "zone": zone}
        case Money(cents):
            return {"cents": cents, "currency": "EUR"}
        case Word(msgid):
            return msgid
        case Message():
            return value.as_json()
        case Sequence():
            return [_json(item) for item in value]
    return str(value)
