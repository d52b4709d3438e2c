"""The weekly plan's pages (issue 9 §2–3), on both databases, with the demo centre: staff queue
a week from the page and watch the progress block, read the room × time grid with the Profil
figures, move an entry (each bad field says what is wrong and nothing is stored), re-solve,
compare with the published plan, publish; the PDF holds every room and entry of the grid; the
poster shows only the public programme; residents and strangers get nothing."""

from __future__ import annotations

import io
import re
from datetime import datetime

from litestar.testing import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session, sessionmaker

from booking.models import PlanRun
from tests.booking.test_pages import Page
from tests.booking.test_planning import RESIDENT, STAFF, WEEK, demo, solve_queued

__all__ = ["demo"]  # the fixture, used by name

BASE = "/verwaltung/plan"


def login_page(client: TestClient, who: dict[str, str]) -> None:  # type: ignore[type-arg]
    form = Page(client.get("/login").text)
    r = client.post("/login", data={"email": who["email"], "passwort": who["password"],
                                    "csrf_token": form.csrf()}, follow_redirects=False)
    assert r.status_code == 303, r.text


def post(client: TestClient, path: str, data: dict[str, str],  # type: ignore[type-arg]
         token_page: str) -> object:
    token = Page(client.get(token_page).text).csrf()
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def generate(client: TestClient, factory: sessionmaker[Session],  # type: ignore[type-arg]
             now: datetime) -> int:
    r = post(client, f"{BASE}/", {"woche": WEEK}, f"{BASE}/")
    assert r.status_code == 303, r.text  # type: ignore[attr-defined]
    run_id = int(r.headers["location"].rsplit("/", 1)[1])  # type: ignore[attr-defined]
    waiting = client.get(f"{BASE}/{run_id}")
    assert "wartet auf den Planer" in waiting.text
    assert f'hx-get="{BASE}/{run_id}/fortschritt"' in waiting.text
    assert "htmx-2.0.11.min.js" in waiting.text
    solve_queued(factory, now)
    done = client.get(f"{BASE}/{run_id}/fortschritt")
    assert done.headers.get("hx-refresh") == "true"  # the page loads the draft
    return run_id


def grid_of(page: str) -> tuple[list[str], set[str]]:
    html = "".join(t.split("</table>")[0] for t in page.split('<table class="grid">')[1:])
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td', html)
    titles = set(re.findall(r'<span class="title">([^<]+)</span>', html))
    return [r.strip() for r in rows], {t.replace("&amp;", "&") for t in titles}


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "".join(
        "".join(p.extract_text().split()) for p in reader.pages)


def test_staff_generate_a_week_read_the_grid_and_get_it_on_paper(
        client, demo, session_factory, now, tmp_path) -> None:
    login_page(client, STAFF)
    run_id = generate(client, session_factory, now)
    page = client.get(f"{BASE}/{run_id}")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Raumnutzungsplan – Woche 49/2026</h1>" in html
    assert "htmx" not in html  # nothing polls once the draft is there
    with session_factory() as s:
        run = s.get(PlanRun, run_id)
        rooms = {r["name"] for r in run.problem["rooms"]}
        titles = {d["title"] for d in run.problem["demands"]
                  if d["id"] in {p["demand"] for p in run.plan["placements"]}}
    grid_rooms, grid_titles = grid_of(html)
    assert set(grid_rooms) == rooms and grid_titles == titles
    # The Profil's figures, each with met / not met written out.
    assert html.count("✓ erfüllt") == 4 and "nicht erfüllt" not in html
    assert "Alles ist eingeplant." in html

    pdf = client.get(f"{BASE}/{run_id}/plan.pdf?ansicht=woche")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    pages, text = pdf_text(pdf.content)
    assert pages == 1
    for name in rooms | titles | {"StadtteilzentrumSieker-Mitte", "Legende"}:
        assert name.replace(" ", "") in text, name
    per_room = client.get(f"{BASE}/{run_id}/plan.pdf?ansicht=raum")
    with session_factory() as s:
        used = {p["room"] for p in s.get(PlanRun, run_id).plan["placements"]}
    (tmp_path / "per-room.pdf").write_bytes(per_room.content)
    assert pdf_text(per_room.content)[0] == len(used)  # one page per room in use

    poster = client.get(f"{BASE}/{run_id}/aushang")
    assert "Programm der Woche" in poster.text and "Bürgersprechstunde" in poster.text
    assert "Raumvermietung" not in poster.text
    poster = client.get(f"{BASE}/{run_id}/aushang.pdf").content
    (tmp_path / "poster.pdf").write_bytes(poster)
    poster_pages, poster_text = pdf_text(poster)
    assert poster_pages == 1 and "ProgrammderWoche" in poster_text

    english = client.get(f"{BASE}/{run_id}?lang=en")
    assert "Room-use plan (Raumnutzungsplan)" in english.text and "✓ met" in english.text


