"""What the service says to people: codes with parameters, put into words only at the edge.

A service never writes a sentence. It raises a domain error (``booking.errors``) or returns a
:class:`Message` with a **code** and **parameters**; the page, the mail and the API answer turn it
into words in the reader's language, once, with the gettext catalogues
(``booking.translations``). That way one rule ("min_notice", n=72) reads right in German,
Turkish and Arabic, and an API client gets the code and the parameters as data besides the
sentence.

How to add a message:

1. Add ``"code": N_("German sentence with %(name)s placeholders")`` to :data:`MESSAGES`
   (``Nn_(singular, plural)`` when the sentence says the number ``n``: the catalogue then
   holds one form per plural category of each language).
2. Raise it: ``raise Conflict("request_closed", id=7, status=status_word("confirmed"))``, or
   return ``Message("min_notice", {"n": 72})``. Every code raised must be in the table
   (``tests/booking/test_messages.py`` walks the code to check).
3. Run ``python -m booking.translations`` and translate the new entries in
   ``booking/locale/*/LC_MESSAGES/messages.po``.

Parameters may be plain values (``str`` as is, ``int``/``float`` as numbers in the reader's
locale, except ``id`` and ``nr``, a row's number, written as is; ``date`` as a date), or the
small wrappers below for values that need more than one piece to be written right (a time span
in the centre's zone, an amount of money, a word that is itself translated, a holiday, a
booking's state, a nested message, a list).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from booking.translations import DEFAULT_LANGUAGE, N_, Nn_, translations


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
class Holiday:
    """The name of the public holiday on ``day`` in the centre's state, in the reader's
    language (``booking.formatting.holiday_name``)."""

    day: date
    subdivision: str


@dataclass(frozen=True)
class Joined:
    """Several parameters (sentences, names) written one after the other with ``sep``."""

    items: tuple[Any, ...]
    sep: str = " "


@dataclass(frozen=True)
class SolverTimes:
    """Times as the week planner writes them (``Tue 17:00–21:00; Wed 16:00–18:00``, or a list
    of days ``Mon, Tue``), with the day names in the reader's language."""

    text: str


_SOLVER_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class StaffText:
    """A text staff wrote in German (a room's house rules), with the translations they gave:
    said in the reader's language if staff translated it, else in German, never machine-made."""

    german: str
    translations: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, row: Any, name: str) -> StaffText:
        """The text ``name`` of a translatable row (``booking.models.texts.Translatable``)."""
        given = tuple((lang, str(texts[name])) for lang, texts in (row.translations or {}).items()
                      if isinstance(texts, dict) and texts.get(name))
        return cls(str(getattr(row, name) or ""), given)

    def said(self, lang: str) -> tuple[str, str]:
        """The text for a reader of ``lang`` and the language it is really in."""
        if lang != DEFAULT_LANGUAGE:
            for given_lang, text in self.translations:
                if given_lang == lang:
                    return text, lang
        return self.german, DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Message:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return render(self.code, self.params, lang)

    def as_json(self, lang: str | None = None) -> dict[str, Any]:
        """The code and parameters as plain JSON data, for API clients that write their own
        sentence; with ``lang`` also the sentence (``detail``), nested messages' too."""
        data = {"code": self.code,
                "params": {k: _json(v, lang) for k, v in self.params.items()}}
        if lang is not None:
            data["detail"] = self.render(lang)
        return data

    def language(self, lang: str) -> str:
        """The language the rendered message is really in: ``lang``, unless it is only a
        staff-written text (``StaffText``) without a translation into ``lang``, then German
        (a page marks it ``lang="de"``)."""
        texts = [v for v in self.params.values() if isinstance(v, StaffText)]
        if texts and not has_words(self.code):
            return texts[0].said(lang)[1]
        return lang


def has_words(code: str) -> bool:
    """False for a message that only lays out its parameters ("%(days)s, %(room)s")."""
    msgid = MESSAGES.get(code, code)
    text = msgid[0] if isinstance(msgid, tuple) else msgid
    return bool(re.search(r"[^\W\d_]", re.sub(r"%\(\w+\)s", "", text)))


