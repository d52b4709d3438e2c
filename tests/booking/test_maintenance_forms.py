"""The staff maintenance forms on both databases (issue 9 §5): create a room; doors and the
rooms they open (create, edit, delete only when nothing depends on them); offers; groups with
their contact persons (only people connected to the staff member's own centre); the recurring
demand the planner places; the centre picker of the workspace. Each form saves through the
service the API uses, answers a wrong field at that field with nothing saved, and refuses a
resident and the staff of another centre. No input is a 500."""

from __future__ import annotations

from datetime import datetime

import pytest
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from booking.models import Centre, Door, Group, Offer, RecurringRequest, Room, Terminal
from booking.services import planning
from tests.booking.test_maintenance_pages import room_form
from tests.booking.test_pages import Page, csrf_of, login
from tests.factories import PASSWORD, World


def field_error(html: str, name: str) -> str:
    """The message shown at a field, after checking the field points at it."""
    page = Page(html)
    assert page.broken_describedby() == [] and page.unlabelled() == []
    control = next(c for c in page.controls if c.get("id") == f"f-{name}")
    assert f"f-{name}-error" in control.get("aria-describedby", "")
    assert control.get("aria-invalid") == "true"
    start = html.index(f'id="f-{name}-error">') + len(f'id="f-{name}-error">')
    return html[start:html.index("<", start)]


def count(factory: sessionmaker[Session], model: type, **where: object) -> int:
    with factory() as s:
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return len(s.scalars(query).all())


# --- rooms ---------------------------------------------------------------------------------


def test_staff_create_a_room_and_the_api_lists_it(client: TestClient, world: World) -> None:
    login(client, world, "staff")
    assert 'href="/verwaltung/raeume/neu"' in client.get("/verwaltung/raeume").text
    token = csrf_of(client, "/verwaltung/raeume/neu")
    r = client.post("/verwaltung/raeume/neu", follow_redirects=False,
                    data=room_form(token, name="Werkstatt", kapazitaet="8", flaeche="20",
                                   merkmale=["storage"], vermietbar=""))
    assert r.status_code == 303, r.text
    assert "Die Angaben zu Werkstatt sind gespeichert." in client.get(r.headers["location"]).text
    rooms = {x["name"]: x for x in client.get(f"/api/rooms?centre_id={world.centre_id}").json()}
    assert rooms["Werkstatt"]["capacity"] == 8 and rooms["Werkstatt"]["features"] == ["storage"]
    assert rooms["Werkstatt"]["rentable"] is False


def test_a_new_room_with_a_wrong_field_is_answered_there_and_not_made(
        client: TestClient, world: World, session_factory: sessionmaker[Session]) -> None:
    login(client, world, "staff")
    token = csrf_of(client, "/verwaltung/raeume/neu")
    r = client.post("/verwaltung/raeume/neu",
                    data=room_form(token, name="Werkstatt", kapazitaet="-3", preis="-1"))
    assert r.status_code == 400
    assert field_error(r.text, "kapazitaet") == "Bitte eine ganze Zahl von 1 bis 10000 angeben."
    assert field_error(r.text, "preis").startswith("Bitte einen Betrag in Euro angeben")
    assert 'class="error-summary"' in r.text and 'href="#f-kapazitaet"' in r.text
    assert count(session_factory, Room, name="Werkstatt") == 0


def test_a_room_is_made_only_by_staff_of_its_centre(
        client: TestClient, world: World, session_factory: sessionmaker[Session]) -> None:
    login(client, world, "staff_sued")
    token = csrf_of(client, "/verwaltung/raeume")
    # Naming another centre in the address is refused, not quietly swapped for one's own.
    assert client.get(f"/verwaltung/raeume/neu?zentrum={world.centre_id}").status_code == 403
    r = client.post(f"/verwaltung/raeume/neu?zentrum={world.centre_id}",
                    data=room_form(token, name="Fremdraum"))
    assert r.status_code == 403
    client.cookies.clear()
    login(client, world, "anna")
    token = csrf_of(client, "/konto")
    assert client.get("/verwaltung/raeume/neu").status_code == 403
    assert client.post("/verwaltung/raeume/neu",
                       data=room_form(token, name="Fremdraum")).status_code == 403
    assert count(session_factory, Room, name="Fremdraum") == 0


# --- doors ---------------------------------------------------------------------------------


