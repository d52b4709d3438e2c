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
    "no_staff_member": N_("Im Team dieses Stadtteilzentrums gibt es niemanden mit der "
                          "Nummer %(nr)s."),
    "day_hours_above_week": N_("Die Stunden eines Tages dürfen die Stunden der Woche nicht "
                               "übersteigen."),
    "window_ends_before_start": N_("Eine Zeit der Verfügbarkeit muss nach ihrem Beginn enden."),
    # The term's application round (booking.services.terms).
    "term_dates": N_("Der erste Tag der Saison muss vor ihrem letzten liegen."),
    "term_too_long": N_("Eine Saison dauert höchstens ein Jahr."),
    "term_application_period": N_("Die Antragsfrist muss beginnen, bevor sie endet."),
    "term_status_unknown": N_("Unbekannter Status; möglich sind: %(known)s."),
    "no_term": N_("Es gibt keine Saison Nr. %(nr)s."),
    "term_status_flow": N_("Eine Saison im Status „%(current)s“ kann nicht in den Status "
                           "„%(status)s“ wechseln."),
    "term_publish_by_plan": N_("Eine Saison wird veröffentlicht, indem ihre Vergabe "
                               "veröffentlicht wird, nicht über ihren Status."),
    "term_details_fixed": N_("Daten und Fristen einer Saison im Status „%(current)s“ stehen "
                             "fest."),
    "priority_classes_count": N_("Bitte geben Sie eine bis %(n)s Prioritätsklassen an."),
    "priority_class_condition": N_("Unbekannte Bedingung: %(names)s. Möglich sind: "
                                   "%(known)s."),
    "priority_classes_catch_all": N_("Die letzte Prioritätsklasse muss ohne Bedingungen sein, "
                                     "damit jeder Antrag eine Klasse hat."),
    "no_group": N_("Es gibt keine Gruppe Nr. %(nr)s."),
    "application_needs_group": N_("Ein Antrag wird für eine Gruppe gestellt, deren "
                                  "Ansprechperson Sie sind."),
    "term_not_open": N_("Die Saison ist im Status „%(current)s“; Anträge können jetzt nicht "
                        "geändert werden."),
    "application_period_closed": N_("Anträge sind nur in der Antragsfrist möglich: "
                                    "%(period)s."),
    "application_sections_count": N_("Ein Antrag hat einen bis %(n)s Teile (Aktivitäten)."),
    "section_duration_order": N_("Teil %(section)s: Die Mindestdauer ist länger als die "
                                 "Höchstdauer."),
    "section_theme": N_("Teil %(section)s: Bitte wählen Sie ein Thema aus: %(known)s."),
    "section_frequency": N_("Teil %(section)s: Die Häufigkeit ist wöchentlich, "
                            "vierzehntäglich oder monatlich."),
    "section_month_weeks": N_("Teil %(section)s: Bitte geben Sie an, in welchen Wochen des "
                              "Monats (1 bis 4 oder -1 für die letzte) die Gruppe sich trifft."),
    "section_month_weeks_only_monthly": N_("Teil %(section)s: Wochen des Monats gibt es nur "
                                           "bei monatlichen Treffen."),
    "section_meetings_weekly_only": N_("Teil %(section)s: Mehrere Treffen pro Woche gibt es "
                                       "nur bei wöchentlichen Gruppen."),
    "section_needs_window": N_("Teil %(section)s: Bitte geben Sie mindestens ein Zeitfenster "
                               "an, in dem die Gruppe sich treffen kann."),
    "section_window_too_short": N_("Teil %(section)s: Kein Zeitfenster ist lang genug für die "
                                   "Mindestdauer von %(minutes)s Minuten."),
    "section_preferred_outside_allowed": N_("Teil %(section)s: Ein Wunschzeitfenster liegt "
                                            "außerhalb der möglichen Zeitfenster."),
    "section_window": N_("Teil %(section)s: Ein Zeitfenster braucht einen Wochentag und eine "
                         "Anfangszeit vor der Endzeit."),
    "no_room": N_("Es gibt keinen Raum Nr. %(nr)s."),
    "unknown_features": N_("Unbekannte Ausstattung: %(names)s."),
    "no_application": N_("Es gibt keinen Antrag Nr. %(nr)s."),
    "application_withdrawn": N_("Dieser Antrag wurde zurückgezogen."),
    "no_section": N_("Es gibt keinen Antragsteil Nr. %(nr)s."),
    "reason_needed": N_("Bitte geben Sie einen Grund an; die antragstellende Person liest ihn."),
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