# code → German msgid. Keep the codes stable: API clients may switch on them. A pair is
# (singular, plural) of a sentence that says the number ``n``; the catalogue picks the form.
MESSAGES: Final[dict[str, str | tuple[str, str]]] = {
    # -- who may do what (booking.permissions) ----------------------------------------------
    "login_required": N_("Bitte melden Sie sich zuerst an."),
    "not_staff": N_("Das darf nur das Team des Stadtteilzentrums."),
    # Staff profiles (booking.services.catalogue.set_staff_profile).
    "no_staff_member": N_("Im Team dieses Stadtteilzentrums gibt es niemanden mit der "
                          "Nummer %(nr)s."),
    "day_hours_above_week": N_("Die Stunden eines Tages dürfen die Stunden der Woche nicht "
                               "übersteigen."),
    "window_ends_before_start": N_("Eine Zeit der Verfügbarkeit muss nach ihrem Beginn enden."),
    # Content translations and the resident's own pages (issue 7 §3, §5).
    "translation_language": N_("Übersetzungen gibt es nur auf Englisch, Türkisch, Arabisch und "
                               "Ukrainisch, nicht auf „%(name)s“; Deutsch ist das Original."),
    "translation_target_groups": N_("Die Zielgruppen auf „%(name)s“ müssen genau so viele sein "
                                    "wie die deutschen (%(n)s), in derselben Reihenfolge."),
    "offer_not_found": N_("Es gibt kein Angebot Nr. %(id)s."),
    "wrong_current_password": N_("Das bisherige Passwort stimmt nicht."),
    "programme_theme": N_("Das Thema „%(name)s“ gibt es nicht."),
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
    "unknown_features": N_("Unbekannte Ausstattung: %(names)s."),
    "no_application": N_("Es gibt keinen Antrag Nr. %(nr)s."),
    "application_withdrawn": N_("Dieser Antrag wurde zurückgezogen."),
    "no_section": N_("Es gibt keinen Antragsteil Nr. %(nr)s."),
    "not_group_contact": N_("Einen Antrag für diese Gruppe stellt ihre Ansprechperson."),
    "application_not_yours": N_("Diesen Antrag sehen nur die antragstellende Person, die "
                                "Ansprechpersonen der Gruppe und das Team des Zentrums."),
    "reason_needed": N_("Bitte geben Sie einen Grund an; die antragstellende Person liest ihn."),
    "not_admin": N_("Das darf nur die Administration."),
    "not_staff_pages": N_("Nur das Team eines Stadtteilzentrums darf Anfragen entscheiden."),
    "address_unconfirmed": N_("Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse: Öffnen Sie den "
                              "Link in der E-Mail, die wir Ihnen geschickt haben."),
    "not_resident": N_("Nur registrierte Anwohner*innen können Räume anfragen."),
    "staff_only_persons": N_("Nur das Team darf Personen auflisten."),
    # -- accounts (booking.services.accounts) -------------------------------------------------
    "email_invalid": N_("Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. "
                        "name@example.org."),
    "password_too_short": Nn_("Das Passwort braucht mindestens %(n)s Zeichen.",
                              "Das Passwort braucht mindestens %(n)s Zeichen."),
    "password_too_long": Nn_("Das Passwort darf höchstens %(n)s Zeichen haben.",
                             "Das Passwort darf höchstens %(n)s Zeichen haben."),
    "password_personal": N_("Das Passwort darf nicht Ihre E-Mail-Adresse oder Ihr Name sein: "
                            "Die kennen andere."),
    "password_leaked": N_("Dieses Passwort steht auf einer Liste häufiger Passwörter aus "
                          "Datenlecks, die Angreifer zuerst ausprobieren. Bitte wählen Sie ein "
                          "anderes, z. B. mehrere Wörter, die nichts miteinander zu tun haben."),
    "password_guessable": N_("Dieses Passwort ist zu leicht zu erraten (wiederholte Zeichen, "
                             "eine Folge oder eine Tastaturreihe). Bitte wählen Sie ein anderes, "
                             "z. B. mehrere Wörter, die nichts miteinander zu tun haben."),
    "language_unknown": N_("Die Sprache muss eine dieser sein: %(languages)s."),
    "email_taken": N_("Zu dieser E-Mail-Adresse gibt es schon ein Konto."),
    "registered": N_("Vielen Dank. Wir haben eine E-Mail an %(email)s geschickt. Bitte öffnen "
                     "Sie den Link darin, um Ihre Adresse zu bestätigen; danach können Sie "
                     "Räume anfragen."),
    "reset_requested": Nn_("Falls es zu %(email)s ein Konto gibt, haben wir eine E-Mail mit "
                           "einem Link geschickt, mit dem Sie ein neues Passwort setzen können. "
                           "Der Link gilt %(n)s Minute.",
                           "Falls es zu %(email)s ein Konto gibt, haben wir eine E-Mail mit "
                           "einem Link geschickt, mit dem Sie ein neues Passwort setzen können. "
                           "Der Link gilt %(n)s Minuten."),
    "link_invalid": N_("Dieser Link ist ungültig. Bitte kopieren Sie den ganzen Link aus der "
                       "E-Mail."),
    "link_used": N_("Dieser Link wurde schon benutzt."),
    "link_expired": N_("Dieser Link ist abgelaufen. Bitte fordern Sie einen neuen an."),
    "too_many_requests": N_("Zu viele Anfragen aus Ihrem Netz. Bitte versuchen Sie es in einer "
                            "Stunde noch einmal."),
    "too_many_logins": Nn_("Zu viele fehlgeschlagene Anmeldungen. Bitte warten Sie %(n)s Minute "
                           "und versuchen Sie es dann noch einmal.",
                           "Zu viele fehlgeschlagene Anmeldungen. Bitte warten Sie %(n)s "
                           "Minuten und versuchen Sie es dann noch einmal."),
    "login_wrong": N_("E-Mail-Adresse oder Passwort ist falsch."),
    "role_needs_centre": N_("Ein Konto mit der Rolle %(role)s braucht --centre."),
    "admin_needed_cli": N_("Veröffentlichen von der Kommandozeile braucht ein Administrations-"
                           "Konto (raumplan user add --role admin)."),
    # -- times (booking.timeutil, booking.recurrence) ----------------------------------------
    "time_horizon": N_("Die Zeit liegt außerhalb der Jahre 2000–2099."),
    "time_needs_offset": N_("Bei „%(what)s“ fehlt die Zeitzone, z. B. "
                            "2026-12-01T18:00:00+01:00."),
    "end_before_start": N_("Das Ende muss nach dem Beginn liegen."),
    "zone_unknown": N_("Die Zeitzone %(zone)s ist unbekannt."),
    "series_years": Nn_("Eine Serie darf höchstens %(n)s Jahr umfassen.",
                        "Eine Serie darf höchstens %(n)s Jahre umfassen."),
    "series_dates_overlap": N_("Die Termine dieser Serie überschneiden sich: %(first)s und "
                               "%(second)s. Jeder Termin muss enden, bevor der nächste beginnt."),
    "series_too_many": Nn_("Eine Serie darf höchstens %(n)s Termin haben.",
                           "Eine Serie darf höchstens %(n)s Termine haben."),
    "duration_not_positive": N_("Die Dauer muss größer als null sein."),
    "series_needs_end": N_("Eine Serie braucht ein Ende: Geben Sie „until“ oder COUNT in der "
                           "Regel an."),
    "rule_unreadable": N_("Die Wiederholungsregel ist nicht lesbar: %(reason)s"),
    "rule_no_dates": N_("Die Regel ergibt keinen einzigen Termin."),
    "centre_unknown": N_("Dieses Stadtteilzentrum gibt es nicht."),
    "day_not_in_week": N_("Bitte einen Tag der gezeigten Woche wählen."),
    "week_invalid": N_("Bitte die Woche als Jahr-W-Woche angeben, z. B. 2026-W49."),
    "days_too_many": Nn_("Fragen Sie höchstens %(n)s Tag auf einmal ab.",
                         "Fragen Sie höchstens %(n)s Tage auf einmal ab."),
    # -- input (booking.web.forms, booking.api) ----------------------------------------------
    "too_long": Nn_("Bitte höchstens %(n)s Zeichen eingeben.",
                    "Bitte höchstens %(n)s Zeichen eingeben."),
    "control_characters": N_("Die Eingabe enthält Steuerzeichen (zum Beispiel ein Nullzeichen), "
                             "die hier nicht erlaubt sind."),
    "csrf_rejected": N_("Die Anfrage wurde aus Sicherheitsgründen abgelehnt, weil das "
                        "Formular-Sicherheitsmerkmal fehlte oder nicht passte. Bitte laden Sie "
                        "die Seite neu und senden Sie das Formular noch einmal."),
    "json_too_deep": Nn_("Der JSON-Inhalt ist tiefer als %(n)s Ebene verschachtelt.",
                         "Der JSON-Inhalt ist tiefer als %(n)s Ebenen verschachtelt."),
    "input_invalid": N_("Die Eingabe ist ungültig."),
    "input_invalid_fields": N_("Die Eingabe ist ungültig: %(fields)s"),
    # -- the framework's and the server's own answers (booking.api.problems) -----------------
    "not_found": N_("Diese Seite oder dieses Objekt gibt es nicht."),
    "method_not_allowed": N_("Diese Methode ist hier nicht erlaubt."),
    "http_error": N_("Die Anfrage konnte nicht bearbeitet werden (HTTP %(status)s)."),
    "server_error": N_("Bei uns ist etwas schiefgegangen; es wurde nichts gespeichert. Bitte "
                       "versuchen Sie es noch einmal."),
    "busy": N_("Die Datenbank war mit einer gleichzeitigen Änderung beschäftigt; es wurde "
               "nichts gespeichert. Bitte versuchen Sie es noch einmal."),
    "database_unavailable": N_("Die Datenbank ist gerade nicht erreichbar; es wurde nichts "
                               "gespeichert. Bitte versuchen Sie es gleich noch einmal."),
    # -- rooms and centres (booking.services.catalogue, availability) ------------------------
    "no_centre": N_("Es gibt kein Stadtteilzentrum Nr. %(id)s."),
    "no_centre_named": N_("Es gibt kein Stadtteilzentrum mit dem Kurznamen %(slug)s."),
    "no_centre_rooms": N_("Es gibt kein Stadtteilzentrum Nr. %(id)s mit Räumen."),
    "centre_no_rooms": N_("Das Stadtteilzentrum hat keine Räume."),
    "no_room": N_("Es gibt keinen Raum Nr. %(id)s."),
    "no_rooms": N_("Einige der Räume gibt es nicht."),
    "no_room_in_centre": N_("Es gibt keinen Raum Nr. %(id)s in diesem Stadtteilzentrum."),
    "slug_taken": N_("Der Kurzname %(slug)s ist schon vergeben."),
    "features_unknown": N_("Unbekannte Ausstattung: %(unknown)s; bekannt sind %(known)s."),
    "free_span_half": N_("Geben Sie free_from und free_to beide an oder keines von beiden."),
    "capacity_zero": N_("Ein Raum fasst mindestens eine Person."),
    "rental_bounds": N_("Die längste Vermietung darf nicht kürzer sein als die kürzeste."),
    "door_kind": N_("Eine Tür ist vom Typ „entrance“ oder „room“."),
    "door_other_centre": N_("Eine Tür öffnet nur Räume ihres eigenen Stadtteilzentrums."),
    "theme_unknown": N_("Unbekanntes Thema %(theme)s; möglich sind %(known)s."),
    "group_kind_unknown": N_("Die Art muss eine dieser sein: %(known)s."),
    "no_group": N_("Es gibt keine Gruppe Nr. %(id)s."),
    "no_group_in_centre": N_("Es gibt keine Gruppe Nr. %(id)s in diesem Stadtteilzentrum."),
    "no_offer": N_("Es gibt kein Angebot Nr. %(id)s in diesem Stadtteilzentrum."),
    "no_person": N_("Es gibt keine Person Nr. %(id)s."),
    "no_door": N_("Es gibt keine Tür Nr. %(id)s."),
    "door_in_use": N_("Die Tür „%(name)s“ lässt sich nicht löschen: Für sie gibt es ein "
                      "Türterminal, Zugangscodes oder Einträge im Türprotokoll. Ändern Sie "
                      "stattdessen ihren Namen oder ihre Räume."),
    "no_demand_item": N_("Es gibt keinen regelmäßigen Bedarf Nr. %(id)s."),
    "demand_duration": N_("Die Dauer liegt zwischen einer Minute und 24 Stunden."),
    "demand_priority": N_("Der Vorrang ist eine Zahl von 1 bis 10."),
    "demand_size": N_("Es kommen 1 bis 10000 Personen."),
    "demand_rule": N_("Die Wiederholung ist keine gültige Regel."),
    "demand_until_before_from": N_("Das Ende darf nicht vor dem ersten Termin liegen."),
    "demand_no_window": N_("Bitte mindestens einen Tag mit Uhrzeiten angeben, an dem "
                           "der Termin stattfinden kann."),
    "demand_window_too_short": N_("In keinem der möglichen Zeitfenster hat der Termin mit "
                                  "seiner Dauer Platz."),
    "demand_room_other_centre": N_("Bitte nur Räume des eigenen Stadtteilzentrums wählen."),
    "demand_in_use": N_("„%(title)s“ ist schon in veröffentlichten Plänen eingeplant und "
                        "lässt sich nicht löschen. Setzen Sie ihn stattdessen auf „ruht“."),
    # -- rentals (booking.services.rentals): the rules a request can break -------------------
    "not_rentable": N_("%(room)s kann nicht von Anwohner*innen gemietet werden."),
    "people_none": N_("Mindestens eine Person muss kommen."),
    "capacity": Nn_("In %(room)s hat höchstens %(n)s Person Platz; Sie erwarten %(people)s.",
                    "In %(room)s haben höchstens %(n)s Personen Platz; Sie erwarten "
                    "%(people)s."),
    "min_notice": Nn_("Anfragen brauchen mindestens %(n)s Stunde Vorlauf.",
                      "Anfragen brauchen mindestens %(n)s Stunden Vorlauf."),
    "max_days_ahead": Nn_("Räume können höchstens %(n)s Tag im Voraus angefragt werden.",
                          "Räume können höchstens %(n)s Tage im Voraus angefragt werden."),
    "min_duration": Nn_("%(room)s wird für mindestens %(n)s Minute vermietet.",
                        "%(room)s wird für mindestens %(n)s Minuten vermietet."),
    "max_duration": Nn_("%(room)s wird für höchstens %(n)s Stunde vermietet.",
                        "%(room)s wird für höchstens %(n)s Stunden vermietet."),
    "same_day": N_("Eine Vermietung muss am selben Tag enden, an dem sie beginnt."),
    "latest_end": N_("Vermietungen von %(room)s müssen um %(time)s Uhr enden (Hausregeln)."),
    "holiday_closed": N_("Das Stadtteilzentrum ist am %(day)s geschlossen (%(holiday)s)."),
    "room_closed": N_("%(room)s ist zu dieser Zeit geschlossen (%(title)s)."),
    "closure_closed": N_("%(room)s ist am %(day)s geschlossen: %(reason)s."),
    # The house rules (``booking.services.rentals.house_rules``): the times every room has,
    # then the rules staff wrote for the room, in the reader's language if they translated them.
    "rule_latest_end": N_("Ende spätestens %(t)s Uhr"),
    "rule_quiet_from": N_("Ruhezeit ab %(t)s Uhr"),
    "rule_cleaning": N_("%(text)s"),
    "rule_house": N_("%(text)s"),
    "purpose_missing": N_("Bitte sagen Sie, wofür der Raum gebraucht wird."),
    "rules_broken": N_("Die Anfrage verstößt gegen die Regeln des Stadtteilzentrums: "
                       "%(problems)s"),
    "decline_reason_missing": N_("Bitte geben Sie der Person einen Grund für die Ablehnung an."),
    "no_rental": N_("Es gibt keine Mietanfrage Nr. %(id)s."),
    "request_not_confirmable": N_("Anfrage Nr. %(id)s ist %(status)s und kann jetzt nicht "
                                  "bestätigt werden."),
    "request_not_declinable": N_("Anfrage Nr. %(id)s ist %(status)s und kann jetzt nicht "
                                 "abgelehnt werden."),
    "request_closed": N_("Anfrage Nr. %(id)s ist schon %(status)s."),
    "rental_begun": N_("Eine Vermietung, die schon begonnen hat, kann nur das Team des "
                       "Stadtteilzentrums stornieren."),
    # -- occupied rooms (booking.services.conflicts, bookings) -------------------------------
    "room_taken": N_("Der Raum ist am %(when)s schon belegt."),
    "room_taken_by": N_("Der Raum ist am %(when)s schon belegt: %(names)s."),
    "occupant": N_("„%(title)s“ %(when)s (Buchung %(id)s)"),
    "room_taken_meanwhile": N_("Der Raum wurde inzwischen vergeben; bitte sehen Sie noch einmal "
                               "nach."),
    # -- staff bookings (booking.services.bookings) ------------------------------------------
    "booking_kind": N_("Buchungen des Teams sind vom Typ programme, group oder closure; "
                       "Anwohner*innen fragen Räume über /api/rentals an."),
    "title_missing": N_("Eine Buchung braucht einen Titel."),
    "dates_collide": Nn_("%(n)s von %(total)s Terminen ist belegt. %(collisions)s",
                         "%(n)s von %(total)s Terminen sind belegt. %(collisions)s"),
    "all_dates_collide": N_("Jeder Termin dieser Serie überschneidet sich mit anderen "
                            "Buchungen."),
    "no_occurrence": N_("Es gibt keinen Termin Nr. %(id)s."),
    "move_other_centre": N_("Ein Termin kann nur in einen Raum desselben Stadtteilzentrums "
                            "verlegt werden."),
    "no_booking": N_("Es gibt keine Buchung Nr. %(id)s."),
    "rental_cancel_elsewhere": N_("Vermietungen werden über /api/rentals/{id}/cancel "
                                 "storniert."),
    "booking_cancelled": N_("Buchung Nr. %(id)s ist schon storniert."),
    "occurrence_cancelled": N_("Termin Nr. %(id)s ist schon storniert."),
    # -- the weekly plan (booking.services.planning) -----------------------------------------
    "week_not_iso": N_("%(week)s ist keine ISO-Woche wie 2026-W49."),
    "no_plan": N_("Es gibt keinen Plan Nr. %(id)s."),
    "time_limit": N_("Die Rechenzeit muss zwischen 1 und %(max)s Sekunden liegen."),
    "plan_not_adjustable": N_("Plan Nr. %(id)s ist %(status)s; nur ein fertiger Entwurf kann "
                              "angepasst werden."),
    "no_demand": N_("Der Plan hat keinen Bedarf %(demand)s."),
    "plan_running": N_("Plan Nr. %(id)s ist %(status)s; bitte warten Sie, bis er fertig ist."),
    "plan_not_publishable": N_("Plan Nr. %(id)s ist %(status)s; nur ein fertiger Entwurf kann "
                               "veröffentlicht werden."),
    "plan_incomplete": N_("Dieser Entwurf hat keinen vollständigen Plan; rechnen Sie mit einer "
                          "längeren Rechenzeit neu."),
    "plan_unmet": N_("Dieser Plan erfüllt nicht alle Anforderungen des Profils: %(unmet)s "
                     "Veröffentlichen Sie ihn nur, wenn Sie das für diese Woche hinnehmen "
                     "(acknowledge_unmet); die Bestätigung wird protokolliert."),
    "week_changed": N_("Die Woche hat sich geändert, seit dieser Plan erstellt wurde (inzwischen "
                       "wurde eine Buchung bestätigt). Bitte rechnen Sie den Plan neu; es wurde "
                       "nichts veröffentlicht."),
    "week_changed_because": N_("Die Woche hat sich geändert, seit dieser Plan erstellt wurde: "
                               "%(reason)s Bitte rechnen Sie den Plan neu; es wurde nichts "
                               "veröffentlicht."),
    # Series, closures, feeds (booking.services.series, booking.services.feeds)
    "series_bad_rule": N_("Die Wiederholungsregel kann nicht gelesen werden."),
    "series_rule_unsupported": N_("Dieser Teil der Wiederholungsregel wird nicht unterstützt: "
                                  "%(part)s."),
    "series_rule_never": N_("Die Wiederholungsregel ergibt nie einen Termin."),
    "series_pattern_incomplete": N_("Für dieses Wiederholungsmuster fehlt: %(field)s."),
    "series_no_dates": N_("Die Reihe ergibt keinen einzigen Termin."),
    "booking_exdates_use_series": N_("Ausnahmen einer Reihe sind abgesagte Termine: legen Sie "
                                     "die Reihe an und sagen Sie diese Termine ab "
                                     "(POST /api/occurrences/{id}/cancel)."),
    "series_beyond_horizon": N_("Der erste Termin liegt zu weit in der Zukunft: Reihen werden "
                                "höchstens %(n)s Monate im Voraus angelegt, der erste Termin "
                                "darf also spätestens am %(day)s sein."),
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
    "room_not_found": N_("Es gibt keinen Raum %(id)s in diesem Zentrum."),
    "centre_not_found": N_("Es gibt kein Zentrum %(id)s."),
    "group_not_found": N_("Es gibt keine Gruppe %(id)s in diesem Zentrum."),
    "series_horizon": N_("Die Termine müssen in den Jahren 2000 bis 2099 liegen."),
    "closure_reason_missing": N_("Bitte geben Sie einen Grund für die Schließung an."),
    "export_range": N_("Bitte höchstens %(days)s Tage auf einmal exportieren."),
    # Door access (booking.services.access, issue 12)
    "access_no_booking": N_("Es gibt keine Buchung %(nr)s."),
    "access_no_code_for_booking": N_("Die Buchung %(nr)s bekommt keinen Zugangscode: "
                                     "Sie ist nicht bestätigt oder läuft nicht in Eigenregie."),
    "access_no_code": N_("Es gibt keinen Zugangscode %(nr)s."),
    "access_code_revoked": N_("Der Zugangscode %(nr)s ist bereits gesperrt."),
    "access_no_code_free": N_("Gerade ist kein freier Zugangscode zu finden. Bitte versuchen "
                              "Sie es noch einmal."),
    "access_no_door": N_("Es gibt keine Tür %(nr)s."),
    "access_no_room": N_("Es gibt keinen Raum %(nr)s."),
    "access_no_terminal": N_("Es gibt kein Türterminal %(nr)s."),
    "access_no_alert": N_("Es gibt keine Meldung %(nr)s."),
    "access_reason_required": N_("Bitte geben Sie einen Grund für den Notfallcode an."),
    "access_emergency_too_long": N_("Ein Notfallcode gilt höchstens %(minutes)s Minuten."),
    "access_bad_method": N_("Unbekannte Zugangsart: %(what)s."),
    # The weekly plan's pages (booking/web/plan.py).
    "plan_not_pinned": N_("Dieser Eintrag ist nicht festgelegt."),
    "plan_no_centre": N_("Ihr Konto gehört zu keinem Stadtteilzentrum, dessen Plan Sie "
                         "bearbeiten können."),
    "plan_week_invalid": N_("„%(week)s“ ist keine Kalenderwoche. Bitte eine Woche wie "
                            "2026-W50 wählen."),
    "plan_unknown_entry": N_("Diesen Eintrag gibt es in diesem Plan nicht."),
    "plan_action_invalid": N_("Bitte wählen Sie: verschieben, festhalten oder entfernen."),
    "plan_day_invalid": N_("Bitte einen Tag der Woche wählen."),
    "plan_start_invalid": N_("Bitte einen Beginn zwischen %(first)s und %(last)s im "
                             "%(grain)s-Minuten-Raster wählen."),
    "plan_room_invalid": N_("Bitte einen Raum dieses Plans wählen."),
    "plan_view_invalid": N_("Diese Druckansicht gibt es nicht; es gibt „woche“ und „raum“."),
    "plan_unmet_needs_ack": N_("Dieser Plan erfüllt nicht jede Anforderung des Profils. "
                               "Wenn Sie ihn trotzdem veröffentlichen wollen, kreuzen Sie das "
                               "bitte ausdrücklich an; das wird festgehalten."),
    # Why the week planner left a demand out (booking.services.explanations; one code per
    # explanation ``solver.explain`` gives, its facts as parameters).
    "plan_needs": N_("%(size)s Personen"),
    "plan_needs_features": N_("%(size)s Personen mit %(features)s"),
    "plan_pin": N_("%(title)s: Es ist an einen Raum oder eine Zeit gebunden, zu der es nicht "
                   "stattfinden kann."),
    "plan_missing_feature": N_("%(title)s braucht %(needs)s: Kein Raum hat %(missing)s."),
    "plan_missing_feature_allowed": N_("%(title)s braucht %(needs)s: Keiner der Räume, die es "
                                       "nutzen darf (%(allowed_rooms)s), hat %(missing)s."),
    "plan_capacity": N_("%(title)s braucht %(needs)s: Der größte Raum mit dem Nötigen, "
                        "%(largest)s, fasst %(largest_capacity)s."),
    "plan_capacity_lacking": N_("%(title)s braucht %(needs)s: Der größte Raum mit dem Nötigen, "
                                "%(largest)s, fasst %(largest_capacity)s; den Räumen, die groß "
                                "genug sind (%(large_rooms)s), fehlt %(lacking)s."),
    "plan_house_closed": N_("%(title)s: Das Haus ist %(windows)s nicht geöffnet "
                            "(Öffnungstage: %(open_days)s)."),
    "plan_house_closed_never": N_("%(title)s: Das Haus ist %(windows)s nicht geöffnet."),
    "plan_house_closed_buffers": N_("%(title)s: Mit der Vor- und Nachbereitungszeit des Raums "
                                    "passt es %(windows)s nicht in die Öffnungszeiten."),
    "plan_closure": N_("%(title)s: Jeder passende Raum (%(rooms)s) ist %(windows)s "
                       "geschlossen."),
    "plan_closure_reasons": N_("%(title)s: Jeder passende Raum (%(rooms)s) ist %(windows)s "
                               "geschlossen (%(reasons)s)."),
    "plan_staff_none": N_("%(title)s: Niemand im Team darf es leiten."),
    "plan_staff_none_skill": N_("%(title)s: Niemand im Team mit der Qualifikation "
                                "„%(skill)s“ darf es leiten."),
    "plan_staff_unavailable": N_("%(title)s: Niemand aus dem Team, der es leiten darf "
                                 "(%(qualified)s), ist %(windows)s im Dienst."),
    "plan_staff_unavailable_skill": N_("%(title)s: Niemand aus dem Team mit der Qualifikation "
                                       "„%(skill)s“ (%(qualified)s) ist %(windows)s im Dienst."),
    "plan_staff_busy": N_("%(title)s: %(when)s ist ein Raum frei, aber die qualifizierten "
                          "Teammitglieder im Dienst (%(available)s) leiten dann %(busy_with)s."),
    "plan_taken": N_("%(room)s ist belegt durch %(titles)s"),
    "plan_room_conflict": N_("%(title)s: Kein Raum für %(needs)s ist %(windows)s frei; "
                             "%(taken)s."),
    "plan_room_conflict_tie": N_("%(title)s: Kein Raum für %(needs)s ist %(windows)s frei; "
                                 "%(taken)s. %(tie_with)s hat dieselbe Priorität und bekam den "
                                 "Raum, weil %(tie_reason)s."),
    "plan_tie_room_fit": N_("dabei weniger Plätze leer bleiben"),
    "plan_tie_preferred_window": N_("die Zeit in seinem Wunschzeitfenster liegt"),
    "plan_tie_stability": N_("es diesen Platz schon letzte Woche hatte"),
    "plan_trade_off": N_("%(title)s: %(room)s ist %(when)s frei, aber dort würde es Bedarf mit "
                         "höherer Priorität an anderer Stelle der Woche verdrängen."),
    "plan_trade_off_unproven": N_("%(title)s: %(room)s ist %(when)s frei; die Suche endete an "
                                  "der Zeitgrenze, bevor es eingeplant war (der Plan ist nicht "
                                  "als optimal bewiesen)."),
    "plan_trade_off_daily_maximum": N_("%(title)s: %(room)s ist %(when)s frei, aber dort würde "
                                       "%(who)s die Tageshöchstzeit von %(value)s Stunden "
                                       "überschreiten."),
    "plan_trade_off_contract_hours": N_("%(title)s: %(room)s ist %(when)s frei, aber dort würde "
                                        "%(who)s die vertraglichen %(value)s Wochenstunden "
                                        "überschreiten."),
    "plan_trade_off_availability": N_("%(title)s: %(room)s ist %(when)s frei, aber dafür müsste "
                                      "%(who)s außerhalb der eigenen Verfügbarkeit Dienst haben "
                                      "(eine Schicht am Tag)."),
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
    "term_run_pin_start": N_("Bitte einen Beginn zur vollen oder halben Stunde angeben (SS:MM)."),
    "term_run_pin_minutes": N_("Die Dauer ist ein Vielfaches von 30 Minuten, von 30 bis 720."),
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
    "refusal_dates_taken": N_("Der für Sie vorgesehene Platz war bei der Veröffentlichung an "
                              "keinem Ihrer Termine mehr frei: der Raum war an jedem Termin "
                              "vergeben oder geschlossen."),
    "refusal_other": N_("Für diesen Antragsteil wurde kein Platz gefunden."),
    "skipped_holiday": N_("Feiertag (%(name)s)"),
    "skipped_closure": N_("Schließzeit (%(reason)s)"),
    "skipped_booking": N_("Der Raum ist an diesem Tag schon vergeben."),
    "skipped_cancelled": N_("Dieser Termin wurde abgesagt."),
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

# Feature codes (``booking.models.Feature``) → German msgids: the pages and
# the planner's explanations name a room's features with them.
FEATURE_WORDS: Final = {
    "barrier_free": N_("barrierefrei"),
    "barrier_free_toilet": N_("barrierefreies WC"),
    "kitchen": N_("Küche"),
    "projector": N_("Beamer"),
    "confidential": N_("für vertrauliche Gespräche"),
    "outdoor": N_("draußen"),
    "sound_proof": N_("schallgeschützt"),
    "storage": N_("Lagerraum"),
    "hearing_loop": N_("Induktionsschleife für Hörgeräte"),
    "stage": N_("Bühne"),
}


# Booking states (``booking.models.BookingStatus``) as words in a sentence.
STATUS_WORDS: Final = {
    "pending": N_("offen"),
    "confirmed": N_("bestätigt"),
    "declined": N_("abgelehnt"),
    "cancelled": N_("storniert"),
}


@dataclass(frozen=True)
class Status:
    """A booking's state: the code (``confirmed``) for API clients, the word in a sentence."""

    value: str


def status_word(status: str) -> Status:
    return Status(str(status))


# The wrappers whose written form depends on the reader's language.
SAID: Final = (Span, Money, Word, Holiday, Joined, Message, Status, StaffText, SolverTimes)


def render(code: str, params: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> str:
    """The message ``code`` with ``params`` in ``lang`` (German if the catalogue lacks it)."""
    catalogue = translations(lang)
    msgid = MESSAGES.get(code)
    if msgid is None:  # a code from a newer or older version: say the code, not a 500
        return code
    # An ``id`` (or ``nr``) names a row: written as is ("Nr. 9999"), not as a quantity.
    words = {k: str(v) if k in ("id", "nr") else _word(v, lang) for k, v in params.items()}
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
        try:
            return original % words if words else original
        except (KeyError, ValueError, TypeError):  # a caller passed the wrong parameters
            return original


def say(value: Any, lang: str) -> str:
    """One parameter value written for a reader of ``lang`` (also used by the mails)."""
    return _word(value, lang)


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
        case Holiday(day, subdivision):
            return formatting.holiday_name(day, lang, subdivision) or ""
        case Status(status):
            word = STATUS_WORDS.get(status)
            return translations(lang).gettext(word) if word else status
        case Joined(items, sep):
            return sep.join(_word(item, lang) for item in items)
        case Weekly(weekday, start, end):
            return formatting.weekly(weekday, start, end, lang)
        case Word(msgid):
            return translations(lang).gettext(msgid)
        case StaffText():
            return value.said(lang)[0]
        case SolverTimes(text):
            return re.sub(r"\b(" + "|".join(_SOLVER_DAYS) + r")\b",
                          lambda m: formatting.weekday(_SOLVER_DAYS.index(m.group(1)), lang),
                          text)
        case Message():
            return value.render(lang)
        case str():
            return value
        case Sequence():
            return ", ".join(_word(item, lang) for item in value)
    return str(value)


def _json(value: Any, lang: str | None = None) -> Any:
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
        case StaffText():
            return value.said(lang)[0] if lang is not None else value.german
        case SolverTimes(text):
            return text
        case Holiday(day, subdivision):
            return {"day": day.isoformat(), "subdivision": subdivision}
        case Status(status):
            return status
        case Joined(items, _):
            return [_json(item, lang) for item in items]
        case Message():
            return value.as_json(lang)
        case Sequence():
            return [_json(item, lang) for item in value]
    return str(value)
