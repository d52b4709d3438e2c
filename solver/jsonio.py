"""JSON forms of problem and plan (documented by ``solver/schemas/*.schema.json``).

Times are local wall-clock times of one ISO week: ``day`` is 0 (Monday) … 6 (Sunday) and
``start``/``end`` are ``"HH:MM"`` strings (``"24:00"`` allowed as an end).  Durations are
integer minutes.  Unknown keys are ignored on input; optional keys take the dataclass defaults.
"""

from __future__ import annotations

import re
from dataclasses import asdict, fields
from functools import cache, lru_cache
from typing import Any

from solver.problem import (
    Closure,
    Demand,
    Explanation,
    Figures,
    Fix,
    LastWeek,
    OpeningHours,
    Pin,
    Placement,
    Plan,
    Problem,
    RequirementFailure,
    Requirements,
    Room,
    Shift,
    SolveStats,
    StaffMember,
    Weights,
    Window,
    hhmm,
)

JSON = dict[str, Any]
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def parse_hhmm(value: str | int) -> int:
    """``"HH:MM"`` → minutes from midnight (integers are accepted as minutes)."""
    if isinstance(value, int):
        return value
    return _parse_text(value)


@cache
def _parse_text(value: str) -> int:
    # A stored week repeats a few dozen distinct times thousands of times.
    match = _HHMM.match(value)
    if match is None:
        raise ValueError(f"not a HH:MM time: {value!r}")
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > 24 * 60:
        raise ValueError(f"time after 24:00: {value!r}")
    return minutes


def window_to_json(w: Window) -> JSON:
    """A window as JSON (shared by the week's and the term's formats)."""
    return {"day": w.day, "start": hhmm(w.start), "end": hhmm(w.end)}


def window_from_json(d: JSON) -> Window:
    return _window(int(d["day"]), d["start"], d["end"])


@lru_cache(maxsize=4096)
def _window(day: int, start: str | int, end: str | int) -> Window:
    # Windows are immutable values; a stored week repeats the same few thousands of times.
    return Window(day, parse_hhmm(start), parse_hhmm(end))


def room_to_json(r: Room) -> JSON:
    """A room as JSON (shared by the week's and the term's formats)."""
    return {"id": r.id, "name": r.name, "capacity": r.capacity, "features": sorted(r.features),
            "centre": r.centre, "buffers": dict(r.buffers), "parts": list(r.parts)}


def room_from_json(r: JSON) -> Room:
    return Room(
        id=str(r["id"]),
        name=str(r.get("name", r["id"])),
        capacity=int(r["capacity"]),
        features=frozenset(r.get("features", ())),
        centre=str(r.get("centre", "")),
        buffers=tuple((str(k), int(v)) for k, v in r.get("buffers", {}).items()),
        parts=tuple(str(x) for x in r.get("parts", ())),
    )


def _opening_out(o: OpeningHours) -> JSON:
    return {"day": o.day, "start": hhmm(o.start), "end": hhmm(o.end), "centre": o.centre}


def _opening_in(d: JSON) -> OpeningHours:
    return OpeningHours(
        int(d["day"]), parse_hhmm(d["start"]), parse_hhmm(d["end"]), str(d.get("centre", ""))
    )


def problem_to_json(problem: Problem) -> JSON:
    """The JSON form of a problem (stable key order, features sorted)."""
    return {
        "week": problem.week,
        "grain": problem.grain,
        "days": [window_to_json(w) for w in problem.days],
        "rooms": [room_to_json(r) for r in problem.rooms],
        "staff": [
            {
                "id": s.id,
                "name": s.name,
                "availability": [window_to_json(w) for w in s.availability],
                "max_week_minutes": s.max_week_minutes,
                "max_day_minutes": s.max_day_minutes,
                "skills": sorted(s.skills),
                "centre": s.centre,
            }
            for s in problem.staff
        ],
        "demands": [_demand_out(d) for d in problem.demands],
        "closures": [
            {
                "window": window_to_json(c.window),
                "room": c.room,
                "reason": c.reason,
                "centre": c.centre,
            }
            for c in problem.closures
        ],
        "pins": [
            {
                "demand": p.demand,
                "room": p.room,
                "day": p.day,
                "start": None if p.start is None else hhmm(p.start),
                "remove": p.remove,
            }
            for p in problem.pins
        ],
        "last_opening": [_opening_out(o) for o in problem.last_opening],
        "last_shifts": [
            {"staff": x.staff, "day": x.day, "start": hhmm(x.start), "end": hhmm(x.end)}
            for x in problem.last_shifts
        ],
        "requirements": requirements_json(problem.requirements),
        "weights": asdict(problem.weights),
    }


def requirements_json(requirements: Any) -> JSON:
    """A requirements dataclass (week or term) as JSON: its fields, the feature set sorted."""
    return {
        **{f.name: getattr(requirements, f.name) for f in fields(requirements)
           if f.name != "consultation_features"},
        "consultation_features": sorted(requirements.consultation_features),
    }


