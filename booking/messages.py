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
class Weekly:
    """A weekly window in local time: ``Di. 16:00–18:00`` (day 0 = Monday)."""

    day: int
    start: int  # minutes from local midnight
    end: int


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
    # The term's allocation runs and their publication (booking.services.term_runs).
    "term_not_allocating": N_("Die Vergabe läuft nur für eine Saison im Status „in der "
                              "Vergabe“; diese ist im Status „%(current)s“."),
    "no_term_run": N_("Es gibt keine Vergabe Nr. %(nr)s."),
    "term_run_time_limit": N_("Die Rechenzeit liegt zwischen 1 und %(max)s Sekunden."),
    "term_run_input": N_("Die Anträge dieser Saison lassen sich so nicht planen: "
                         "%(problems)s"),
    "term_run_not_done": N_("Diese Vergabe ist im Status „%(status)s“; das geht erst, wenn "
                            "sie fertig gerechnet ist."),
    "term_run_no_plan": N_("Diese Vergabe hat keinen vollständigen Plan; bitte mit mehr "
                           "Rechenzeit neu rechnen."),
    "term_run_unknown_section": N_("Der Antragsteil Nr. %(nr)s gehört nicht zu dieser "
                                   "Vergabe."),
    "term_run_not_allocated": N_("Der Antragsteil Nr. %(nr)s hat in dieser Vergabe keinen "
                                 "Platz, der sich übernehmen ließe."),
    "term_run_pin_needs_slot": N_("Bitte geben Sie an, wohin der Antragsteil soll (Raum, Tage, "
                                  "Beginn oder Dauer)."),
    "term_run_pin_days": N_("Wochentage sind 0 (Montag) bis 6 (Sonntag), jeder einmal."),
    "term_run_outdated": N_("Seit dieser Vergabe hat sich die Saison geändert (neue, "
                            "geänderte oder zurückgezogene Anträge); bitte neu rechnen."),
    "term_publish_collision": N_("Seit dieser Vergabe wurde ein Termin gebucht, der mit "
                                 "„%(title)s“ kollidiert: %(when)s. Bitte neu rechnen; nichts "
                                 "wurde veröffentlicht."),
    # What an applicant reads about a section (never naming another applicant).
    "refusal_withdrawn": N_("Sie haben diesen Antrag zurückgezogen."),
    "refusal_rejected": N_("Das Team hat diesen Antragsteil abgelehnt."),
    "refusal_no_suitable_room": N_("Kein Raum des Zentrums fasst %(size)s Personen mit dem, "
                                   "was Sie brauchen (%(features)s)."),
    "refusal_times_too_short": N_("Ihre Zeiten (%(windows)s) sind kürzer als die %(min_duration)s "
                                  "Minuten, die Sie brauchen."),
    "refusal_too_few_days": N_("Sie möchten sich %(per_week)s-mal pro Woche an verschiedenen "
                               "Tagen treffen, Ihre Zeiten liegen aber an %(days)s Tag(en)."),
    "refusal_outside_opening_hours": N_("Zu Ihren Zeiten (%(windows)s) ist das Zentrum nicht "
                                        "geöffnet."),
    "refusal_no_staff_then": N_("Zu Ihren Zeiten (%(windows)s) ist niemand vom Team im "
                                "Dienst."),
    "refusal_requested_times_taken": N_("Zu Ihren Zeiten (%(windows)s) waren alle passenden "
                                        "Räume schon vergeben."),
    "refusal_higher_priority_class": N_("Zu Ihren Zeiten (%(windows)s) gingen die Räume nach den "
                                        "veröffentlichten Kriterien an Angebote einer höheren "
                                        "Prioritätsklasse als Ihrer (Klasse %(class)s)."),
    "refusal_no_dates_in_term": N_("Keiner Ihrer Termine in der Saison kann stattfinden "
                                   "(Feiertage, Schließzeiten)."),
    "refusal_house_requirements": N_("Ein Platz zu Ihren Zeiten hätte die Öffnungszeiten oder "
                                     "die Pflichten des Zentrums verletzt."),
    "refusal_not_reached": N_("Die Vergabe ist für Ihren Antrag noch nicht abgeschlossen."),
    "refusal_other": N_("Für diesen Antragsteil wurde kein Platz gefunden."),
    "skipped_holiday": N_("Feiertag (%(name)s)"),
    "skipped_closure": N_("Schließzeit (%(reason)s)"),
    "skipped_booking": N_("Der Raum ist an diesem Tag schon vergeben."),
    "term_slot": N_("%(days)s, %(room)s"),
    "term_opening": N_("geöffnet %(hours)s"),
    # The result mail (booking.services.term_publish).
    "term_mail_subject": N_("Ihr Antrag für %(term)s: das Ergebnis"),
    "term_mail_intro": N_("die Räume für %(term)s sind vergeben. Hier ist das Ergebnis Ihres "
                          "Antrags:"),
    "term_mail_allocated": N_("%(title)s: %(slot)s, an %(count)s Terminen vom %(first)s bis "
                              "%(last)s."),
    "term_mail_skipped": N_("Entfällt am %(day)s: %(reason)s"),
    "term_mail_refused": N_("%(title)s: leider kein Platz. %(reason)s"),
    "term_mail_hello": N_("Guten Tag %(name)s,"),
    "term_mail_closing": N_("Viele Grüße, Ihr Team %(centre)s"),
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
        case Weekly(weekday, start, end):
            return formatting.weekly(weekday, start, end, lang)
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
        case Weekly(weekday, start, end):
            return {"day": weekday, "start": f"{start // 60:02d}:{start % 60:02d}",
                    "end": f"{end // 60:02d}:{end % 60:02d}"}
        case Word(msgid):
            return msgid
        case Message():
            return value.as_json()
        case Sequence():
            return [_json(item) for item in value]
    return str(value)
