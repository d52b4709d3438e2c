"""The rental workflow end to end through the API, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.booking.account_helpers import mails_to
from tests.factories import World


def iso(y: int, mo: int, d: int, h: int, mi: int = 0) -> str:
    """A local Berlin wall time in winter (UTC+1) as an ISO instant."""
    return datetime(y, mo, d, h - 1, mi, tzinfo=UTC).isoformat()


def request(client, headers, room_id, start, end, people=10, purpose="Geburtstag"):
    return client.post("/api/rentals", headers=headers, json={
        "room_id": room_id, "starts_at": start, "ends_at": end, "expected_people": people,
        "purpose": purpose})


def test_overlapping_requests_one_confirmed_other_declined_with_reason(client, as_, world: World):
    cafe = world.rooms["Café"]
    a = request(client, as_("anna"), cafe, iso(2026, 12, 2, 16), iso(2026, 12, 2, 19))
    b = request(client, as_("ben"), cafe, iso(2026, 12, 2, 18), iso(2026, 12, 2, 21))
    assert a.status_code == 201, a.text
    assert b.status_code == 201, b.text
    ok = client.post(f"/api/rentals/{a.json()['id']}/confirm", headers=as_("staff"))
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"] == "confirmed"
    lost = client.get(f"/api/rentals/{b.json()['id']}", headers=as_("ben")).json()
    assert lost["status"] == "declined"
    assert "vergeben" in lost["decision_reason"]
    again = client.post(f"/api/rentals/{b.json()['id']}/confirm", headers=as_("staff"))
    assert again.status_code == 409


def test_back_to_back_rentals_both_confirmed(client, as_, world: World):
    cafe = world.rooms["Café"]
    a = request(client, as_("anna"), cafe, iso(2026, 12, 2, 10), iso(2026, 12, 2, 12)).json()
    b = request(client, as_("ben"), cafe, iso(2026, 12, 2, 12), iso(2026, 12, 2, 14)).json()
    for rental in (a, b):
        r = client.post(f"/api/rentals/{rental['id']}/confirm", headers=as_("staff"))
        assert r.status_code == 200, r.text


def test_conflict_names_title_and_time_not_the_renter(client, as_, world: World):
    cafe = world.rooms["Café"]
    staff_booking = client.post("/api/bookings", headers=as_("staff"), json={
        "kind": "programme", "title": "Sprachcafé", "room_id": cafe,
        "starts_at": iso(2026, 12, 3, 17), "ends_at": iso(2026, 12, 3, 19)})
    assert staff_booking.status_code == 201, staff_booking.text
    r = request(client, as_("anna"), cafe, iso(2026, 12, 3, 18), iso(2026, 12, 3, 20))
    assert r.status_code == 422
    [taken] = r.json()["problems"]
    assert taken["code"] == "room_taken_by"
    assert "Sprachcafé" in r.json()["detail"]
    assert "3. Dez. 2026, 17:00–19:00" in r.json()["detail"]  # the centre's local time


def test_rental_mails_link_to_the_request_on_the_configured_base_url(
        client, as_, world: World, session_factory):
    r = request(client, as_("anna"), world.rooms["Café"], iso(2026, 12, 2, 16),
                iso(2026, 12, 2, 19))
    assert r.status_code == 201, r.text
    rental = r.json()["id"]
    [received] = mails_to(session_factory, "anna@example.org")
    assert f"http://127.0.0.1:8000/meine-anfragen/{rental}\n" in received.body
    [to_staff] = mails_to(session_factory, "staff@example.org")
    assert "http://127.0.0.1:8000/verwaltung/anfragen\n" in to_staff.body
    assert client.post(f"/api/rentals/{rental}/confirm", headers=as_("staff")).status_code == 200
    confirmed = mails_to(session_factory, "anna@example.org")[-1]
    assert f"http://127.0.0.1:8000/meine-anfragen/{rental}\n" in confirmed.body
