"""The week planner's explanations of unplaced demand, as messages (``booking.messages``).

``solver.explain`` gives each unplaced demand a ``kind``, the deciding ``rule`` and ``params``
(the facts, as strings) besides an English sentence for staff. Here they become a message code
with parameters, which the plan pages and the API say in the reader's language. Only an
explanation this table does not know (a newer solver's rule) keeps the solver's English
sentence (:func:`explanation` returns ``None``, the caller shows ``message`` marked English).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import solver
from booking.messages import FEATURE_WORDS, Joined, Message, SolverTimes, Word


def _features(value: str) -> Any:
    names = [f.strip() for f in value.split(",") if f.strip()]
    return [Word(FEATURE_WORDS[f]) if f in FEATURE_WORDS else f for f in names]


def _needs(p: Mapping[str, str]) -> Message:
    if p.get("features"):
        return Message("plan_needs_features", {"size": _int(p.get("size")),
                                               "features": _features(p["features"])})
    return Message("plan_needs", {"size": _int(p.get("size"))})


def _int(value: str | None) -> Any:
    try:
        return int(value or "")
    except ValueError:
        return value or "?"


def _taken(u: solver.Explanation, problem: solver.Problem, plan: solver.Plan) -> Joined:
    """Which room is taken by which demand, from the plan itself (the blockers' placements)."""
    rooms = {r.id: r.name for r in problem.rooms}
    titles = {d.id: d.title for d in problem.demands}
    by_room: dict[str, list[str]] = {}
    blockers = set(u.blockers)
    for p in plan.placements:
        if p.demand in blockers:
            names = by_room.setdefault(rooms.get(p.room, p.room), [])
            if titles.get(p.demand, p.demand) not in names:
                names.append(titles.get(p.demand, p.demand))
    return Joined(tuple(Message("plan_taken", {"room": room, "titles": names})
                        for room, names in by_room.items()), "; ")


def explanation(u: solver.Explanation, problem: solver.Problem,
                plan: solver.Plan) -> Message | None:
    """The message for one unplaced demand of a plan; ``None`` for an unknown one."""
    kind, rule = u.kind, u.rule
    p: dict[str, str] = {str(k): str(v) for k, v in u.params}
    title = p.get("title") or u.demand
    base: dict[str, Any] = {"title": title}
    windows = SolverTimes(p.get("windows", ""))
    when = SolverTimes(p.get("when", ""))
    if kind == "pin":
        return Message("plan_pin", base)
    if kind == "missing_feature":
        params = {**base, "needs": _needs(p), "missing": _features(p.get("missing", ""))}
        if p.get("allowed_rooms"):
            return Message("plan_missing_feature_allowed",
                           {**params, "allowed_rooms": p["allowed_rooms"]})
        return Message("plan_missing_feature", params)
    if kind == "capacity":
        params = {**base, "needs": _needs(p), "largest": p.get("largest", ""),
                  "largest_capacity": _int(p.get("largest_capacity"))}
        if p.get("large_rooms"):
            return Message("plan_capacity_lacking", {**params, "large_rooms": p["large_rooms"],
                                                     "lacking": _features(p["lacking"])})
        return Message("plan_capacity", params)
    if kind == "house_closed":
        if p.get("buffers"):
            return Message("plan_house_closed_buffers", {**base, "windows": windows})
        if p.get("open_days") in (None, "", "none"):
            return Message("plan_house_closed_never", {**base, "windows": windows})
        return Message("plan_house_closed", {**base, "windows": windows,
                                             "open_days": SolverTimes(p["open_days"])})
    if kind == "closure":
        params = {**base, "rooms": p.get("rooms", ""), "windows": windows}
        if p.get("reasons"):
            return Message("plan_closure_reasons", {**params, "reasons": p["reasons"]})
        return Message("plan_closure", params)
    if kind == "staff" and rule == "staff_availability":
        skill = {"skill": p["skill"]} if p.get("skill") else {}
        if not p.get("qualified"):
            if skill:
                return Message("plan_staff_none_skill", {**base, **skill})
            return Message("plan_staff_none", base)
        params = {**base, "qualified": p["qualified"], "windows": windows}
        if skill:
            return Message("plan_staff_unavailable_skill", {**params, **skill})
        return Message("plan_staff_unavailable", params)
    if kind == "staff":
        return Message("plan_staff_busy", {**base, "when": when,
                                           "available": p.get("available", ""),
                                           "busy_with": p.get("busy_with", "")})
    if kind == "room_conflict":
        params = {**base, "needs": _needs(p), "windows": windows,
                  "taken": _taken(u, problem, plan)}
        tie = {"room_fit": Message("plan_tie_room_fit"),
               "preferred_window": Message("plan_tie_preferred_window"),
               "stability": Message("plan_tie_stability")}.get(p.get("tie_rule", ""))
        if p.get("tie_with") and tie:
            return Message("plan_room_conflict_tie", {**params, "tie_with": p["tie_with"],
                                                      "tie_reason": tie})
        return Message("plan_room_conflict", params)
    if kind == "trade_off" and rule == "staff_availability":
        params = {**base, "room": p.get("room", ""), "when": when, "who": p.get("who", ""),
                  "value": _int(p.get("value"))}
        limit = p.get("limit")
        if limit == "daily_maximum":
            return Message("plan_trade_off_daily_maximum", params)
        if limit == "contract_hours":
            return Message("plan_trade_off_contract_hours", params)
        if limit == "availability":
            return Message("plan_trade_off_availability", params)
        return None
    if kind == "trade_off":
        params = {**base, "room": p.get("room", ""), "when": when}
        if p.get("proven") == "no":
            return Message("plan_trade_off_unproven", params)
        return Message("plan_trade_off", params)
    return None
