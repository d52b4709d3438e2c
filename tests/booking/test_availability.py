"""Availability and room search through the API: busy intervals with public titles only, free
intervals that exactly complement them, the room filters, and clear refusals of bad windows
(issue 2)."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest

from tests.booking.api_helpers import berlin, book, rent, utc
from tests.factories import World

WEEK = {"start": berlin(2026, 11, 30, 0), "end": berlin(2026, 12, 7, 0)}
PRIVATE_WORDS = ("Anna", "anna@", "Geburtstag", "Teamsitzung", "Ben")


@pytest.fixture
def busy_week(client, as_, world: World) -> dict[str, int]:
    """The café's week: anna's confirmed rental, an internal staff meeting, a public
    Sprachcafé; ben's pending request and a cancelled slot hold nothing."""
    cafe, staff = world.rooms["Café"], as_("staff")
    rental = rent(client, as_("anna"), cafe, berlin(2026, 12, 2, 16), berlin(2026, 12, 2, 19),
                  purpose="Geburtstag von Anna Schmidt").json()["id"]
    assert client.post(f"/api/rentals/{rental}/confirm", headers=staff).status_code == 200
    internal = client.post(f"/api/centres/{world.centre_id}/offers", headers=staff, json={
        "title": "Teamsitzung Leitung", "theme": "other", "public": False})
    assert internal.status_code == 201, internal.text
    meeting = book(client, staff, cafe, berlin(2026, 12, 3, 9), berlin(2026, 12, 3, 11),
                   title="Teamsitzung Leitung", offer_id=internal.json()["id"])
    assert meeting.status_code == 201, meeting.text
    public = book(client, staff, cafe, berlin(2026, 12, 4, 10), berlin(2026, 12, 4, 12))
    assert public.status_code == 201, public.text
    pending = rent(client, as_("ben"), cafe, berlin(2026, 12, 5, 14), berlin(2026, 12, 5, 16),
                   purpose="Ben feiert")
    assert pending.status_code == 201, pending.text
    dropped = book(client, staff, cafe, berlin(2026, 12, 1, 10), berlin(2026, 12, 1, 12),
                   title="Abgesagt").json()["id"]
    assert client.post(f"/api/bookings/{dropped}/cancel", headers=staff).status_code == 200
    return {"rental": rental, "meeting": meeting.json()["id"], "public": public.json()["id"]}


@pytest.mark.parametrize("who", ["anonymous", "ben", "anna", "staff_sued"])
def test_busy_intervals_show_public_titles_only(client, as_, world: World, busy_week, who):
    r = client.get(f"/api/rooms/{world.rooms['Café']}/availability", params=WEEK,
                   headers=as_(who))
    assert r.status_code == 200, r.text
    busy = r.json()["busy"]
    assert [(b["title"], b["kind"]) for b in busy] == [
        ("Raumvermietung", "rental"), ("Interne Nutzung", "programme"),
        ("Sprachcafé", "programme")]
    assert all(b["booking_id"] is None for b in busy)
    for word in PRIVATE_WORDS:
        assert word not in r.text


def test_centre_availability_shows_no_names_either(client, as_, world: World, busy_week):
    r = client.get("/api/availability", params={"centre_id": world.centre_id, **WEEK})
    assert r.status_code == 200, r.text
    assert {b["title"] for b in r.json()["busy"]} == {
        "Raumvermietung", "Interne Nutzung", "Sprachcafé"}
    for word in PRIVATE_WORDS:
        assert word not in r.text


def test_staff_of_the_centre_see_real_titles_and_booking_ids(client, as_, world: World,
                                                             busy_week):
    busy = client.get(f"/api/rooms/{world.rooms['Café']}/availability", params=WEEK,
                      headers=as_("staff")).json()["busy"]
    assert [b["title"] for b in busy] == ["Raumvermietung", "Teamsitzung Leitung", "Sprachcafé"]
    assert [b["booking_id"] for b in busy] == [
        busy_week["rental"], busy_week["meeting"], busy_week["public"]]


def test_free_intervals_exactly_complement_the_busy_ones(client, world: World, busy_week):
    body = client.get(f"/api/rooms/{world.rooms['Café']}/availability", params=WEEK).json()
    busy = [(utc(b["starts_at"]), utc(b["ends_at"])) for b in body["busy"]]
    free = [(utc(f["starts_at"]), utc(f["ends_at"])) for f in body["free"]]
    assert free == [
        (utc(WEEK["start"]), utc(berlin(2026, 12, 2, 16))),
        (utc(berlin(2026, 12, 2, 19)), utc(berlin(2026, 12, 3, 9))),
        (utc(berlin(2026, 12, 3, 11)), utc(berlin(2026, 12, 4, 10))),
        (utc(berlin(2026, 12, 4, 12)), utc(WEEK["end"])),
    ]
    # Together they tile the window: no gap, no overlap.
    tiles = sorted(busy + free)
    assert tiles[0][0] == utc(WEEK["start"]) and tiles[-1][1] == utc(WEEK["end"])
    assert all(a[1] == b[0] for a, b in pairwise(tiles))


