"""The door-access pages (issue 12 §9): the resident sees a new code once, the staff see their
terminals, alerts and door log and can make an emergency code."""

from __future__ import annotations

import re

from tests.booking.access_helpers import add_doors, confirmed_rental, register
from tests.booking.test_pages import csrf_of, login, logout


def test_resident_page_shows_a_new_code_once_and_never_again(client, as_, world,
                                                              session_factory):
    add_doors(session_factory, world)
    booking_id, first = confirmed_rental(client, as_, world)
    login(client, world, "anna")
    page = client.get("/meine-zugangscodes/")
    assert page.status_code == 200
    assert "Eingang" in page.text and "Café-Tür" in page.text and first not in page.text
    token = csrf_of(client, "/meine-zugangscodes/")
    shown = client.post(f"/meine-zugangscodes/{booking_id}/neu", data={"csrf_token": token})
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    code = re.search(r"<strong>(\d{4} \d{4})</strong>", shown.text)
    assert code is not None
    again = client.get("/meine-zugangscodes/")
    assert code.group(1) not in again.text
    logout(client)
    login(client, world, "ben")
    assert client.post(f"/meine-zugangscodes/{booking_id}/neu",
                       data={"csrf_token": csrf_of(client, "/meine-zugangscodes/")}
                       ).status_code == 404


def test_staff_page_lists_terminals_and_makes_an_emergency_code(client, as_, world,
                                                                session_factory):
    doors = add_doors(session_factory, world)
    register(client, as_("staff"), doors.cafe)
    login(client, world, "staff")
    page = client.get("/verwaltung/zugang/")
    assert page.status_code == 200 and "Terminal 2" in page.text
    token = csrf_of(client, "/verwaltung/zugang/")
    made = client.post("/verwaltung/zugang/notfallcode", data={
        "csrf_token": token, "zentrum": str(world.centre_id), "tuer": str(doors.cafe),
        "minuten": "30", "grund": "Heizung"})
    assert made.status_code == 200 and re.search(r"<strong>\d{4} \d{4}</strong>", made.text)
    # The alert it raised, as a sentence staff understand, not the kind's code.
    assert "Ein Notfallcode wurde ausgegeben." in made.text and "emergency_code" not in made.text
    refused = client.post("/verwaltung/zugang/notfallcode", data={
        "csrf_token": token, "zentrum": str(world.centre_id), "tuer": str(doors.cafe),
        "minuten": "300", "grund": "Heizung"})
    assert refused.status_code == 400 and "120" in refused.text
    logout(client)
    login(client, world, "anna")
    assert client.get("/verwaltung/zugang/").status_code == 403
