"""Closures and public holidays hold for every kind of booking, not only series dates (issue 10
§2): a rental request, its confirmation and a one-off booking on a closed day are refused with
the closure's reason; the room's week says why it is closed; a closure over a confirmed rental
lists it for staff and leaves it alone. And the horizon: a series that ends beyond it is
written up to it, one that starts beyond it is refused with the date it may start by."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from tests.booking.api_helpers import berlin, book, rent

CLOSED_DAY = (2026, 12, 9)  # a plain Wednesday two weeks after the tests' "now"


def at(day: tuple[int, int, int], h: int) -> str:
    return berlin(*day, h)


def close(client, staff, centre_id, first, last, reason, room_id=None):
    body = {"first_day": first, "last_day": last, "reason": reason}
    if room_id is not None:
        body["room_id"] = room_id
    return client.post(f"/api/centres/{centre_id}/closures", headers=staff, json=body)


def test_a_rental_in_a_closed_room_is_refused_with_the_closures_reason(client, as_, world):
    cafe, group_room = world.rooms["Café"], world.rooms["Gruppenraum 1"]
    r = close(client, as_("staff"), world.centre_id, "2026-12-09", "2026-12-09",
              "Wartung der Lüftung", room_id=cafe)
    assert r.status_code == 201, r.text
    quote = client.post("/api/rentals/quote", json={
        "room_id": cafe, "starts_at": at(CLOSED_DAY, 16), "ends_at": at(CLOSED_DAY, 18),
        "expected_people": 8}).json()
    assert quote["allowed"] is False
    assert [p["code"] for p in quote["problems"]] == ["closure_closed"]
    assert "Wartung der Lüftung" in quote["problems"][0]["detail"]
    refused = rent(client, as_("anna"), cafe, at(CLOSED_DAY, 16), at(CLOSED_DAY, 18))
    assert 400 <= refused.status_code < 500
    assert "Wartung der Lüftung" in refused.text
    # A room closure closes that room only.
    other = rent(client, as_("anna"), group_room, at(CLOSED_DAY, 16), at(CLOSED_DAY, 18), 5)
    assert other.status_code == 201, other.text


def test_a_closure_after_the_request_refuses_its_confirmation_until_it_is_gone(
        client, as_, world):
    staff = as_("staff")
    asked = rent(client, as_("anna"), world.rooms["Café"], at(CLOSED_DAY, 16),
                 at(CLOSED_DAY, 18))
    assert asked.status_code == 201, asked.text
    closure = close(client, staff, world.centre_id, "2026-12-07", "2026-12-11", "Teamtag")
    assert [b["booking_id"] for b in closure.json()["bookings"]] == [asked.json()["id"]]
    refused = client.post(f"/api/rentals/{asked.json()['id']}/confirm", headers=staff)
    assert refused.status_code == 409
    assert refused.json()["code"] == "closure_closed" and "Teamtag" in refused.text
    assert client.delete(f"/api/closures/{closure.json()['id']}",
                         headers=staff).status_code == 200
    confirmed = client.post(f"/api/rentals/{asked.json()['id']}/confirm", headers=staff)
    assert confirmed.status_code == 200, confirmed.text


def test_a_closure_over_a_confirmed_rental_lists_it_and_does_not_cancel_it(client, as_, world):
    staff = as_("staff")
    asked = rent(client, as_("anna"), world.rooms["Café"], at(CLOSED_DAY, 16),
                 at(CLOSED_DAY, 18))
    assert client.post(f"/api/rentals/{asked.json()['id']}/confirm",
                       headers=staff).status_code == 200
    r = close(client, staff, world.centre_id, "2026-12-09", "2026-12-09", "Wasserschaden",
              room_id=world.rooms["Café"])
    assert r.status_code == 201, r.text
    hit = r.json()["bookings"]
    assert [(b["booking_id"], b["kind"], b["status"]) for b in hit] == [
        (asked.json()["id"], "rental", "confirmed")]
    kept = client.get(f"/api/rentals/{asked.json()['id']}", headers=staff).json()
    assert kept["status"] == "confirmed"
    # Moved away from the rental's day, the closure no longer lists it.
    moved = client.patch(f"/api/closures/{r.json()['id']}", headers=staff, json={
        "first_day": "2026-12-10", "last_day": "2026-12-10"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["bookings"] == []


def test_a_one_off_booking_on_a_closure_or_a_holiday_is_refused(client, as_, world):
    staff = as_("staff")
    cafe = world.rooms["Café"]
    close(client, staff, world.centre_id, "2026-12-09", "2026-12-09", "Betriebsausflug")
    on_closure = book(client, staff, cafe, at(CLOSED_DAY, 10), at(CLOSED_DAY, 12))
    assert on_closure.status_code == 409
    assert on_closure.json()["code"] == "closure_closed"
    assert "Betriebsausflug" in on_closure.text
    christmas = book(client, staff, cafe, berlin(2026, 12, 25, 10), berlin(2026, 12, 25, 12))
    assert christmas.status_code == 409
    assert christmas.json()["code"] == "holiday_closed"
    assert "Erster Weihnachtstag" in christmas.text
    # Moving a date onto the closure is refused the same way.
    free = book(client, staff, cafe, at((2026, 12, 10), 10), at((2026, 12, 10), 12))
    assert free.status_code == 201, free.text
    occ = free.json()["occurrences"][0]["id"]
    moved = client.patch(f"/api/occurrences/{occ}", headers=staff, json={
        "room_id": cafe, "starts_at": at(CLOSED_DAY, 10), "ends_at": at(CLOSED_DAY, 12)})
    assert moved.status_code == 409 and moved.json()["code"] == "closure_closed"


def test_the_rooms_week_says_why_it_is_closed(client, as_, world):
    close(client, as_("staff"), world.centre_id, "2026-12-09", "2026-12-09",
          "Wartung der Lüftung", room_id=world.rooms["Café"])
    page = client.get(f"/raeume/{world.rooms['Café']}?woche=2026-W50")
    assert page.status_code == 200
    assert "geschlossen: Wartung der Lüftung" in page.text
    assert "Feiertag" not in page.text
    christmas = client.get(f"/raeume/{world.rooms['Café']}?woche=2026-W52")
    assert "Feiertag: Erster Weihnachtstag" in christmas.text


def _series(client, staff, room, first, **extra):
    return client.post("/api/series", headers=staff, json={
        "kind": "group", "title": "Chor", "room_id": room, "start_time": "19:00",
        "duration_minutes": 90, "first_date": first,
        "pattern": {"kind": "weekly", "weekdays": ["TH"]}, **extra})


def test_a_series_ending_beyond_the_horizon_is_written_up_to_it(client, as_, world, now):
    horizon = now.date() + relativedelta(months=18)
    r = _series(client, as_("staff"), world.rooms["Café"], "2026-12-03", until="2029-06-30")
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["materialised_until"] == horizon.isoformat()
    last = max(date.fromisoformat(d["date"]) for d in made["dates"])
    assert horizon - timedelta(days=7) < last <= horizon


def test_a_series_starting_beyond_the_horizon_is_refused_with_the_date_it_may_start_by(
        client, as_, world, now):
    staff = as_("staff")
    first = (now + timedelta(days=600)).date()
    r = _series(client, staff, world.rooms["Café"], first.isoformat())
    assert r.status_code == 400
    assert r.json()["code"] == "series_beyond_horizon"
    assert "18 Monate" in r.text
    preview = client.post("/api/series/preview", headers=staff, json={
        "kind": "group", "title": "Chor", "room_id": world.rooms["Café"],
        "start_time": "19:00", "duration_minutes": 90, "first_date": first.isoformat(),
        "pattern": {"kind": "weekly", "weekdays": ["TH"]}})
    assert preview.status_code == 400
    assert preview.json()["code"] == "series_beyond_horizon"
