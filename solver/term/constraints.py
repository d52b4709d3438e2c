"""Hard rules of the term plan, one small named function each.

The function's name is the rule's name: it appears in ``solver.term.rules.RULEBOOK``, in the
independent checker (``solver.term.check`` has a function of the same name) and in the
explanations of refused sections and short weeks.  The filter halves (rooms that fit, allowed
windows and durations, staffed hours, the fixed programme, holidays and closures) live in
``solver/term/patterns.py``; the functions here add the rest to the CP-SAT model.

The Profil minimums (``minimum_opening``, ``weekend_offer``, ``buergersprechstunde``) are
posted per concrete week with a shortfall variable; the first stage of the solve minimises the
total shortfall, so only weeks that cannot reach them (holidays, closures) report one.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from solver.problem import WEEKEND
from solver.term.model import TermContext, WeekVars, weekly_limits
from solver.term.patterns import is_staffed, staffed_at


def one_pattern(ctx: TermContext) -> None:
    """A section gets at most one pattern, used for all its meetings of the term."""
    for ids in ctx.of_section.values():
        if len(ids) > 1:
            ctx.model.add_at_most_one(ctx.x[i] for i in ids)


def room_conflict(ctx: TermContext) -> None:
    """No two meetings in a room at once on any concrete date: checked per week on the
    patterns' held weeks, so groups that never meet in the same week may share a slot."""
    cover: dict[tuple[int, int, int], list[tuple[int, int]]] = defaultdict(list)
    for i, p in enumerate(ctx.patterns):
        for pos, day in enumerate(p.days):
            for t in ctx.grains(p.start, p.end):
                cover[(p.room, day, t)].append((i, p.masks[pos]))
    seen: set[tuple[int, ...]] = set()
    for key in sorted(cover):
        for members, bound in weekly_limits(cover[key], ctx.problem.weeks, lambda _w: 1):
            clique = tuple(members)
            if clique not in seen:
                seen.add(clique)
                ctx.model.add(sum(ctx.x[i] for i in members) <= bound)


def _programme_count(ctx: TermContext, day: int, t: int, *, consultation: bool) -> list[int]:
    """Per week: programme slots running in grain ``t`` of ``day`` (staffed, or consultation)."""
    counts = [0] * ctx.problem.weeks
    for slot in ctx.problem.programme:
        if slot.day != day or not (slot.start < t + ctx.grain and t < slot.end):
            continue
        if consultation and not slot.consultation:
            continue
        if not consultation and not slot.staffed:
            continue
        mask, _ = ctx.calendar.held(slot.room, slot.day, slot.start, slot.end)
        for w in range(ctx.problem.weeks):
            counts[w] += mask >> w & 1
    return counts


def staff_capacity(ctx: TermContext) -> None:
    """In every concrete week, no more staffed activities (programme and sections) at once than
    staff members on duty then (``TermProblem.staffing``)."""
    cover: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for i, p in enumerate(ctx.patterns):
        if not is_staffed(ctx.entries[p.section].section):
            continue
        for pos, day in enumerate(p.days):
            for t in ctx.grains(p.start, p.end):
                cover[(day, t)].append((i, p.masks[pos]))
    for (day, t), items in sorted(cover.items()):
        cap = staffed_at(ctx.problem, day, t, t + ctx.grain)
        busy = _programme_count(ctx, day, t, consultation=False)
        bounds = [max(0, cap - b) for b in busy]
        for members, bound in weekly_limits(items, ctx.problem.weeks, bounds.__getitem__):
            ctx.model.add(sum(ctx.x[i] for i in members) <= bound)


def consultation_apart(ctx: TermContext) -> None:
    """Bürgersprechstunde sessions do not run at the same time, so every hour of them is an
    hour in which residents find a contact person (the Profil counts visible time)."""
    cover: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for i, p in enumerate(ctx.patterns):
        if not ctx.entries[p.section].section.consultation:
            continue
        for pos, day in enumerate(p.days):
            for t in ctx.grains(p.start, p.end):
                cover[(day, t)].append((i, p.masks[pos]))
    for (day, t), items in sorted(cover.items()):
        busy = _programme_count(ctx, day, t, consultation=True)
        bounds = [max(0, 1 - b) for b in busy]
        for members, bound in weekly_limits(items, ctx.problem.weeks, bounds.__getitem__):
            ctx.model.add(sum(ctx.x[i] for i in members) <= bound)