def test_move_checks_each_field_then_resolve_compare_and_publish(
        client, demo, session_factory, now) -> None:
    login_page(client, STAFF)
    first = generate(client, session_factory, now)
    r = post(client, f"{BASE}/{first}/veroeffentlichen", {}, f"{BASE}/{first}")
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert "Der Plan ist veröffentlicht." in client.get(r.headers["location"]).text  # type: ignore[attr-defined]

    second = generate(client, session_factory, now)
    with session_factory() as s:
        run = s.get(PlanRun, second)
        problem, placements = run.problem, run.plan["placements"]
    demand = next(p for p in placements if p["demand"].startswith("group-"))
    size = next(d["size"] for d in problem["demands"] if d["id"] == demand["demand"])
    needs = set(next(d["features"] for d in problem["demands"] if d["id"] == demand["demand"]))
    busy = {(p["room"], p["day"]) for p in placements
            if p["day"] == demand["day"] and p["start"] < demand["end"]
            and demand["start"] < p["end"]}
    target = next(r for r in problem["rooms"] if r["id"] != demand["room"]
                  and r["capacity"] >= size and needs <= set(r["features"])
                  and (r["id"], demand["day"]) not in busy)
    entry_path = f"{BASE}/{second}/eintrag/{demand['demand']}"

    bad = post(client, entry_path, {"aktion": "verschieben", "tag": "9", "beginn": "07:15",
                                    "raum": "999999"}, entry_path)
    assert bad.status_code == 400  # type: ignore[attr-defined]
    form = Page(bad.text)  # type: ignore[attr-defined]
    for field in ("tag", "beginn", "raum"):
        assert f"f-{field}-error" in form.ids
    assert "Bitte einen Beginn zwischen 08:00 und 21:30 im 30-Minuten-Raster wählen." in bad.text  # type: ignore[attr-defined]
    with session_factory() as s:
        assert s.get(PlanRun, second).pins == []  # nothing stored

    ok = post(client, entry_path, {"aktion": "verschieben", "tag": str(demand["day"]),
                                   "beginn": demand["start"], "raum": target["id"]}, entry_path)
    assert ok.status_code == 303, ok.text  # type: ignore[attr-defined]
    resolved = post(client, f"{BASE}/{second}/neu", {}, f"{BASE}/{second}")
    third = int(resolved.headers["location"].rsplit("/", 1)[1])  # type: ignore[attr-defined]
    solve_queued(session_factory, now)
    html = client.get(f"{BASE}/{third}").text
    with session_factory() as s:
        placed = {p["demand"]: p for p in s.get(PlanRun, third).plan["placements"]}
    assert placed[demand["demand"]]["room"] == target["id"]
    assert "Vergleich mit dem veröffentlichten Plan" in html
    moved_row = re.search(r"<tr><th scope=\"row\">([^<]+)</th><td>verschoben</td>", html)
    assert moved_row, "the comparison names the move"

    r = post(client, f"{BASE}/{third}/veroeffentlichen", {}, f"{BASE}/{third}")
    assert r.status_code == 303  # type: ignore[attr-defined]
    with session_factory() as s:
        assert s.get(PlanRun, third).status == "published"
        assert s.get(PlanRun, first).status == "superseded"


