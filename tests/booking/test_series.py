"""Series, closures and the rolling horizon (issue 10), through the API, on SQLite and
PostgreSQL. One test per anchor bug: exceptions kept across a series edit (MRBS #659), the
weekday at local midnight (newtheatre #17, Cal.com #24713), holidays skipped with their reason
(Indico #1289), skipped dates added back (Indico #4180), closures moved give dates back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from booking.db import transaction
from booking.models import OutboxMail, SeriesDate
from booking.services import series as series_service
from tests.booking.api_helpers import book, local


def weekly(client, headers, room_id, first: str, weekdays=("TH",), start="19:00",
           minutes=120, **extra):
    body = {"kind": "group", "title": "Chor", "room_id": room_id, "start_time": start,
            "duration_minutes": minutes, "first_date": first,
            "pattern": {"kind": "weekly", "weekdays": list(weekdays)}, **extra}
    return client.post("/api/series", headers=headers, json=body)


def dates(answer) -> dict[str, dict]:
    return {d["date"]: d for d in answer["dates"]}


def test_group_at_19h_stays_19h_after_both_dst_changes(client, as_, world):
    r = weekly(client, as_("staff"), world.rooms["Café"], "2026-12-03",
               until="2027-11-30")
    assert r.status_code == 201, r.text
    held = [d for d in r.json()["dates"] if d["state"] == "planned"]
    assert {local(d["starts_at"]).strftime("%H:%M") for d in held} == {"19:00"}
    assert {local(d["ends_at"]).strftime("%H:%M") for d in held} == {"21:00"}
    by_day = {d["date"]: d for d in held}
    # Winter (UTC+1) before 28 March 2027, summer (UTC+2) after, winter again after 31 Oct.
    assert by_day["2027-03-25"]["starts_at"].startswith("2027-03-25T18:00")
    assert by_day["2027-04-01"]["starts_at"].startswith("2027-04-01T17:00")
    assert by_day["2027-11-04"]["starts_at"].startswith("2027-11-04T18:00")


def test_weekday_is_the_centres_at_local_midnight(client, as_, world):
    """00:30 on a Thursday in Berlin is still Wednesday in UTC: the series is on Thursdays."""
    r = weekly(client, as_("staff"), world.rooms["Café"], "2026-12-03", start="00:30",
               minutes=60, count=3)
    assert r.status_code == 201, r.text
    for d in r.json()["dates"]:
        start = local(d["starts_at"])
        assert start.strftime("%a %H:%M") == "Thu 00:30"
        assert start.date().isoformat() == d["date"]


def test_the_nth_weekday_and_the_last_friday_of_the_month(client, as_, world):
    staff = as_("staff")
    second_fourth = client.post("/api/series", headers=staff, json={
        "kind": "group", "title": "Selbsthilfe", "room_id": world.rooms["Gruppenraum 1"],
        "start_time": "18:00", "duration_minutes": 90, "first_date": "2027-01-01",
        "until": "2027-02-28",
        "pattern": {"kind": "monthly_weekday", "weekdays": ["TU"], "positions": [2, 4]}})
    assert second_fourth.status_code == 201, second_fourth.text
    assert list(dates(second_fourth.json())) == ["2027-01-12", "2027-01-26", "2027-02-09",
                                                  "2027-02-23"]
    assert second_fourth.json()["rrule"] == "FREQ=MONTHLY;BYDAY=2TU,4TU"
    last = client.post("/api/series/preview", headers=staff, json={
        "kind": "group", "title": "Spieleabend", "room_id": world.rooms["Gruppenraum 1"],
        "start_time": "19:00", "duration_minutes": 120, "first_date": "2027-01-01",
        "count": 3, "pattern": {"kind": "monthly_weekday", "weekdays": ["FR"],
                                "positions": [-1]}})
    assert last.status_code == 200, last.text
    assert list(dates(last.json())) == ["2027-01-29", "2027-02-26", "2027-03-26"]


def test_a_holiday_date_is_skipped_with_its_reason(client, as_, world):
    """Thursday 6 May 2027 is Ascension Day (Christi Himmelfahrt), a public holiday in NRW."""
    r = weekly(client, as_("staff"), world.rooms["Café"], "2027-04-29", count=3)
    assert r.status_code == 201, r.text
    got = dates(r.json())
    assert got["2027-05-06"]["state"] == "skipped"
    assert got["2027-05-06"]["reason"] == "Feiertag: Christi Himmelfahrt"
    assert got["2027-05-06"]["occurrence_id"] is None
    assert [d["date"] for d in r.json()["skipped"]] == ["2027-05-06"]
    english = client.get(f"/api/series/{r.json()['id']}",
                         headers={**as_("staff"), "Accept-Language": "en"})
    assert dates(english.json())["2027-05-06"]["reason_code"] == "reason_holiday"


def test_preview_and_save_agree_on_every_date(client, as_, world):
    staff = as_("staff")
    cafe = world.rooms["Café"]
    taken = book(client, staff, cafe, "2026-12-10T18:30:00+01:00", "2026-12-10T20:00:00+01:00",
                 title="Adventsfeier")
    assert taken.status_code == 201, taken.text
    body = {"kind": "group", "title": "Chor", "room_id": cafe, "start_time": "19:00",
            "duration_minutes": 120, "first_date": "2026-12-03", "count": 4,
            "pattern": {"kind": "weekly", "weekdays": ["TH"]}}
    preview = client.post("/api/series/preview", headers=staff, json=body)
    assert preview.status_code == 200, preview.text
    verdicts = {d["date"]: d for d in preview.json()["dates"]}
    assert verdicts["2026-12-10"]["state"] == "conflict"
    assert "Adventsfeier" in verdicts["2026-12-10"]["reason"]
    assert "18:30" in verdicts["2026-12-10"]["reason"]
    saved = client.post("/api/series", headers=staff, json=body)
    assert saved.status_code == 201, saved.text
    assert [d["date"] for d in saved.json()["skipped"]] == ["2026-12-10"]
    assert dates(saved.json())["2026-12-10"]["reason"] == verdicts["2026-12-10"]["reason"]
    refused = client.post("/api/series", headers=staff,
                          json={**body, "title": "Zweiter Chor", "on_conflict": "fail"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "series_dates_conflict"


def test_a_skipped_date_is_added_back_once_it_is_free(client, as_, world):
    staff = as_("staff")
    cafe = world.rooms["Café"]
    party = book(client, staff, cafe, "2026-12-10T18:00:00+01:00", "2026-12-10T22:00:00+01:00",
                 title="Adventsfeier")
    made = weekly(client, staff, cafe, "2026-12-03", count=3).json()
    too_early = client.post(f"/api/series/{made['id']}/dates/2026-12-10/restore",
                            headers=staff)
    assert too_early.status_code == 409
    assert "Adventsfeier" in too_early.json()["detail"]
    assert client.post(f"/api/bookings/{party.json()['id']}/cancel", headers=staff,
                       json={"reason": "abgesagt"}).status_code == 200
    back = client.post(f"/api/series/{made['id']}/dates/2026-12-10/restore", headers=staff)
    assert back.status_code == 200, back.text
    assert back.json()["state"] == "planned"
    assert local(back.json()["starts_at"]).strftime("%H:%M") == "19:00"
    shown = client.get(f"/api/series/{made['id']}", headers=staff).json()
    assert shown["skipped"] == []


def test_a_date_changed_on_its_own_stays_when_the_series_is_edited(client, as_, world):
    """MRBS #659: editing a series re-created the dates that had been changed on their own."""
    staff = as_("staff")
    made = weekly(client, staff, world.rooms["Café"], "2026-12-03", count=4).json()
    by_day = dates(made)
    moved = client.patch(f"/api/occurrences/{by_day['2026-12-10']['occurrence_id']}",
                         headers=staff, json={
                             "room_id": world.rooms["Gruppenraum 1"],
                             "starts_at": "2026-12-10T17:00:00+01:00",
                             "ends_at": "2026-12-10T19:00:00+01:00"})
    assert moved.status_code == 200, moved.text
    cancelled = client.post(
        f"/api/occurrences/{by_day['2026-12-17']['occurrence_id']}/cancel", headers=staff)
    assert cancelled.status_code == 200, cancelled.text
    edit = {"scope": "all", "start_time": "18:00"}
    preview = client.patch(f"/api/series/{made['id']}", headers=staff,
                           json={**edit, "preview": True})
    assert preview.status_code == 200, preview.text
    said = {d["date"]: d for d in preview.json()}
    assert said["2026-12-10"]["detached"] and said["2026-12-17"]["detached"]
    assert not said["2026-12-24"]["detached"]
    saved = client.patch(f"/api/series/{made['id']}", headers=staff, json=edit)
    assert saved.status_code == 200, saved.text
    after = dates(client.get(f"/api/series/{made['id']}", headers=staff).json())
    assert local(after["2026-12-03"]["starts_at"]).strftime("%H:%M") == "18:00"
    assert local(after["2026-12-24"]["starts_at"]).strftime("%H:%M") == "18:00"
    # The moved date is where staff put it, in the other room; the cancelled one stays off.
    assert local(after["2026-12-10"]["starts_at"]).strftime("%H:%M") == "17:00"
    assert after["2026-12-10"]["room_id"] == world.rooms["Gruppenraum 1"]
    assert after["2026-12-17"]["state"] == "cancelled"