def test_staff_create_edit_and_delete_a_door(client: TestClient, world: World,
                                             session_factory: sessionmaker[Session]) -> None:
    cafe, group_room = world.rooms["Café"], world.rooms["Gruppenraum 1"]
    login(client, world, "staff")
    listing = client.get("/verwaltung/tueren").text
    assert f'href="/verwaltung/zugang?zentrum={world.centre_id}"' in listing  # terminals, codes
    token = csrf_of(client, "/verwaltung/tueren/neu")
    r = client.post("/verwaltung/tueren/neu", follow_redirects=False, data={
        "csrf_token": token, "name": "Haupteingang", "art": "entrance",
        "raeume": [str(cafe), str(group_room)]})
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"]).text
    assert "Die Angaben zu Haupteingang sind gespeichert." in page
    assert "<td>Eingang</td>" in page and "<td>Café, Gruppenraum 1</td>" in page
    api = client.get(f"/api/centres/{world.centre_id}/doors",
                     headers=_bearer(client, world, "staff")).json()
    door = next(d for d in api if d["name"] == "Haupteingang")
    assert sorted(door["room_ids"]) == sorted([cafe, group_room])

    r = client.post(f"/verwaltung/tueren/{door['id']}", follow_redirects=False, data={
        "csrf_token": token, "name": "Tür Café", "art": "room", "raeume": [str(cafe)]})
    assert r.status_code == 303, r.text
    assert "<td>Raumtür</td>" in (page := client.get("/verwaltung/tueren").text)
    assert "Tür Café" in page and "Gruppenraum 1" not in page

    r = client.post(f"/verwaltung/tueren/{door['id']}/loeschen", data={"csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "Die Tür Tür Café ist gelöscht." in client.get(r.headers["location"]).text
    assert count(session_factory, Door) == 0


def _bearer(client: TestClient, world: World, key: str) -> dict[str, str]:
    r = client.post("/api/login", json={"email": world.emails[key], "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_a_door_with_a_terminal_stays_and_says_why(
        client: TestClient, world: World, session_factory: sessionmaker[Session],
        now: datetime) -> None:
    with session_factory.begin() as s:
        door = Door(centre_id=world.centre_id, name="Hoftür", kind="entrance")
        s.add(door)
        s.flush()
        s.add(Terminal(centre_id=world.centre_id, door_id=door.id, name="Tastatur Hof",
                       token_hash="x" * 64, created_at=now))
        door_id = door.id
    login(client, world, "staff")
    token = csrf_of(client, f"/verwaltung/tueren/{door_id}")
    r = client.post(f"/verwaltung/tueren/{door_id}/loeschen", data={"csrf_token": token})
    assert r.status_code == 409
    assert "Die Tür „Hoftür“ lässt sich nicht löschen" in r.text and 'role="alert"' in r.text
    assert count(session_factory, Door) == 1


def test_a_door_form_answers_at_its_fields_and_refuses_other_centres(
        client: TestClient, world: World, session_factory: sessionmaker[Session]) -> None:
    login(client, world, "staff")
    token = csrf_of(client, "/verwaltung/tueren/neu")
    r = client.post("/verwaltung/tueren/neu", data={
        "csrf_token": token, "name": "", "art": "keller", "raeume": ["abc"]})
    assert r.status_code == 400
    assert field_error(r.text, "name") == "Bitte einen Namen angeben."
    assert 'id="f-art-error">Bitte wählen, ob es ein Eingang oder eine Raumtür ist.' in r.text
    # A room of another centre: refused by the service, shown at the rooms.
    r = client.post("/verwaltung/tueren/neu", data={
        "csrf_token": token, "name": "Seitentür", "art": "room",
        "raeume": [str(world.rooms["Saal Süd"])]})
    assert r.status_code == 400
    assert 'id="f-raeume-error">Eine Tür öffnet nur Räume ihres eigenen' in r.text
    assert count(session_factory, Door) == 0
    with session_factory.begin() as s:
        door = Door(centre_id=world.centre_id, name="Hoftür", kind="entrance")
        s.add(door)
        s.flush()
        door_id = door.id
    client.cookies.clear()
    login(client, world, "staff_sued")
    token = csrf_of(client, "/verwaltung/tueren")
    assert "Hoftür" not in client.get("/verwaltung/tueren").text
    assert client.get(f"/verwaltung/tueren/{door_id}").status_code == 404
    assert client.post(f"/verwaltung/tueren/{door_id}/loeschen",
                       data={"csrf_token": token}).status_code == 404
    client.cookies.clear()
    login(client, world, "anna")
    assert client.get("/verwaltung/tueren").status_code == 403
    assert count(session_factory, Door) == 1


# --- offers --------------------------------------------------------------------------------


def offer_form(token: str, **changes: str) -> dict[str, str]:
    return {"csrf_token": token, "titel": "Sprachcafé", "beschreibung": "Deutsch üben",
            "thema": "welcome_culture", "zielgruppen": "Neu Zugezogene, Familien",
            "sprachen": "de, ar", "gruppe": "", "oeffentlich": "1", "eigenregie": "1",
            "ohne_anmeldung": "1", **changes}


def test_staff_create_and_edit_an_offer(client: TestClient, world: World,
                                        session_factory: sessionmaker[Session]) -> None:
    login(client, world, "staff")
    token = csrf_of(client, "/verwaltung/angebote/neu")
    r = client.post("/verwaltung/angebote/neu", data=offer_form(token), follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"]).text
    assert "Die Angaben zu Sprachcafé sind gespeichert." in page
    assert "<strong>Sprachcafé</strong> (Willkommenskultur), Eigenregie" in page
    with session_factory() as s:
        offer = s.scalars(select(Offer).where(Offer.title == "Sprachcafé")).one()
        assert offer.languages == ["de", "ar"] and offer.self_managed and not offer.consultation
        offer_id = offer.id
    # Now staffed, a Bürgersprechstunde, internal.
    r = client.post(f"/verwaltung/angebote/{offer_id}", follow_redirects=False, data=offer_form(
        token, titel="Sprechstunde", thema="counselling", eigenregie="", oeffentlich="",
        sprechstunde="1"))
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"]).text
    assert "<strong>Sprechstunde</strong> (Beratung), intern, Bürgersprechstunde" in page
    with session_factory() as s:
        offer = s.get_one(Offer, offer_id)
        assert (offer.public, offer.self_managed, offer.consultation) == (False, False, True)


def test_an_offer_form_answers_at_its_fields_and_refuses_others(
        client: TestClient, world: World, session_factory: sessionmaker[Session]) -> None:
    login(client, world, "staff")
    token = csrf_of(client, "/verwaltung/angebote/neu")
    r = client.post("/verwaltung/angebote/neu",
                    data=offer_form(token, titel="", thema="", sprachen="deutsch"))
    assert r.status_code == 400
    assert field_error(r.text, "titel") == "Bitte einen Titel angeben."
    assert field_error(r.text, "thema") == "Bitte ein Thema aus der Liste wählen."
    assert field_error(r.text, "sprachen").startswith("Bitte Sprachkürzel")
    assert count(session_factory, Offer) == 0
    with session_factory.begin() as s:
        offer = Offer(centre_id=world.centre_id, title="Intern", theme="other", public=False)
        s.add(offer)
        s.flush()
        offer_id = offer.id
    client.cookies.clear()
    login(client, world, "staff_sued")
    token = csrf_of(client, "/verwaltung/programm")
    assert client.get(f"/verwaltung/angebote/{offer_id}").status_code == 404
    assert client.post(f"/verwaltung/angebote/{offer_id}",
                       data=offer_form(token)).status_code == 404
    client.cookies.clear()
    login(client, world, "anna")
    assert client.get("/verwaltung/angebote/neu").status_code == 403
    with session_factory() as s:
        assert s.get_one(Offer, offer_id).title == "Intern"


# --- groups --------------------------------------------------------------------------------


def test_staff_create_a_group_with_a_contact_then_remove_it(
        client: TestClient, world: World, session_factory: sessionmaker[Session]) -> None:
    staff = world.people["staff"]
    login(client, world, "staff")
    form_page = client.get("/verwaltung/gruppen/neu").text
    assert f'id="f-kontakt-{staff}"' in form_page
    # Residents with no tie to the centre, and the other centre's staff, are not offered.
    assert f'id="f-kontakt-{world.people["anna"]}"' not in form_page
    assert f'id="f-kontakt-{world.people["staff_sued"]}"' not in form_page
    assert f'id="f-kontakt-{world.people["terminal"]}"' not in form_page  # a device
    token = Page(form_page).csrf()
    r = client.post("/verwaltung/gruppen/neu", follow_redirects=False, data={
        "csrf_token": token, "name": "Strickkreis", "art": "initiative",
        "beschreibung": "Dienstags", "kontakte": [str(staff)]})
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"]).text
    assert "Die Angaben zu Strickkreis sind gespeichert." in page
    assert "<strong>Strickkreis</strong> (Initiative): Staff" in page
    with session_factory() as s:
        group_id = s.scalars(select(Group.id).where(Group.name == "Strickkreis")).one()
    r = client.post(f"/verwaltung/gruppen/{group_id}", follow_redirects=False, data={
        "csrf_token": token, "name": "Strickkreis", "art": "self_help", "beschreibung": ""})
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"]).text
    assert "<strong>Strickkreis</strong> (Selbsthilfegruppe)" in page
    with session_factory() as s:
        assert s.get_one(Group, group_id).contacts == []


def test_a_group_contact_must_be_connected_to_the_own_centre(
        client: TestClient, world: World, session_factory: sessionmaker[Session]) -> None:
    login(client, world, "staff")
    token = csrf_of(client, "/verwaltung/gruppen/neu")
    for stranger in ("anna", "staff_sued"):
        r = client.post("/verwaltung/gruppen/neu", data={
            "csrf_token": token, "name": "Strickkreis", "art": "initiative",
            "kontakte": [str(world.people[stranger])]})
        assert r.status_code == 400
        assert 'id="f-kontakte-error">Es gibt keine Person Nr.' in r.text
    r = client.post("/verwaltung/gruppen/neu", data={
        "csrf_token": token, "name": "", "art": "band"})
    assert r.status_code == 400
    assert field_error(r.text, "name") == "Bitte einen Namen angeben."
    assert field_error(r.text, "art") == "Bitte eine Art aus der Liste wählen."
    assert count(session_factory, Group) == 0


def test_only_staff_of_the_groups_centre_edit_it(
        client: TestClient, world: World, session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as s:
        group = Group(centre_id=world.centre_id, name="Chor", kind="club")
        s.add(group)
        s.flush()
        group_id = group.id
    login(client, world, "staff_sued")
    token = csrf_of(client, "/verwaltung/programm")
    assert client.get(f"/verwaltung/gruppen/{group_id}").status_code == 404
    r = client.post(f"/verwaltung/gruppen/{group_id}", data={
        "csrf_token": token, "name": "Gekapert", "art": "club"})
    assert r.status_code == 404
    client.cookies.clear()
    login(client, world, "anna")
    assert client.get(f"/verwaltung/gruppen/{group_id}").status_code == 403
    with session_factory() as s:
        assert s.get_one(Group, group_id).name == "Chor"


# --- the recurring demand ------------------------------------------------------------------


def demand_form(token: str, **changes: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "csrf_token": token, "titel": "Chorprobe", "gruppe": "", "angebot": "",
        "wiederholung": "FREQ=WEEKLY;INTERVAL=2", "ab": "2026-12-01", "bis": "",
        "dauer": "1,5", "personen": "15", "vorrang": "4", "mit_personal": "", "aktiv": "1",
        "merkmale": ["barrier_free"], "von1": "17:00", "bis1": "21:00", "pvon1": "18:00",
        "pbis1": "20:00"}
    form.update(changes)
    return form


def test_staff_create_edit_and_delete_recurring_demand(
        client: TestClient, world: World, session_factory: sessionmaker[Session]) -> None:
    login(client, world, "staff")
    token = csrf_of(client, "/verwaltung/bedarf/neu")
    r = client.post("/verwaltung/bedarf/neu", data=demand_form(token), follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"]).text
    assert "Die Angaben zu Chorprobe sind gespeichert." in page
    assert "<strong>Chorprobe</strong>: 1,5 Stunden, 15 Personen, Vorrang 4" in page
    assert "möglich: Di 17:00–21:00" in page
    with session_factory() as s:
        req = s.scalars(select(RecurringRequest)).one()
        assert (req.rrule, req.duration_minutes, req.features) == (
            "FREQ=WEEKLY;INTERVAL=2", 90, ["barrier_free"])
        assert req.windows == [{"day": 1, "start": "17:00", "end": "21:00"}]
        assert req.preferred == [{"day": 1, "start": "18:00", "end": "20:00"}]
        req_id = req.id
        # The weekly planner places it: in the week of its first date, not in the next.
        centre = s.get_one(Centre, world.centre_id)
        problem, _ = planning.build_problem(s, centre, "2026-W49")
        demand = next(d for d in problem.demands if d.id == f"group-{req_id}")
        assert demand.duration == 90 and demand.size == 15
        assert all(d.id != f"group-{req_id}"
                   for d in planning.build_problem(s, centre, "2026-W50")[0].demands)
    r = client.post(f"/verwaltung/bedarf/{req_id}", follow_redirects=False,
                    data=demand_form(token, aktiv="", raeume=[str(world.rooms["Café"])]))
    assert r.status_code == 303, r.text
    assert ", ruht" in client.get(r.headers["location"]).text
    with session_factory() as s:
        assert s.get_one(RecurringRequest, req_id).room_ids == [world.rooms["Café"]]
    r = client.post(f"/verwaltung/bedarf/{req_id}/loeschen", data={"csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "Chorprobe ist gelöscht." in client.get(r.headers["location"]).text
    assert count(session_factory, RecurringRequest) == 0


def test_a_demand_form_answers_at_its_fields(client: TestClient, world: World,
                                             session_factory: sessionmaker[Session]) -> None:
    login(client, world, "staff")
    token = csrf_of(client, "/verwaltung/bedarf/neu")
    r = client.post("/verwaltung/bedarf/neu", data=demand_form(
        token, titel="", dauer="-2", personen="0", ab="31.02.2026", bis1="16:00",
        raeume=[str(world.rooms["Saal Süd"])]))
    assert r.status_code == 400
    assert field_error(r.text, "titel") == "Bitte einen Titel angeben."
    assert field_error(r.text, "dauer").startswith("Bitte Stunden von 0,25 bis 24")
    assert field_error(r.text, "personen") == "Bitte eine ganze Zahl von 1 bis 10000 angeben."
    assert field_error(r.text, "ab") == "Bitte ein Datum angeben (TT.MM.JJJJ)."
    assert field_error(r.text, "von1") == "Das Ende muss nach dem Beginn liegen."
    assert 'id="f-raeume-error">Bitte nur Räume aus der Liste wählen.' in r.text
    # Three hours do not fit a window of two.
    r = client.post("/verwaltung/bedarf/neu", data=demand_form(
        token, dauer="3", von1="18:00", bis1="20:00"))
    assert r.status_code == 400
    assert field_error(r.text, "von0").startswith("In keinem der möglichen Zeitfenster")
    assert count(session_factory, RecurringRequest) == 0


def test_recurring_demand_belongs_to_its_centres_staff(
        client: TestClient, world: World, session_factory: sessionmaker[Session]) -> None:
    login(client, world, "staff")
    token = csrf_of(client, "/verwaltung/bedarf/neu")
    assert client.post("/verwaltung/bedarf/neu", data=demand_form(token),
                       follow_redirects=False).status_code == 303
    with session_factory() as s:
        req_id = s.scalars(select(RecurringRequest.id)).one()
    client.cookies.clear()
    login(client, world, "staff_sued")
    token = csrf_of(client, "/verwaltung/programm")
    assert "Chorprobe" not in client.get("/verwaltung/programm").text
    assert client.get(f"/verwaltung/bedarf/{req_id}").status_code == 404
    assert client.post(f"/verwaltung/bedarf/{req_id}/loeschen",
                       data={"csrf_token": token}).status_code == 404
    client.cookies.clear()
    login(client, world, "anna")
    assert client.get("/verwaltung/bedarf/neu").status_code == 403
    assert count(session_factory, RecurringRequest) == 1


# --- no input is a 500 ---------------------------------------------------------------------


@pytest.mark.parametrize("path, form", [
    ("/verwaltung/raeume/neu", room_form("")),
    ("/verwaltung/tueren/neu", {"name": "Tür", "art": "room"}),
    ("/verwaltung/angebote/neu", offer_form("")),
    ("/verwaltung/gruppen/neu", {"name": "Chor", "art": "club"}),
    ("/verwaltung/bedarf/neu", demand_form("")),
])
def test_odd_input_is_a_4xx_page_never_a_500(client: TestClient, world: World, path: str,
                                             form: dict[str, object]) -> None:
    login(client, world, "staff")
    token = csrf_of(client, path)
    fields = [k for k in form if k != "csrf_token"]
    for odd in ("", "a\x00b", "x" * 5000, "-1", "99999999999999999999", "１２", "😀"):
        for name in fields:
            r = client.post(path, data={**form, "csrf_token": token, name: odd},
                            follow_redirects=False)
            assert r.status_code < 500, (name, odd, r.text[:300])
            assert r.status_code in (303, 400), (name, odd, r.status_code)


# --- the centre picker ---------------------------------------------------------------------


def test_an_admin_picks_the_centre_the_workspace_shows(client: TestClient,
                                                       world: World) -> None:
    login(client, world, "staff")
    assert 'action="/verwaltung/zentrum"' not in client.get("/verwaltung/raeume").text
    client.cookies.clear()
    login(client, world, "admin")
    page = client.get("/verwaltung/raeume").text
    assert 'action="/verwaltung/zentrum"' in page and "Café" in page
    token = Page(page).csrf()
    r = client.post("/verwaltung/zentrum", follow_redirects=False, data={
        "csrf_token": token, "zentrum": str(world.other_centre_id),
        "weiter": "/verwaltung/raeume"})
    assert r.status_code == 303 and r.headers["location"] == "/verwaltung/raeume"
    page = client.get("/verwaltung/raeume").text
    assert "Saal Süd" in page and "Café" not in page
    assert f'<option value="{world.other_centre_id}" selected>' in page
    # The choice holds across the workspace: the programme and the doors follow it.
    assert "Stadtteilzentrum Süd" in client.get("/verwaltung/programm").text
    assert "Türen in Stadtteilzentrum Süd" in client.get("/verwaltung/tueren").text
    # A link may name the centre itself.
    assert "Café" in client.get(f"/verwaltung/raeume?zentrum={world.centre_id}").text


def test_the_picker_never_widens_what_staff_may_see(client: TestClient, world: World) -> None:
    login(client, world, "staff")
    token = csrf_of(client, "/verwaltung/raeume")
    r = client.post("/verwaltung/zentrum", follow_redirects=False, data={
        "csrf_token": token, "zentrum": str(world.other_centre_id), "weiter": "//evil.example"})
    assert r.status_code == 303 and r.headers["location"] == "/verwaltung"
    page = client.get("/verwaltung/raeume").text
    assert "Café" in page and "Saal Süd" not in page


def test_staff_of_two_centres_switch_the_whole_workspace(
        client: TestClient, world: World, session_factory: sessionmaker[Session],
        now: datetime) -> None:
    from booking.db import transaction
    from booking.models import Role
    from booking.services import accounts

    with transaction(session_factory) as s:
        accounts.create_person(s, email="beide@example.org", password=PASSWORD,
                               display_name="Beide", now=now, language="de",
                               roles=[(Role.STAFF, world.centre_id),
                                      (Role.STAFF, world.other_centre_id)])
    world.emails["beide"] = "beide@example.org"
    login(client, world, "beide")
    dashboard = client.get("/verwaltung").text
    assert 'action="/verwaltung/zentrum"' in dashboard
    assert "Stadtteilzentrum Nord</option>" in dashboard
    assert "Stadtteilzentrum Süd</option>" in dashboard
    token = Page(dashboard).csrf()
    r = client.post("/verwaltung/zentrum", follow_redirects=False, data={
        "csrf_token": token, "zentrum": str(world.other_centre_id),
        "weiter": "/verwaltung/anfragen?status=alle&zentrum=1"})
    assert r.headers["location"] == "/verwaltung/anfragen?status=alle"
    inbox = client.get("/verwaltung/anfragen").text
    assert ">Saal Süd</option>" in inbox and ">Café</option>" not in inbox  # room filter
    assert "<p>Stadtteilzentrum Süd</p>" in client.get("/verwaltung/plan/").text
    rooms = client.get("/verwaltung/raeume").text
    assert "Saal Süd" in rooms and "Café" not in rooms


def test_demand_a_published_plan_placed_is_paused_not_deleted(
        client: TestClient, world: World, session_factory: sessionmaker[Session],
        now: datetime) -> None:
    from booking.models import Booking

    login(client, world, "staff")
    token = csrf_of(client, "/verwaltung/bedarf/neu")
    assert client.post("/verwaltung/bedarf/neu", data=demand_form(token),
                       follow_redirects=False).status_code == 303
    with session_factory.begin() as s:
        req_id = s.scalars(select(RecurringRequest.id)).one()
        s.add(Booking(centre_id=world.centre_id, kind="group", status="confirmed",
                      title="Chorprobe", request_id=req_id, created_at=now, updated_at=now))
    r = client.post(f"/verwaltung/bedarf/{req_id}/loeschen", data={"csrf_token": token})
    assert r.status_code == 409
    assert "„Chorprobe“ ist schon in veröffentlichten Plänen eingeplant" in r.text
    assert 'role="alert"' in r.text and 'value="Chorprobe"' in r.text  # the form, still there
    assert count(session_factory, RecurringRequest) == 1
