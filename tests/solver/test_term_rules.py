"""The term plan's rules, each on a tiny term where breaking it would pay off, so the test
fails if the rule is missing; every plan also passes the independent checker."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from solver import Window
from solver.term import (
    Booking,
    Holiday,
    Preference,
    Staffing,
    TermClosure,
    TermPin,
    TermRequirements,
    problems_with,
    solve_term,
)
from tests.solver.term_builders import (
    MONDAY,
    allocated,
    h,
    room,
    section,
    solved,
    term,
)

TUE = 1


def test_a_section_gets_the_longest_duration_its_window_allows_but_never_more_than_max() -> None:
    # The window holds 4 h; the group asked for 1–2 h and gets 2 h, not 4 (and not the minimum).
    s = section("g", Window(TUE, h(16), h(20)), min_duration=60, max_duration=120)
    plan = solved(term([room("A")], [s]))
    (a,) = plan.allocations
    assert a.end - a.start == 120
    assert h(16) <= a.start and a.end <= h(20)


def test_a_section_is_never_allocated_outside_its_allowed_windows_even_if_preferred() -> None:
    # A preferred window outside the allowed ones must not pull the meeting out of them.
    s = section(
        "g",
        Window(TUE, h(18), h(20)),
        preferred=(Preference(Window(TUE, h(10), h(12)), "primary"),),
    )
    plan = solved(term([room("A")], [s]))
    (a,) = plan.allocations
    assert (a.days, a.start, a.end) == ((TUE,), h(18), h(20))


def test_a_window_shorter_than_the_minimum_duration_is_refused_with_that_reason() -> None:
    s = section("g", Window(TUE, h(18), h(19)), min_duration=90, max_duration=120)
    plan = solved(term([room("A")], [s]))
    assert plan.allocations == ()
    (r,) = plan.refusals
    assert (r.rule, r.code) == ("allowed_window", "times_too_short")


def test_a_withdrawn_or_rejected_section_is_never_allocated() -> None:
    win = Window(TUE, h(10), h(20))
    sections = [
        section("active", win),
        section("gone", win, status="withdrawn"),
        section("no", win, status="rejected"),
    ]
    plan = solved(term([room("A"), room("B")], sections))
    assert allocated(plan) == {"active"}
    codes = {r.section: r.code for r in plan.refusals}
    assert codes == {"gone": "withdrawn", "no": "rejected"}


def test_a_higher_class_is_never_displaced_by_a_lower_one() -> None:
    # Two class-2 groups of 1 h each would fill the single room's 2 h evening (two sections
    # instead of one); class 1 still gets it, because classes are not traded against counts.
    win = Window(TUE, h(18), h(20))
    sections = [
        section("first", win, priority_class=1, minutes=120),
        section("second-a", win, priority_class=2, minutes=60),
        section("second-b", win, priority_class=2, minutes=60),
    ]
    plan = solved(term([room("A")], sections))
    assert allocated(plan) == {"first"}
    for r in plan.refusals:
        assert r.rule == "priority_class"
        assert r.blockers == ("first",)
        assert r.code == "higher_priority_class"
        # The applicant learns the rule, never who got the room.
        assert "first" not in r.applicant_message and "Verein" not in r.applicant_message
        assert all("first" not in v for _, v in r.code_params)


def test_two_fortnightly_groups_on_alternate_weeks_share_a_slot() -> None:
    win = Window(TUE, h(18), h(20))
    sections = [
        section("even", win, frequency="fortnightly"),
        section("odd", win, frequency="fortnightly"),
    ]
    plan = solved(term([room("A")], sections, weeks=6))
    assert allocated(plan) == {"even", "odd"}
    a, b = plan.allocations
    assert (a.room, a.days, a.start) == (b.room, b.days, b.start)
    assert {a.phase, b.phase} == {0, 1}
    assert not set(a.dates) & set(b.dates)
    assert len(a.dates) == len(b.dates) == 3


def test_two_weekly_groups_do_not_share_a_slot() -> None:
    win = Window(TUE, h(18), h(20))
    plan = solved(term([room("A")], [section("a", win), section("b", win)]))
    assert len(plan.allocations) == 1
    (r,) = plan.refusals
    assert r.kind in ("room_conflict", "higher_class")
    assert r.blockers == (plan.allocations[0].section,)


def test_a_monthly_group_meets_on_its_nth_weekdays_only() -> None:
    s = section("m", Window(TUE, h(18), h(20)), frequency="monthly", nth=(1, 3))
    plan = solved(term([room("A")], [s], weeks=8))
    (a,) = plan.allocations
    expected = [
        MONDAY + timedelta(days=7 * k + TUE)
        for k in range(8)
        if (MONDAY + timedelta(days=7 * k + TUE)).day in range(1, 8)
        or (MONDAY + timedelta(days=7 * k + TUE)).day in range(15, 22)
    ]
    assert list(a.dates) == expected


def test_a_holiday_is_a_skipped_date_with_its_reason() -> None:
    holiday = MONDAY + timedelta(days=7 + TUE)
    s = section("g", Window(TUE, h(18), h(20)))
    plan = solved(term([room("A")], [s], holidays=(Holiday(holiday, "Feiertag"),)))
    (a,) = plan.allocations
    assert holiday not in a.dates
    assert [(x.date, x.reason, x.detail) for x in a.skipped] == [(holiday, "holiday", "Feiertag")]


def test_a_holiday_week_reports_its_shortfall_and_the_other_weeks_meet_the_profil() -> None:
    # Staff on duty Mon-Sat 9-17 (8 h); 40 h on 5 days needs 5 full days.  Week 2 loses Mon,
    # Tue and Wed to holidays: it cannot reach the Profil, and says so; weeks 1 and 3 do.
    staffing = tuple(Staffing(Window(d, h(9), h(17)), 2) for d in range(6))
    requirements = TermRequirements(
        min_open_minutes=h(40),
        min_open_days=5,
        min_day_open_minutes=h(4),
        weekend_offer=True,
        consultation_minutes=h(2),
    )
    week2 = MONDAY + timedelta(days=7)
    holidays = tuple(Holiday(week2 + timedelta(days=d), f"Feiertag {d}") for d in range(3))
    sections = [
        section("bs", *(Window(d, h(9), h(17)) for d in range(5)), consultation=True, staffed=True),
        section("sat", Window(5, h(10), h(14)), staffed=True),
    ]
    problem = term(
        [room("A", 20, "confidential"), room("B")],
        sections,
        weeks=3,
        requirements=requirements,
        staffing=staffing,
        holidays=holidays,
    )
    plan = solved(problem)
    assert allocated(plan) == {"bs", "sat"}
    short = {w.index: w.shortfalls for w in plan.weeks}
    assert short[0] == () and short[2] == ()
    rules = {(s.rule, s.unit) for s in short[1]}
    assert ("minimum_opening", "days") in rules
    assert all("Feiertag" in s.cause for s in short[1])
    assert plan.weeks[0].open_minutes >= h(40) and plan.weeks[2].open_minutes >= h(40)


def test_a_booking_confirmed_before_skips_the_date_it_takes() -> None:
    taken = MONDAY + timedelta(days=14 + TUE)
    booking = Booking("B1", "Feier", "A", taken, h(17), h(22))
    s = section("g", Window(TUE, h(18), h(20)), rooms=("A",), other_rooms=False)
    plan = solved(term([room("A")], [s], bookings=(booking,)))
    (a,) = plan.allocations
    assert taken not in a.dates
    assert [(x.date, x.reason, x.detail) for x in a.skipped] == [(taken, "booking", "B1")]


def test_a_pin_fixes_the_slot_and_a_forbidding_pin_keeps_the_section_out_of_it() -> None:
    win = Window(TUE, h(16), h(20))
    rooms = [room("A"), room("B", 60)]
    s = section("g", win, minutes=60)
    free = solved(term(rooms, [s]))
    assert free.allocations[0].room == "A"  # room fit prefers the small room
    pinned = solved(term(rooms, [s], pins=(TermPin("g", room="B", start=h(19)),)))
    assert (pinned.allocations[0].room, pinned.allocations[0].start) == ("B", h(19))
    forbidden = solved(term(rooms, [s], pins=(TermPin("g", room="A", forbid=True),)))
    assert forbidden.allocations[0].room == "B"


def test_dates_are_the_frequency_dates_minus_exactly_the_skipped_ones() -> None:
    s = section("f", Window(TUE, h(18), h(20)), frequency="fortnightly", phase=1)
    holiday = MONDAY + timedelta(days=21 + TUE)
    plan = solved(term([room("A")], [s], weeks=6, holidays=(Holiday(holiday, "Feiertag"),)))
    (a,) = plan.allocations
    nominal = [MONDAY + timedelta(days=7 * k + TUE) for k in (1, 3, 5)]
    assert sorted([*a.dates, *(x.date for x in a.skipped)]) == nominal
    assert [x.date for x in a.skipped] == [holiday]
    assert isinstance(a.dates[0], date)


def test_staffed_sections_never_outnumber_the_staff_on_duty() -> None:
    # Two rooms are free, but one person is on duty: only one staffed group gets the evening;
    # an Eigenregie group needs nobody and takes the other room.
    win = Window(TUE, h(18), h(20))
    one = (Staffing(Window(TUE, h(8), h(22)), 1),)
    sections = [
        section("s1", win, staffed=True),
        section("s2", win, staffed=True),
        section("own", win),
    ]
    plan = solved(term([room("A"), room("B"), room("C")], sections, staffing=one))
    assert "own" in allocated(plan)
    assert len(allocated(plan) & {"s1", "s2"}) == 1
    (r,) = plan.refusals
    assert (r.rule, r.kind) == ("staff_capacity", "staff")


def test_a_room_closure_costs_a_group_only_the_dates_it_covers_or_moves_it() -> None:
    win = Window(TUE, h(18), h(20))
    closure = TermClosure(MONDAY + timedelta(days=7), MONDAY + timedelta(days=13), "A", "Maler")
    only_a = section("a", win, rooms=("A",), other_rooms=False)
    plan = solved(term([room("A"), room("B")], [only_a], closures=(closure,)))
    (a,) = plan.allocations
    assert [(x.reason, x.detail) for x in a.skipped] == [("closure", "Maler")]
    # A group without a room wish takes the other room and keeps every date.
    flexible = section("b", win)
    plan = solved(term([room("A"), room("B")], [flexible], closures=(closure,)))
    (b,) = plan.allocations
    assert (b.room, b.skipped) == ("B", ())


def test_each_suggestion_for_a_refused_section_would_place_it() -> None:
    # Class 1 holds the kitchen 18-19; the class-2 cooking group (2 h, 18-20, needs the
    # kitchen) is refused.  Each suggestion, applied to its application, places it.
    kitchen, plain = room("K", 20, "kitchen"), room("P", 20)
    first = section("first", Window(TUE, h(18), h(19)), minutes=60, rooms=("K",), other_rooms=False)
    cook = section(
        "cook", Window(TUE, h(18), h(20)), priority_class=2, features=frozenset({"kitchen"})
    )
    plan = solved(term([kitchen, plain], [first, cook]))
    assert allocated(plan) == {"first"}
    (r,) = plan.refusals
    hints = {s.kind: dict(s.params) for s in r.suggestions}
    assert set(hints) == {"shorter_duration", "other_window", "room_without_feature"}

    shorter = int(hints["shorter_duration"]["duration"])
    retry = replace(cook, min_duration=shorter, max_duration=shorter)
    assert "cook" in allocated(solved(term([kitchen, plain], [first, retry])))

    day, span = hints["other_window"]["when"].split(" ")
    start, end = (h(int(x[:2]) + int(x[3:]) / 60) for x in span.split("–"))
    assert day == "Tue"
    retry = replace(cook, windows=(Window(TUE, start, end),))
    assert "cook" in allocated(solved(term([kitchen, plain], [first, retry])))

    assert hints["room_without_feature"]["room"] == "P"
    assert hints["room_without_feature"]["missing"] == "kitchen"
    retry = replace(cook, features=frozenset())
    assert "cook" in allocated(solved(term([kitchen, plain], [first, retry])))


def test_input_that_cannot_be_planned_is_refused_with_what_is_wrong() -> None:
    win = Window(TUE, h(18), h(20))
    bad = [
        section("range", win, min_duration=120, max_duration=60),
        section("month", win, frequency="monthly"),
        section("often", win, per_week=4),
    ]
    with pytest.raises(ValueError) as raised:
        solve_term(term([room("A")], bad), time_limit=5)
    message = str(raised.value)
    assert "section range" in message and "section month" in message
    assert "section often" in message
    assert problems_with(term([room("A")], [section("ok", win)])) == []
