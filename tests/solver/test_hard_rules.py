"""One test per hard rule, each on a tiny week where breaking the rule would pay off in the
objective, so the test fails if the rule is missing from the model.  Every plan also passes the
independent checker (``solved`` asserts it)."""

from __future__ import annotations

from dataclasses import replace

from solver import Closure, Pin, Requirements, Window, check
from solver.problem import Placement
from tests.solver.conftest import (
    NO_REQUIREMENTS,
    demand,
    h,
    placed,
    room,
    solved,
    staff,
    unplaced_kind,
    week,
)

MON = 0


def test_room_conflict_only_one_of_two_groups_gets_the_single_room() -> None:
    # Placing both would double the reward; the room holds only one at a time.
    win = Window(MON, h(10), h(12))
    problem = week([room("A")], [demand("g1", "group", 2, win), demand("g2", "group", 2, win)])
    plan = solved(problem)
    assert len(plan.placements) == 1
    loser = "g2" if "g1" in placed(plan) else "g1"
    assert unplaced_kind(plan, loser) == "room_conflict"


def test_capacity_and_features_keep_a_big_group_out_of_the_small_kitchen() -> None:
    problem = week(
        [room("Saal", 100), room("Küche", 10, "kitchen")],
        [
            demand(
                "feier",
                "rental",
                2,
                Window(5, h(14), h(18)),
                size=30,
                features=frozenset({"kitchen"}),
            )
        ],
    )
    plan = solved(problem)
    assert plan.placements == ()
    assert unplaced_kind(plan, "feier") == "capacity"


def test_fixed_slots_stay_even_when_a_group_would_pay_more() -> None:
    win = Window(MON, h(10), h(12))
    problem = week(
        [room("A")],
        [
            demand("fix", "fixed", 2, win, priority=1),
            demand("vip", "group", 2, win, priority=5),
        ],
    )
    plan = solved(problem)
    assert placed(plan) == {"fix": ("A", MON, h(10))}
    assert unplaced_kind(plan, "vip") == "room_conflict"


def test_closures_move_a_group_away_from_its_preferred_closed_morning() -> None:
    morning, evening = Window(MON, h(9), h(11)), Window(MON, h(18), h(20))
    problem = week(
        [room("A")],
        [demand("g", "group", 2, morning, evening, preferred=(morning,))],
        closures=(Closure(Window(MON, h(8), h(12)), room="A", reason="Wartung"),),
    )
    plan = solved(problem)
    assert placed(plan) == {"g": ("A", MON, h(18))}


def test_staff_availability_moves_staffed_group_to_when_staff_is_there() -> None:
    morning, evening = Window(MON, h(9), h(11)), Window(MON, h(18), h(20))
    problem = week(
        [room("A")],
        [demand("g", "group", 2, morning, evening, preferred=(morning,), staffed=True)],
        [staff("s", Window(MON, h(16), h(22)))],
    )
    plan = solved(problem)
    assert placed(plan) == {"g": ("A", MON, h(18))}
    assert plan.placements[0].staff == "s"


def test_staff_contract_hours_limit_how_much_staffed_demand_is_placed() -> None:
    problem = week(
        [room("A"), room("B")],
        [
            demand("g1", "group", 2, Window(MON, h(9), h(11)), staffed=True),
            demand("g2", "group", 2, Window(1, h(9), h(11)), staffed=True),
        ],
        [staff("s", Window(MON, h(8), h(20)), Window(1, h(8), h(20)), hours=2)],
    )
    plan = solved(problem)
    assert len(plan.placements) == 1
    assert sum(s.end - s.start for s in plan.shifts) <= h(2)


def test_staff_single_place_one_person_cannot_run_two_rooms_at_once() -> None:
    win = Window(MON, h(10), h(12))
    problem = week(
        [room("A"), room("B")],
        [demand("g1", "group", 2, win, staffed=True), demand("g2", "group", 2, win, staffed=True)],
        [staff("s", Window(MON, h(8), h(20)))],
    )
    plan = solved(problem)
    assert len(plan.placements) == 1


def test_staffed_activity_has_staff_no_qualified_person_means_unplaced() -> None:
    problem = week(
        [room("A")],
        [demand("kurs", "group", 2, Window(MON, h(10), h(12)), staffed=True, skill="first_aid")],
        [staff("s", Window(MON, h(8), h(20)))],
    )
    plan = solved(problem)
    assert plan.placements == ()
    assert unplaced_kind(plan, "kurs") == "staff"


def test_minimum_opening_keeps_the_centre_open_although_staff_hours_cost() -> None:
    days = [Window(d, h(8), h(20)) for d in range(3)]
    req = replace(
        NO_REQUIREMENTS, min_open_minutes=h(10), min_open_days=2, min_day_open_minutes=h(4)
    )
    problem = week([room("A")], [], [staff("s", *days)], requirements=req)
    plan = solved(problem)
    assert plan.figures.open_minutes >= h(10)
    assert plan.figures.open_days >= 2


def test_weekend_offer_moves_the_only_offer_to_saturday() -> None:
    wed, sat = Window(2, h(10), h(12)), Window(5, h(10), h(12))
    req = replace(NO_REQUIREMENTS, weekend_offer=True)
    problem = week(
        [room("A")],
        [demand("treff", "group", 2, wed, sat, preferred=(wed,), staffed=True)],
        [staff("s", Window(2, h(8), h(20)), Window(5, h(8), h(20)))],
        requirements=req,
    )
    plan = solved(problem)
    assert placed(plan)["treff"][1] == 5


def test_buergersprechstunde_is_placed_staffed_in_a_confidential_room() -> None:
    req = replace(NO_REQUIREMENTS, consultation_minutes=h(4))
    candidates = [
        demand(f"b{d}", "consultation", 2, Window(d, h(9), h(13)), title="Bürgersprechstunde")
        for d in range(3)
    ]
    problem = week(
        [room("Saal", 80), room("Beratung", 4, "confidential")],
        candidates,
        [
            staff("s", *(Window(d, h(8), h(16)) for d in range(3)), skills=("consultation",)),
            staff("t", *(Window(d, h(8), h(16)) for d in range(3))),
        ],
        requirements=req,
    )
    plan = solved(problem)
    assert plan.figures.consultation_minutes >= h(4)
    assert {p.room for p in plan.placements} == {"Beratung"}
    assert {p.staff for p in plan.placements} == {"s"}


def test_placed_whole_a_rental_that_fits_only_partly_is_not_cut_short() -> None:
    problem = week(
        [room("A")],
        [
            demand("fix", "fixed", 1, Window(5, h(17), h(18))),
            demand("feier", "rental", 4, Window(5, h(14), h(18)), priority=5),
        ],
    )
    plan = solved(problem)
    assert "feier" not in placed(plan)
    assert all(p.end - p.start == problem.demand(p.demand).duration for p in plan.placements)


def test_pins_hold_a_pinned_group_stays_where_staff_put_it() -> None:
    # The pin costs: without it, the solver would drop g for the higher-priority group vip.
    morning, evening = Window(MON, h(9), h(11)), Window(MON, h(18), h(20))
    g = demand("g", "group", 2, morning, evening, preferred=(morning,), priority=1)
    vip = demand("vip", "group", 2, evening, priority=5)
    problem = week([room("B")], [g, vip], pins=(Pin("g", room="B", day=MON, start=h(18)),))
    plan = solved(problem)
    assert placed(plan) == {"g": ("B", MON, h(18))}
    assert unplaced_kind(plan, "vip") == "room_conflict"


def test_pin_remove_takes_a_demand_out_without_reporting_it() -> None:
    g = demand("g", "group", 2, Window(MON, h(9), h(11)))
    problem = week([room("A")], [g], pins=(Pin("g", remove=True),))
    plan = solved(problem)
    assert plan.placements == () and plan.unplaced == ()


def test_checker_catches_each_broken_rule() -> None:
    """The checker is independent of the model; feed it hand-broken plans."""
    win = Window(MON, h(10), h(12))
    problem = week(
        [room("A", 5)],
        [demand("g1", "group", 2, win, size=10), demand("g2", "group", 2, win, staffed=True)],
        requirements=Requirements(),
    )
    plan = solved(week([room("A", 50)], [demand("x", "group", 2, win)]))
    broken = replace(
        plan,
        placements=(
            Placement("g1", "A", MON, h(10), h(12)),
            Placement("g2", "A", MON, h(11), h(13)),
        ),
        shifts=(),
    )
    rules = {v.rule for v in check(problem, broken)}
    assert {
        "room_conflict",
        "capacity_and_features",
        "placed_whole",
        "staffed_activity_has_staff",
        "minimum_opening",
        "weekend_offer",
        "buergersprechstunde",
    } <= rules
