"""Why a section got no slot, in two registers, and what would place it.

For **staff** a ``Refusal`` names the deciding rule (a name from ``solver.term.rules``), the
competing sections, programme slots or bookings (``blockers``) and the facts (``params``).  For
the **applicant** it carries a short ``code`` with ``code_params`` that name no other applicant
(the service translates the code into the applicant's language); ``render_applicant`` gives the
English text for the command line.  ``suggestions`` say what would place the section in the
finished plan: another window, a shorter duration, or a room without one of its features, each
a concrete free slot found by looking at every concrete week.

What decides, cheapest first (as for the week, ``solver/explain.py``):

1. the section is withdrawn or rejected (``status``);
2. no pattern survived the filters (``solver.term.patterns``): no room fits, the windows are
   shorter than the minimum duration or outside the house hours, no staff on duty then, the
   fixed programme takes every candidate, or no date of the term is left;
3. patterns exist, but in the finished plan each one collides in some week with an allocated
   section or the programme (``room_conflict``), or with the staff on duty
   (``staff_capacity``); when every colliding section is of a higher class the rule is
   ``priority_class``;
4. a pattern is free in the finished plan: the plan is proven optimal, so placing it would
   break a rule of the whole house (opening hours, the Profil) or cost a section of an equal or
   higher class (``trade_off``) — or the search was stopped before it got there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from solver.problem import OpeningHours, Window, describe
from solver.term.patterns import (
    Calendar,
    Pattern,
    SectionPatterns,
    fits,
    house_window,
    is_staffed,
    needed_features,
    staffed_at,
)
from solver.term.problem import Refusal, Section, Suggestion, TermProblem

Params = dict[str, str]


class Occupancy:
    """Who uses each room on each concrete date in a finished plan, and the staffed load."""

    def __init__(
        self,
        problem: TermProblem,
        calendar: Calendar,
        entries: list[SectionPatterns],
        chosen: dict[int, Pattern],
    ) -> None:
        self.problem = problem
        self.calendar = calendar
        self.rooms: dict[tuple[str, date], list[tuple[int, int, str]]] = defaultdict(list)
        self.staffed: dict[date, list[tuple[int, int, str]]] = defaultdict(list)
        self.consultation: dict[date, list[tuple[int, int]]] = defaultdict(list)
        self.class_of: dict[str, int] = {}
        self.titles: dict[str, str] = {s.id: s.title for s in problem.sections}
        self.titles.update({slot.id: slot.title for slot in problem.programme})
        for s, p in chosen.items():
            section = entries[s].section
            self.class_of[section.id] = section.priority_class
            for when in pattern_dates(problem, p):
                self.rooms[(problem.rooms[p.room].id, when)].append((p.start, p.end, section.id))
                if is_staffed(section):
                    self.staffed[when].append((p.start, p.end, section.id))
                if section.consultation:
                    self.consultation[when].append((p.start, p.end))
        for slot in problem.programme:
            mask, _ = calendar.held(slot.room, slot.day, slot.start, slot.end)
            for week in range(problem.weeks):
                if mask >> week & 1:
                    when = problem.date_of(week, slot.day)
                    self.rooms[(slot.room, when)].append((slot.start, slot.end, slot.id))
                    if slot.staffed:
                        self.staffed[when].append((slot.start, slot.end, slot.id))
                    if slot.consultation:
                        self.consultation[when].append((slot.start, slot.end))

    def named(self, ids: Iterable[str]) -> str:
        """Staff see whom: ``S24 Kinderchor, P-cafe-1 Offenes Café``."""
        return ", ".join(f"{i} {self.titles.get(i, '')}".strip() for i in sorted(ids))

    def room_blockers(self, room: str, dates: Iterable[date], start: int, end: int) -> set[str]:
        return {
            who
            for when in dates
            for a, b, who in self.rooms.get((room, when), [])
            if a < end and start < b
        }

    def staff_short(self, day: int, dates: Iterable[date], start: int, end: int) -> bool:
        grain = self.problem.grain
        for when in dates:
            for t in range(start // grain * grain, end, grain):
                load = sum(1 for a, b, _ in self.staffed.get(when, []) if a < t + grain and t < b)
                if load + 1 > staffed_at(self.problem, day, t, t + grain):
                    return True
        return False

    def staff_blockers(self, dates: Iterable[date], start: int, end: int) -> set[str]:
        """The staffed activities running at the same time on those dates."""
        return {
            who
            for when in dates
            for a, b, who in self.staffed.get(when, [])
            if a < end and start < b
        }

    def consultation_clash(self, dates: Iterable[date], start: int, end: int) -> bool:
        return any(
            a < end and start < b for when in dates for a, b in self.consultation.get(when, [])
        )


def pattern_dates(problem: TermProblem, p: Pattern) -> list[date]:
    """The concrete dates a pattern is held on."""
    return [
        problem.date_of(week, day)
        for pos, day in enumerate(p.days)
        for week in range(problem.weeks)
        if p.masks[pos] >> week & 1
    ]


def _windows(section: Section) -> str:
    ws = sorted(section.windows, key=lambda w: (w.day, w.start))
    return "; ".join(str(w) for w in ws[:4]) + (" …" if len(ws) > 4 else "")


def _join(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


# ----------------------------------------------------------------------------- rendering


def render_staff(kind: str, p: Params) -> str:
    """The English sentence for staff (from ``kind`` and ``params`` only)."""
    title = p.get("title", "")
    if kind in ("withdrawn", "rejected"):
        return f"{title}: the application is {kind}; it is not allocated."
    if kind == "missing_feature":
        return (
            f"{title} needs {p['size']} people with {p['features']}: no room it may use has "
            f"{p['missing']} (nearest: {p['nearest']})."
        )
    if kind == "capacity":
        return (
            f"{title} needs {p['size']} places with {p['features'] or 'no special features'}: "
            f"the largest room it may use with them, {p['room']}, holds {p['largest']}."
        )
    if kind == "too_few_days":
        return (
            f"{title}: it asks for {p['per_week']} meetings a week on different days, but its "
            f"windows lie on {p['days']} day(s)."
        )
    if kind == "window_too_short":
        return (
            f"{title}: its windows ({p['windows']}) are shorter than its minimum duration of "
            f"{p['min_duration']} min."
        )
    if kind == "house_closed":
        return f"{title}: the house is not open in {p['windows']}."
    if kind == "no_staff":
        return f"{title}: no staff member is on duty in {p['windows']}."
    if kind == "programme":
        return (
            f"{title}: the fixed programme ({p['programme']}) takes every slot in {p['windows']}."
        )
    if kind == "no_dates":
        return f"{title}: none of its dates in the term can be held (holidays, closures, bookings)."
    if kind == "pin":
        return f"{title}: it is pinned to a slot where it cannot take place."
    if kind == "higher_class":
        return (
            f"{title} (class {p['class']}): every slot in {p['windows']} is taken in some week by "
            f"sections of a higher class ({p['taken']})."
        )
    if kind == "staff":
        return (
            f"{title} (class {p['class']}): a room is free in {p['windows']}, but everyone on "
            f"duty then runs another activity ({p['busy']})."
        )
    if kind == "room_conflict":
        text = f"{title} (class {p['class']}): every slot in {p['windows']} is taken in some week"
        if p.get("taken"):
            text += f" by {p['taken']}"
        if p.get("staff"):
            text += "; " if p.get("taken") else " "
            text += "or needs more staff than are on duty then"
        return text + "."
    if kind == "trade_off" and p.get("proven") == "yes":
        return (
            f"{title} (class {p['class']}): a slot is free ({p['free']}), but staffing it would "
            "need another block of opening hours that day (at most two are published)."
        )
    if kind == "trade_off":
        return (
            f"{title}: a slot is free ({p['free']}); the allocation was stopped before it was "
            "proven optimal."
        )
    return f"{title}: {kind}"


APPLICANT_CODES = (
    "withdrawn",
    "rejected",
    "no_suitable_room",
    "times_too_short",
    "too_few_days",
    "outside_opening_hours",
    "no_staff_then",
    "requested_times_taken",
    "higher_priority_class",
    "no_dates_in_term",
    "house_requirements",
    "not_reached",
)


def render_applicant(code: str, p: Params) -> str:
    """The English text for the applicant (names no other applicant)."""
    texts = {
        "withdrawn": "You withdrew this application.",
        "rejected": "Staff rejected this application.",
        "no_suitable_room": "No room of the centre holds {size} people with what you need "
        "({features}).",
        "too_few_days": "You asked for {per_week} meetings a week on different days, but your "
        "times lie on {days} day(s).",
        "times_too_short": "Your times ({windows}) are shorter than the {min_duration} minutes "
        "you need.",
        "outside_opening_hours": "The centre is not open at your times ({windows}).",
        "no_staff_then": "No staff member is on duty at your times ({windows}).",
        "requested_times_taken": "All rooms that fit were taken at your times ({windows}).",
        "higher_priority_class": "At your times ({windows}) the rooms went to activities of a "
        "higher priority class than yours (class {class}), following the published criteria.",
        "no_dates_in_term": "None of your dates in the term can take place (holidays, closures).",
        "house_requirements": "A slot at your times would have broken the centre's opening "
        "hours or its obligations.",
        "not_reached": "The allocation has not been completed for your application yet.",
    }
    return texts.get(code, code).format(**p)


def render_suggestion(kind: str, p: Params) -> str:
    if kind == "other_window":
        return f"It would fit {p['when']} in {p['room']}."
    if kind == "shorter_duration":
        return f"With {p['duration']} minutes it would fit {p['when']} in {p['room']}."
    if kind == "room_without_feature":
        return f"{p['room']} is free {p['when']} but has no {p['missing']}."
    return kind


def _suggestion(kind: str, params: Params) -> Suggestion:
    return Suggestion(kind, tuple(sorted(params.items())), render_suggestion(kind, params))


def _refusal(
    section: Section,
    rule: str,
    kind: str,
    params: Params,
    code: str,
    code_params: Params,
    blockers: Iterable[str] = (),
    suggestions: Iterable[Suggestion] = (),
) -> Refusal:
    params = {"title": section.title, **params}
    return Refusal(
        section=section.id,
        rule=rule,
        kind=kind,
        message=render_staff(kind, params),
        code=code,
        applicant_message=render_applicant(code, code_params),
        blockers=tuple(sorted(set(blockers))),
        params=tuple(sorted(params.items())),
        code_params=tuple(sorted(code_params.items())),
        suggestions=tuple(suggestions),
    )


# ----------------------------------------------------------------------------- suggestions


def _free_slot(
    problem: TermProblem,
    calendar: Calendar,
    occupancy: Occupancy,
    section: Section,
    rooms: list[str],
    windows: list[Window],
    durations: list[int],
) -> tuple[str, tuple[int, ...], int, int] | None:
    """A free (room, days, start, duration) for the section in the finished plan."""
    grain = problem.grain
    phases: list[int | None] = [0, 1] if section.frequency == "fortnightly" else [None]
    staffed = is_staffed(section)
    for duration in durations:
        for window in windows:
            house = house_window(problem, window.day)
            if house is None:
                continue
            lo, hi = max(window.start, house.start), min(window.end, house.end)
            for start in range(-(-lo // grain) * grain, hi - duration + 1, grain):
                end = start + duration
                if staffed and staffed_at(problem, window.day, start, end) < 1:
                    continue
                for room in rooms:
                    for phase in phases:
                        held, _ = calendar.held(room, window.day, start, end)
                        mask = held & calendar.frequency_mask(section, window.day, phase)
                        dates = [
                            problem.date_of(w, window.day)
                            for w in range(problem.weeks)
                            if mask >> w & 1
                        ]
                        if not dates or occupancy.room_blockers(room, dates, start, end):
                            continue
                        if staffed and occupancy.staff_short(window.day, dates, start, end):
                            continue
                        if section.consultation and occupancy.consultation_clash(dates, start, end):
                            continue
                        return room, (window.day,), start, duration
    return None


def _when(days: tuple[int, ...], start: int, duration: int) -> str:
    return ", ".join(describe(d, start, start + duration) for d in days)


def suggestions(
    problem: TermProblem, calendar: Calendar, occupancy: Occupancy, section: Section
) -> list[Suggestion]:
    """What would place the section in this plan (each a free slot found week by week)."""
    out: list[Suggestion] = []
    features = needed_features(problem, section)
    fitting = [
        r.id
        for r in problem.rooms
        if fits(r, section.size, features) is None
        and (section.other_rooms or not section.rooms or r.id in section.rooms)
    ]
    grain = problem.grain
    windows = sorted(section.windows, key=lambda w: (w.day, w.start))
    shorter = list(range(section.min_duration - grain, grain - 1, -grain))
    if fitting and shorter:
        found = _free_slot(problem, calendar, occupancy, section, fitting, windows, shorter)
        if found is not None:
            room, days, start, duration = found
            out.append(
                _suggestion(
                    "shorter_duration",
                    {"room": room, "when": _when(days, start, duration), "duration": str(duration)},
                )
            )
    if fitting:
        wished_days = sorted({w.day for w in windows})
        other_days = [d for d in range(7) if d not in wished_days]
        others = [
            Window(h.day, h.start, h.end)
            for d in wished_days + other_days
            for h in problem.days
            if h.day == d
        ]
        found = _free_slot(
            problem, calendar, occupancy, section, fitting, others, [section.min_duration]
        )
        if found is not None:
            room, days, start, duration = found
            out.append(
                _suggestion("other_window", {"room": room, "when": _when(days, start, duration)})
            )
    if section.features:
        lacking = [
            r
            for r in problem.rooms
            if r.capacity >= section.size and not section.features <= r.features
        ]
        for other in lacking:
            found = _free_slot(
                problem, calendar, occupancy, section, [other.id], windows, [section.min_duration]
            )
            if found is not None:
                _, days, start, duration = found
                out.append(
                    _suggestion(
                        "room_without_feature",
                        {
                            "room": other.id,
                            "when": _when(days, start, duration),
                            "missing": _join(section.features - other.features),
                        },
                    )
                )
                break
    return out


# ----------------------------------------------------------------------------- deciding


def refusals(
    problem: TermProblem,
    calendar: Calendar,
    entries: list[SectionPatterns],
    chosen: dict[int, Pattern],
    opening: tuple[OpeningHours, ...],
    *,
    proven: bool,
) -> list[Refusal]:
    """A refusal for every section without an allocation, in section order."""
    occupancy = Occupancy(problem, calendar, entries, chosen)
    out: list[Refusal] = []
    for e in entries:
        if e.index in chosen:
            continue
        out.append(_explain(problem, calendar, occupancy, e, proven=proven))
    return out


def _explain(
    problem: TermProblem,
    calendar: Calendar,
    occupancy: Occupancy,
    e: SectionPatterns,
    *,
    proven: bool,
) -> Refusal:
    s = e.section
    windows = _windows(s)
    cls = str(s.priority_class)
    if s.status != "active":
        return _refusal(s, "status", s.status, {}, s.status, {})
    if not e.patterns:
        return _no_pattern(problem, calendar, occupancy, e)
    taken: set[str] = set()
    staff = False
    busy: set[str] = set()  # staffed activities where a room is free but no one is
    free: Pattern | None = None
    for p in e.patterns:
        room = problem.rooms[p.room].id
        dates = pattern_dates(problem, p)
        blockers = occupancy.room_blockers(room, dates, p.start, p.end)
        short = False
        if is_staffed(s):
            for day in p.days:
                on_day = [d for d in dates if d.weekday() == day]
                if occupancy.staff_short(day, on_day, p.start, p.end):
                    short = True
                    if not blockers:
                        busy |= occupancy.staff_blockers(on_day, p.start, p.end)
        clash = s.consultation and occupancy.consultation_clash(dates, p.start, p.end)
        taken |= blockers
        staff |= short or clash
        if not blockers and not short and not clash and free is None:
            free = p
    hints = suggestions(problem, calendar, occupancy, s)
    code_params = {"windows": windows, "class": cls}
    if free is not None:
        when = f"{_when(free.days, free.start, free.duration)} in {problem.rooms[free.room].id}"
        return _refusal(
            s,
            "published_hours" if proven else "trade_off",
            "trade_off",
            {"class": cls, "free": when, "proven": "yes" if proven else "no"},
            "house_requirements" if proven else "not_reached",
            {},
            suggestions=hints,
        )
    higher = (
        bool(taken)
        and not staff
        and all(occupancy.class_of.get(b, 0) < s.priority_class for b in taken)
    )
    if higher:
        return _refusal(
            s,
            "priority_class",
            "higher_class",
            {"class": cls, "windows": windows, "taken": occupancy.named(taken)},
            "higher_priority_class",
            code_params,
            blockers=taken,
            suggestions=hints,
        )
    if busy:
        # A room is free, but everyone on duty then runs another staffed activity.
        return _refusal(
            s,
            "staff_capacity",
            "staff",
            {"class": cls, "windows": windows, "busy": occupancy.named(busy)},
            "no_staff_then",
            {"windows": windows},
            blockers=busy,
            suggestions=hints,
        )
    params = {"class": cls, "windows": windows, "taken": occupancy.named(taken)}
    if staff:
        params["staff"] = "yes"
    return _refusal(
        s,
        "room_conflict",
        "room_conflict",
        params,
        "requested_times_taken",
        {"windows": windows},
        blockers=taken,
        suggestions=hints,
    )


def _no_pattern(
    problem: TermProblem, calendar: Calendar, occupancy: Occupancy, e: SectionPatterns
) -> Refusal:
    s = e.section
    windows = _windows(s)
    features = needed_features(problem, s)
    rooms = [
        r for r in problem.rooms if not (s.rooms and r.id not in s.rooms and not s.other_rooms)
    ]
    fitting = [r for r in rooms if fits(r, s.size, features) is None]
    hints = suggestions(problem, calendar, occupancy, s)
    if e.pin is not None and e.rejected.get("pins_hold"):
        return _refusal(
            s,
            "pins_hold",
            "pin",
            {},
            "requested_times_taken",
            {"windows": windows},
            suggestions=hints,
        )
    if not fitting:
        equipped = [r for r in rooms if features <= r.features]
        if equipped:
            biggest = max(equipped, key=lambda r: (r.capacity, r.id))
            return _refusal(
                s,
                "capacity_and_features",
                "capacity",
                {
                    "size": str(s.size),
                    "features": _join(features),
                    "largest": str(biggest.capacity),
                    "room": biggest.id,
                },
                "no_suitable_room",
                {"size": str(s.size), "features": _join(features)},
                suggestions=hints,
            )
        pool = [r for r in rooms if r.capacity >= s.size] or rooms
        nearest = max(pool, key=lambda r: (len(features & r.features), -r.capacity, r.id))
        missing = _join(features - nearest.features)
        return _refusal(
            s,
            "capacity_and_features",
            "missing_feature",
            {
                "size": str(s.size),
                "features": _join(features),
                "missing": missing,
                "nearest": nearest.id,
            },
            "no_suitable_room",
            {"size": str(s.size), "features": _join(features)},
            suggestions=hints,
        )
    counts = e.rejected
    days = len({w.day for w in s.windows})
    if days < s.per_week:
        params = {"days": str(days), "per_week": str(s.per_week)}
        return _refusal(
            s,
            "allowed_window",
            "too_few_days",
            params,
            "too_few_days",
            params,
            suggestions=hints,
        )
    if counts.get("window") and not counts.get("house_hours") and not counts.get("staffing"):
        return _refusal(
            s,
            "allowed_window",
            "window_too_short",
            {"windows": windows, "min_duration": str(s.min_duration)},
            "times_too_short",
            {"windows": windows, "min_duration": str(s.min_duration)},
            suggestions=hints,
        )
    if counts.get("staffing") and not counts.get("programme") and not counts.get("no_dates"):
        return _refusal(
            s,
            "staff_capacity",
            "no_staff",
            {"windows": windows},
            "no_staff_then",
            {"windows": windows},
            suggestions=hints,
        )
    if counts.get("programme"):
        blockers = sorted(e.programme_blockers)
        return _refusal(
            s,
            "programme",
            "programme",
            {"windows": windows, "programme": _join(blockers)},
            "requested_times_taken",
            {"windows": windows},
            blockers=blockers,
            suggestions=hints,
        )
    if counts.get("no_dates"):
        return _refusal(s, "skipped_dates", "no_dates", {}, "no_dates_in_term", {})
    return _refusal(
        s,
        "allowed_window",
        "house_closed",
        {"windows": windows},
        "outside_opening_hours",
        {"windows": windows},
        suggestions=hints,
    )
