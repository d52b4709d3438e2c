"""The staff maintenance pages on both databases: rooms listed and edited through the same
service and permission rules as the API, messages at their fields, nothing saved when a field
is wrong; doors with their rooms; the NRW public holidays as closures."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.booking.test_pages import Page, csrf_of, login
from tests.factories import World


def room_form(token: str, **changes: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "csrf_token": token, "name": "Café", "beschreibung": "Mit Küche",
        "kapazitaet": "30", "flaeche": "48,5", "merkmale": ["kitchen", "barrier_free"],
        "barrierefreiheit": "Stufenlos vom Hof", "vermietbar": "1", "preis": "12,50",
        "preis_wochenende": "15", "mindestgebuehr": "30", "reinigung": "20",
        "min_stunden": "1", "max_stunden": "6", "ende": "22:00",
        "reinigungsregeln": "Besenrein", "hausordnung": "Rauchfrei"}
    form.update(changes)
    return form


def test_staff_edit_a_room_and_the_api_shows_the_new_values(
        client: TestClient, as_, world: World) -> None:
    cafe = world.rooms["Café"]
    login(client, world, "staff")
    listing = client.get("/verwaltung/raeume")
    assert listing.status_code == 200 and f'href="/verwaltung/raeume/{cafe}"' in listing.text
    token = csrf_of(client, f"/verwaltung/raeume/{cafe}")
    r = client.post(f"/verwaltung/raeume/{cafe}",
                    data=room_form(token, kapazitaet="35", merkmale=["kitchen", "projector"]),
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "Die Angaben zu Café sind gespeichert." in client.get(r.headers["location"]).text
    room = client.get(f"/api/rooms/{cafe}").json()
    assert room["capacity"] == 35 and room["area_m2"] == 48.5
    assert sorted(room["features"]) == ["kitchen", "projector"]
    assert room["price_per_hour_cents"] == 1250 and room["max_rental_minutes"] == 360
    assert room["accessibility_notes"] == "Stufenlos vom Hof"


def test_a_wrong_field_is_answered_at_the_field_and_nothing_is_saved(
        client: TestClient, as_, world: World) -> None:
    cafe = world.rooms["Café"]
    before = client.get(f"/api/rooms/{cafe}").json()
    login(client, world, "staff")
    token = csrf_of(client, f"/verwaltung/raeume/{cafe}")
    r = client.post(f"/verwaltung/raeume/{cafe}",
                    data=room_form(token, kapazitaet="viele", preis="zwölf", name="Neuer Name",
                                   min_stunden="5", max_stunden="2"))
    assert r.status_code == 400
    page = Page(r.text)
    assert page.broken_describedby() == [] and page.unlabelled() == []
    fields = {c["id"]: c for c in page.controls}
    assert "f-kapazitaet-error" in fields["f-kapazitaet"]["aria-describedby"]
    assert fields["f-kapazitaet"]["aria-invalid"] == "true"
    assert "f-preis-error" in fields["f-preis"]["aria-describedby"]
    assert "f-max_stunden-error" in fields["f-max_stunden"]["aria-describedby"]
    assert 'id="f-kapazitaet-error">Bitte eine ganze Zahl von 1 bis 10000 angeben.' in r.text
    assert "nicht kürzer als die kürzeste" in r.text
    # What was typed stays in the form; the room is unchanged.
    assert 'value="viele"' in r.text and 'value="Neuer Name"' in r.text
    assert client.get(f"/api/rooms/{cafe}").json() == before


def test_only_staff_of_the_rooms_centre_may_edit_it(client: TestClient, as_,
                                                    world: World) -> None:
    cafe = world.rooms["Café"]
    before = client.get(f"/api/rooms/{cafe}").json()
    login(client, world, "staff_sued")
    assert client.get(f"/verwaltung/raeume/{cafe}").status_code == 403
    assert "Café" not in client.get("/verwaltung/raeume").text
    token = csrf_of(client, "/verwaltung/raeume")
    r = client.post(f"/verwaltung/raeume/{cafe}", data=room_form(token, kapazitaet="2"))
    assert r.status_code == 403
    client.cookies.clear()
    login(client, world, "anna")
    assert client.get("/verwaltung/raeume").status_code == 403
    assert client.get(f"/api/rooms/{cafe}").json() == before


def test_doors_are_listed_with_the_rooms_they_open(client: TestClient, as_,
                                                   world: World) -> None:
    r = client.post(f"/api/centres/{world.centre_id}/doors", headers=as_("staff"), json={
        "name": "Haupteingang", "kind": "entrance",
        "room_ids": [world.rooms["Café"], world.rooms["Gruppenraum 1"]]})
    assert r.status_code == 201, r.text
    login(client, world, "staff")
    page = client.get("/verwaltung/tueren").text
    assert "<td>Eingang</td>" in page and "<td>Café, Gruppenraum 1</td>" in page
    assert 'aria-label="Haupteingang bearbeiten">Haupteingang</a>' in page


def test_closures_show_the_coming_nrw_public_holidays(client: TestClient,
                                                      world: World) -> None:
    login(client, world, "staff")
    page = client.get("/verwaltung/schliesstage")  # the old address leads to the closures
    assert page.status_code == 200 and page.url.path == "/verwaltung/schliessungen"
    # "Now" is 25 November 2026: Christmas is ahead, Easter 2026 is past, Easter 2027 ahead.
    assert "Erster Weihnachtstag" in page.text and "Fr., 25. Dez. 2026" in page.text
    assert "5. Apr. 2026" not in page.text and "Ostermontag" in page.text
    assert "Fronleichnam" in page.text  # a holiday of NRW, not of every state


def test_offers_groups_staff_and_recurring_demand_of_the_own_centre_are_listed(
        client: TestClient, as_, world: World) -> None:
    r = client.post(f"/api/centres/{world.centre_id}/offers", headers=as_("staff"), json={
        "title": "Sprachcafé", "theme": "welcome_culture", "self_managed": True})
    assert r.status_code == 201, r.text
    r = client.post(f"/api/centres/{world.centre_id}/groups", headers=as_("staff"), json={
        "name": "Strickkreis", "kind": "initiative", "description": "",
        "contact_ids": [world.people["staff"]]})
    assert r.status_code == 201, r.text
    login(client, world, "staff")
    page = client.get("/verwaltung/programm")
    assert page.status_code == 200
    assert "<strong>Sprachcafé</strong> (Willkommenskultur), Eigenregie" in page.text
    assert "<strong>Strickkreis</strong> (Initiative): " in page.text
    assert world.emails["staff"] in page.text
    client.cookies.clear()
    login(client, world, "staff_sued")
    other = client.get("/verwaltung/programm").text
    assert "Strickkreis" not in other and "Sprachcafé" not in other


def test_staff_set_a_colleagues_hours_and_availability_through_the_api_and_the_page(
        client: TestClient, as_, world: World) -> None:
    staff = world.people["staff"]
    r = client.put(f"/api/centres/{world.centre_id}/staff/{staff}", headers=as_("staff"), json={
        "max_week_minutes": 30 * 60, "max_day_minutes": 8 * 60, "skills": ["consultation"],
        "availability": [{"day": 0, "start": "09:00", "end": "17:00"}]})
    assert r.status_code == 200, r.text
    assert r.json()["availability"] == [{"day": 0, "start": "09:00", "end": "17:00"}]
    # A day longer than the week, or a window ending before it starts: 400, in words.
    bad = client.put(f"/api/centres/{world.centre_id}/staff/{staff}", headers=as_("staff"),
                     json={"max_week_minutes": 60, "max_day_minutes": 120})
    assert bad.status_code == 400 and bad.json()["code"] == "day_hours_above_week"
    # Someone who is not on the centre's team has no profile to set.
    nobody = client.put(f"/api/centres/{world.centre_id}/staff/{world.people['anna']}",
                        headers=as_("staff"),
                        json={"max_week_minutes": 60, "max_day_minutes": 60})
    assert nobody.status_code == 404

    login(client, world, "staff")
    page = client.get("/verwaltung/programm").text
    assert "höchstens 30 Stunden pro Woche, 8 pro Tag" in page and "Mo 09:00–17:00" in page
    token = csrf_of(client, f"/verwaltung/team/{staff}")
    form = {"csrf_token": token, "woche": "20", "tag": "6", "kenntnisse": "consultation, kitchen",
            "von2": "10:00", "bis2": "14:00"}
    wrong = client.post(f"/verwaltung/team/{staff}", data={**form, "bis2": "09:00",
                                                           "woche": "viel"})
    assert wrong.status_code == 400
    fields = {c["id"]: c for c in Page(wrong.text).controls}
    assert "f-woche-error" in fields["f-woche"]["aria-describedby"]
    assert "f-von2-error" in fields["f-von2"]["aria-describedby"]
    assert "Das Ende muss nach dem Beginn liegen." in wrong.text
    r = client.post(f"/verwaltung/team/{staff}", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"]).text
    assert "höchstens 20 Stunden pro Woche, 6 pro Tag" in page
    assert "Mi 10:00–14:00" in page and "Mo 09:00" not in page
    assert "consultation, kitchen" in page
