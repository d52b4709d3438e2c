"""Issue 8, point 7: the plan keeps the working-time law (ArbZG) — a break of at least 30
minutes after at most six hours (§ 4) and eleven hours of rest between days (§ 5)."""

from __future__ import annotations

from dataclasses import replace

from solver import Shift, Window, check
from tests.solver.conftest import demand, h, room, solved, staff, week

MON, TUE = 0, 1


def test_a_nine_hour_day_gets_a_break_after_at_most_six_hours() -> None:
    problem = week(
        [room("A")],
        [
            demand("F1", "fixed", 3, Window(MON, h(8), h(11)), staffed=True),
            demand("F2", "fixed", 3, Window(MON, h(14), h(17)), staffed=True),
        ],
        [staff("s", Window(MON, h(8), h(18)))],
    )
    plan = solved(problem)
    assert len(plan.placements) == 2
    shifts = sorted(plan.shifts, key=lambda s: s.start)
    assert all(s.end - s.start <= h(6) for s in shifts)
    assert len(shifts) == 2 and h(0.5) <= shifts[1].start - shifts[0].end <= h(1)


def test_eleven_hours_rest_after_a_late_evening() -> None:
    # s runs the late Monday course; the early Tuesday course would be cheaper with s too
    # (t's small contract is expensive to fill), but s needs 11 hours of rest.
    problem = week(
        [room("A")],
        [
            demand("F1", "fixed", 2, Window(MON, h(20), h(22)), staffed=True, staff=("s",)),
            demand("F2", "fixed", 2, Window(TUE, h(8), h(10)), staffed=True),
        ],
        [
            staff("s", Window(MON, h(8), h(22)), Window(TUE, h(8), h(22))),
            staff("t", Window(TUE, h(8), h(22)), hours=2),
        ],
    )
    plan = solved(problem)
    staff_of = {p.demand: p.staff for p in plan.placements}
    assert staff_of == {"F1": "s", "F2": "t"}


def test_checker_names_a_missing_break_and_a_short_rest() -> None:
    problem = week(
        [room("A")], [], [staff("s", Window(MON, h(8), h(22)), Window(TUE, h(6), h(22)))]
    )
    plan = solved(problem)
    broken = replace(plan, shifts=(Shift("s", MON, h(13), h(22)), Shift("s", TUE, h(7), h(9))))
    messages = [v.message for v in check(problem, broken)]
    assert any("more than 6 h without a break" in m for m in messages)
    assert any("rest" in m and "11 h" in m for m in messages)
