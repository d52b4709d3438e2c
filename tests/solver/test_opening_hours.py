"""Issue 8, point 2: the plan produces opening hours a centre can publish — per weekday at most
two blocks on the full or half hour, covering the day's staffed activities, stable against last
week — and the figures list them."""

from __future__ import annotations

from dataclasses import replace

from solver import Demand, Shift, Weights, Window, check
from solver.problem import OpeningHours
from tests.solver.conftest import NO_REQUIREMENTS, demand, h, room, solved, staff, week

MON = 0


def _inside(hours: tuple[OpeningHours, ...], day: int, start: int, end: int) -> bool:
    return any(o.day == day and o.start <= start and end <= o.end for o in hours)


def test_opening_hours_are_at_most_two_blocks_a_day_covering_every_staffed_activity() -> None:
    # Three staffed activities far apart, run by three people: without the rule the centre
    # would open three times on Monday (idle staff hours are expensive here).
    activities = [
        demand("F1", "fixed", 1, Window(MON, h(9), h(10)), staffed=True, staff=("a",)),
        demand("F2", "fixed", 1, Window(MON, h(14), h(15)), staffed=True, staff=("b",)),
        demand("F3", "fixed", 1, Window(MON, h(20), h(21)), staffed=True, staff=("c",)),
    ]
    people = [
        staff("a", Window(MON, h(8), h(11))),
        staff("b", Window(MON, h(8), h(22))),
        staff("c", Window(MON, h(8), h(22))),
    ]
    problem = week([room("A")], activities, people, weights=Weights(staff_hours=10))
    plan = solved(problem)
    monday = [o for o in plan.figures.opening_hours if o.day == MON]
    assert 1 <= len(monday) <= 2
    for a in activities:
        assert _inside(plan.figures.opening_hours, MON, a.windows[0].start, a.windows[0].end)
    assert sum(o.end - o.start for o in monday) == plan.figures.open_minutes


def test_opening_hours_start_and_end_on_the_half_hour_on_a_quarter_hour_grid() -> None:
    problem = week(
        [room("A")],
        [Demand("F1", "Kurs", "fixed", 45, (Window(MON, h(9.25), h(10)),), staffed=True)],
        [staff("s", Window(MON, h(8), h(12)))],
        grain=15,
    )
    plan = solved(problem)
    assert plan.figures.opening_hours
    assert all(o.start % 30 == 0 and o.end % 30 == 0 for o in plan.figures.opening_hours)
    assert _inside(plan.figures.opening_hours, MON, h(9.25), h(10))


def test_changing_a_days_hours_against_last_week_costs_like_moving_a_group() -> None:
    req = replace(NO_REQUIREMENTS, min_open_minutes=h(6))
    problem = week(
        [room("A")],
        [demand("F1", "fixed", 1, Window(MON, h(12), h(13)), staffed=True)],
        [staff("s", Window(MON, h(8), h(20)))],
        requirements=req,
        last_opening=(OpeningHours(MON, h(10), h(16)),),
    )
    plan = solved(problem)
    assert plan.figures.opening_hours == (OpeningHours(MON, h(10), h(16)),)
    earlier = replace(problem, last_opening=(OpeningHours(MON, h(8), h(14)),))
    assert solved(earlier).figures.opening_hours == (OpeningHours(MON, h(8), h(14)),)


def test_checker_refuses_three_blocks_and_bounds_off_the_half_hour() -> None:
    problem = week([room("A")], [], [staff(x, Window(MON, h(8), h(22))) for x in "abc"])
    plan = solved(problem)
    three = replace(
        plan,
        shifts=(
            Shift("a", MON, h(9), h(10)),
            Shift("b", MON, h(12), h(13)),
            Shift("c", MON, h(15.25), h(16)),
        ),
    )
    messages = [v.message for v in check(problem, three) if v.rule == "published_hours"]
    assert len(messages) == 2
    assert any("3 blocks" in m for m in messages)
    assert any("half hour" in m for m in messages)
