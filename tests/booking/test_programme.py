"""The public programme page /programm (issue 7 §4), on both databases: the week's public
offers with time, room, theme, target group, language, access and whether one can just come;
filters; previous and next week; a print version; never a renter or an internal offer."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from tests.booking.test_pages import api_request, local
from tests.factories import World


def _offer(client: TestClient, staff: dict[str, str], world: World, **values: object) -> int:
    r = client.post(f"/api/centres/{world.centre_id}/offers", headers=staff, json=values)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _slot(client: TestClient, staff: dict[str, str], room: int, offer: int, title: str,
          day: int, start: int, end: int) -> None:
    r = client.post("/api/bookings", headers=staff, json={
        "kind": "programme", "title": title, "room_id": room, "offer_id": offer,
        "starts_at": local(2026, 12, day, start), "ends_at": local(2026, 12, day, end)})
    assert r.status_code == 201, r.text


def _week(client: TestClient, as_, world: World) -> None:
    """Week 49 of 2026: a family Saturday (drop in, barrier-free café), a German course on
    Monday (registration), an internal team meeting, and a confirmed rental."""
    staff = as_("staff")
    family = _offer(client, staff, world, title="Familiensamstag", theme="family",
                    description="Waffeln und Spiele.", target_groups=["Familien"],
                    languages=["de", "tr"],
                    translations={"en": {"title": "Family Saturday",
                                         "target_groups": ["families"]}})
    course = _offer(client, staff, world, title="Deutschkurs A2", theme="education_general",
                    target_groups=["Zugewanderte"], languages=["de"], drop_in=False)
    internal = _offer(client, staff, world, title="Teamsitzung", theme="other", public=False)
    _slot(client, staff, world.rooms["Café"], family, "Familiensamstag", 5, 14, 17)
    _slot(client, staff, world.rooms["Gruppenraum 1"], course, "Deutschkurs A2", 7,
          9, 12)
    _slot(client, staff, world.rooms["Gruppenraum 1"], internal, "Teamsitzung", 1, 9, 10)
    rental = api_request(client, as_("anna"), world.rooms["Café"], purpose="Annas Geburtstag",
                         day=2)
    assert client.post(f"/api/rentals/{rental}/confirm", headers=staff).status_code == 200


def test_the_programme_shows_public_offers_and_nothing_personal(
        client: TestClient, as_, world: World) -> None:
    _week(client, as_, world)
    page = client.get(f"/programm?woche=2026-W49&zentrum={world.centre_id}&lang=de")
    assert page.status_code == 200
    html = page.text
    assert "Familiensamstag" in html and "14:00–17:00" in html and "Café" in html
    assert "<dd>Familie</dd>" in html and "einfach vorbeikommen" in html
    assert "ja, stufenloser Zugang" in html  # the café is barrier-free
    assert "Teamsitzung" not in html  # internal
    for personal in ("Raumvermietung", "Anna", "Geburtstag", "anna@example.org"):
        assert personal not in html
    # The German course is on Monday 7 December: the next week.
    assert "Deutschkurs A2" not in html
    nxt = re.search(r'href="([^"]+)" rel="next"', html)
    assert nxt is not None
    following = client.get(nxt.group(1).replace("&amp;", "&")).text
    assert "Deutschkurs A2" in following and "nur mit Anmeldung" in following
    assert 'href="/programm"' in client.get("/").text  # in the main navigation


def test_filters_by_theme_target_group_language_and_day(
        client: TestClient, as_, world: World) -> None:
    _week(client, as_, world)
    base = f"/programm?woche=2026-W49&zentrum={world.centre_id}&lang=de"
    assert "Familiensamstag" in client.get(base + "&thema=family").text
    assert "Familiensamstag" not in client.get(base + "&thema=sport").text
    assert "Familiensamstag" in client.get(base + "&zielgruppe=Familien").text
    assert "Familiensamstag" not in client.get(base + "&zielgruppe=Senior*innen").text
    assert "Familiensamstag" in client.get(base + "&sprache=tr").text
    assert "Familiensamstag" not in client.get(base + "&sprache=ar").text
    assert "Familiensamstag" in client.get(base + "&tag=2026-12-05").text
    assert "Familiensamstag" not in client.get(base + "&tag=2026-12-04").text
    for bad in ("&thema=nope", "&tag=2026-12-24", "&tag=gestern", "&woche=KW49",
                "&zentrum=999999"):
        r = client.get(base + bad)
        assert r.status_code == 400, bad
        assert r.headers["content-type"].startswith("text/html")


def test_the_programme_speaks_the_page_language_and_marks_german_fallbacks(
        client: TestClient, as_, world: World) -> None:
    _week(client, as_, world)
    html = client.get(f"/programm?woche=2026-W49&zentrum={world.centre_id}&lang=en").text
    assert "Family Saturday" in html and ">families<" in html
    assert "<dd>Family</dd>" in html and "German, Turkish" in html  # in English
    # The description has no English text: German, marked as German.
    assert re.search(r'<p lang="de">\s*Waffeln und Spiele\.', html)
    assert "Familiensamstag" not in html


def test_the_print_version_has_the_week_but_no_filters(
        client: TestClient, as_, world: World) -> None:
    _week(client, as_, world)
    html = client.get(f"/programm?woche=2026-W49&zentrum={world.centre_id}&druck=1").text
    assert "Familiensamstag" in html
    assert 'name="thema"' not in html and 'rel="next"' not in html


def test_the_programme_offers_the_centres_calendar_subscription(
        client: TestClient, as_, world: World) -> None:
    path = f"/api/calendar/centres/{world.centre_id}/programme.ics"
    html = client.get(f"/programm?woche=2026-W49&zentrum={world.centre_id}&lang=en").text
    assert "Subscribe to the programme" in html
    links = client.get(f"/api/calendar/centres/{world.centre_id}/links").json()
    assert links["url"].endswith(path) and links["webcal"].startswith("webcal://")
    assert f'href="{links["webcal"]}"' in html and f'href="{links["url"]}"' in html
    assert client.get(path).status_code == 200
    # Not on the printed week.
    printed = client.get(f"/programm?woche=2026-W49&zentrum={world.centre_id}&druck=1").text
    assert "webcal://" not in printed