def test_bad_requests_are_4xx_pages_in_the_readers_language(client, demo) -> None:
    assert client.get(f"{BASE}/", follow_redirects=False).status_code == 303  # to /login
    login_page(client, RESIDENT)
    assert client.get(f"{BASE}/").status_code == 403
    client.cookies.clear()
    login_page(client, STAFF)
    r = post(client, f"{BASE}/", {"woche": "2026-W77"}, f"{BASE}/")
    assert r.status_code == 400  # type: ignore[attr-defined]
    assert "„2026-W77“ ist keine Kalenderwoche." in r.text  # type: ignore[attr-defined]
    token = Page(client.get(f"{BASE}/?lang=en").text).csrf()
    r = client.post(f"{BASE}/?lang=en", data={"woche": "bald", "csrf_token": token})
    assert r.status_code == 400 and "“bald” is not a calendar week." in r.text
    assert client.get(f"{BASE}/999999").status_code == 404
    assert client.get(f"{BASE}/999999/druck?ansicht=quer").status_code == 400
    with_no_token = client.post(f"{BASE}/", data={"woche": WEEK})
    assert with_no_token.status_code == 403


def stored_run_json(rooms: list[tuple[str, str]], demands: list[tuple[str, str]],
                    placements: list[tuple[str, str, int, int, int]],
                    unplaced: list[dict[str, object]] = ()) -> dict[str, dict[str, object]]:
    """A finished run's problem and plan as the solver writes them: rooms (id, name), group
    demands (id, title), placements (demand, room, day, start, end in minutes) and
    explanations of unplaced demand."""
    import solver

    problem = solver.Problem(
        rooms=tuple(solver.Room(id=i, name=n, capacity=40) for i, n in rooms),
        demands=tuple(solver.Demand(id=i, title=t, kind="group", duration=120,
                                    windows=(solver.Window(0, 600, 720),)) for i, t in demands),
        week=WEEK)
    plan = solver.Plan(
        status="optimal",
        placements=tuple(solver.Placement(d, r, day, s, e) for d, r, day, s, e in placements),
        shifts=(), unused_candidates=(), requirement_failures=(),
        unplaced=tuple(solver.Explanation(
            demand=str(u["demand"]), kind=str(u["kind"]), rule=str(u["rule"]),
            message=str(u["message"]), blockers=tuple(u["blockers"]),  # type: ignore[arg-type]
            params=tuple(u["params"].items())) for u in unplaced),  # type: ignore[attr-defined]
        figures=solver.Figures(open_minutes_per_day=(0,) * 7, open_minutes=0, open_days=0,
                               consultation_minutes=0, utilisation=(),
                               placed=len(placements), unplaced=len(unplaced),
                               placed_by_kind=(), placed_weight=0, demand_weight=0, moved=0),
        stats=solver.SolveStats(status="optimal", objective=0, bound=0, gap=0.0, seconds=0.0,
                                first_solution_seconds=None), week=WEEK)
    return {"problem": solver.problem_to_json(problem), "plan": solver.plan_to_json(plan),
            "id_map": {}}