def test_every_room_of_the_centre_gets_its_own_free_intervals(client, world: World, busy_week):
    body = client.get("/api/availability", params={"centre_id": world.centre_id,
                                                   **WEEK}).json()
    free_rooms = {f["room_id"] for f in body["free"]}
    assert free_rooms == {world.rooms["Café"], world.rooms["Gruppenraum 1"],
                          world.rooms["Büro"]}
    whole_week = [f for f in body["free"] if f["room_id"] == world.rooms["Gruppenraum 1"]]
    assert [(utc(f["starts_at"]), utc(f["ends_at"])) for f in whole_week] == [
        (utc(WEEK["start"]), utc(WEEK["end"]))]


def names(client, **params) -> set[str]:
    r = client.get("/api/rooms", params=params)
    assert r.status_code == 200, r.text
    return {room["name"] for room in r.json()}


def test_rooms_filter_by_capacity_feature_and_barrier_free(client, world: World):
    assert names(client, min_capacity=20) == {"Café", "Saal Süd"}
    assert names(client, min_capacity=20, centre_id=world.centre_id) == {"Café"}
    assert names(client, feature="kitchen") == {"Café"}
    assert names(client, feature=["kitchen", "barrier_free"]) == {"Café"}
    assert names(client, feature="projector") == set()
    assert names(client, barrier_free="true") == {"Café", "Saal Süd"}
    assert names(client, rentable="false") == {"Büro"}


def test_rooms_filter_by_free_window(client, world: World, busy_week):
    during = {"free_from": berlin(2026, 12, 2, 17), "free_to": berlin(2026, 12, 2, 18)}
    assert names(client, centre_id=world.centre_id, **during) == {"Gruppenraum 1", "Büro"}
    # Right after the rental ends the café is free again (half-open intervals).
    after = {"free_from": berlin(2026, 12, 2, 19), "free_to": berlin(2026, 12, 2, 21)}
    assert names(client, centre_id=world.centre_id, **after) == {
        "Café", "Gruppenraum 1", "Büro"}
    # A pending request does not make the café busy.
    pending = {"free_from": berlin(2026, 12, 5, 14), "free_to": berlin(2026, 12, 5, 16)}
    assert "Café" in names(client, **pending)


def test_rooms_filter_refuses_half_a_window_and_unknown_features(client):
    half = client.get("/api/rooms", params={"free_from": berlin(2026, 12, 2, 17)})
    assert half.status_code == 400
    assert half.json()["code"] == "free_span_half"
    unknown = client.get("/api/rooms", params={"feature": "sauna"})
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "input_invalid_fields"
    assert "feature" in unknown.json()["detail"]


@pytest.mark.parametrize("where", ["room", "centre", "rooms"])
def test_naive_datetimes_are_refused_with_a_message(client, world: World, where):
    naive = {"start": "2026-12-01T00:00:00", "end": "2026-12-08T00:00:00"}
    if where == "room":
        r = client.get(f"/api/rooms/{world.rooms['Café']}/availability", params=naive)
    elif where == "centre":
        r = client.get("/api/availability", params={"centre_id": world.centre_id, **naive})
    else:
        r = client.get("/api/rooms", params={"free_from": naive["start"],
                                             "free_to": naive["end"]})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "time_needs_offset"
    assert "Zeitzone" in r.json()["detail"]


def test_window_longer_than_62_days_is_refused(client, world: World):
    start = utc(berlin(2026, 12, 1, 0))
    url = f"/api/rooms/{world.rooms['Café']}/availability"
    too_long = client.get(url, params={"start": start.isoformat(),
                                       "end": (start + timedelta(days=63)).isoformat()})
    assert too_long.status_code == 400
    assert too_long.json()["code"] == "days_too_many"
    assert "höchstens 62 Tage" in too_long.json()["detail"]
    longest = client.get(url, params={"start": start.isoformat(),
                                      "end": (start + timedelta(days=62)).isoformat()})
    assert longest.status_code == 200
    backwards = client.get(url, params={"start": start.isoformat(),
                                        "end": (start - timedelta(days=1)).isoformat()})
    assert backwards.status_code == 400
    assert backwards.json()["code"] == "end_before_start"
