"""DSGVO through the API: a resident exports everything held about them and deletes their
account; what stays is anonymous, and public views never show a renter (issue 2)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from booking.models import Booking, Person
from tests.booking.account_helpers import register_and_confirm
from tests.booking.api_helpers import berlin, rent
from tests.factories import PASSWORD, World


def test_export_holds_the_persons_data_and_their_bookings_only(client, as_, world: World):
    cafe = world.rooms["Café"]
    mine = rent(client, as_("anna"), cafe, berlin(2026, 12, 2, 16), berlin(2026, 12, 2, 19),
                people=25, purpose="Geburtstag von Anna Schmidt").json()["id"]
    rent(client, as_("ben"), cafe, berlin(2026, 12, 3, 16), berlin(2026, 12, 3, 19),
         purpose="Bens Spieleabend")
    client.post(f"/api/rentals/{mine}/confirm", headers=as_("staff"))

    r = client.get("/api/me/export", headers=as_("anna"))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["person"]["email"] == "anna@example.org"
    assert data["person"]["display_name"] == "Anna"
    assert data["person"]["roles"] == [{"role": "resident", "centre_id": None}]
    assert [b["id"] for b in data["bookings"]] == [mine]
    booking = data["bookings"][0]
    assert booking["purpose"] == "Geburtstag von Anna Schmidt"
    assert booking["status"] == "confirmed"
    assert booking["expected_people"] == 25
    assert booking["occurrences"][0]["room"] == "Café"
    assert {"requested"} <= {a["action"] for a in data["activity"]}
    assert data["mails"], "the mails sent to anna are part of her data"
    assert "Spieleabend" not in r.text and "ben@" not in r.text


def test_deleting_the_account_anonymises_the_past_and_cancels_the_future(
        client, as_, clock, session_factory, world: World):
    cafe, anna, staff = world.rooms["Café"], as_("anna"), as_("staff")
    past = rent(client, anna, cafe, berlin(2026, 12, 2, 16), berlin(2026, 12, 2, 19),
                purpose="Geburtstag von Anna Schmidt").json()["id"]
    future_confirmed = rent(client, anna, cafe, berlin(2026, 12, 9, 10),
                            berlin(2026, 12, 9, 12), purpose="Annas Flohmarkt").json()["id"]
    future_pending = rent(client, anna, cafe, berlin(2026, 12, 16, 16),
                          berlin(2026, 12, 16, 18), purpose="Annas Lesung").json()["id"]
    for rid in (past, future_confirmed):
        assert client.post(f"/api/rentals/{rid}/confirm", headers=staff).status_code == 200
    clock.advance(timedelta(days=10))  # Saturday 05.12.2026: the first rental is over

    assert client.delete("/api/me", headers=anna).status_code == 204

    # She can no longer log in, and her old token is dead.
    login = client.post("/api/login", json={"email": "anna@example.org", "password": PASSWORD})
    assert login.status_code == 401
    assert client.get("/api/me", headers=anna).status_code == 401
    # The future is cancelled, the past stays as an anonymous record of the room's use.
    status = {rid: client.get(f"/api/rentals/{rid}", headers=staff).json()["status"]
              for rid in (past, future_confirmed, future_pending)}
    assert status == {past: "confirmed", future_confirmed: "cancelled",
                      future_pending: "cancelled"}
    with session_factory() as s:
        for booking in s.scalars(select(Booking).where(Booking.id.in_(status))).all():
            assert booking.requested_by_id is None
            assert booking.responsible_id is None
            assert booking.purpose is None
        person = s.get_one(Person, world.people["anna"])
        assert (person.email, person.display_name, person.password_hash) == (None, None, None)
        assert person.deleted_at is not None
    # The freed slot is bookable again; the past one still shows as used, without a name.
    freed = client.get(f"/api/rooms/{cafe}/availability", params={
        "start": berlin(2026, 12, 9, 0), "end": berlin(2026, 12, 10, 0)}).json()
    assert freed["busy"] == []
    used = client.get(f"/api/rooms/{cafe}/availability", params={
        "start": berlin(2026, 12, 2, 0), "end": berlin(2026, 12, 3, 0)})
    assert [b["title"] for b in used.json()["busy"]] == ["Raumvermietung"]
    assert "Anna" not in used.text and "Geburtstag" not in used.text
    staff_view = client.get(f"/api/rentals/{past}", headers=staff)
    assert "Anna" not in staff_view.text and "Geburtstag" not in staff_view.text


def test_public_availability_never_shows_renters(client, as_, world: World):
    cafe = world.rooms["Café"]
    rid = rent(client, as_("ben"), cafe, berlin(2026, 12, 2, 16), berlin(2026, 12, 2, 19),
               purpose="Ben Müllers Abschiedsfeier").json()["id"]
    client.post(f"/api/rentals/{rid}/confirm", headers=as_("staff"))
    window = {"start": berlin(2026, 11, 30, 0), "end": berlin(2026, 12, 7, 0)}
    for who in ("anonymous", "anna", "city", "terminal", "staff_sued"):
        for r in (client.get(f"/api/rooms/{cafe}/availability", params=window,
                             headers=as_(who)),
                  client.get("/api/availability", headers=as_(who),
                             params={"centre_id": world.centre_id, **window})):
            assert r.status_code == 200
            assert [b["title"] for b in r.json()["busy"]] == ["Raumvermietung"]
            for word in ("Ben", "Müller", "Abschiedsfeier", "ben@"):
                assert word not in r.text, (who, word)


def test_deleted_persons_email_can_register_again_as_a_new_account(client, as_, world: World,
                                                                   session_factory):
    rent(client, as_("anna"), world.rooms["Café"], berlin(2026, 12, 2, 16),
         berlin(2026, 12, 2, 19))
    assert client.delete("/api/me", headers=as_("anna")).status_code == 204
    again = register_and_confirm(client, session_factory, "Anna@Example.org",
                                 "ein neues Passwort", "Anna Neu")
    assert again != world.people["anna"]
    login = client.post("/api/login", json={"email": "anna@example.org",
                                            "password": "ein neues Passwort"})
    assert login.status_code == 200, login.text
    token = {"Authorization": f"Bearer {login.json()['token']}"}
    # The new account does not inherit the old one's requests.
    assert client.get("/api/rentals", headers=token).json() == []
    assert client.get("/api/me/export", headers=token).json()["bookings"] == []
