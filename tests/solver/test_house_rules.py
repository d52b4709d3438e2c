"""Issue 8, point 7: the house's real rules — setup and cleanup buffers per room and demand
kind, and divisible rooms (a hall used whole or as two halves, never both at once)."""

from __future__ import annotations

from dataclasses import replace

from solver import Placement, Room, Window, check
from tests.solver.conftest import demand, h, placed, solved, unplaced_kind, week

SAT = 5


def _saal(**kw: object) -> Room:
    return Room("Saal", "Saal", 120, **kw)  # type: ignore[arg-type]


def test_a_rental_in_the_saal_keeps_thirty_minutes_before_and_after_free() -> None:
    # Group 14-16 is fixed; the rental may start 16:00 or later.  Without the buffer it would
    # start at 16:00 (its preferred time); with it, not before 16:30.
    problem = week(
        [_saal(buffers=(("rental", 30),))],
        [
            demand("F1", "fixed", 2, Window(SAT, h(14), h(16))),
            demand(
                "M1", "rental", 2, Window(SAT, h(16), h(21)), preferred=(Window(SAT, h(16), h(18)),)
            ),
        ],
    )
    plan = solved(problem)
    assert placed(plan)["M1"][2] >= h(16.5)
    # ... and the checker refuses the rental right after the group.
    tight = replace(
        plan,
        placements=tuple(
            replace(p, start=h(16), end=h(18)) if p.demand == "M1" else p for p in plan.placements
        ),
    )
    assert [v.rule for v in check(problem, tight)] == ["room_conflict"]


def test_a_demand_with_its_own_setup_time_needs_the_room_before_it_starts() -> None:
    problem = week(
        [_saal()],
        [
            demand("F1", "fixed", 2, Window(SAT, h(10), h(12))),
            demand("G1", "group", 2, Window(SAT, h(12), h(14)), setup=30),
        ],
    )
    plan = solved(problem)
    assert "G1" not in placed(plan)
    assert unplaced_kind(plan, "G1") == "room_conflict"


def test_a_divisible_hall_is_used_whole_or_by_its_halves_never_both() -> None:
    halves = [Room("A", "Saal A", 60), Room("B", "Saal B", 60)]
    win = Window(SAT, h(14), h(16))
    problem = week(
        [_saal(parts=("A", "B")), *halves],
        [
            demand("M1", "rental", 2, win, size=100, priority=1, title="Hochzeit"),
            demand("G1", "group", 2, win, size=30, rooms=("A",)),
            demand("G2", "group", 2, win, size=30, rooms=("B",)),
        ],
    )
    plan = solved(problem)
    # Two groups (weight 3 each) beat one rental (weight 2) for the same time.
    assert set(placed(plan)) == {"G1", "G2"}
    why = next(u for u in plan.unplaced if u.demand == "M1")
    assert why.kind == "room_conflict" and set(why.blockers) == {"G1", "G2"}
    both = replace(plan, placements=(*plan.placements, Placement("M1", "Saal", SAT, h(14), h(16))))
    assert {v.rule for v in check(problem, both)} == {"room_conflict"}