def test_this_and_following_dates_change_from_the_given_date(client, as_, world):
    staff = as_("staff")
    made = weekly(client, staff, world.rooms["Café"], "2026-12-03", count=4).json()
    r = client.patch(f"/api/series/{made['id']}", headers=staff, json={
        "scope": "following", "from_date": "2026-12-17", "start_time": "20:00"})
    assert r.status_code == 200, r.text
    after = dates(client.get(f"/api/series/{made['id']}", headers=staff).json())
    assert [local(after[d]["starts_at"]).strftime("%H:%M") for d in sorted(after)] == [
        "19:00", "19:00", "20:00", "20:00"]
    # An earlier date cancelled and added back returns at its own time, not the new one.
    earlier = after["2026-12-10"]["occurrence_id"]
    assert client.post(f"/api/occurrences/{earlier}/cancel", headers=staff).status_code == 200
    back = client.post(f"/api/series/{made['id']}/dates/2026-12-10/restore", headers=staff)
    assert back.status_code == 200, back.text
    assert local(back.json()["starts_at"]).strftime("%H:%M") == "19:00"
    assert client.get(f"/api/series/{made['id']}", headers=staff).json()["start_time"] == "20:00"


def test_a_centre_closure_skips_dates_mails_and_gives_them_back_when_moved(
        client, as_, world, session_factory):
    staff = as_("staff")
    made = weekly(client, staff, world.rooms["Café"], "2027-06-03", until="2027-08-31").json()
    closed = client.post(f"/api/centres/{world.centre_id}/closures", headers=staff, json={
        "first_day": "2027-07-01", "last_day": "2027-07-31", "reason": "Sommerpause"})
    assert closed.status_code == 201, closed.text
    assert [d["date"] for d in closed.json()["lost"]] == [
        "2027-07-01", "2027-07-08", "2027-07-15", "2027-07-22", "2027-07-29"]
    shown = dates(client.get(f"/api/series/{made['id']}", headers=staff).json())
    assert shown["2027-07-08"]["state"] == "skipped"
    assert shown["2027-07-08"]["reason"] == "geschlossen: Sommerpause"
    with session_factory() as s:
        mails = s.scalars(select(OutboxMail)).all()
    assert len(mails) == 1 and "08.07.2027" in mails[0].body
    assert mails[0].to_address == world.emails["staff"]
    moved = client.patch(f"/api/closures/{closed.json()['id']}", headers=staff, json={
        "first_day": "2027-07-15", "last_day": "2027-08-10"})
    assert moved.status_code == 200, moved.text
    assert [d["date"] for d in moved.json()["back"]] == ["2027-07-01", "2027-07-08"]
    assert [d["date"] for d in moved.json()["lost"]] == ["2027-08-05"]
    removed = client.delete(f"/api/closures/{closed.json()['id']}", headers=staff)
    assert removed.status_code == 200, removed.text
    after = dates(client.get(f"/api/series/{made['id']}", headers=staff).json())
    assert all(d["state"] == "planned" for d in after.values())