def _demand_out(d: Demand) -> JSON:
    return {
        "id": d.id,
        "title": d.title,
        "kind": d.kind,
        "duration": d.duration,
        "windows": [window_to_json(w) for w in d.windows],
        "size": d.size,
        "features": sorted(d.features),
        "priority": d.priority,
        "preferred": [window_to_json(w) for w in d.preferred],
        "rooms": list(d.rooms),
        "staffed": d.staffed,
        "staff": list(d.staff),
        "skill": d.skill,
        "series": d.series,
        "last_week": None
        if d.last_week is None
        else {"room": d.last_week.room, "day": d.last_week.day, "start": hhmm(d.last_week.start)},
        "consultation": d.consultation,
        "centre": d.centre,
        "setup": d.setup,
        "cleanup": d.cleanup,
    }


def _demand_in(d: JSON) -> Demand:
    last = d.get("last_week")
    return Demand(
        id=str(d["id"]),
        title=str(d.get("title", d["id"])),
        kind=d["kind"],
        duration=int(d["duration"]),
        windows=tuple(window_from_json(w) for w in d["windows"]),
        size=int(d.get("size", 1)),
        features=frozenset(d.get("features", ())),
        priority=int(d.get("priority", 1)),
        preferred=tuple(window_from_json(w) for w in d.get("preferred", ())),
        rooms=tuple(d.get("rooms", ())),
        staffed=bool(d.get("staffed", False)),
        staff=tuple(d.get("staff", ())),
        skill=d.get("skill"),
        series=d.get("series"),
        last_week=None
        if not last
        else LastWeek(str(last["room"]), int(last["day"]), parse_hhmm(last["start"])),
        consultation=bool(d.get("consultation", False)),
        centre=str(d.get("centre", "")),
        setup=int(d.get("setup", 0)),
        cleanup=int(d.get("cleanup", 0)),
    )


def problem_from_json(data: JSON) -> Problem:
    """Read a problem from its JSON form (see ``problem.schema.json``)."""
    req = dict(data.get("requirements", {}))
    if "consultation_features" in req:
        req["consultation_features"] = frozenset(req["consultation_features"])
    known_req = {f.name for f in fields(Requirements)}
    known_w = {f.name for f in fields(Weights)}
    kwargs: dict[str, Any] = {}
    if "days" in data:
        kwargs["days"] = tuple(window_from_json(w) for w in data["days"])
    return Problem(
        rooms=tuple(room_from_json(r) for r in data["rooms"]),
        demands=tuple(_demand_in(d) for d in data["demands"]),
        staff=tuple(
            StaffMember(
                id=str(s["id"]),
                name=str(s.get("name", s["id"])),
                availability=tuple(window_from_json(w) for w in s.get("availability", ())),
                max_week_minutes=int(s["max_week_minutes"]),
                max_day_minutes=int(s.get("max_day_minutes", 600)),
                skills=frozenset(s.get("skills", ())),
                centre=str(s.get("centre", "")),
            )
            for s in data.get("staff", ())
        ),
        closures=tuple(
            Closure(
                window=window_from_json(c["window"]),
                room=c.get("room"),
                reason=str(c.get("reason", "")),
                centre=str(c.get("centre", "")),
            )
            for c in data.get("closures", ())
        ),
        pins=tuple(
            Pin(
                demand=str(p["demand"]),
                room=p.get("room"),
                day=p.get("day"),
                start=None if p.get("start") is None else parse_hhmm(p["start"]),
                remove=bool(p.get("remove", False)),
            )
            for p in data.get("pins", ())
        ),
        requirements=Requirements(**{k: v for k, v in req.items() if k in known_req}),
        weights=Weights(**{k: v for k, v in data.get("weights", {}).items() if k in known_w}),
        grain=int(data.get("grain", 30)),
        week=str(data.get("week", "")),
        last_opening=tuple(_opening_in(o) for o in data.get("last_opening", ())),
        last_shifts=tuple(
            Shift(str(x["staff"]), int(x["day"]), parse_hhmm(x["start"]), parse_hhmm(x["end"]))
            for x in data.get("last_shifts", ())
        ),
        **kwargs,
    )


# ------------------------------------------------------------------------------------- plans