def test_a_large_centre_shows_its_grid_one_day_at_a_time(client, session_factory, now) -> None:
    from booking.db import transaction
    from booking.models import Centre, Role, Room
    from booking.services import accounts

    with transaction(session_factory) as s:
        centre = Centre(slug="gross", name="Großes Zentrum", address="Weg 1, Bielefeld")
        s.add(centre)
        s.flush()
        rooms = [Room(centre_id=centre.id, name=f"Raum {i:02d}", capacity=10) for i in range(41)]
        s.add_all(rooms)
        s.flush()
        accounts.create_person(s, email="team@gross.example", password=STAFF["password"],
                               display_name="Team", now=now, roles=[(Role.STAFF, centre.id)])
        run = PlanRun(centre_id=centre.id, week=WEEK, status="done", pins=[], progress={},
                      created_at=now, **stored_run_json(
                          [(str(r.id), r.name) for r in rooms],
                          [(f"group-{d}", f"Gruppe am Tag {d}") for d in (0, 1)],
                          [(f"group-{d}", str(rooms[d].id), d, 600, 720) for d in (0, 1)]))
        s.add(run)
        s.flush()
        run_id = run.id
    login_page(client, {"email": "team@gross.example", "password": STAFF["password"]})
    monday = client.get(f"{BASE}/{run_id}").text
    assert "Gruppe am Tag 0" in monday and "Gruppe am Tag 1" not in monday
    assert "Gruppe am Tag 1" in client.get(f"{BASE}/{run_id}?tag=1").text
    week = client.get(f"{BASE}/{run_id}?tag=alle").text
    assert "Gruppe am Tag 0" in week and "Gruppe am Tag 1" in week
    assert client.get(f"{BASE}/{run_id}?tag=9").status_code == 400


def test_a_plan_short_of_the_profil_is_published_only_when_staff_tick_the_box(
        client, demo, session_factory, now, monkeypatch) -> None:
    from sqlalchemy import select

    from booking.web import plan

    # The diagnosis of an unmet week searches until its limit; a short one names it too.
    monkeypatch.setattr(plan, "PAGE_TIME_LIMIT", 10.0)

    from booking.db import transaction
    from booking.models import StaffProfile

    with transaction(session_factory) as s:
        for profile in s.scalars(select(StaffProfile)):
            profile.max_week_minutes = 6 * 60  # nobody may work more than 6 h this week
    login_page(client, STAFF)
    run_id = generate(client, session_factory, now)
    html = client.get(f"{BASE}/{run_id}").text
    assert "✗ nicht erfüllt" in html and 'name="trotzdem"' in html
    refused = post(client, f"{BASE}/{run_id}/veroeffentlichen", {}, f"{BASE}/{run_id}")
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert "kreuzen Sie das bitte ausdrücklich an" in refused.text  # type: ignore[attr-defined]
    with session_factory() as s:
        assert s.get(PlanRun, run_id).status == "done"
    ok = post(client, f"{BASE}/{run_id}/veroeffentlichen", {"trotzdem": "ja"}, f"{BASE}/{run_id}")
    assert ok.status_code == 303  # type: ignore[attr-defined]
    with session_factory() as s:
        assert s.get(PlanRun, run_id).status == "published"


