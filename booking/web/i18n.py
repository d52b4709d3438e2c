"""The pages' languages: the viewer's choice, and the services' messages on the pages.

UI strings are German msgids in the templates and handlers, translated with gettext catalogues
(``booking.translations``). The services still speak English (their messages are meant for API
clients too); until they raise codes with parameters (issue 7 §1), the table below recognises
the messages a resident or staff member can meet on a page and turns each into a German msgid
with named parameters, which the catalogues then render in the page's language.
"""

from __future__ import annotations

import re
from datetime import datetime

from booking.formatting import holiday_name
from booking.messages import Message
from booking.translations import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    N_,
    Gettext,
    gettext_for,
    pick_language,
)

__all__ = ["DEFAULT_LANGUAGE", "FEATURE_WORDS", "LANGUAGES", "STATUS_WORDS", "Gettext",
           "gettext", "pick_language", "service_message"]

# Feature codes (``booking.models.Feature``) → German msgids.
FEATURE_WORDS = {
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

STATUS_WORDS = {
    "pending": N_("offen"),
    "confirmed": N_("bestätigt"),
    "declined": N_("abgelehnt"),
    "cancelled": N_("storniert"),
}

# Public titles of busy times (``booking.services.availability``), translated on the pages.
PUBLIC_TITLES = (N_("Raumvermietung"), N_("Interne Nutzung"))


def gettext(lang: str) -> Gettext:
    """``_`` for one language: the catalogue's translation, or the German msgid."""
    return gettext_for(lang)


# The services' English messages a resident or staff member can meet on a page → German msgids.
# Patterns are anchored; named groups become the msgid's named parameters.
_SERVICE: list[tuple[re.Pattern[str], str]] = [(re.compile(p), msgid) for p, msgid in [
    (r"Please log in first\.",
     N_("Bitte melden Sie sich zuerst an.")),
    (r"E-mail address or password is wrong\.",
     N_("E-Mail-Adresse oder Passwort ist falsch.")),
    (r"Too many failed logins\. Please wait (?P<n>\d+) minutes and try again\.",
     N_("Zu viele fehlgeschlagene Anmeldungen. Bitte warten Sie %(n)s Minuten und versuchen "
        "Sie es dann noch einmal.")),
    (r"Please give a valid e-mail address, e\.g\. name@example\.org\.",
     N_("Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@example.org.")),
    (r"The password needs at least (?P<n>\d+) characters\.",
     N_("Das Passwort braucht mindestens %(n)s Zeichen.")),
    (r"The password may have at most (?P<n>\d+) characters\.",
     N_("Das Passwort darf höchstens %(n)s Zeichen haben.")),
    (r"An account with this e-mail address exists already\.",
     N_("Zu dieser E-Mail-Adresse gibt es schon ein Konto.")),
    (r"The password must not be your e-mail address or your name: others know them\.",
     N_("Das Passwort darf nicht Ihre E-Mail-Adresse oder Ihr Name sein: Die kennen andere.")),
    (r"This password is on a list of common passwords leaked in data breaches, which "
     r"attackers try first\. Please choose another one, e\.g\. several unrelated words\.",
     N_("Dieses Passwort steht auf einer Liste häufiger Passwörter aus Datenlecks, die "
        "Angreifer zuerst ausprobieren. Bitte wählen Sie ein anderes, z. B. mehrere Wörter, "
        "die nichts miteinander zu tun haben.")),
    (r"This password is too easy to guess \(repeated characters, a sequence or a keyboard "
     r"row\)\. Please choose another one, e\.g\. several unrelated words\.",
     N_("Dieses Passwort ist zu leicht zu erraten (wiederholte Zeichen, eine Folge oder eine "
        "Tastaturreihe). Bitte wählen Sie ein anderes, z. B. mehrere Wörter, die nichts "
        "miteinander zu tun haben.")),
    (r"Thank you\. We have sent a mail to (?P<email>\S+)\. Please open the link in it to "
     r"confirm your address; then you can request rooms\.",
     N_("Vielen Dank. Wir haben eine E-Mail an %(email)s geschickt. Bitte öffnen Sie den Link"
        " darin, um Ihre Adresse zu bestätigen; danach können Sie Räume anfragen.")),
    (r"If there is an account for (?P<email>\S+), we have sent a mail with a link to set a "
     r"new password\. The link is valid for (?P<n>\d+) minutes\.",
     N_("Falls es zu %(email)s ein Konto gibt, haben wir eine E-Mail mit einem Link "
        "geschickt, mit dem Sie ein neues Passwort setzen können. Der Link gilt %(n)s "
        "Minuten.")),
    (r"Too many requests from your network\. Please try again in an hour\.",
     N_("Zu viele Anfragen aus Ihrem Netz. Bitte versuchen Sie es in einer Stunde noch "
        "einmal.")),
    (r"This link is not valid\. Please copy the whole link from the mail\.",
     N_("Dieser Link ist ungültig. Bitte kopieren Sie den ganzen Link aus der E-Mail.")),
    (r"This link has been used already\.",
     N_("Dieser Link wurde schon benutzt.")),
    (r"This link has expired\. Please ask for a new one\.",
     N_("Dieser Link ist abgelaufen. Bitte fordern Sie einen neuen an.")),
    (r"Please confirm your e-mail address first: open the link in the mail we sent you\.",
     N_("Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse: Öffnen Sie den Link in der E-Mail, "
        "die wir Ihnen geschickt haben.")),
    (r"The time lies outside the years 2000–2099\.",
     N_("Die Zeit liegt außerhalb der Jahre 2000–2099.")),
    (r"The end must be after the start\.",
     N_("Das Ende muss nach dem Beginn liegen.")),
    (r"Please enter at most (?P<n>\d+) characters\.",
     N_("Bitte höchstens %(n)s Zeichen eingeben.")),
    (r"A series may span at most (?P<n>\d+) years\.",
     N_("Eine Serie darf höchstens %(n)s Jahre umfassen.")),
    (r"The dates of this series overlap each other: (?P<first>.+?) and (?P<second>.+?)\. "
     r"Each date must end before the next one begins\.",
     N_("Die Termine dieser Serie überschneiden sich: %(first)s und %(second)s. Jeder Termin "
        "muss enden, bevor der nächste beginnt.")),
    (r"(?P<room>.+) cannot be rented by residents\.",
     N_("%(room)s kann nicht von Anwohner*innen gemietet werden.")),
    (r"At least one person must come\.",
     N_("Mindestens eine Person muss kommen.")),
    (r"(?P<room>.+) holds at most (?P<cap>\d+) people; you expect (?P<n>\d+)\.",
     N_("In %(room)s haben höchstens %(cap)s Personen Platz; Sie erwarten %(n)s.")),
    (r"Requests need at least (?P<n>\d+) hours' notice\.",
     N_("Anfragen brauchen mindestens %(n)s Stunden Vorlauf.")),
    (r"Rooms can be requested at most (?P<n>\d+) days ahead\.",
     N_("Räume können höchstens %(n)s Tage im Voraus angefragt werden.")),
    (r"(?P<room>.+) is rented for at least (?P<n>\d+) minutes\.",
     N_("%(room)s wird für mindestens %(n)s Minuten vermietet.")),
    (r"(?P<room>.+) is rented for at most (?P<n>\d+) hours\.",
     N_("%(room)s wird für höchstens %(n)s Stunden vermietet.")),
    (r"A rental must end on the day it starts\.",
     N_("Eine Vermietung muss am selben Tag enden, an dem sie beginnt.")),
    (r"Rentals of (?P<room>.+) must end by (?P<t>\d\d:\d\d) \(house rules\)\.",
     N_("Vermietungen von %(room)s müssen um %(t)s Uhr enden (Hausregeln).")),
    (r"The centre is closed on (?P<d>[\d.]+) \((?P<name>.+)\)\.",
     N_("Das Stadtteilzentrum ist am %(d)s geschlossen (%(name)s).")),
    (r"(?P<room>.+) is closed then \((?P<title>.+)\)\.",
     N_("%(room)s ist zu dieser Zeit geschlossen (%(title)s).")),
    (r"The room is already taken at (?P<when>.+?) by (?P<names>.+)\.",
     N_("Der Raum ist am %(when)s schon belegt: %(names)s.")),
    (r"The room is already taken at (?P<when>.+)\.",
     N_("Der Raum ist am %(when)s schon belegt.")),
    (r"The room was taken meanwhile; please look again\.",
     N_("Der Raum wurde inzwischen vergeben; bitte sehen Sie noch einmal nach.")),
    (r"Please say what the room is for\.",
     N_("Bitte sagen Sie, wofür der Raum gebraucht wird.")),
    (r"Request (?P<nr>\d+) is (?P<st>\w+) and cannot be (?P<what>confirmed|declined) now\.",
     N_("Anfrage Nr. %(nr)s ist %(st)s und kann jetzt nicht %(what)s werden.")),
    (r"Request (?P<nr>\d+) is (?P<st>\w+) already\.",
     N_("Anfrage Nr. %(nr)s ist schon %(st)s.")),
    (r"A rental that has begun can only be cancelled by the centre's staff\.",
     N_("Eine Vermietung, die schon begonnen hat, kann nur das Team des Stadtteilzentrums "
        "stornieren.")),
    (r"There is no rental request (?P<nr>\d+)\.",
     N_("Es gibt keine Mietanfrage Nr. %(nr)s.")),
    (r"There is no room (?P<nr>\d+)\.",
     N_("Es gibt keinen Raum Nr. %(nr)s.")),
    (r"There is no centre (?P<nr>\d+)\.",
     N_("Es gibt kein Stadtteilzentrum Nr. %(nr)s.")),
    (r"Please give the resident a reason for declining\.",
     N_("Bitte geben Sie der Person einen Grund für die Ablehnung an.")),
    (r"Only the centre's staff may do this\.",
     N_("Das darf nur das Team des Stadtteilzentrums.")),
    (r"Only registered residents may request rooms\.",
     N_("Nur registrierte Anwohner*innen können Räume anfragen.")),
]]
# Words the services put into their sentences, as msgids.
_WORDS = {**STATUS_WORDS, "booking": N_("Buchung")}


def service_message(message: str | Message, lang: str) -> str:
    """A service's message (a code with parameters, or a not yet converted English sentence),
    or a page's own German msgid, in the page's language."""
    if isinstance(message, Message):
        return message.render(lang)
    _ = gettext(lang)
    for pattern, msgid in _SERVICE:
        match = pattern.fullmatch(message)
        if match:
            parts = {k: _(_WORDS[v]) if v in _WORDS else v
                     for k, v in match.groupdict().items()}
            if "name" in parts and "d" in parts:  # "closed on 24.12.2026 (Christmas Day)"
                parts["name"] = _holiday(parts["d"], lang) or parts["name"]
            if "names" in parts:
                parts["names"] = parts["names"].replace("(booking ", f"({_(_WORDS['booking'])} ")
            return _(msgid) % parts
    return _(message)


def _holiday(day: str, lang: str) -> str | None:
    try:
        when = datetime.strptime(day, "%d.%m.%Y").date()  # noqa: DTZ007 - a date, no zone
    except ValueError:
        return None
    return holiday_name(when, lang)
