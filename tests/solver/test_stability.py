"""Issue 8, point 8: after a small change a recurring group keeps its day if it must move at
all, and staff keep their shifts."""

from __future__ import annotations

from solver import LastWeek, Shift, Window
from tests.solver.conftest import demand, h, placed, room, solved, staff, week

MON, TUE = 0, 1


def test_a_group_displaced_by_a_rental_moves_within_its_day_not_to_another_day() -> None:
    # The rental outweighs the group and needs its slot.  Later on Monday is outside the
    # group's preferred windows, Tuesday at the same time is inside: still, Monday it is.
    chor = demand(
        "G1",
        "group",
        2,
        Window(MON, h(16), h(22)),
        Window(TUE, h(18), h(20)),
        preferred=(Window(MON, h(18), h(20)), Window(TUE, h(18), h(20))),
        last_week=LastWeek("A", MON, h(18)),
    )
    feier = demand("M1", "rental", 2, Window(MON, h(18), h(20)), priority=5)
    plan = solved(week([room("A")], [chor, feier]))
    assert placed(plan)["M1"] == ("A", MON, h(18))
    assert placed(plan)["G1"][1] == MON


def test_staff_shifts_stay_with_the_person_who_had_them_last_week() -> None:
    slot = demand("F1", "fixed", 2, Window(MON, h(10), h(12)), staffed=True)
    people = [staff("a", Window(MON, h(8), h(20))), staff("b", Window(MON, h(8), h(20)))]
    for who in ("a", "b"):
        problem = week([room("A")], [slot], people, last_shifts=(Shift(who, MON, h(10), h(12)),))
        plan = solved(problem)
        assert plan.shifts == (Shift(who, MON, h(10), h(12)),)
        assert plan.placements[0].staff == who