def test_unplaced_demand_is_explained_in_the_pages_language(client, session_factory,
                                                           now) -> None:
    from booking.db import transaction
    from booking.models import Centre, Role, Room
    from booking.services import accounts

    with transaction(session_factory) as s:
        centre = Centre(slug="klein", name="Kleines Zentrum", address="Weg 2, Bielefeld")
        s.add(centre)
        s.flush()
        room = Room(centre_id=centre.id, name="Saal", capacity=40)
        s.add(room)
        s.flush()
        accounts.create_person(s, email="team@klein.example", password=STAFF["password"],
                               display_name="Team", now=now, roles=[(Role.STAFF, centre.id)])
        demands = [("chor", "Chor"), ("tanz", "Tanzkurs"), ("sonntag", "Sonntagscafé")]
        unplaced = [
            {"demand": "tanz", "kind": "room_conflict", "rule": "room_conflict",
             "message": "Tanzkurs: no room for 20 people is free in Tue 17:00–19:00; "
                        "Saal is taken by Chor.", "blockers": ["chor"],
             "params": {"title": "Tanzkurs", "size": "20", "features": "",
                        "windows": "Tue 17:00–19:00", "taken": "Saal is taken by Chor"}},
            {"demand": "sonntag", "kind": "house_closed", "rule": "opening_hours",
             "message": "Sonntagscafé: the house is not open in Sun 14:00–16:00 "
                        "(open days: Mon, Tue).", "blockers": [],
             "params": {"title": "Sonntagscafé", "windows": "Sun 14:00–16:00",
                        "open_days": "Mon, Tue"}},
            {"demand": "chor", "kind": "future_kind", "rule": "future_rule",
             "message": "Chor: not placed (future_rule).", "blockers": [], "params": {}}]
        run = PlanRun(centre_id=centre.id, week=WEEK, status="done", pins=[], progress={},
                      created_at=now, **stored_run_json(
                          [(str(room.id), room.name)], demands,
                          [("chor", str(room.id), 1, 17 * 60, 19 * 60)], unplaced))
        s.add(run)
        s.flush()
        run_id = run.id
    login_page(client, {"email": "team@klein.example", "password": STAFF["password"]})
    german = client.get(f"{BASE}/{run_id}?lang=de").text
    assert ("Tanzkurs: Kein Raum für 20 Personen ist Di. 17:00–19:00 frei; Saal ist belegt "
            "durch Chor.") in german
    assert ("Sonntagscafé: Das Haus ist So. 14:00–16:00 nicht geöffnet "
            "(Öffnungstage: Mo., Di.).") in german
    assert "no room for" not in german and "the house is not open" not in german
    # A rule this version does not know: the solver's English, marked as English.
    assert '<td lang="en">Chor: not placed (future_rule).</td>' in german

    english = client.get(f"{BASE}/{run_id}?lang=en").text
    assert ("Tanzkurs: no room for 20 people is free Tue 17:00–19:00; Saal is taken by "
            "Chor.") in english
    assert "Kein Raum für" not in english

    # The API gives each explanation as a code with parameters and in the caller's language.
    token = client.post("/api/login", json={"email": "team@klein.example",
                                            "password": STAFF["password"]}).json()["token"]
    api = client.get(f"/api/plans/{run_id}", headers={"Authorization": f"Bearer {token}",
                                                       "Accept-Language": "de"}).json()
    said = {u["demand"]: u["explanation"] for u in api["unplaced"]}
    assert said["sonntag"]["code"] == "plan_house_closed"
    assert said["sonntag"]["detail"].startswith("Sonntagscafé: Das Haus ist So.")
    assert said["chor"] is None


def test_staff_release_a_pin_and_the_entry_is_free_again(
        client, demo, session_factory, now) -> None:
    login_page(client, STAFF)
    run_id = generate(client, session_factory, now)
    with session_factory() as s:
        demand = next(p["demand"] for p in s.get(PlanRun, run_id).plan["placements"]
                      if p["demand"].startswith("group-"))
    entry_path = f"{BASE}/{run_id}/eintrag/{demand}"
    assert "Festlegung aufheben" not in client.get(entry_path).text
    r = post(client, entry_path, {"aktion": "festhalten"}, entry_path)
    assert r.status_code == 303  # type: ignore[attr-defined]
    page = client.get(entry_path).text
    assert "ja, bleibt beim Neuplanen" in page and "Festlegung aufheben" in page
    r = post(client, entry_path, {"aktion": "freigeben"}, entry_path)
    assert r.status_code == 303  # type: ignore[attr-defined]
    assert "Die Festlegung ist aufgehoben." in client.get(r.headers["location"]).text  # type: ignore[attr-defined]
    with session_factory() as s:
        assert s.get(PlanRun, run_id).pins == []
    assert "ja, bleibt beim Neuplanen" not in client.get(entry_path).text
    # Releasing what is not pinned says so, and a resident cannot release anything.
    again = post(client, entry_path, {"aktion": "freigeben"}, entry_path)
    assert again.status_code == 400  # type: ignore[attr-defined]
    assert "Dieser Eintrag ist nicht festgelegt." in again.text  # type: ignore[attr-defined]
    client.cookies.clear()
    login_page(client, RESIDENT)
    token = Page(client.get("/konto").text).csrf()
    denied = client.post(entry_path, data={"aktion": "freigeben", "csrf_token": token})
    assert denied.status_code == 403
