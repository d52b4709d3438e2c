"""The pages' languages: German first, English as the switch.

UI strings are written in German in the templates and handlers and go through ``_()``, a
gettext-style lookup in a German→English dict (a stand-in for .po/.mo catalogs until babel is a
dependency). The services speak English (their messages are meant for API clients too), so a
second, much smaller table renders the messages a resident can trip into German for the pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from booking.timeutil import to_local

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"

Gettext = Callable[[str], str]

# German (the msgid, as in the templates) → English.
EN: dict[str, str] = {
    # layout
    "Zum Inhalt springen": "Skip to content",
    "Raumplan – Räume in den Stadtteilzentren Bielefeld":
        "Raumplan – rooms in Bielefeld's neighbourhood centres",
    "Hauptnavigation": "Main navigation",
    "Start": "Home",
    "Räume": "Rooms",
    "Meine Anfragen": "My requests",
    "Verwaltung": "Staff",
    "Anmelden": "Log in",
    "Abmelden": "Log out",
    "Registrieren": "Register",
    "Sprache": "Language",
    "Angemeldet als %(name)s": "Logged in as %(name)s",
    "Raumplan der Stadtteilzentren Bielefeld": "Raumplan of Bielefeld's neighbourhood centres",
    "Fehler": "Error",
    # home
    "Stadtteilzentren in Bielefeld": "Neighbourhood centres in Bielefeld",
    "Stadtteilzentren sind offene Treffpunkte für alle im Stadtteil. Sie können dort Räume "
    "für eigene Veranstaltungen mieten.":
        "Neighbourhood centres are open meeting places for everyone in the district. You can "
        "rent rooms there for your own events.",
    "Räume ansehen": "View rooms",
    "Alle Räume": "All rooms",
    "Noch keine Stadtteilzentren eingetragen.": "No neighbourhood centres yet.",
    # rooms
    "Räume finden": "Find a room",
    "Filter": "Filter",
    "Mindestens so viele Personen": "At least this many people",
    "Barrierefrei": "Barrier-free",
    "Mit Küche": "With kitchen",
    "Stadtteilzentrum": "Neighbourhood centre",
    "alle": "all",
    "Filtern": "Filter",
    "Filter zurücksetzen": "Reset filters",
    "%(n)s Räume gefunden.": "%(n)s rooms found.",
    "Keine Räume passen zu diesen Filtern.": "No rooms match these filters.",
    "Plätze": "Places",
    "bis zu %(n)s Personen": "up to %(n)s people",
    "Ausstattung": "Equipment",
    "keine besondere Ausstattung": "no special equipment",
    "Barrierefreiheit": "Accessibility",
    "keine Angaben": "no details",
    "Preis pro Stunde": "Price per hour",
    "Mo–Do %(weekday)s, Fr–So und feiertags %(weekend)s":
        "Mon–Thu %(weekday)s, Fri–Sun and public holidays %(weekend)s",
    "Nicht für Anwohner*innen mietbar.": "Not available for rent by residents.",
    "Belegung und Details": "Schedule and details",
    "Raum anfragen": "Request this room",
    "Bitte eine ganze Zahl ab 1 eingeben.": "Please enter a whole number from 1.",
    # room detail
    "Mindestgebühr": "Minimum fee",
    "Reinigungspauschale": "Cleaning fee",
    "Mietdauer": "Rental length",
    "%(min)s bis %(max)s Stunden": "%(min)s to %(max)s hours",
    "Hausregeln": "House rules",
    "Fläche": "Area",
    "Belegung": "Schedule",
    "Woche %(week)s: %(from)s bis %(to)s": "Week %(week)s: %(from)s to %(to)s",
    "Vorige Woche": "Previous week",
    "Nächste Woche": "Next week",
    "Tag": "Day",
    "Belegt": "Booked",
    "ganztägig frei": "free all day",
    "Zeiten in Ortszeit (Europe/Berlin). Gezeigt werden nur öffentliche Titel.":
        "Times in local time (Europe/Berlin). Only public titles are shown.",
    "Bitte die Woche als Jahr-W-Woche angeben, z. B. 2026-W49.":
        "Please give the week as year-W-week, e.g. 2026-W49.",
    # request form
    "%(room)s anfragen": "Request %(room)s",
    "Wann?": "When?",
    "Datum": "Date",
    "Von": "From",
    "Bis": "To",
    "Uhrzeit in Ortszeit (Bielefeld).": "Time in local time (Bielefeld).",
    "Wofür?": "What for?",
    "Erwartete Personen": "Expected people",
    "Zweck der Veranstaltung": "Purpose of the event",
    "Nur das Team des Stadtteilzentrums sieht den Zweck.":
        "Only the centre's team sees the purpose.",
    "Preis berechnen": "Calculate price",
    "Anfrage senden": "Send request",
    "Preis und Regeln": "Price and rules",
    "Gebühr": "Fee",
    "%(hours)s angefangene Stunden zu %(rate)s, mindestens die Mindestgebühr, plus Reinigung":
        "%(hours)s started hours at %(rate)s, at least the minimum fee, plus cleaning",
    "Regeln": "Rules",
    "So geht es nicht:": "This is not possible:",
    "Die Anfrage kann so gesendet werden.": "The request can be sent like this.",
    "Das Formular enthält Fehler.": "The form has errors.",
    "Bitte ein Datum angeben (TT.MM.JJJJ).": "Please give a date (DD.MM.YYYY).",
    "Bitte ein Datum zwischen 2000 und 2099 angeben.":
        "Please give a date between 2000 and 2099.",
    "Die Eingabe enthält Steuerzeichen (zum Beispiel ein Nullzeichen), die hier nicht "
    "erlaubt sind.":
        "The input contains control characters (a null character, for example) that are not "
        "allowed here.",
    "Bitte eine Uhrzeit angeben (SS:MM).": "Please give a time (HH:MM).",
    "Das Ende muss nach dem Beginn liegen.": "The end must be after the start.",
    "Bitte beschreiben, wofür der Raum gebraucht wird.":
        "Please describe what the room is for.",
    "Der Raum kann nicht von Anwohner*innen gemietet werden.":
        "This room cannot be rented by residents.",
    "Anfrage gesendet": "Request sent",
    "Ihre Anfrage Nr. %(nr)s ist eingegangen. Das Team des Stadtteilzentrums entscheidet "
    "darüber; Sie bekommen eine E-Mail.":
        "Your request no. %(nr)s has been received. The centre's team will decide on it; "
        "you will get an e-mail.",
    "Raum": "Room",
    "Zeit": "Time",
    "Personen": "People",
    "Zweck": "Purpose",
    "Status": "Status",
    "Zu meinen Anfragen": "To my requests",
    # my requests
    "Sie haben noch keine Räume angefragt.": "You have not requested any rooms yet.",
    "Begründung": "Reason",
    "Anfrage Nr. %(nr)s": "Request no. %(nr)s",
    "Stornieren": "Cancel",
    "Anfrage Nr. %(nr)s stornieren": "Cancel request no. %(nr)s",
    "Anfrage Nr. %(nr)s wurde storniert.": "Request no. %(nr)s has been cancelled.",
    "Aktion": "Action",
    "offen": "pending",
    "bestätigt": "confirmed",
    "abgelehnt": "declined",
    "storniert": "cancelled",
    # staff inbox
    "Offene Anfragen": "Pending requests",
    "Keine offenen Anfragen.": "No pending requests.",
    "Angefragt von": "Requested by",
    "Bestätigen": "Confirm",
    "Anfrage Nr. %(nr)s bestätigen": "Confirm request no. %(nr)s",
    "Ablehnen": "Decline",
    "Grund der Ablehnung": "Reason for declining",
    "Die Person bekommt diesen Grund per E-Mail.": "The person gets this reason by e-mail.",
    "Anfrage Nr. %(nr)s wurde bestätigt.": "Request no. %(nr)s has been confirmed.",
    "Anfrage Nr. %(nr)s wurde abgelehnt.": "Request no. %(nr)s has been declined.",
    "Nur das Team eines Stadtteilzentrums darf Anfragen entscheiden.":
        "Only a centre's team may decide on requests.",
    "unbekannt": "unknown",
    "gelöschtes Konto": "deleted account",
    # login / register
    "E-Mail-Adresse": "E-mail address",
    "Passwort": "Password",
    "Noch kein Konto?": "No account yet?",
    "Jetzt registrieren": "Register now",
    "E-Mail-Adresse oder Passwort ist falsch.": "E-mail address or password is wrong.",
    "Bitte melden Sie sich an, um fortzufahren.": "Please log in to continue.",
    "Konto anlegen": "Create an account",
    "Name (wie Sie angesprochen werden möchten)": "Name (how you want to be addressed)",
    "Mindestens %(n)s Zeichen.": "At least %(n)s characters.",
    "Bevorzugte Sprache": "Preferred language",
    "Deutsch": "Deutsch",
    "English": "English",
    "Schon ein Konto?": "Already have an account?",
    "Bitte einen Namen angeben.": "Please give a name.",
    "Wir speichern nur, was für die Raumvermietung nötig ist. Sie können Ihre Daten jederzeit "
    "exportieren und Ihr Konto löschen.":
        "We store only what room rental needs. You can export your data and delete your "
        "account at any time.",
    # confirmation, password reset
    "Passwort vergessen?": "Forgot your password?",
    "Passwort vergessen": "Forgot password",
    "Wir schicken Ihnen einen Link, mit dem Sie ein neues Passwort setzen können.":
        "We will send you a link to set a new password.",
    "Link schicken": "Send link",
    "Neues Passwort": "New password",
    "Passwort setzen": "Set password",
    "Neuen Link anfordern": "Ask for a new link",
    "E-Mail-Adresse bestätigen": "Confirm your e-mail address",
    "Bitte bestätigen Sie mit dem Knopf, dass diese E-Mail-Adresse Ihnen gehört.":
        "Please confirm with the button that this e-mail address is yours.",
    "Adresse bestätigen": "Confirm address",
    "Bitte bestätigen Sie Ihre E-Mail-Adresse": "Please confirm your e-mail address",
    "Bestätigung nicht möglich": "Confirmation not possible",
    "E-Mail-Adresse bestätigt": "E-mail address confirmed",
    "Ihre E-Mail-Adresse ist bestätigt. Sie können jetzt Räume anfragen.":
        "Your e-mail address is confirmed. You can now request rooms.",
    "Neues Passwort gesetzt": "New password set",
    "Ihr neues Passwort ist gesetzt, und alle bisherigen Anmeldungen sind beendet. Bitte "
    "melden Sie sich mit dem neuen Passwort an.":
        "Your new password is set, and all earlier logins have ended. Please log in with "
        "the new password.",
    # errors
    "Die Anfrage wurde aus Sicherheitsgründen abgelehnt, weil das Formular-Sicherheitsmerkmal "
    "fehlte oder nicht passte. Bitte laden Sie die Seite neu und senden Sie das Formular "
    "noch einmal.":
        "The request was refused for security reasons because the form's security token was "
        "missing or did not match. Please reload the page and send the form again.",
    "Die Seite wurde nicht gefunden.": "The page was not found.",
    "Etwas ist auf unserer Seite schiefgegangen; es wurde nichts gespeichert. Bitte versuchen "
    "Sie es noch einmal.":
        "Something went wrong on our side; nothing was saved. Please try again.",
    "Die Eingabe ist ungültig.": "The input is not valid.",
    "Zur Startseite": "To the home page",
    "Nicht erlaubt": "Not allowed",
    "Nicht gefunden": "Not found",
    "Konflikt": "Conflict",
    "Nicht möglich": "Not possible",
    "Zu viele Versuche": "Too many attempts",
    "Gerade beschäftigt": "Busy just now",
    "Gerade wurde gleichzeitig etwas anderes geändert; es wurde nichts gespeichert. Bitte "
    "versuchen Sie es gleich noch einmal.":
        "Something else was being changed at the same moment; nothing was saved. Please try "
        "again in a moment.",
    "Anmeldung nötig": "Login required",
    "Ungültige Eingabe": "Invalid input",
    # features
    "barrierefrei": "barrier-free",
    "barrierefreies WC": "accessible toilet",
    "Küche": "kitchen",
    "Beamer": "projector",
    "für vertrauliche Gespräche": "fit for confidential talks",
    "draußen": "outdoors",
    "schallgeschützt": "sound-proofed",
    "Lagerraum": "storage",
    "Induktionsschleife für Hörgeräte": "hearing loop",
    "Bühne": "stage",
    "m²": "m²",
    # public titles of busy times (booking.services.availability)
    "Raumvermietung": "Room rental",
    "Interne Nutzung": "Internal use",
}

WEEKDAYS = {
    "de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}

# Feature codes (``booking.models.Feature``) → German words, translated with ``_()``.
FEATURE_WORDS = {
    "barrier_free": "barrierefrei",
    "barrier_free_toilet": "barrierefreies WC",
    "kitchen": "Küche",
    "projector": "Beamer",
    "confidential": "für vertrauliche Gespräche",
    "outdoor": "draußen",
    "sound_proof": "schallgeschützt",
    "storage": "Lagerraum",
    "hearing_loop": "Induktionsschleife für Hörgeräte",
    "stage": "Bühne",
}

STATUS_WORDS = {
    "pending": "offen",
    "confirmed": "bestätigt",
    "declined": "abgelehnt",
    "cancelled": "storniert",
}


def gettext(lang: str) -> Gettext:
    """``_`` for one language: the German msgid itself, or its English translation."""
    if lang == "en":
        return lambda message: EN.get(message, message)
    return lambda message: message


# The services' English messages a resident or staff member can meet on a page → German.
# Patterns are anchored; named groups carry over into the German sentence.
_DE_SERVICE: list[tuple[re.Pattern[str], str]] = [(re.compile(p), de) for p, de in [
    (r"Please log in first\.", "Bitte melden Sie sich zuerst an."),
    (r"E-mail address or password is wrong\.", "E-Mail-Adresse oder Passwort ist falsch."),
    (r"Too many failed logins\. Please wait (?P<n>\d+) minutes and try again\.",
     "Zu viele fehlgeschlagene Anmeldungen. Bitte warten Sie {n} Minuten und versuchen Sie "
     "es dann noch einmal."),
    (r"Please give a valid e-mail address, e\.g\. name@example\.org\.",
     "Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@example.org."),
    (r"The password needs at least (?P<n>\d+) characters\.",
     "Das Passwort braucht mindestens {n} Zeichen."),
    (r"The password may have at most (?P<n>\d+) characters\.",
     "Das Passwort darf höchstens {n} Zeichen haben."),
    (r"An account with this e-mail address exists already\.",
     "Zu dieser E-Mail-Adresse gibt es schon ein Konto."),
    (r"The password must not be your e-mail address or your name: others know them\.",
     "Das Passwort darf nicht Ihre E-Mail-Adresse oder Ihr Name sein: Die kennen andere."),
    (r"This password is on a list of common passwords leaked in data breaches, which attackers "
     r"try first\. Please choose another one, e\.g\. several unrelated words\.",
     "Dieses Passwort steht auf einer Liste häufiger Passwörter aus Datenlecks, die Angreifer "
     "zuerst ausprobieren. Bitte wählen Sie ein anderes, z. B. mehrere Wörter, die nichts "
     "miteinander zu tun haben."),
    (r"This password is too easy to guess \(repeated characters, a sequence or a keyboard "
     r"row\)\. Please choose another one, e\.g\. several unrelated words\.",
     "Dieses Passwort ist zu leicht zu erraten (wiederholte Zeichen, eine Folge oder eine "
     "Tastaturreihe). Bitte wählen Sie ein anderes, z. B. mehrere Wörter, die nichts "
     "miteinander zu tun haben."),
    (r"Thank you\. We have sent a mail to (?P<email>\S+)\. Please open the link in it to "
     r"confirm your address; then you can request rooms\.",
     "Vielen Dank. Wir haben eine E-Mail an {email} geschickt. Bitte öffnen Sie den Link "
     "darin, um Ihre Adresse zu bestätigen; danach können Sie Räume anfragen."),
    (r"If there is an account for (?P<email>\S+), we have sent a mail with a link to set a "
     r"new password\. The link is valid for (?P<n>\d+) minutes\.",
     "Falls es zu {email} ein Konto gibt, haben wir eine E-Mail mit einem Link geschickt, "
     "mit dem Sie ein neues Passwort setzen können. Der Link gilt {n} Minuten."),
    (r"Too many requests from your network\. Please try again in an hour\.",
     "Zu viele Anfragen aus Ihrem Netz. Bitte versuchen Sie es in einer Stunde noch einmal."),
    (r"This link is not valid\. Please copy the whole link from the mail\.",
     "Dieser Link ist ungültig. Bitte kopieren Sie den ganzen Link aus der E-Mail."),
    (r"This link has been used already\.", "Dieser Link wurde schon benutzt."),
    (r"This link has expired\. Please ask for a new one\.",
     "Dieser Link ist abgelaufen. Bitte fordern Sie einen neuen an."),
    (r"Please confirm your e-mail address first: open the link in the mail we sent you\.",
     "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse: Öffnen Sie den Link in der E-Mail, "
     "die wir Ihnen geschickt haben."),
    (r"The time lies outside the years 2000–2099\.",
     "Die Zeit liegt außerhalb der Jahre 2000–2099."),
    (r"The end must be after the start\.", "Das Ende muss nach dem Beginn liegen."),
    (r"Please enter at most (?P<n>\d+) characters\.", "Bitte höchstens {n} Zeichen eingeben."),
    (r"(?P<room>.+) cannot be rented by residents\.",
     "{room} kann nicht von Anwohner*innen gemietet werden."),
    (r"At least one person must come\.", "Mindestens eine Person muss kommen."),
    (r"(?P<room>.+) holds at most (?P<cap>\d+) people; you expect (?P<n>\d+)\.",
     "In {room} haben höchstens {cap} Personen Platz; Sie erwarten {n}."),
    (r"Requests need at least (?P<n>\d+) hours' notice\.",
     "Anfragen brauchen mindestens {n} Stunden Vorlauf."),
    (r"Rooms can be requested at most (?P<n>\d+) days ahead\.",
     "Räume können höchstens {n} Tage im Voraus angefragt werden."),
    (r"(?P<room>.+) is rented for at least (?P<n>\d+) minutes\.",
     "{room} wird für mindestens {n} Minuten vermietet."),
    (r"(?P<room>.+) is rented for at most (?P<n>\d+) hours\.",
     "{room} wird für höchstens {n} Stunden vermietet."),
    (r"A rental must end on the day it starts\.",
     "Eine Vermietung muss am selben Tag enden, an dem sie beginnt."),
    (r"Rentals of (?P<room>.+) must end by (?P<t>\d\d:\d\d) \(house rules\)\.",
     "Vermietungen von {room} müssen um {t} Uhr enden (Hausregeln)."),
    (r"The centre is closed on (?P<d>[\d.]+) \((?P<name>.+)\)\.",
     "Das Stadtteilzentrum ist am {d} geschlossen ({name})."),
    (r"(?P<room>.+) is closed then \((?P<title>.+)\)\.",
     "{room} ist zu dieser Zeit geschlossen ({title})."),
    (r"The room is already taken at (?P<when>.+?) by (?P<names>.+)\.",
     "Der Raum ist am {when} schon belegt: {names}."),
    (r"The room is already taken at (?P<when>.+)\.",
     "Der Raum ist am {when} schon belegt."),
    (r"Please say what the room is for\.", "Bitte sagen Sie, wofür der Raum gebraucht wird."),
    (r"Request (?P<nr>\d+) is (?P<st>\w+) and cannot be (?P<what>confirmed|declined) now\.",
     "Anfrage Nr. {nr} ist {st} und kann jetzt nicht {what} werden."),
    (r"Request (?P<nr>\d+) is (?P<st>\w+) already\.", "Anfrage Nr. {nr} ist schon {st}."),
    (r"A rental that has begun can only be cancelled by the centre's staff\.",
     "Eine Vermietung, die schon begonnen hat, kann nur das Team des Stadtteilzentrums "
     "stornieren."),
    (r"There is no rental request (?P<nr>\d+)\.", "Es gibt keine Mietanfrage Nr. {nr}."),
    (r"There is no room (?P<nr>\d+)\.", "Es gibt keinen Raum Nr. {nr}."),
    (r"There is no centre (?P<nr>\d+)\.", "Es gibt kein Stadtteilzentrum Nr. {nr}."),
    (r"Please give the resident a reason for declining\.",
     "Bitte geben Sie der Person einen Grund für die Ablehnung an."),
    (r"Only the centre's staff may do this\.",
     "Das darf nur das Team des Stadtteilzentrums."),
    (r"Only registered residents may request rooms\.",
     "Nur registrierte Anwohner*innen können Räume anfragen."),
]]
_DE_WORDS = {"confirmed": "bestätigt", "declined": "abgelehnt", "pending": "offen",
             "cancelled": "storniert", "booking": "Buchung"}


def service_message(message: str, lang: str) -> str:
    """A service's (English) message, or a page's own German one, in the page's language."""
    if message in EN:
        return gettext(lang)(message)
    if lang == "en":
        return message
    for pattern, german in _DE_SERVICE:
        match = pattern.fullmatch(message)
        if match:
            parts = {k: _DE_WORDS.get(v, v) for k, v in match.groupdict().items()}
            if "names" in parts:
                parts["names"] = parts["names"].replace("(booking ", "(Buchung ")
            return german.format(**parts)
    return message


def format_when(start: datetime, end: datetime, zone_name: str, lang: str) -> str:
    """``Di, 01.12.2026 18:00–21:00``; both days written out when it runs past midnight."""
    days = WEEKDAYS.get(lang, WEEKDAYS["de"])
    s, e = to_local(start, zone_name), to_local(end, zone_name)
    head = f"{days[s.weekday()]}, {s:%d.%m.%Y %H:%M}"
    if s.date() == e.date():
        return f"{head}–{e:%H:%M}"
    return f"{head} – {days[e.weekday()]}, {e:%d.%m.%Y %H:%M}"


def format_day(instant: datetime, zone_name: str, lang: str) -> str:
    local = to_local(instant, zone_name)
    return f"{WEEKDAYS.get(lang, WEEKDAYS['de'])[local.weekday()]}, {local:%d.%m.%Y}"


def pick_language(query: str | None, cookie: str | None, person: str | None) -> str:
    for candidate in (query, cookie, person):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE
