"""One test per explanation kind: each unplaced demand gets a reason a staff member understands,
naming the rule and the competing bookings or the missing resource."""

from __future__ import annotations

from dataclasses import replace

from solver import Closure, Window, check, solve
from tests.solver.conftest import NO_REQUIREMENTS, demand, h, room, solved, staff, week

TUE = 1


def test_room_conflict_names_the_competing_bookings_by_title() -> None:
    win = Window(TUE, h(17), h(21))
    problem = week(
        [room("cafe", 40, "kitchen")],
        [
            demand("F1", "fixed", 2, Window(TUE, h(17), h(19)), title="Sprachcafé"),
            demand("F2", "fixed", 2, Window(TUE, h(19), h(21)), title="Elterncafé"),
            demand("M1", "rental", 2, win, size=25, features=frozenset({"kitchen"}), title="Feier"),
        ],
    )
    plan = solved(problem)
    why = plan.unplaced[0]
    assert (why.demand, why.kind, why.rule) == ("M1", "room_conflict", "room_conflict")
    assert "Sprachcafé" in why.message and "Elterncafé" in why.message
    assert "kitchen" in why.message and "25 people" in why.message
    assert set(why.blockers) == {"F1", "F2"}


def test_missing_feature_says_which_feature_no_room_has() -> None:
    problem = week(
        [room("A", 50), room("B", 10)],
        [demand("M1", "rental", 2, Window(5, h(10), h(14)), features=frozenset({"kitchen"}))],
    )
    why = solved(problem).unplaced[0]
    assert why.kind == "missing_feature"
    assert why.rule == "capacity_and_features"
    assert "kitchen" in why.message


def test_capacity_names_the_largest_fitting_room() -> None:
    problem = week(
        [room("saal", 100), room("cafe", 40, "kitchen")],
        [
            demand(
                "M1",
                "rental",
                3,
                Window(5, h(14), h(20)),
                size=60,
                features=frozenset({"kitchen"}),
                title="Hochzeitsvorfeier",
            )
        ],
    )
    why = solved(problem).unplaced[0]
    assert why.kind == "capacity"
    assert "Raum cafe" in why.message and "40" in why.message
    assert "lack kitchen" in why.message


def test_staff_kind_when_nobody_is_available() -> None:
    problem = week(
        [room("A")],
        [demand("G1", "group", 2, Window(TUE, h(18), h(21)), staffed=True, title="Kochkurs")],
        [staff("s", Window(TUE, h(8), h(14)))],
    )
    why = solved(problem).unplaced[0]
    assert why.kind == "staff"
    assert "Kochkurs" in why.message


def test_staff_kind_when_the_only_person_is_busy_elsewhere() -> None:
    win = Window(TUE, h(10), h(12))
    problem = week(
        [room("A"), room("B")],
        [
            demand("F1", "fixed", 2, win, staffed=True, title="Offenes Café"),
            demand("G1", "group", 2, win, staffed=True, title="Hausaufgabenhilfe"),
        ],
        [staff("s", Window(TUE, h(8), h(16)))],
    )
    why = solved(problem).unplaced[0]
    assert (why.demand, why.kind) == ("G1", "staff")
    assert why.blockers == ("F1",) and "Offenes Café" in why.message


def test_closure_kind_names_the_reason() -> None:
    problem = week(
        [room("A")],
        [demand("G1", "group", 2, Window(TUE, h(10), h(14)))],
        closures=(Closure(Window(TUE, 0, h(24)), room="A", reason="Wasserschaden"),),
    )
    why = solved(problem).unplaced[0]
    assert why.kind == "closure"
    assert "Wasserschaden" in why.message


def test_infeasible_requirement_says_which_and_by_how_much() -> None:
    # The only staff member is available 20 h a week, so 40 h of opening cannot be met:
    # the plan must say so (minimum relaxation: 20 h short) instead of failing silently.
    avail = [Window(d, h(10), h(14)) for d in range(5)]
    req = replace(NO_REQUIREMENTS, min_open_minutes=h(40))
    problem = week([room("A")], [], [staff("s", *avail)], requirements=req)
    plan = solve(problem, workers=1)
    assert plan.status == "requirements_unmet"
    # The plan keeps every other rule; the checker sees exactly the reported shortfall.
    assert {v.rule for v in check(problem, plan)} == {"minimum_opening"}
    failures = {(f.rule, f.subject): f for f in plan.requirement_failures}
    assert set(failures) == {("minimum_opening", "open_minutes")}
    failure = failures[("minimum_opening", "open_minutes")]
    assert (failure.required, failure.achieved) == (h(40), h(20))
    assert "20 h short" in failure.message


def test_diagnosis_never_relaxes_contract_hours_it_drops_a_fixed_slot_instead() -> None:
    # Two fixed staffed slots need 4 h but the only contract allows 2 h.  Contract hours
    # protect a person: the plan keeps them and reports the fixed slot it cannot place.
    problem = week(
        [room("A")],
        [
            demand("F1", "fixed", 2, Window(0, h(10), h(12)), staffed=True),
            demand("F2", "fixed", 2, Window(1, h(10), h(12)), staffed=True),
        ],
        [staff("s", Window(0, h(8), h(16)), Window(1, h(8), h(16)), hours=2)],
    )
    plan = solve(problem, workers=1)
    assert plan.status == "requirements_unmet"
    assert {v.rule for v in check(problem, plan)} == {"fixed_slots_stay"}
    assert sum(s.end - s.start for s in plan.shifts) <= h(2)
    assert [f.rule for f in plan.requirement_failures] == ["fixed_slots_stay"]
