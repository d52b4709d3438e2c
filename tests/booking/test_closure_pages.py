"""The staff's closures page (issue 9 §5, issue 10 §2) on both databases: a closure is first
previewed (the series dates it skips, the rentals on its days; nothing written), then saved;
moved, its dates come back; a wrong field is answered at the field; residents get no page."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.booking.api_helpers import berlin, rent
from tests.booking.test_pages import Page, csrf_of, login
from tests.booking.test_series import dates, weekly
from tests.factories import World

PAGE = "/verwaltung/schliessungen"


def form(token: str, action: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": token, "aktion": action, "raum": "", "grund": "Sommerpause", **fields}


def test_staff_preview_save_and_move_a_closure_and_see_a_date_come_back(
        client: TestClient, as_, world: World) -> None:
    staff = as_("staff")
    made = weekly(client, staff, world.rooms["Café"], "2026-12-03", count=4).json()
    asked = rent(client, as_("anna"), world.rooms["Gruppenraum 1"], berlin(2026, 12, 9, 16),
                 berlin(2026, 12, 9, 18), people=5)
    assert asked.status_code == 201, asked.text
    login(client, world, "staff")
    token = csrf_of(client, PAGE + "/")
    preview = client.post(PAGE + "/", data=form(token, "vorschau", von="2026-12-07",
                                                bis="2026-12-11"))
    assert preview.status_code == 200, preview.text
    assert "Vorschau" in preview.text and "Chor (Café)" in preview.text
    assert "Raumvermietung (Gruppenraum 1) · angefragt" in preview.text
    # The preview wrote nothing.
    assert client.get(f"/api/centres/{world.centre_id}/closures", headers=staff).json() == []
    assert dates(client.get(f"/api/series/{made['id']}", headers=staff).json())[
        "2026-12-10"]["state"] == "planned"
    saved = client.post(PAGE + "/", data=form(token, "speichern", von="2026-12-07",
                                              bis="2026-12-11"))
    assert saved.status_code == 200, saved.text
    assert "Die Schließung ist gespeichert." in saved.text
    closures = client.get(f"/api/centres/{world.centre_id}/closures", headers=staff).json()
    assert [(c["first_day"], c["reason"]) for c in closures] == [("2026-12-07", "Sommerpause")]
    assert dates(client.get(f"/api/series/{made['id']}", headers=staff).json())[
        "2026-12-10"]["state"] == "skipped"
    closure = closures[0]["id"]
    assert f'href="{PAGE}/{closure}"' in client.get(PAGE + "/").text
    moved_preview = client.post(f"{PAGE}/{closure}", data=form(
        token, "vorschau", von="2026-12-14", bis="2026-12-18"))
    assert moved_preview.status_code == 200, moved_preview.text
    back = moved_preview.text.split("Termine von Reihen, die zurückkommen")[1]
    assert "10.12.2026" in back.split("</ul>")[0] or "10. Dez." in back.split("</ul>")[0]
    moved = client.post(f"{PAGE}/{closure}", data=form(token, "speichern", von="2026-12-14",
                                                       bis="2026-12-18"))
    assert moved.status_code == 200 and "Die Schließung ist verschoben." in moved.text
    got = dates(client.get(f"/api/series/{made['id']}", headers=staff).json())
    assert got["2026-12-10"]["state"] == "planned" and got["2026-12-17"]["state"] == "skipped"
    removed = client.post(f"{PAGE}/{closure}/loeschen", data={"csrf_token": token,
                                                              "aktion": "speichern"})
    assert removed.status_code == 200 and "Die Schließung ist gelöscht." in removed.text
    assert client.get(f"/api/centres/{world.centre_id}/closures", headers=staff).json() == []


def test_a_wrong_field_is_answered_at_its_field_and_nothing_is_saved(
        client: TestClient, as_, world: World) -> None:
    login(client, world, "staff")
    token = csrf_of(client, PAGE + "/")
    r = client.post(PAGE + "/", data=form(token, "speichern", von="2026-12-11",
                                          bis="2026-12-07", grund=""))
    assert r.status_code == 400
    page = Page(r.text)
    assert page.broken_describedby() == [] and page.unlabelled() == []
    fields = {c["id"]: c for c in page.controls}
    assert "f-bis-error" in fields["f-bis"]["aria-describedby"]
    assert "f-grund-error" in fields["f-grund"]["aria-describedby"]
    assert "Der letzte Tag einer Schließung darf nicht vor dem ersten liegen." in r.text
    assert client.get(f"/api/centres/{world.centre_id}/closures",
                      headers=as_("staff")).json() == []


def test_residents_get_no_closures_page(client: TestClient, world: World) -> None:
    login(client, world, "anna")
    assert client.get(PAGE + "/").status_code == 403