def published_hours(ctx: TermContext) -> None:
    """The house's opening hours are the same every week: per weekday at most ``max_blocks``
    blocks, only where staff are on duty, covering every staffed activity (programme and
    sections) on its day."""
    m = ctx.model
    for day, grains in ctx.day_grains.items():
        for t in grains:
            if staffed_at(ctx.problem, day, t, t + ctx.grain) >= 1:
                ctx.open[(day, t)] = m.new_bool_var(f"open_{day}_{t}")
    for slot in ctx.problem.programme:
        if not slot.staffed:
            continue
        for t in ctx.grains(slot.start, slot.end):
            var = ctx.open.get((slot.day, t))
            if var is not None:
                m.add(var == 1)
    for s, ids in sorted(ctx.of_section.items()):
        if not is_staffed(ctx.entries[s].section):
            continue
        need: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i in ids:
            p = ctx.patterns[i]
            for day in p.days:
                for t in ctx.grains(p.start, p.end):
                    need[(day, t)].append(i)
        for key, members in sorted(need.items()):
            var = ctx.open.get(key)
            if var is None:
                for i in members:
                    m.add(ctx.x[i] == 0)
            else:
                m.add(sum(ctx.x[i] for i in members) <= var)
    for day, grains in ctx.day_grains.items():
        starts: list[cp_model.IntVar] = []
        previous: cp_model.IntVar | None = None
        for t in grains:
            now = ctx.open.get((day, t))
            if now is None:
                previous = None
                continue
            begin = m.new_bool_var(f"open_start_{day}_{t}")
            m.add(begin <= now)
            if previous is None:
                m.add(begin == now)
            else:
                m.add(begin >= now - previous)
                m.add(begin <= 1 - previous)
            starts.append(begin)
            previous = now
        if starts:
            m.add(sum(starts) <= ctx.problem.requirements.max_blocks)
            ctx.open_starts[day] = starts


def minimum_opening(ctx: TermContext) -> None:
    """Requirement per concrete week: open at least ``min_open_minutes`` on at least
    ``min_open_days`` days (a day counts with ``min_day_open_minutes``); only the weekdays of
    that week without a holiday or closure count."""
    m = ctx.model
    req = ctx.problem.requirements
    day_min = -(-req.min_day_open_minutes // ctx.grain)
    day_grains = {
        day: [v for (d, _), v in sorted(ctx.open.items()) if d == day] for day in ctx.day_grains
    }
    day_ok: dict[int, cp_model.IntVar] = {}
    for day, vs in day_grains.items():
        ok = m.new_bool_var(f"open_day_{day}")
        if len(vs) < day_min:
            m.add(ok == 0)
        else:
            m.add(sum(vs) >= day_min).only_enforce_if(ok)
        day_ok[day] = ok
    need = -(-req.min_open_minutes // ctx.grain)
    for w in range(ctx.problem.weeks):
        days = ctx.calendar.house_open_days(w)
        open_short = m.new_int_var(0, need, f"open_short_{w}")
        m.add(sum(v for d in days for v in day_grains[d]) + open_short >= need)
        days_short = m.new_int_var(0, req.min_open_days, f"days_short_{w}")
        m.add(sum(day_ok[d] for d in days) + days_short >= req.min_open_days)
        ctx.weeks.append(
            WeekVars(
                open_short,
                days_short,
                m.new_bool_var(f"weekend_missing_{w}"),
                m.new_int_var(0, req.consultation_minutes, f"consultation_short_{w}"),
            )
        )


def weekend_offer(ctx: TermContext) -> None:
    """Requirement per concrete week: a staffed offer (programme or section) on Sat or Sun."""
    if not ctx.problem.requirements.weekend_offer:
        for wv in ctx.weeks:
            ctx.model.add(wv.weekend_missing == 0)
        return
    for w, wv in enumerate(ctx.weeks):
        fixed = 0
        for slot in ctx.problem.programme:
            if slot.staffed and slot.offer and slot.day in WEEKEND:
                mask, _ = ctx.calendar.held(slot.room, slot.day, slot.start, slot.end)
                fixed += mask >> w & 1
        if fixed:
            ctx.model.add(wv.weekend_missing == 0)
            continue
        offers = []
        for i, p in enumerate(ctx.patterns):
            section = ctx.entries[p.section].section
            if not (is_staffed(section) and section.offer):
                continue
            if any(day in WEEKEND and p.held(pos, w) for pos, day in enumerate(p.days)):
                offers.append(ctx.x[i])
        ctx.model.add(sum(offers) + wv.weekend_missing >= 1)


def buergersprechstunde(ctx: TermContext) -> None:
    """Requirement per concrete week: ``consultation_minutes`` of staffed Bürgersprechstunde
    in a room fit for confidential talks (the room is filtered; sessions run apart)."""
    req = ctx.problem.requirements
    for w, wv in enumerate(ctx.weeks):
        fixed = 0
        for slot in ctx.problem.programme:
            if slot.consultation:
                mask, _ = ctx.calendar.held(slot.room, slot.day, slot.start, slot.end)
                fixed += (slot.end - slot.start) * (mask >> w & 1)
        terms: list[cp_model.LinearExprT] = []
        for i, p in enumerate(ctx.patterns):
            if not ctx.entries[p.section].section.consultation:
                continue
            meetings = sum(1 for pos in range(len(p.days)) if p.held(pos, w))
            if meetings:
                terms.append(p.duration * meetings * ctx.x[i])
        total = cp_model.LinearExpr.sum(terms) + wv.consultation_short
        ctx.model.add(total >= req.consultation_minutes - fixed)
