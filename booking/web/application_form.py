"""The term application form as typed: sections with their windows, read from the page's flat
form fields, turned into the service's spec, and back from a stored application.

Field names: ``teile`` (how many sections), ``t{s}-titel`` … for section ``s`` (from 0), and
``t{s}-fenster`` (how many window rows) with ``t{s}-f{w}-tag`` / ``-von`` / ``-bis`` /
``-art`` for window row ``w``. A row left empty is dropped, so "add another window" is a plain
submit button that re-renders the form with one more empty row (no JavaScript needed).

What cannot be parsed gets a message at its field here; the rules of the round (a window long
enough, preferred inside allowed, …) are the service's, and its error codes are put at their
field by :func:`field_of`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from booking.messages import Message
from booking.models import Application, ApplicationSection
from booking.translations import N_
from booking.web.forms import field_value, parse_time

MAX_SECTIONS = 10
MAX_WINDOWS = 21
MAX_ROOM_WISHES = 3
WINDOW_KINDS = {"moeglich": N_("möglich"), "wunsch1": N_("Wunschzeit, erste Wahl"),
                "wunsch2": N_("Wunschzeit, zweite Wahl")}
FREQUENCY_WORDS = {"weekly": N_("wöchentlich"), "fortnightly": N_("vierzehntäglich"),
                   "monthly": N_("monatlich")}
MONTH_WEEK_WORDS = {1: N_("in der ersten Woche"), 2: N_("in der zweiten Woche"),
                    3: N_("in der dritten Woche"), 4: N_("in der vierten Woche"),
                    -1: N_("in der letzten Woche")}
TARGET_GROUP_WORDS = {"children": N_("Kinder"), "youth": N_("Jugendliche"),
                      "families": N_("Familien"), "adults": N_("Erwachsene"),
                      "seniors": N_("Seniorinnen und Senioren"), "women": N_("Frauen"),
                      "migrants": N_("Zugewanderte"), "disabled": N_("Menschen mit Behinderung")}
AGE_GROUP_WORDS = {"0-5": N_("0 bis 5 Jahre"), "6-11": N_("6 bis 11 Jahre"),
                   "12-17": N_("12 bis 17 Jahre"), "18-26": N_("18 bis 26 Jahre"),
                   "27-64": N_("27 bis 64 Jahre"), "65+": N_("ab 65 Jahre")}
STAFFING_WORDS = {"eigenregie": N_("in Eigenregie (ohne Team des Zentrums)"),
                  "betreut": N_("betreut vom Team des Zentrums")}

# The service's error codes → the field (suffix after ``t{s}-``) that shows them.
SECTION_FIELDS = {
    "section_duration_order": "min",
    "section_theme": "thema",
    "section_frequency": "haeufigkeit",
    "section_month_weeks": "monatswochen",
    "section_month_weeks_only_monthly": "monatswochen",
    "section_meetings_weekly_only": "treffen",
    "section_needs_window": "fenster",
    "section_window_too_short": "fenster",
    "section_preferred_outside_allowed": "fenster",
    "section_window": "fenster",
}


def field_of(message: Message) -> str | None:
    """The form field a service error belongs to, or None for the whole form."""
    suffix = SECTION_FIELDS.get(message.code)
    number = message.params.get("section")
    if suffix is None or not isinstance(number, int):
        return None
    return f"t{number - 1}-{suffix}"


def _hm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass
class WindowForm:
    day: str = ""
    start: str = ""
    end: str = ""
    kind: str = "moeglich"

    @property
    def empty(self) -> bool:
        return not (self.day or self.start or self.end)


@dataclass
class SectionForm:
    title: str = ""
    offer: str = ""
    theme: str = "other"
    target_groups: list[str] = field(default_factory=list)
    age_groups: list[str] = field(default_factory=list)
    people: str = "10"
    languages: str = ""
    staffing: str = "eigenregie"
    min_minutes: str = "90"
    max_minutes: str = "120"
    per_week: str = "1"
    frequency: str = "weekly"
    month_weeks: list[str] = field(default_factory=list)
    windows: list[WindowForm] = field(default_factory=lambda: [WindowForm(), WindowForm()])
    rooms: list[str] = field(default_factory=lambda: [""] * MAX_ROOM_WISHES)
    features: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class ApplicationForm:
    group: str = ""
    non_profit: bool = True
    from_district: bool = True
    note: str = ""
    sections: list[SectionForm] = field(default_factory=lambda: [SectionForm()])
    errors: dict[str, str | Message] = field(default_factory=dict)
    general: str | Message | None = None

    # --- reading the page ------------------------------------------------------------------

    @classmethod
    def read(cls, data: dict[str, Any]) -> ApplicationForm:
        def value(name: str, *, text_area: bool = False, max_length: int = 200) -> str:
            return field_value(data, name, text_area=text_area, max_length=max_length)

        def values(name: str) -> list[str]:
            raw = data.get(name, [])
            items = raw if isinstance(raw, list) else [raw]
            return [str(x)[:30] for x in items if str(x).strip()][:20]

        count = _bounded(value("teile", max_length=3), 1, MAX_SECTIONS)
        form = cls(group=value("gruppe", max_length=12), non_profit=bool(value("gemeinnuetzig")),
                   from_district=bool(value("stadtteil")),
                   note=value("notiz", text_area=True, max_length=2000), sections=[])
        for s in range(count):
            p = f"t{s}-"
            rows = _bounded(value(p + "fenster", max_length=3), 1, MAX_WINDOWS)
            form.sections.append(SectionForm(
                title=value(p + "titel"), offer=value(p + "angebot", max_length=12),
                theme=value(p + "thema", max_length=30) or "other",
                target_groups=values(p + "zielgruppen"), age_groups=values(p + "alter"),
                people=value(p + "personen", max_length=6),
                languages=value(p + "sprachen"), staffing=value(p + "betreuung", max_length=20),
                min_minutes=value(p + "min", max_length=6),
                max_minutes=value(p + "max", max_length=6),
                per_week=value(p + "treffen", max_length=2) or "1",
                frequency=value(p + "haeufigkeit", max_length=20) or "weekly",
                month_weeks=values(p + "monatswochen"),
                windows=[WindowForm(day=value(f"{p}f{w}-tag", max_length=2),
                                    start=value(f"{p}f{w}-von", max_length=5),
                                    end=value(f"{p}f{w}-bis", max_length=5),
                                    kind=value(f"{p}f{w}-art", max_length=10) or "moeglich")
                         for w in range(rows)],
                rooms=[value(f"{p}raum{i}", max_length=12) for i in range(1, MAX_ROOM_WISHES + 1)],
                features=values(p + "ausstattung"),
                note=value(p + "notiz", text_area=True, max_length=2000)))
        return form

    def add_window(self, s: int) -> None:
        if 0 <= s < len(self.sections) and len(self.sections[s].windows) < MAX_WINDOWS:
            self.sections[s].windows.append(WindowForm())

    def add_section(self) -> None:
        if len(self.sections) < MAX_SECTIONS:
            self.sections.append(SectionForm())

    def remove_section(self, s: int) -> None:
        if 0 <= s < len(self.sections) and len(self.sections) > 1:
            del self.sections[s]

    # --- to the service --------------------------------------------------------------------

    def spec(self, rooms: set[int], offers: set[int]) -> dict[str, Any] | None:
        """The service's spec, or None with ``errors`` filled at the fields that do not
        parse. ``rooms`` and ``offers``: the ids the form offered."""
        sections = [self._section(s, x, rooms, offers) for s, x in enumerate(self.sections)]
        if self.errors:
            return None
        return {"non_profit": self.non_profit, "from_district": self.from_district,
                "note": self.note, "sections": sections}

    def _section(self, s: int, x: SectionForm, rooms: set[int],
                 offers: set[int]) -> dict[str, Any]:
        p = f"t{s}-"
        errors = self.errors
        if not x.title:
            errors[p + "titel"] = N_("Bitte geben Sie einen Titel an.")
        offer = int(x.offer) if x.offer.isdigit() and int(x.offer) in offers else None
        if x.offer and offer is None:
            errors[p + "angebot"] = N_("Bitte ein Angebot aus der Liste wählen.")
        people = _int(x.people, 1, 10_000)
        if people is None:
            errors[p + "personen"] = N_("Bitte eine ganze Zahl ab 1 eingeben.")
        lo, hi = _int(x.min_minutes, 15, 720), _int(x.max_minutes, 15, 720)
        if lo is None:
            errors[p + "min"] = N_("Bitte eine Dauer von 15 bis 720 Minuten angeben.")
        if hi is None:
            errors[p + "max"] = N_("Bitte eine Dauer von 15 bis 720 Minuten angeben.")
        per_week = _int(x.per_week, 1, 3)
        if per_week is None:
            errors[p + "treffen"] = N_("Bitte 1, 2 oder 3 Treffen pro Woche wählen.")
        allowed: list[dict[str, Any]] = []
        preferred: list[dict[str, Any]] = []
        for w, window in enumerate(x.windows):
            if window.empty:
                continue
            day = _int(window.day, 0, 6)
            start, end = parse_time(window.start), parse_time(window.end)
            if day is None:
                errors[f"{p}f{w}-tag"] = N_("Bitte einen Wochentag wählen.")
            if start is None:
                errors[f"{p}f{w}-von"] = N_("Bitte eine Uhrzeit angeben (SS:MM).")
            if end is None:
                errors[f"{p}f{w}-bis"] = N_("Bitte eine Uhrzeit angeben (SS:MM).")
            elif start is not None and (end.hour, end.minute) <= (start.hour, start.minute):
                errors[f"{p}f{w}-bis"] = N_("Das Ende muss nach dem Beginn liegen.")
            if window.kind not in WINDOW_KINDS:
                errors[f"{p}f{w}-art"] = N_("Bitte eine Art des Zeitfensters wählen.")
            if day is None or start is None or end is None:
                continue
            item = {"day": day, "start": _hm(start.hour * 60 + start.minute),
                    "end": _hm(end.hour * 60 + end.minute)}
            if window.kind == "moeglich":
                allowed.append(item)
            else:
                preferred.append({**item, "rank": 1 if window.kind == "wunsch1" else 2})
        month_weeks = [_int(m, -1, 4) for m in x.month_weeks]
        wished = [int(r) for r in x.rooms if r.isdigit() and int(r) in rooms]
        if any(r and not (r.isdigit() and int(r) in rooms) for r in x.rooms):
            errors[p + "raum1"] = N_("Bitte Räume aus der Liste wählen.")
        return {
            "title": x.title, "offer_id": offer, "theme": x.theme, "target_groups": x.target_groups,
            "age_groups": x.age_groups, "expected_people": people or 1,
            "languages": [w.strip()[:30] for w in x.languages.split(",") if w.strip()][:20],
            "staffed": x.staffing == "betreut", "self_managed": x.staffing != "betreut",
            "min_minutes": lo or 15, "max_minutes": hi or 15, "meetings_per_week": per_week or 1,
            "frequency": x.frequency,
            "month_weeks": [m for m in month_weeks if m is not None and m != 0],
            "allowed_windows": allowed, "preferred_windows": preferred,
            "room_ids": list(dict.fromkeys(wished)), "features": x.features, "note": x.note}

    # --- from a stored application ---------------------------------------------------------

    @classmethod
    def of(cls, application: Application) -> ApplicationForm:
        return cls(group=str(application.group_id or ""), non_profit=application.non_profit,
                   from_district=application.from_district, note=application.note,
                   sections=[_section_form(x) for x in application.sections])


def _section_form(x: ApplicationSection) -> SectionForm:
    windows = [WindowForm(str(w["day"]), w["start"], w["end"], "moeglich")
               for w in x.allowed_windows]
    windows += [WindowForm(str(w["day"]), w["start"], w["end"],
                           "wunsch1" if w.get("rank", 1) == 1 else "wunsch2")
                for w in x.preferred_windows]
    rooms = [str(r) for r in x.room_ids[:MAX_ROOM_WISHES]]
    return SectionForm(
        title=x.title, offer=str(x.offer_id or ""), theme=x.theme,
        target_groups=list(x.target_groups),
        age_groups=list(x.age_groups), people=str(x.expected_people),
        languages=", ".join(x.languages), staffing="betreut" if x.staffed else "eigenregie",
        min_minutes=str(x.min_minutes), max_minutes=str(x.max_minutes),
        per_week=str(x.meetings_per_week), frequency=x.frequency,
        month_weeks=[str(m) for m in x.month_weeks], windows=[*windows, WindowForm()],
        rooms=rooms + [""] * (MAX_ROOM_WISHES - len(rooms)), features=list(x.features),
        note=x.note)


def _int(text: str, lo: int, hi: int) -> int | None:
    try:
        value = int(text.strip())
    except ValueError:
        return None
    return value if lo <= value <= hi else None


def _bounded(text: str, lo: int, hi: int) -> int:
    try:
        value = int(text)
    except ValueError:
        return lo
    return min(max(value, lo), hi)
