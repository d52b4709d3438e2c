"""Times across daylight saving (RFC 5545's rule, ``booking.timeutil.local_span``), the
calendar horizon, and a series that starts at a repeated wall time (issue 6, section 5; series
through ``/api/series`` since issue 10)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from booking.recurrence import expand
from tests.booking.api_helpers import berlin, book, local, utc
from tests.booking.test_pages import Page, login, request_form
from tests.factories import World

BERLIN = ZoneInfo("Europe/Berlin")


def hours(occ: dict) -> float:
    return (utc(occ["ends_at"]) - utc(occ["starts_at"])).total_seconds() / 3600


# ------------------------------------------------------------------ daylight saving, by example


def weekly(client, headers, room_id, first: date, start: str, minutes: int, count: int):
    """A weekly series through ``/api/series``: its held dates."""
    r = client.post("/api/series", headers=headers, json={
        "kind": "group", "title": "Nachtcafé", "room_id": room_id, "start_time": start,
        "duration_minutes": minutes, "first_date": first.isoformat(), "count": count,
        "pattern": {"kind": "weekly", "weekdays": [("MO", "TU", "WE", "TH", "FR", "SA",
                                                     "SU")[first.weekday()]]}})
    assert r.status_code == 201, r.text
    return [d for d in r.json()["dates"] if d["state"] == "planned"]


def test_weekly_series_into_the_spring_gap_keeps_its_stated_duration(
        client, as_, world: World):
    # 02:30 on 2026-03-22; a week later the clocks jump from 02:00 to 03:00 (answered 500).
    first, second = weekly(client, as_("staff"), world.rooms["Gruppenraum 1"],
                           date(2026, 3, 22), "02:30", 60, 2)
    assert [hours(first), hours(second)] == [1.0, 1.0]
    # 02:30 does not exist on 2026-03-29: the start moves forward by the gap, to 03:30 CEST.
    assert local(second["starts_at"]).replace(tzinfo=None) == datetime(2026, 3, 29, 3, 30)
    assert utc(second["starts_at"]) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_two_hour_series_is_two_real_hours_on_the_spring_forward_night(
        client, as_, world: World):
    dates = weekly(client, as_("staff"), world.rooms["Gruppenraum 1"], date(2027, 3, 21),
                   "02:00", 120, 2)
    assert [hours(o) for o in dates] == [2.0, 2.0]  # was 1 h on 28.03.
    assert local(dates[1]["starts_at"]).time() == time(3, 0)
    assert local(dates[1]["ends_at"]).time() == time(5, 0)


def test_one_hour_series_is_one_real_hour_on_the_fall_back_night(client, as_, world: World):
    dates = weekly(client, as_("staff"), world.rooms["Gruppenraum 1"], date(2026, 10, 18),
                   "02:30", 60, 2)
    assert [hours(o) for o in dates] == [1.0, 1.0]  # was 2 h on 25.10.
    # 02:30 happens twice on 2026-10-25: the first one (summer time, 00:30 UTC) is taken.
    assert utc(dates[1]["starts_at"]) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_rental_quote_does_not_charge_the_repeated_hour_twice(client, as_, world: World):
    cafe = world.rooms["Café"]
    login(client, world, "anna")
    token = Page(client.get(f"/raeume/{cafe}/anfragen").text).csrf()
    r = client.post(f"/raeume/{cafe}/anfragen",
                    data=request_form(day="2026-10-25", start="02:30", end="03:30",
                                      token=token))
    assert "(1 angefangene Stunde zu" in r.text, r.text


def test_rental_form_start_in_the_spring_gap_moves_forward_by_the_gap(
        client, as_, world: World):
    cafe = world.rooms["Café"]
    login(client, world, "anna")
    token = Page(client.get(f"/raeume/{cafe}/anfragen").text).csrf()
    r = client.post(f"/raeume/{cafe}/anfragen",
                    data=request_form(day="2027-03-28", start="02:30", end="04:30",
                                      token=token))
    assert "Das Ende muss nach dem Beginn liegen." not in r.text
    assert "(2 angefangene Stunden zu" in r.text, r.text


# --------------------------------------------- daylight saving, against an independent model


def reference_instant(naive: datetime) -> datetime:
    """RFC 5545 on the Berlin wall clock, without zoneinfo's fold: try both offsets Berlin
    uses; if both read back as ``naive`` take the earlier instant, if neither does (the gap)
    use the offset in force a day before."""
    readings = []
    for offset in (timedelta(hours=1), timedelta(hours=2)):
        instant = (naive - offset).replace(tzinfo=UTC)
        if instant.astimezone(BERLIN).replace(tzinfo=None) == naive:
            readings.append(instant)
    if readings:
        return min(readings)
    before = (naive - timedelta(days=1)).replace(tzinfo=BERLIN).utcoffset()
    assert before is not None
    return (naive - before).replace(tzinfo=UTC)


CHANGE_NIGHTS = [date(2026, 3, 29), date(2026, 10, 25), date(2027, 3, 28), date(2027, 10, 31)]


@settings(max_examples=300, deadline=None)
@given(change=st.sampled_from(CHANGE_NIGHTS),
       weeks_before=st.integers(0, 3),
       step=st.sampled_from(["DAILY", "WEEKLY"]),
       count=st.integers(1, 8),
       start_minute=st.integers(0, 24 * 4 - 1).map(lambda q: q * 15),
       duration_minutes=st.integers(1, 16).map(lambda q: q * 15))
def test_expansion_around_the_2026_and_2027_changes_agrees_with_rfc_5545(
        change, weeks_before, step, count, start_minute, duration_minutes):
    first = change - timedelta(days=7 * weeks_before + (3 if step == "DAILY" else 0))
    wall = time(start_minute // 60, start_minute % 60)
    duration = timedelta(minutes=duration_minutes)
    got = expand(f"FREQ={step};COUNT={count}", first, wall, duration, "Europe/Berlin")
    days = [first + timedelta(days=(1 if step == "DAILY" else 7) * i) for i in range(count)]
    want = [(s, s + duration) for s in
            (reference_instant(datetime.combine(d, wall)) for d in days)]
    assert got == want


# --------------------------------------------------------------------- the calendar horizon

HORIZON = "Die Zeit liegt außerhalb der Jahre 2000–2099."
HORIZON_DATES = "Die Termine müssen in den Jahren 2000 bis 2099 liegen."
FAR = [("0001-01-01T00:00:00+01:00", "0001-01-01T01:00:00+01:00"),
       ("9999-12-31T22:00:00-01:00", "9999-12-31T23:00:00-01:00"),
       ("1999-12-31T10:00:00+00:00", "1999-12-31T11:00:00+00:00"),
       ("2100-01-01T10:00:00+00:00", "2100-01-01T11:00:00+00:00")]


def test_instants_outside_the_horizon_are_refused_with_a_sentence_everywhere(
        client, as_, world: World):
    # Years 1 and 9999 with an offset overflowed datetime's range: 500 in each of these.
    staff, room = as_("staff"), world.rooms["Café"]
    made = book(client, staff, room, berlin(2027, 1, 5, 10), berlin(2027, 1, 5, 11))
    assert made.status_code == 201, made.text
    occurrence = made.json()["occurrences"][0]["id"]
    for start, end in FAR:
        answers = {
            "booking": book(client, staff, room, start, end),
            "move": client.patch(f"/api/occurrences/{occurrence}", headers=staff,
                                 json={"room_id": room, "starts_at": start, "ends_at": end}),
            "quote": client.post("/api/rentals/quote", json={
                "room_id": room, "starts_at": start, "ends_at": end, "expected_people": 2}),
            "rental": client.post("/api/rentals", headers=as_("anna"), json={
                "room_id": room, "starts_at": start, "ends_at": end, "expected_people": 2,
                "purpose": "Feier"}),
            "availability": client.get(f"/api/rooms/{room}/availability",
                                       params={"start": start, "end": end}),
            "centre availability": client.get("/api/availability", params={
                "centre_id": world.centre_id, "start": start, "end": end}),
            "free rooms": client.get("/api/rooms", params={"free_from": start,
                                                           "free_to": end}),
            "cancel from": client.post(f"/api/bookings/{made.json()['id']}/cancel",
                                       headers=staff, params={"from_time": start}),
        }
        for what, r in answers.items():
            assert r.status_code == 400, (what, start, r.text)
            assert r.json()["detail"] == HORIZON, (what, start, r.text)


def test_pages_refuse_weeks_and_dates_outside_the_horizon_in_german(
        client, as_, world: World):
    cafe = world.rooms["Café"]
    for week in ("0001-W01", "9999-W52", "1999-W52", "2100-W01"):
        r = client.get(f"/raeume/{cafe}?woche={week}")
        assert r.status_code == 400, (week, r.text)
        assert "Die Zeit liegt außerhalb der Jahre 2000–2099." in r.text
    login(client, world, "anna")
    token = Page(client.get(f"/raeume/{cafe}/anfragen").text).csrf()
    for day in ("0001-01-01", "9999-12-31", "31.12.1999"):
        for action in ("preis", "senden"):
            r = client.post(f"/raeume/{cafe}/anfragen",
                            data=request_form(day=day, action=action, token=token))
            assert r.status_code == 400, (day, r.text)
            assert "Bitte ein Datum zwischen 2000 und 2099 angeben." in r.text


def test_a_series_stays_inside_the_horizon(client, as_, world: World):
    r = client.post("/api/series", headers=as_("staff"), json={
        "kind": "group", "title": "Chor", "room_id": world.rooms["Gruppenraum 1"],
        "start_time": "10:00", "duration_minutes": 60, "first_date": "2100-01-07",
        "pattern": {"kind": "weekly", "weekdays": ["TH"]}})
    assert r.status_code == 400, r.text
    assert r.json()["detail"] == HORIZON_DATES


# ------------------------------------------------------- the repeated hour at a series' start


def test_a_series_at_a_repeated_wall_time_starts_at_the_first_of_the_two(
        client, as_, world: World):
    """A series is kept in local terms: 02:30 on 2026-10-25, which happens twice, is the first
    02:30 (summer time, 00:30 UTC) by RFC 5545, and lasts its hour in real time."""
    # Three Sundays: 1 November (All Saints) is a holiday in NRW and skipped.
    first, second = weekly(client, as_("staff"), world.rooms["Gruppenraum 1"],
                           date(2026, 10, 25), "02:30", 60, 3)
    assert utc(first["starts_at"]) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert local(second["starts_at"]).replace(tzinfo=None) == datetime(2026, 11, 8, 2, 30)
    assert [hours(first), hours(second)] == [1.0, 1.0]
