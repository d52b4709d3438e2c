"""Hard rules of the weekly plan, one small named function each.

The function name is the rule's name: it appears in ``solver.rules.RULEBOOK``, in the checker
(``solver.check`` has an independent function of the same name), and in the explanations a plan
gives for unplaced demands and unmet requirements.

Some rules are enforced by *filtering* before the model is built (``solver/options.py``: a room
that is too small or closed never becomes an option); the functions here add the rest to the
CP-SAT model.  Rules marked "requirement" become relaxable in ``ModelContext(relax=True)``.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.model import ModelContext
from solver.problem import DAY_NAMES, WEEKEND


def placed_whole(ctx: ModelContext) -> None:
    """A demand is placed whole (one room, one start, its full duration) or not at all.

    Each option is a whole placement, so "at most one option" is the whole rule.
    """
    for xs in ctx.x:
        if len(xs) > 1:
            ctx.model.add_at_most_one(xs)


def fixed_slots_stay(ctx: ModelContext) -> None:
    """Requirement: every fixed programme slot is placed at its fixed time."""
    for pos, e in enumerate(ctx.entries):
        if e.demand.must_place:
            ctx.requirement("fixed_slots_stay", e.demand.id, ctx.placed(pos), 1)


def pins_hold(ctx: ModelContext) -> None:
    """Requirement: a demand staff pinned to a room/time is placed there (the filter keeps only
    the pinned options; this makes placing it mandatory)."""
    for pos, e in enumerate(ctx.entries):
        if e.pinned is not None and not e.pinned.remove and not e.demand.must_place:
            ctx.requirement("pins_hold", e.demand.id, ctx.placed(pos), 1)


def room_conflict(ctx: ModelContext) -> None:
    """No two uses of a room at the same time (one linear constraint per room and grain),
    setup and cleanup buffers included; a divisible room is used whole or by its parts, never
    both at once."""
    for key in sorted(ctx.room_cover):
        xs = ctx.room_cover[key]
        if len(xs) > 1:
            ctx.model.add_at_most_one(xs)
    index = {r.id: i for i, r in enumerate(ctx.problem.rooms)}
    for whole, room in enumerate(ctx.problem.rooms):
        for part in room.parts:
            p = index.get(part)
            if p is None:
                continue
            grains = {t for (r, t) in ctx.room_cover if r == whole} & {
                t for (r, t) in ctx.room_cover if r == p
            }
            for t in sorted(grains):
                ctx.model.add_at_most_one(ctx.room_cover[(whole, t)] + ctx.room_cover[(p, t)])


MAX_STRETCH = 6 * 60  # ArbZG § 4: no more than six hours in a row without a break
MIN_BREAK = 30  # ... of at least 30 minutes (parts of 15 minutes allowed)
MAX_BREAK = 60  # a longer gap is a split shift, which the house does not plan
DAILY_REST = 11 * 60  # ArbZG § 5: eleven hours between the end of one day's work and the next


def staff_availability(ctx: ModelContext) -> None:
    """Staff work only when available (``on`` exists only there), in one shift per day of at
    least ``min_shift_minutes`` — which may be interrupted by one break of 30–60 minutes —,
    within their daily maximum and weekly contract hours, and by the working-time law (ArbZG):
    never more than six hours in a row without a break (§ 4), and eleven hours of rest between
    one day's end and the next day's start (§ 5)."""
    m = ctx.model
    min_len = ctx.slots_needed(ctx.problem.requirements.min_shift_minutes)
    stretch = MAX_STRETCH // ctx.grain
    brk_min, brk_max = ctx.slots_needed(MIN_BREAK), MAX_BREAK // ctx.grain
    for s in ctx.staff:
        member = ctx.problem.staff[s]
        week: list[cp_model.IntVar] = []
        for day, slots in ctx.day_slots.items():
            ons = [(t, ctx.on[(s, t)]) for t in slots if (s, t) in ctx.on]
            if not ons:
                continue
            starts: list[cp_model.IntVar] = []
            reached: cp_model.IntVar | None = None  # on duty earlier this day
            for t, var in ons:
                begin = m.new_bool_var(f"shift_start_{member.id}_{t}")
                before = ctx.on.get((s, t - 1))
                # A shift (or its part after the break) starts where on goes 0 -> 1.
                if before is None:
                    m.add(begin >= var)
                else:
                    m.add(begin >= var - before)
                    m.add(begin <= 1 - before)
                m.add(begin <= var)
                starts.append(begin)
                # A shift that starts here lasts at least the minimum length.
                for k in range(1, min_len):
                    nxt = ctx.on.get((s, t + k))
                    if nxt is None or ctx.slot_day.get(t + k) != day:
                        m.add(begin == 0)
                        break
                    m.add_implication(begin, nxt)
                if reached is not None:
                    # Resuming after a break: the break lasted MIN_BREAK to MAX_BREAK.
                    recent = [
                        ctx.on[(s, t - k)] for k in range(1, brk_max + 2) if (s, t - k) in ctx.on
                    ]
                    m.add_bool_or(recent or [m.new_constant(0)]).only_enforce_if([begin, reached])
                    for k in range(1, brk_min + 1):
                        if (s, t - k) in ctx.on:
                            m.add_implication(begin, ctx.on[(s, t - k)].negated()).only_enforce_if(
                                reached
                            )
                # reached' = reached or on (prefix OR over the day).
                nxt_reached = m.new_bool_var(f"reached_{member.id}_{t}")
                parts = [var] if reached is None else [var, reached]
                m.add_max_equality(nxt_reached, parts)
                reached = nxt_reached
            m.add(sum(starts) <= 2)
            on_at = dict(ons)
            for t in slots:
                window = [on_at[u] for u in range(t, t + stretch + 1) if u in on_at]
                if len(window) == stretch + 1:
                    m.add(sum(window) <= stretch)
            day_vars = [v for _, v in ons]
            m.add(sum(day_vars) * ctx.grain <= member.max_day_minutes)
            week.extend(day_vars)
            # Daily rest before the next day's first grain on duty.
            following = ctx.day_slots.get(day + 1, [])
            for t, var in ons:
                for u in following:
                    nxt = ctx.on.get((s, u))
                    if nxt is not None and (u - t - 1) * ctx.grain < DAILY_REST:
                        m.add_bool_or([var.negated(), nxt.negated()])
        if week:
            # Hard even when diagnosing: contract hours protect a person and are never the
            # relaxation a plan proposes (issue 8, point 4).
            m.add(sum(week) * ctx.grain <= member.max_week_minutes)


def staff_single_place(ctx: ModelContext) -> None:
    """A staff member runs at most one activity at a time, and only while on duty."""
    busy: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    for (pos, k, s), z in sorted(ctx.z.items()):
        for t in ctx.entries[pos].options[k].slots:
            busy.setdefault((s, t), []).append(z)
    for (s, t), zs in sorted(busy.items()):
        on = ctx.on.get((s, t))
        ctx.model.add(sum(zs) <= (on if on is not None else 0))


def staffed_activity_has_staff(ctx: ModelContext) -> None:
    """Every placed staffed activity (incl. Bürgersprechstunde) has exactly one staff member
    who may run it (skill, centre, named staff) and is available for all of it."""
    by_option: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    for (pos, k, _), z in sorted(ctx.z.items()):
        by_option.setdefault((pos, k), []).append(z)
    for pos, e in enumerate(ctx.entries):
        if not e.staffed:
            continue
        for k, x in enumerate(ctx.x[pos]):
            ctx.model.add(sum(by_option.get((pos, k), [])) == x)


def minimum_opening(ctx: ModelContext) -> None:
    """Requirement: open at least ``min_open_minutes`` a week on at least ``min_open_days``
    days; a day counts when it is open at least ``min_day_open_minutes``.  Open means a staff
    member on duty (or, if the setting says so, self-managed use)."""
    m = ctx.model
    req = ctx.problem.requirements
    by_slot: dict[int, list[cp_model.IntVar]] = {}
    for (_, t), var in sorted(ctx.on.items()):
        by_slot.setdefault(t, []).append(var)
    if req.self_managed_counts_as_open:
        for pos, e in enumerate(ctx.entries):
            if not e.staffed:
                for t, xs in sorted(ctx.demand_cover[pos].items()):
                    by_slot.setdefault(t, []).extend(xs)
    for t, open_var in ctx.open.items():
        sources = by_slot.get(t, [])
        # open is exactly "some source active", so figures and gaps read it directly.
        m.add(open_var <= sum(sources))
        for var in sources:
            m.add_implication(var, open_var)
    ctx.requirement(
        "minimum_opening",
        "open_minutes",
        sum(ctx.open.values()),
        ctx.slots_needed(req.min_open_minutes),
        unit="minutes",
        scale=ctx.grain,
    )
    day_min = ctx.slots_needed(req.min_day_open_minutes)
    open_days: list[cp_model.IntVar] = []
    for day, slots in ctx.day_slots.items():
        day_open = m.new_bool_var(f"open_day_{day}")
        m.add(sum(ctx.open[t] for t in slots) >= day_min).only_enforce_if(day_open)
        open_days.append(day_open)
    ctx.requirement("minimum_opening", "open_days", sum(open_days), req.min_open_days, unit="days")


def published_hours(ctx: ModelContext) -> None:
    """Requirement: the opening hours can be published — per weekday at most two blocks, each
    starting and ending on the full or half hour.  A staffed activity needs a staff member on
    duty, so every block covers the staffed activities of its day; ``minimum_opening`` counts
    over these hours.  (With a 30-minute grain every bound is on the half hour already.)"""
    m = ctx.model
    for day, slots in ctx.day_slots.items():
        starts: list[cp_model.IntVar] = []
        previous: cp_model.IntVar | None = None
        for t in slots:
            now = ctx.open[t]
            if previous is not None and (t * ctx.grain) % 30:
                m.add(now == previous)  # no bound inside a half hour
            begin = m.new_bool_var(f"published_start_{t}")
            m.add(begin <= now)
            if previous is None:
                m.add(begin == now)
            else:
                m.add(begin >= now - previous)
                m.add(begin <= 1 - previous)
            starts.append(begin)
            previous = now
        ctx.requirement("published_hours", DAY_NAMES[day], cp_model.LinearExpr.sum(starts) * -1, -2)


def weekend_offer(ctx: ModelContext) -> None:
    """Requirement: at least one offer (not a private rental) on Saturday or Sunday while the
    centre is open: a staffed offer, or any offer when self-managed use counts as open."""
    req = ctx.problem.requirements
    if not req.weekend_offer:
        return
    offers: list[cp_model.IntVar] = []
    for pos, e in enumerate(ctx.entries):
        if e.demand.kind == "rental":
            continue
        if not (e.staffed or req.self_managed_counts_as_open):
            continue
        offers.extend(var for var, o in zip(ctx.x[pos], e.options, strict=True) if o.day in WEEKEND)
    ctx.requirement("weekend_offer", "weekend", sum(offers), 1)


def buergersprechstunde(ctx: ModelContext) -> None:
    """Requirement: at least ``consultation_minutes`` of *visible* Bürgersprechstunde a week —
    time in which residents find a contact person, in a room fit for confidential talks (room
    and staff skill are filtered in the options).

    Counted as the union of time, not the sum of sessions: two sessions at once in two rooms
    are one hour for a resident.  Each grain is cut at the sessions' ends inside it (starts lie
    on the grid), and a piece counts when some placed session covers it.
    """
    req = ctx.problem.requirements
    m = ctx.model
    # (grain) -> [(covered minutes from the grain's start, option variable)]
    pieces: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
    for pos, e in enumerate(ctx.entries):
        if not e.demand.counts_as_consultation:
            continue
        for var, option in zip(ctx.x[pos], e.options, strict=True):
            base = option.day * 24 * 60
            for t in option.slots:
                covered = min(ctx.grain, base + option.end - t * ctx.grain)
                pieces.setdefault(t, []).append((covered, var))
    visible: list[cp_model.LinearExpr] = []
    for t in sorted(pieces):
        items = pieces[t]
        cuts = sorted({c for c, _ in items})
        previous = 0
        for cut in cuts:
            covering = [var for c, var in items if c >= cut]
            seen = m.new_bool_var(f"consultation_{t}_{cut}")
            m.add(seen <= sum(covering))
            visible.append(cp_model.LinearExpr.term(seen, cut - previous))
            previous = cut
    ctx.requirement(
        "buergersprechstunde",
        "consultation_minutes",
        cp_model.LinearExpr.sum(visible),
        req.consultation_minutes,
        unit="minutes",
    )
