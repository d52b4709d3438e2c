"""Soft goals of the weekly plan, weighted, one small named function each.

| goal             | what is counted                                      | weight (`Weights`)   |
|------------------|------------------------------------------------------|----------------------|
| place_demand     | each placed group / rental, × priority (1–5)         | U × 3 / U × 2        |
| preferred_window | placed outside all of the demand's preferred windows | 10                   |
| stability        | last week's room changed / day or time changed       | 100 / 100            |
| compact_opening  | each extra open block in a day (a gap)               | 30                   |
| staff_hours      | each grain a staff member is on duty                 | 1 per grain          |
| staff_balance    | duty above ½ of a contract; above ¾ again ×2         | 2 / +4 per grain     |
| room_changes     | each extra room a series (same group) uses           | 40                   |
| room_fit         | empty seats when a small group takes a big room      | 1 per 10 seats       |

``U`` is computed per instance as one more than the largest total the other soft goals can
reach, so placing demand is *strictly* above every other soft goal (lexicographic): no
combination of preferences, stability or staff comfort can ever outweigh one more placed unit of
priority.  Fixed programme slots are not in the objective: they are hard (``fixed_slots_stay``).
Bürgersprechstunde candidates carry no reward; the requirement decides how many are placed.

Stability is a penalty on the options that differ from last week, not a solver hint: the
research measured hints from last week's plan slowing a large solve 4.5× (§4.6) while the
penalty alone kept 97.5 % of recurring bookings in place at +0.5 % cost (§4.4).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.model import ModelContext
from solver.problem import Demand, Weights


def place_weight(weights: Weights, demand: Demand) -> int:
    """Weight of placing a demand, before the lexicographic factor ``U``."""
    base = {
        "fixed": weights.place_fixed,
        "group": weights.place_group,
        "rental": weights.place_rental,
        "consultation": 0,
    }[demand.kind]
    return base * max(1, demand.priority)


def place_demand(ctx: ModelContext) -> None:
    """Reward each placed group and rental by priority (the factor U is applied later)."""
    for pos, e in enumerate(ctx.entries):
        if e.demand.must_place:
            continue
        weight = place_weight(ctx.problem.weights, e.demand)
        for var in ctx.x[pos]:
            ctx.reward("place_demand", weight, var)


def preferred_window(ctx: ModelContext) -> None:
    """Penalise placements outside every preferred window of a demand that has some."""
    w = ctx.problem.weights.preferred_window
    for pos, e in enumerate(ctx.entries):
        if not e.demand.preferred:
            continue
        for var, o in zip(ctx.x[pos], e.options, strict=True):
            if not any(p.contains(o.day, o.start, o.end) for p in e.demand.preferred):
                ctx.penalise("preferred_window", w, var, group=pos)


def stability(ctx: ModelContext) -> None:
    """Penalise a recurring demand placed in another room or at another time than last week;
    another *day* costs more again (``stability_day``): members plan their week around it.
    Staff shifts are kept too: each day a person's shift differs from last week's costs
    ``stability_shift``."""
    weights = ctx.problem.weights
    for pos, e in enumerate(ctx.entries):
        last = e.demand.last_week
        if last is None:
            continue
        for var, o in zip(ctx.x[pos], e.options, strict=True):
            cost = 0
            if ctx.problem.rooms[o.room].id != last.room:
                cost += weights.stability_room
            if (o.day, o.start) != (last.day, last.start):
                cost += weights.stability_time
            if o.day != last.day:
                cost += weights.stability_day
            ctx.penalise("stability", cost, var, group=pos)
    _shift_stability(ctx)


def _shift_stability(ctx: ModelContext) -> None:
    w = ctx.problem.weights.stability_shift
    if not ctx.problem.last_shifts or not w:
        return
    m = ctx.model
    for s in ctx.staff:
        member = ctx.problem.staff[s]
        mine = [x for x in ctx.problem.last_shifts if x.staff == member.id]
        for day, slots in ctx.day_slots.items():
            base = day * 24 * 60
            before = {
                t
                for x in mine
                if x.day == day
                for t in slots
                if x.start <= t * ctx.grain - base < x.end
            }
            terms = [(t, ctx.on.get((s, t))) for t in slots]
            if not before and all(v is None for _, v in terms):
                continue
            changed = m.new_bool_var(f"shift_changed_{member.id}_{day}")
            for t, var in terms:
                if t in before:
                    m.add(changed >= 1 - (var if var is not None else 0))
                elif var is not None:
                    m.add(changed >= var)
            ctx.penalise("stability", w, changed)


def compact_opening(ctx: ModelContext) -> None:
    """Penalise each open block beyond the first in a day (a gap in the opening hours)."""
    m = ctx.model
    w = ctx.problem.weights.compact_opening
    for day, slots in ctx.day_slots.items():
        starts: list[cp_model.IntVar] = []
        previous: cp_model.IntVar | None = None
        for t in slots:
            begin = m.new_bool_var(f"open_block_{t}")
            m.add(begin >= ctx.open[t] - (previous if previous is not None else 0))
            starts.append(begin)
            previous = ctx.open[t]
        extra = m.new_int_var(0, len(slots), f"extra_blocks_{day}")
        m.add(extra >= sum(starts) - 1)
        ctx.penalise("compact_opening", w, extra, upper=len(slots) // 2)


def opening_stability(ctx: ModelContext) -> None:
    """Penalise each day whose published opening hours differ from last week's, like moving a
    group (``stability_time``): residents read the hours on the door."""
    last = [o for o in ctx.problem.last_opening if o.centre in ("", ctx.centre)]
    if not last:
        return
    m = ctx.model
    w = ctx.problem.weights.stability_time
    for day, slots in ctx.day_slots.items():
        before = {
            t
            for o in last
            if o.day == day
            for t in slots
            if o.start <= t * ctx.grain - day * 24 * 60 < o.end
        }
        changed = m.new_bool_var(f"opening_changed_{day}")
        for t in slots:
            if t in before:
                m.add(changed >= 1 - ctx.open[t])
            else:
                m.add(changed >= ctx.open[t])
        ctx.penalise("opening_stability", w, changed)


def staff_hours(ctx: ModelContext) -> None:
    """Penalise staff time on duty, so no one is rostered for idle opening beyond the rules."""
    w = ctx.problem.weights.staff_hours
    for key in sorted(ctx.on):
        ctx.penalise("staff_hours", w, ctx.on[key])


def staff_balance(ctx: ModelContext) -> None:
    """Penalise duty beyond half, and more beyond three quarters, of each contract.

    A convex, piecewise-linear cost per person spreads the load over the team; it replaced a
    min-max term ("highest utilisation"), which made the centre solve 4× slower to prove.
    """
    w = ctx.problem.weights.staff_balance
    if not w:
        return
    m = ctx.model
    for s in ctx.staff:
        member = ctx.problem.staff[s]
        ons = [ctx.on[(s, t)] for ts in ctx.day_slots.values() for t in ts if (s, t) in ctx.on]
        if not ons:
            continue
        contract = member.max_week_minutes // ctx.grain
        for threshold, coef in ((contract // 2, w), (contract * 3 // 4, 2 * w)):
            over = m.new_int_var(0, len(ons), f"over_{member.id}_{threshold}")
            m.add(over >= sum(ons) - threshold)
            ctx.penalise("staff_balance", coef, over, upper=len(ons))


def room_changes(ctx: ModelContext) -> None:
    """Penalise each extra room used by the meetings of one series (same group) in a week."""
    w = ctx.problem.weights.room_changes
    series: dict[str, list[int]] = {}
    for pos, e in enumerate(ctx.entries):
        if e.demand.series:
            series.setdefault(e.demand.series, []).append(pos)
    m = ctx.model
    for name, members in sorted(series.items()):
        if len(members) < 2:
            continue
        rooms = sorted({o.room for pos in members for o in ctx.entries[pos].options})
        used: list[cp_model.IntVar] = []
        for room in rooms:
            u = m.new_bool_var(f"series_{name}_room_{room}")
            for pos in members:
                for var, o in zip(ctx.x[pos], ctx.entries[pos].options, strict=True):
                    if o.room == room:
                        m.add_implication(var, u)
            used.append(u)
        extra = m.new_int_var(0, len(members) - 1, f"series_{name}_extra_rooms")
        m.add(extra >= sum(used) - 1)
        ctx.penalise("room_changes", w, extra, upper=len(members) - 1)


def room_fit(ctx: ModelContext) -> None:
    """Penalise empty seats, so a small group does not take the big hall (also breaks the
    symmetry between otherwise equal rooms cheaply, research §3.6)."""
    w = ctx.problem.weights.room_fit
    for pos, e in enumerate(ctx.entries):
        for var, o in zip(ctx.x[pos], e.options, strict=True):
            seats = ctx.problem.rooms[o.room].capacity - e.demand.size
            ctx.penalise("room_fit", w * (seats // 10), var, group=pos)
