"""Issue 8, point 4: when the Profil cannot be met, the diagnosis names the fix as choices,
never relaxes a rule that protects people, and gives one message per cause."""

from __future__ import annotations

from dataclasses import replace

from solver import Closure, Window, check, solve
from tests.solver.conftest import NO_REQUIREMENTS, demand, h, room, staff, week

MON, TUE, SAT = 0, 1, 5


def test_equally_small_relaxations_are_offered_as_choices_not_picked_silently() -> None:
    # One person with a 2 h contract, two 2 h fixed staffed slots: dropping either is equally
    # small.  The plan drops one and offers the other as the alternative choice.
    problem = week(
        [room("A")],
        [
            demand("F1", "fixed", 2, Window(MON, h(10), h(12)), staffed=True),
            demand("F2", "fixed", 2, Window(TUE, h(10), h(12)), staffed=True),
        ],
        [staff("s", Window(MON, h(8), h(16)), Window(TUE, h(8), h(16)), hours=2)],
    )
    plan = solve(problem, workers=1)
    assert plan.status == "requirements_unmet"
    chosen = {f.subject for f in plan.requirement_failures}
    offered = {f.subject for choice in plan.alternatives for f in choice}
    assert len(chosen) == 1 and len(offered) == 1
    assert chosen | offered == {"F1", "F2"}
    dropped = chosen.pop()
    assert {v.subjects for v in check(problem, plan)} == {(dropped,)}


def test_one_closure_gives_one_message_for_all_the_fixed_slots_it_removes() -> None:
    slots = [
        demand(f"F{i}", "fixed", 1, Window(MON, h(9 + i), h(10 + i)), title=f"Kurs {i}")
        for i in range(5)
    ]
    problem = week(
        [room("A"), room("B")],
        [*slots, demand("F9", "fixed", 1, Window(TUE, h(9), h(10)), title="Dienstagskurs")],
        closures=(Closure(Window(MON, 0, h(24)), reason="Stromausfall"),),
    )
    plan = solve(problem, workers=1)
    assert plan.status == "requirements_unmet"
    failures = plan.requirement_failures
    assert len(failures) == 1
    assert set(failures[0].subject.split(",")) == {f"F{i}" for i in range(5)}
    assert "Stromausfall" in failures[0].message and "Kurs 4" in failures[0].message
    assert "Dienstagskurs" not in failures[0].message


def test_diagnosis_keeps_the_daily_maximum_and_contract_when_opening_hours_fail() -> None:
    # 40 h opening with one 20 h contract and 5 h days: the shortfall is reported, the person
    # works no more than the contract and no day longer than the maximum.
    member = replace(
        staff("s", *(Window(d, h(8), h(20)) for d in range(5)), hours=20), max_day_minutes=h(5)
    )
    req = replace(NO_REQUIREMENTS, min_open_minutes=h(40))
    problem = week([room("A")], [], [member], requirements=req)
    plan = solve(problem, workers=1)
    assert plan.status == "requirements_unmet"
    assert sum(s.end - s.start for s in plan.shifts) <= h(20)
    assert all(s.end - s.start <= h(5) for s in plan.shifts)
    assert {v.rule for v in check(problem, plan)} == {"minimum_opening"}
    assert [(f.rule, f.achieved) for f in plan.requirement_failures] == [("minimum_opening", h(20))]


def test_diagnosis_names_one_more_staff_member_on_saturday_as_the_fix() -> None:
    # The weekend offer needs someone on Saturday 10-14; nobody works on Saturdays.
    req = replace(NO_REQUIREMENTS, weekend_offer=True)
    problem = week(
        [room("A")],
        [demand("F1", "fixed", 4, Window(SAT, h(10), h(14)), staffed=True, title="Familiencafé")],
        [staff("s", Window(MON, h(8), h(16)))],
        requirements=req,
    )
    plan = solve(problem, workers=1)
    assert plan.status == "requirements_unmet"
    staff_fix = [f for f in plan.fixes if f.kind == "extra_staff"]
    assert len(staff_fix) == 1
    assert dict(staff_fix[0].params)["when"] == "Sat 10:00–14:00"
    assert "Sat 10:00–14:00" in staff_fix[0].message


def test_diagnosis_names_a_second_confidential_room_for_the_buergersprechstunde() -> None:
    # The only confidential room is free 9-11 only; 4 h of visible consultation time need a
    # second room with that feature (staff is plentiful).
    req = replace(NO_REQUIREMENTS, consultation_minutes=h(4))
    problem = week(
        [room("B", 4, "confidential"), room("C", 30)],
        [
            demand("F1", "fixed", 2, Window(MON, h(11), h(13)), rooms=("B",), title="Beratung"),
            *(demand(f"c{i}", "consultation", 2, Window(MON, h(9), h(13))) for i in range(2)),
        ],
        [
            staff("s", Window(MON, h(8), h(16)), skills=("consultation",)),
            staff("t", Window(MON, h(8), h(16)), skills=("consultation",)),
        ],
        requirements=req,
    )
    plan = solve(problem, workers=1)
    assert plan.status == "requirements_unmet"
    kinds = {f.kind: f for f in plan.fixes}
    assert "extra_room" in kinds and "extra_staff" not in kinds
    assert "confidential" in kinds["extra_room"].message
