"""JSON forms of the term problem and the term plan.

Like the week's (``solver/jsonio.py``): weekdays 0–6, times ``"HH:MM"``, durations in minutes;
dates are ISO strings (``"2027-02-01"``).  A term problem carries ``"type": "term"`` so the
command line tells it from a week.  Unknown keys are ignored; optional keys take the defaults.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import date
from typing import Any, cast

from solver.jsonio import (
    parse_hhmm,
    requirements_json,
    room_from_json,
    room_to_json,
    window_from_json,
    window_to_json,
)
from solver.problem import OpeningHours, Violation, hhmm
from solver.term.problem import (
    Allocation,
    Booking,
    Frequency,
    Holiday,
    LastSlot,
    Preference,
    PreferenceLevel,
    ProgrammeSlot,
    Refusal,
    Section,
    SectionStatus,
    Shortfall,
    SkippedDate,
    Staffing,
    StageStats,
    Suggestion,
    TermClosure,
    TermPin,
    TermPlan,
    TermProblem,
    TermRequirements,
    TermStats,
    TermStatus,
    TermWeights,
    WeekReport,
)

JSON = dict[str, Any]


def _pairs(items: tuple[tuple[str, str], ...]) -> JSON:
    return dict(items)


def _section_out(s: Section) -> JSON:
    return {
        "id": s.id,
        "title": s.title,
        "applicant": s.applicant,
        "priority_class": s.priority_class,
        "min_duration": s.min_duration,
        "max_duration": s.max_duration,
        "windows": [window_to_json(w) for w in s.windows],
        "frequency": s.frequency,
        "per_week": s.per_week,
        "nth": list(s.nth),
        "phase": s.phase,
        "preferred": [{**window_to_json(p.window), "level": p.level} for p in s.preferred],
        "rooms": list(s.rooms),
        "other_rooms": s.other_rooms,
        "features": sorted(s.features),
        "size": s.size,
        "staffed": s.staffed,
        "consultation": s.consultation,
        "offer": s.offer,
        "status": s.status,
        "last_term": None
        if s.last_term is None
        else {
            "room": s.last_term.room,
            "days": list(s.last_term.days),
            "start": hhmm(s.last_term.start),
        },
    }


def _section_in(d: JSON) -> Section:
    last = d.get("last_term")
    return Section(
        id=str(d["id"]),
        title=str(d.get("title", d["id"])),
        applicant=str(d.get("applicant", "")),
        priority_class=int(d.get("priority_class", 1)),
        min_duration=int(d["min_duration"]),
        max_duration=int(d.get("max_duration") or d["min_duration"]),
        windows=tuple(window_from_json(w) for w in d["windows"]),
        frequency=cast(Frequency, d.get("frequency", "weekly")),
        per_week=int(d.get("per_week", 1)),
        nth=tuple(int(n) for n in d.get("nth", ())),
        phase=None if d.get("phase") is None else int(d["phase"]),
        preferred=tuple(
            Preference(window_from_json(p), cast(PreferenceLevel, p.get("level", "primary")))
            for p in d.get("preferred", ())
        ),
        rooms=tuple(str(r) for r in d.get("rooms", ())),
        other_rooms=bool(d.get("other_rooms", True)),
        features=frozenset(d.get("features", ())),
        size=int(d.get("size", 1)),
        staffed=bool(d.get("staffed", False)),
        consultation=bool(d.get("consultation", False)),
        offer=bool(d.get("offer", True)),
        status=cast(SectionStatus, d.get("status", "active")),
        last_term=None
        if not last
        else LastSlot(
            str(last["room"]), tuple(int(x) for x in last["days"]), parse_hhmm(last["start"])
        ),
    )


def term_problem_to_json(problem: TermProblem) -> JSON:
    return {
        "type": "term",
        "name": problem.name,
        "start": problem.start.isoformat(),
        "weeks": problem.weeks,
        "grain": problem.grain,
        "days": [window_to_json(w) for w in problem.days],
        "rooms": [room_to_json(r) for r in problem.rooms],
        "sections": [_section_out(s) for s in problem.sections],
        "programme": [
            {
                "id": p.id,
                "title": p.title,
                "room": p.room,
                "day": p.day,
                "start": hhmm(p.start),
                "end": hhmm(p.end),
                "staffed": p.staffed,
                "consultation": p.consultation,
                "offer": p.offer,
            }
            for p in problem.programme
        ],
        "bookings": [
            {
                "id": b.id,
                "title": b.title,
                "room": b.room,
                "date": b.date.isoformat(),
                "start": hhmm(b.start),
                "end": hhmm(b.end),
            }
            for b in problem.bookings
        ],
        "closures": [
            {
                "first": c.first.isoformat(),
                "last": c.last.isoformat(),
                "room": c.room,
                "reason": c.reason,
            }
            for c in problem.closures
        ],
        "holidays": [{"date": h.date.isoformat(), "name": h.name} for h in problem.holidays],
        "staffing": [{**window_to_json(s.window), "count": s.count} for s in problem.staffing],
        "pins": [
            {
                "section": p.section,
                "room": p.room,
                "days": None if p.days is None else list(p.days),
                "start": None if p.start is None else hhmm(p.start),
                "duration": p.duration,
                "phase": p.phase,
                "forbid": p.forbid,
            }
            for p in problem.pins
        ],
        "requirements": requirements_json(problem.requirements),
        "weights": asdict(problem.weights),
    }


def term_problem_from_json(data: JSON) -> TermProblem:
    req = dict(data.get("requirements", {}))
    if "consultation_features" in req:
        req["consultation_features"] = frozenset(req["consultation_features"])
    known_req = {f.name for f in fields(TermRequirements)}
    known_w = {f.name for f in fields(TermWeights)}
    kwargs: dict[str, Any] = {}
    if "days" in data:
        kwargs["days"] = tuple(window_from_json(w) for w in data["days"])
    return TermProblem(
        start=date.fromisoformat(data["start"]),
        weeks=int(data["weeks"]),
        rooms=tuple(room_from_json(r) for r in data["rooms"]),
        sections=tuple(_section_in(s) for s in data.get("sections", ())),
        programme=tuple(
            ProgrammeSlot(
                id=str(p["id"]),
                title=str(p.get("title", p["id"])),
                room=str(p["room"]),
                day=int(p["day"]),
                start=parse_hhmm(p["start"]),
                end=parse_hhmm(p["end"]),
                staffed=bool(p.get("staffed", True)),
                consultation=bool(p.get("consultation", False)),
                offer=bool(p.get("offer", True)),
            )
            for p in data.get("programme", ())
        ),
        bookings=tuple(
            Booking(
                id=str(b["id"]),
                title=str(b.get("title", b["id"])),
                room=str(b["room"]),
                date=date.fromisoformat(b["date"]),
                start=parse_hhmm(b["start"]),
                end=parse_hhmm(b["end"]),
            )
            for b in data.get("bookings", ())
        ),
        closures=tuple(
            TermClosure(
                date.fromisoformat(c["first"]),
                date.fromisoformat(c["last"]),
                c.get("room"),
                str(c.get("reason", "")),
            )
            for c in data.get("closures", ())
        ),
        holidays=tuple(
            Holiday(date.fromisoformat(h["date"]), str(h.get("name", "")))
            for h in data.get("holidays", ())
        ),
        staffing=tuple(
            Staffing(window_from_json(s), int(s["count"])) for s in data.get("staffing", ())
        ),
        pins=tuple(
            TermPin(
                section=str(p["section"]),
                room=p.get("room"),
                days=None if p.get("days") is None else tuple(int(x) for x in p["days"]),
                start=None if p.get("start") is None else parse_hhmm(p["start"]),
                duration=None if p.get("duration") is None else int(p["duration"]),
                phase=None if p.get("phase") is None else int(p["phase"]),
                forbid=bool(p.get("forbid", False)),
            )
            for p in data.get("pins", ())
        ),
        requirements=TermRequirements(**{k: v for k, v in req.items() if k in known_req}),
        weights=TermWeights(**{k: v for k, v in data.get("weights", {}).items() if k in known_w}),
        grain=int(data.get("grain", 30)),
        name=str(data.get("name", "")),
        **kwargs,
    )


# ------------------------------------------------------------------------------------- plans


def term_plan_to_json(plan: TermPlan) -> JSON:
    return {
        "type": "term",
        "status": plan.status,
        "reason": plan.reason,
        "allocations": [
            {
                "section": a.section,
                "room": a.room,
                "days": list(a.days),
                "start": hhmm(a.start),
                "end": hhmm(a.end),
                "phase": a.phase,
                "dates": [d.isoformat() for d in a.dates],
                "skipped": [
                    {"date": s.date.isoformat(), "reason": s.reason, "detail": s.detail}
                    for s in a.skipped
                ],
            }
            for a in plan.allocations
        ],
        "refusals": [
            {
                "section": r.section,
                "rule": r.rule,
                "kind": r.kind,
                "message": r.message,
                "blockers": list(r.blockers),
                "params": _pairs(r.params),
                "code": r.code,
                "code_params": _pairs(r.code_params),
                "applicant_message": r.applicant_message,
                "suggestions": [
                    {"kind": s.kind, "params": _pairs(s.params), "message": s.message}
                    for s in r.suggestions
                ],
            }
            for r in plan.refusals
        ],
        "opening": [
            {"day": o.day, "start": hhmm(o.start), "end": hhmm(o.end)} for o in plan.opening
        ],
        "weeks": [
            {
                "index": w.index,
                "monday": w.monday.isoformat(),
                "open_minutes": w.open_minutes,
                "open_days": w.open_days,
                "weekend_offer": w.weekend_offer,
                "consultation_minutes": w.consultation_minutes,
                "shortfalls": [asdict(s) for s in w.shortfalls],
            }
            for w in plan.weeks
        ],
        "stats": {
            **{
                f.name: getattr(plan.stats, f.name)
                for f in fields(TermStats)
                if f.name not in ("stages", "penalties")
            },
            "stages": [asdict(s) for s in plan.stats.stages],
            "penalties": dict(plan.stats.penalties),
        },
    }


def _items(d: JSON) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in d.items()))


def term_plan_from_json(data: JSON) -> TermPlan:
    st = data["stats"]
    return TermPlan(
        status=cast(TermStatus, data["status"]),
        reason=str(data.get("reason", "")),
        allocations=tuple(
            Allocation(
                section=str(a["section"]),
                room=str(a["room"]),
                days=tuple(int(x) for x in a["days"]),
                start=parse_hhmm(a["start"]),
                end=parse_hhmm(a["end"]),
                phase=a.get("phase"),
                dates=tuple(date.fromisoformat(x) for x in a["dates"]),
                skipped=tuple(
                    SkippedDate(
                        date.fromisoformat(s["date"]), str(s["reason"]), str(s.get("detail", ""))
                    )
                    for s in a.get("skipped", ())
                ),
            )
            for a in data["allocations"]
        ),
        refusals=tuple(
            Refusal(
                section=str(r["section"]),
                rule=str(r["rule"]),
                kind=str(r["kind"]),
                message=str(r["message"]),
                code=str(r["code"]),
                applicant_message=str(r.get("applicant_message", "")),
                blockers=tuple(str(b) for b in r.get("blockers", ())),
                params=_items(r.get("params", {})),
                code_params=_items(r.get("code_params", {})),
                suggestions=tuple(
                    Suggestion(str(s["kind"]), _items(s.get("params", {})), str(s["message"]))
                    for s in r.get("suggestions", ())
                ),
            )
            for r in data.get("refusals", ())
        ),
        opening=tuple(
            OpeningHours(int(o["day"]), parse_hhmm(o["start"]), parse_hhmm(o["end"]))
            for o in data.get("opening", ())
        ),
        weeks=tuple(
            WeekReport(
                index=int(w["index"]),
                monday=date.fromisoformat(w["monday"]),
                open_minutes=int(w["open_minutes"]),
                open_days=int(w["open_days"]),
                weekend_offer=bool(w["weekend_offer"]),
                consultation_minutes=int(w["consultation_minutes"]),
                shortfalls=tuple(Shortfall(**s) for s in w.get("shortfalls", ())),
            )
            for w in data.get("weeks", ())
        ),
        stats=TermStats(
            status=str(st["status"]),
            objective=int(st["objective"]),
            bound=int(st["bound"]),
            gap=float(st["gap"]),
            proven=bool(st["proven"]),
            seconds=float(st["seconds"]),
            first_solution_seconds=st.get("first_solution_seconds"),
            stages=tuple(StageStats(**s) for s in st.get("stages", ())),
            penalties=tuple(sorted((str(k), int(v)) for k, v in st.get("penalties", {}).items())),
            patterns=int(st.get("patterns", 0)),
        ),
    )


def violations_to_json(violations: list[Violation]) -> list[JSON]:
    return [
        {"rule": v.rule, "message": v.message, "subjects": list(v.subjects)} for v in violations
    ]
