"""Soft goals of the term plan, weighted, one small named function each.

They decide only among plans that are equal on everything above them: the solve is
lexicographic (``solver.term.engine``): pins first, then the Profil's weekly minimums, then
priority class 1, class 2, …, each solved to its optimum and then held, and only then these
goals (so no weight here can ever displace a section of any class).

| goal             | what is counted                                      | weight         |
|------------------|------------------------------------------------------|----------------|
| preferred_window | a meeting in a secondary window / outside all        | 10 / 30        |
| longer_duration  | each grain below the section's maximum duration      | 8              |
| stability        | other room / start / days than last term             | 40 / 40 / 40   |
| room_wish        | each rank below the first wish (not wished: 3 ranks) | 10             |
| room_fit         | empty seats when a small group takes a big room      | 1 per 10 seats |
| skipped_dates    | each date lost to a booking or a room closure        | 15             |
| compact_opening  | each extra opening block in a day (a gap)            | 30             |
| staff_hours      | each grain the house is open (someone on duty)       | 1              |
| staff_balance    | staffed activities at once beyond half the staff     | 3 per grain    |

Weights: ``TermWeights``.
"""

from __future__ import annotations

from collections import defaultdict

from solver.term.model import TermContext
from solver.term.patterns import Pattern, is_staffed, staffed_at


def preferred_window(ctx: TermContext) -> None:
    """Meetings inside a primary preferred window cost nothing, inside a secondary one a
    little, outside every preferred window more (sections without preferences: nothing)."""
    w = ctx.problem.weights

    def cost(p: Pattern) -> int:
        section = ctx.entries[p.section].section
        if not section.preferred:
            return 0
        total = 0
        for day in p.days:
            levels = {
                pref.level
                for pref in section.preferred
                if pref.window.contains(day, p.start, p.end)
            }
            if "primary" in levels:
                continue
            total += w.preferred_secondary if "secondary" in levels else w.preferred_outside
        return total

    ctx.pattern_costs("preferred_window", cost)


def longer_duration(ctx: TermContext) -> None:
    """Each grain below the section's maximum duration costs: a group gets as long as it asked
    for when the rooms allow (Helsinki's allocator only ever gave the minimum)."""
    w = ctx.problem.weights.duration
    ctx.pattern_costs(
        "longer_duration",
        lambda p: w * ((ctx.entries[p.section].section.max_duration - p.duration) // ctx.grain),
    )


def stability(ctx: TermContext) -> None:
    """The same group keeps last term's room, start and days where it can."""
    w = ctx.problem.weights

    def cost(p: Pattern) -> int:
        last = ctx.entries[p.section].section.last_term
        if last is None:
            return 0
        total = 0
        if ctx.problem.rooms[p.room].id != last.room:
            total += w.stability_room
        if p.start != last.start:
            total += w.stability_time
        if tuple(sorted(last.days)) != p.days:
            total += w.stability_day
        return total

    ctx.pattern_costs("stability", cost)


def room_wish(ctx: TermContext) -> None:
    """The first wished room is best, each later wish costs a rank; another room three."""
    w = ctx.problem.weights.room_wish

    def cost(p: Pattern) -> int:
        wishes = ctx.entries[p.section].section.rooms
        if not wishes:
            return 0
        room = ctx.problem.rooms[p.room].id
        return w * (wishes.index(room) if room in wishes else 3)

    ctx.pattern_costs("room_wish", cost)


def room_fit(ctx: TermContext) -> None:
    """Empty seats cost, so a small group does not take the hall (and equal rooms are not
    interchangeable, which breaks their symmetry cheaply)."""
    w = ctx.problem.weights.room_fit
    ctx.pattern_costs(
        "room_fit",
        lambda p: (
            w * ((ctx.problem.rooms[p.room].capacity - ctx.entries[p.section].section.size) // 10)
        ),
    )


def skipped_dates(ctx: TermContext) -> None:
    """Each date a pattern loses to a booking confirmed before or a room closure costs (dates
    lost to holidays and house closures are the same in every room and cost nothing)."""
    w = ctx.problem.weights.skipped_date
    ctx.pattern_costs("skipped_dates", lambda p: w * p.avoidable)


def compact_opening(ctx: TermContext) -> None:
    """Each opening block beyond the first in a day costs (a gap in the published hours)."""
    m = ctx.model
    w = ctx.problem.weights.compact_opening
    for day, starts in sorted(ctx.open_starts.items()):
        extra = m.new_int_var(0, len(starts), f"extra_blocks_{day}")
        m.add(extra >= sum(starts) - 1)
        ctx.penalise("compact_opening", w, extra)


def staff_hours(ctx: TermContext) -> None:
    """Each open grain costs staff time, so the house is not opened beyond what the Profil
    and the staffed activities need."""
    w = ctx.problem.weights.staff_hours
    for key in sorted(ctx.open):
        ctx.penalise("staff_hours", w, ctx.open[key])


def staff_balance(ctx: TermContext) -> None:
    """Staffed activities at one time beyond half the staff on duty cost, so the load spreads
    over the week and someone stays free for the door and the phone."""
    m = ctx.model
    w = ctx.problem.weights.staff_balance
    if not w:
        return
    cover: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, p in enumerate(ctx.patterns):
        if not is_staffed(ctx.entries[p.section].section):
            continue
        for day in p.days:
            for t in ctx.grains(p.start, p.end):
                cover[(day, t)].append(i)
    for (day, t), members in sorted(cover.items()):
        cap = staffed_at(ctx.problem, day, t, t + ctx.grain)
        fixed = sum(
            1
            for s in ctx.problem.programme
            if s.staffed and s.day == day and s.start < t + ctx.grain and t < s.end
        )
        half = -(-cap // 2)
        sections = len({ctx.patterns[i].section for i in members})
        if sections + fixed <= half:
            continue
        over = m.new_int_var(0, sections + fixed, f"staff_over_{day}_{t}")
        m.add(over >= sum(ctx.x[i] for i in members) + fixed - half)
        ctx.penalise("staff_balance", w, over)