def test_a_room_closure_leaves_other_rooms_alone(client, as_, world):
    staff = as_("staff")
    cafe = weekly(client, staff, world.rooms["Café"], "2027-06-03", count=2).json()
    other = weekly(client, staff, world.rooms["Gruppenraum 1"], "2027-06-03", count=2).json()
    r = client.post(f"/api/centres/{world.centre_id}/closures", headers=staff, json={
        "room_id": world.rooms["Café"], "first_day": "2027-06-03", "last_day": "2027-06-03",
        "reason": "Wartung"})
    assert r.status_code == 201, r.text
    assert dates(client.get(f"/api/series/{cafe['id']}", headers=staff).json())[
        "2027-06-03"]["state"] == "skipped"
    assert dates(client.get(f"/api/series/{other['id']}", headers=staff).json())[
        "2027-06-03"]["state"] == "planned"


def test_an_impossible_rule_is_refused_at_once(client, as_, world):
    r = client.post("/api/series/preview", headers=as_("staff"), json={
        "kind": "group", "title": "Nie", "room_id": world.rooms["Café"], "start_time": "10:00",
        "duration_minutes": 60, "first_date": "2027-01-01",
        "pattern": {"kind": "rrule", "rrule": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31"}})
    assert r.status_code == 400
    assert r.json()["code"] == "series_rule_never"
    hourly = client.post("/api/series/preview", headers=as_("staff"), json={
        "kind": "group", "title": "Oft", "room_id": world.rooms["Café"], "start_time": "10:00",
        "duration_minutes": 60, "first_date": "2027-01-01",
        "pattern": {"kind": "rrule", "rrule": "FREQ=SECONDLY"}})
    assert hourly.status_code == 400


def test_extend_writes_the_next_months_once(session_factory, world, now):
    from booking.models import Role
    from booking.permissions import Actor

    staff = Actor(person_id=world.people["staff"],
                  roles=frozenset({(Role.STAFF, world.centre_id)}))
    spec = series_service.SeriesSpec(
        kind="group", title="Chor", room_id=world.rooms["Café"], start=time(19),
        duration=timedelta(hours=2), first_date=date(2026, 12, 3),
        pattern=series_service.Pattern(kind="weekly", weekdays=("TH",)))
    with transaction(session_factory) as s:
        made = series_service.create_series(s, staff, spec, now=now)
        assert made.series is not None
        first_horizon = made.series.materialised_until
    later = now + timedelta(days=60)
    with transaction(session_factory) as s:
        assert series_service.extend(s, later) > 0
    with session_factory() as s:
        count = s.scalar(select(func.count()).select_from(SeriesDate))
        last = s.scalar(select(func.max(SeriesDate.day)))
    with transaction(session_factory) as s:
        assert series_service.extend(s, later) == 0
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(SeriesDate)) == count
    assert last is not None and first_horizon < last <= first_horizon + timedelta(days=62)


@pytest.fixture
def midnight_clock(clock):
    # 23:30 UTC on Wednesday is 00:30 on Thursday in Berlin.
    clock._at = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    return clock


def test_today_is_the_centres_day(midnight_clock, client, as_, world):
    """An edit "from today" at 00:30 Berlin time (still yesterday in UTC) leaves the dates
    before the Berlin day alone and changes the one of that day."""
    staff = as_("staff")
    made = weekly(client, staff, world.rooms["Café"], "2026-12-02", weekdays=("WE", "TH"),
                  count=3).json()
    r = client.patch(f"/api/series/{made['id']}", headers=staff, json={"start_time": "18:00"})
    assert r.status_code == 200, r.text
    after = dates(client.get(f"/api/series/{made['id']}", headers=staff).json())
    assert local(after["2026-12-02"]["starts_at"]).strftime("%H:%M") == "19:00"
    assert local(after["2026-12-03"]["starts_at"]).strftime("%H:%M") == "18:00"


def test_a_rule_faster_than_its_dates_skips_the_overlap_instead_of_failing(client, as_, world):
    """Daily, 24 hours from midnight: the spring-forward day has 23 hours, so that date runs
    into the next one. The next date is skipped as taken by the series itself."""
    r = client.post("/api/series", headers=as_("staff"), json={
        "kind": "programme", "title": "Ausstellung", "room_id": world.rooms["Café"],
        "start_time": "00:00", "duration_minutes": 1440, "first_date": "2026-03-28",
        "count": 3, "pattern": {"kind": "rrule", "rrule": "FREQ=DAILY"}})
    assert r.status_code == 201, r.text
    got = dates(r.json())
    assert [got[d]["state"] for d in sorted(got)] == ["planned", "planned", "skipped"]
    assert "Ausstellung" in got["2026-03-30"]["reason"]


def test_two_series_coming_back_into_one_slot_do_not_both_take_it(client, as_, world):
    staff = as_("staff")
    cafe = world.rooms["Café"]
    closure = client.post(f"/api/centres/{world.centre_id}/closures", headers=staff, json={
        "first_day": "2027-06-10", "last_day": "2027-06-10", "reason": "Wasserschaden"})
    first = weekly(client, staff, cafe, "2027-06-03", count=2).json()
    second = client.post("/api/series", headers=staff, json={
        "kind": "group", "title": "Theatergruppe", "room_id": cafe, "start_time": "19:00",
        "duration_minutes": 120, "first_date": "2027-06-10",
        "pattern": {"kind": "dates", "dates": ["2027-06-10", "2027-06-11"]}})
    assert second.status_code == 201, second.text
    assert dates(second.json())["2027-06-10"]["state"] == "skipped"
    removed = client.delete(f"/api/closures/{closure.json()['id']}", headers=staff)
    assert removed.status_code == 200, removed.text
    assert [(d["date"], d["state"]) for d in removed.json()] == [("2027-06-10", "planned")]
    a = dates(client.get(f"/api/series/{first['id']}", headers=staff).json())["2027-06-10"]
    b = dates(client.get(f"/api/series/{second.json()['id']}",
                         headers=staff).json())["2027-06-10"]
    assert (a["state"], b["state"]) == ("planned", "skipped")
    assert "Chor" in b["reason"]