def plan_to_json(plan: Plan) -> JSON:
    """The JSON form of a plan (see ``plan.schema.json``)."""
    f = plan.figures
    s = plan.stats
    return {
        "week": plan.week,
        "status": plan.status,
        "placements": [
            {
                "demand": p.demand,
                "room": p.room,
                "day": p.day,
                "start": hhmm(p.start),
                "end": hhmm(p.end),
                "staff": p.staff,
            }
            for p in plan.placements
        ],
        "shifts": [
            {"staff": x.staff, "day": x.day, "start": hhmm(x.start), "end": hhmm(x.end)}
            for x in plan.shifts
        ],
        "unplaced": [
            {
                "demand": u.demand,
                "kind": u.kind,
                "rule": u.rule,
                "message": u.message,
                "blockers": list(u.blockers),
                "params": dict(u.params),
            }
            for u in plan.unplaced
        ],
        "unused_candidates": list(plan.unused_candidates),
        "requirement_failures": [asdict(r) for r in plan.requirement_failures],
        "alternatives": [[asdict(r) for r in choice] for choice in plan.alternatives],
        "fixes": [
            {"kind": f.kind, "message": f.message, "params": dict(f.params)} for f in plan.fixes
        ],
        "figures": {
            "open_minutes_per_day": list(f.open_minutes_per_day),
            "open_minutes": f.open_minutes,
            "open_days": f.open_days,
            "consultation_minutes": f.consultation_minutes,
            "consultation_session_minutes": f.consultation_session_minutes,
            "opening_hours": [_opening_out(o) for o in f.opening_hours],
            "utilisation": dict(f.utilisation),
            "placed": f.placed,
            "unplaced": f.unplaced,
            "placed_by_kind": dict(f.placed_by_kind),
            "placed_weight": f.placed_weight,
            "demand_weight": f.demand_weight,
            "moved": f.moved,
        },
        "stats": {
            "status": s.status,
            "objective": s.objective,
            "bound": s.bound,
            "gap": s.gap,
            "seconds": s.seconds,
            "first_solution_seconds": s.first_solution_seconds,
            "penalties": dict(s.penalties),
            "seed": s.seed,
            "workers": s.workers,
            "placed_value": s.placed_value,
            "placed_bound": s.placed_bound,
            "placement_gap": s.placement_gap,
            "soft_penalty": s.soft_penalty,
            "soft_bound": s.soft_bound,
            "soft_gap": s.soft_gap,
        },
        "reason": plan.reason,
    }


def plan_from_json(data: JSON) -> Plan:
    """Read a plan from its JSON form."""
    f = data["figures"]
    s = data["stats"]
    return Plan(
        status=data["status"],
        placements=tuple(
            Placement(
                demand=str(p["demand"]),
                room=str(p["room"]),
                day=int(p["day"]),
                start=parse_hhmm(p["start"]),
                end=parse_hhmm(p["end"]),
                staff=p.get("staff"),
            )
            for p in data["placements"]
        ),
        shifts=tuple(
            Shift(str(x["staff"]), int(x["day"]), parse_hhmm(x["start"]), parse_hhmm(x["end"]))
            for x in data["shifts"]
        ),
        unplaced=tuple(
            Explanation(
                demand=str(u["demand"]),
                kind=str(u["kind"]),
                rule=str(u["rule"]),
                message=str(u["message"]),
                blockers=tuple(u.get("blockers", ())),
                params=tuple((str(k), str(v)) for k, v in u.get("params", {}).items()),
            )
            for u in data["unplaced"]
        ),
        unused_candidates=tuple(data.get("unused_candidates", ())),
        requirement_failures=tuple(
            RequirementFailure(**r) for r in data.get("requirement_failures", ())
        ),
        figures=Figures(
            open_minutes_per_day=tuple(f["open_minutes_per_day"]),
            open_minutes=int(f["open_minutes"]),
            open_days=int(f["open_days"]),
            consultation_minutes=int(f["consultation_minutes"]),
            utilisation=tuple((k, float(v)) for k, v in f["utilisation"].items()),
            placed=int(f["placed"]),
            unplaced=int(f["unplaced"]),
            placed_by_kind=tuple((k, int(v)) for k, v in f["placed_by_kind"].items()),
            placed_weight=int(f["placed_weight"]),
            demand_weight=int(f["demand_weight"]),
            moved=int(f["moved"]),
            consultation_session_minutes=int(
                f.get("consultation_session_minutes", f["consultation_minutes"])
            ),
            opening_hours=tuple(_opening_in(o) for o in f.get("opening_hours", ())),
        ),
        stats=SolveStats(
            status=str(s["status"]),
            objective=int(s["objective"]),
            bound=int(s["bound"]),
            gap=float(s["gap"]),
            seconds=float(s["seconds"]),
            first_solution_seconds=s.get("first_solution_seconds"),
            penalties=tuple((k, int(v)) for k, v in s.get("penalties", {}).items()),
            seed=int(s.get("seed", 0)),
            workers=int(s.get("workers", 0)),
            placed_value=int(s.get("placed_value", 0)),
            placed_bound=int(s.get("placed_bound", 0)),
            placement_gap=float(s.get("placement_gap", 0.0)),
            soft_penalty=int(s.get("soft_penalty", 0)),
            soft_bound=int(s.get("soft_bound", 0)),
            soft_gap=float(s.get("soft_gap", 0.0)),
        ),
        week=str(data.get("week", "")),
        reason=str(data.get("reason", "")),
        alternatives=tuple(
            tuple(RequirementFailure(**r) for r in choice)
            for choice in data.get("alternatives", ())
        ),
        fixes=tuple(
            Fix(str(f["kind"]), str(f["message"]), tuple(sorted(f.get("params", {}).items())))
            for f in data.get("fixes", ())
        ),
    )
