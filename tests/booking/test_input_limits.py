"""Input the API's schema accepts must fit the database (issue 6, section 6): every string
field of every JSON write operation at its maximum length is accepted and one past it is a 400,
never a 500, on SQLite and PostgreSQL; control characters and NUL bytes are refused in one-line
fields of the API and the pages; hostile JSON bodies (deep nesting, huge size) are 400/413."""

from __future__ import annotations

import itertools
import random
import string
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import holidays
import msgspec
from sqlalchemy import select

from booking.api import access as access_api
from booking.api import feeds as feeds_api
from booking.api import planning as planning_api
from booking.api import schemas
from booking.api import series as series_api
from booking.api import term_runs as term_runs_api
from booking.api import terms as terms_api
from booking.models import AccountToken, Group, Person, TermRun
from booking.security import new_token, token_digest
from tests.booking.api_helpers import berlin
from tests.factories import World

# (url, who, body) for one request of an operation; each call gives a fresh target where the
# operation changes state (a new pending request to decline, a new slug, a free time).
Call = tuple[str, str, dict[str, Any]]

STRUCTS = {name: getattr(module, name) for module in (schemas, planning_api, access_api,
                                                      series_api, feeds_api, terms_api,
                                                      term_runs_api)
           for name in dir(module) if isinstance(getattr(module, name), type)
           and issubclass(getattr(module, name), msgspec.Struct)}


def fresh() -> Iterator[int]:
    return itertools.count(1)


def base_calls(client: Any, as_: Callable[[str], dict[str, str]],
               world: World, session_factory: Any, now: datetime) -> dict[str, Callable[[], Call]]:
    """A valid request for every JSON write operation of the API, by "METHOD path"."""
    n = fresh()

    def link_token(purpose: str) -> str:
        """A token as the mailed link carries it, unused and valid (a fresh one per call:
        each is good for one use)."""
        token = new_token()
        with session_factory.begin() as s:
            person = s.scalar(select(Person.id).where(Person.email == world.emails["ben"]))
            s.add(AccountToken(token_hash=token_digest(token), person_id=person,
                               purpose=purpose, created_at=now,
                               expires_at=now + timedelta(hours=1)))
        return token
    centre, cafe, room = world.centre_id, world.rooms["Café"], world.rooms["Gruppenraum 1"]

    def pending_rental() -> int:
        r = client.post("/api/rentals", headers=as_("anna"), json={
            "room_id": cafe, "starts_at": berlin(2026, 12, 10, 18),
            "ends_at": berlin(2026, 12, 10, 20), "expected_people": 5, "purpose": "Feier"})
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def booking_body() -> dict[str, Any]:
        k = next(n)
        return {"kind": "programme", "title": "Sprachcafé", "room_id": room,
                "starts_at": berlin(2027, 2, 1 + k % 27, 6 + k % 14),
                "ends_at": berlin(2027, 2, 1 + k % 27, 7 + k % 14)}

    def booking_id() -> int:
        r = client.post("/api/bookings", headers=as_("staff"), json=booking_body())
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def offer_id() -> int:
        r = client.post(f"/api/centres/{centre}/offers", headers=as_("staff"),
                        json={"title": "Angebot", "theme": "culture"})
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def plan_run() -> int:
        r = client.post("/api/plans", headers=as_("staff"),
                        json={"centre_id": centre, "week": f"2027-W{10 + next(n) % 40:02d}"})
        assert r.status_code == 202, r.text
        return int(r.json()["id"])

    doors: list[int] = []

    def door() -> int:
        if not doors:
            r = client.post(f"/api/centres/{centre}/doors", headers=as_("staff"),
                            json={"name": "Eingang", "kind": "entrance"})
            assert r.status_code == 201, r.text
            doors.append(int(r.json()["id"]))
        return doors[0]

    # Within the 18 months a series is written ahead of "now" (late November 2026).
    nrw = holidays.country_holidays("DE", subdiv="NW", years=range(2027, 2029))
    series_days = (d for d in (datetime(2027, 6, 1).date() + timedelta(days=i)
                               for i in range(300)) if d not in nrw)

    def series_body() -> dict[str, Any]:
        day = next(series_days)  # a free slot each time: another day that is no holiday
        return {"kind": "group", "title": "Chor", "room_id": cafe, "start_time": "19:00",
                "duration_minutes": 30, "first_date": day.isoformat(),
                "pattern": {"kind": "dates", "dates": [day.isoformat()]}}

    def series_id() -> int:
        r = client.post("/api/series", headers=as_("staff"), json=series_body())
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def closure_id() -> int:
        r = client.post(f"/api/centres/{centre}/closures", headers=as_("staff"), json={
            "first_day": "2029-01-02", "last_day": "2029-01-02", "reason": "Inventur"})
        assert r.status_code == 201, r.text
        return int(r.json()["id"])


    # The term's application round (issue 11): a term open for applications from anna's group.
    term_body = {"name": "Frühjahr 2027", "starts_on": "2027-02-01", "ends_on": "2027-07-31",
                 "applications_from": berlin(2026, 11, 1, 0),
                 "applications_until": berlin(2027, 1, 1, 0), "criteria": ""}
    section = {"title": "Kinderchor", "min_minutes": 60, "max_minutes": 90,
               "allowed_windows": [{"day": 2, "start": "16:00", "end": "19:00"}]}
    with session_factory.begin() as s:
        choir = Group(centre_id=centre, name="Kinderchor", kind="club",
                      contacts=[s.get(Person, world.people["anna"])])
        s.add(choir)
        s.flush()
        choir_id = choir.id

    def term_id(*statuses: str) -> int:
        r = client.post(f"/api/centres/{centre}/terms", headers=as_("staff"), json=term_body)
        assert r.status_code == 201, r.text
        for status in ("open", *statuses):
            assert client.patch(f"/api/terms/{r.json()['id']}", headers=as_("staff"),
                                json={"status": status}).status_code == 200
        return int(r.json()["id"])

    def application() -> dict[str, Any]:
        r = client.post(f"/api/terms/{term_id()}/applications", headers=as_("anna"),
                        json={"group_id": choir_id, "sections": [section]})
        assert r.status_code == 201, r.text
        return dict(r.json())

    def term_run_id() -> int:
        with session_factory.begin() as s:
            run = TermRun(term_id=term_id("allocating"), status="queued",
                          time_limit_seconds=5, seed=0, pins=[], progress={}, series={},
                          created_at=now)
            s.add(run)
            s.flush()
            return int(run.id)

    return {
        # The term's application round and its allocation runs (issue 11)
        "POST /api/centres/{centre_id}/terms": lambda: (
            f"/api/centres/{centre}/terms", "staff", dict(term_body)),
        "PATCH /api/terms/{term_id}": lambda: (
            f"/api/terms/{term_id()}", "staff", {"name": "Frühjahr", "criteria": "Kinder zuerst"}),
        "PUT /api/centres/{centre_id}/priority-classes": lambda: (
            f"/api/centres/{centre}/priority-classes", "staff", [{"name": "Alle"}]),
        "POST /api/terms/{term_id}/applications": lambda: (
            f"/api/terms/{term_id()}/applications", "anna",
            {"group_id": choir_id, "sections": [section], "note": ""}),
        "PUT /api/applications/{application_id}": lambda: (
            f"/api/applications/{application()['id']}", "anna",
            {"sections": [section], "note": ""}),
        "POST /api/sections/{section_id}/reject": lambda: (
            f"/api/sections/{application()['sections'][0]['id']}/reject", "staff",
            {"reason": "Zur selben Zeit läuft das Elterncafé."}),
        # No string field: here for the hostile-body tests.
        "POST /api/terms/{term_id}/runs": lambda: (
            f"/api/terms/{term_id('allocating')}/runs", "staff", {"time_limit": 5}),
        "POST /api/term-runs/{run_id}/pins": lambda: (
            f"/api/term-runs/{term_run_id()}/pins", "staff",
            {"section_id": 1, "action": "move", "start": "16:00"}),
        # Staff profiles (issue 9)
        "PUT /api/centres/{centre_id}/staff/{person_id}": lambda: (
            f"/api/centres/{centre}/staff/{world.people['staff']}", "staff",
            {"max_week_minutes": 2340, "max_day_minutes": 600, "skills": ["beratung"],
             "availability": []}),
        # Door access (issue 12)
        "POST /api/access/emergency-codes": lambda: ("/api/access/emergency-codes", "staff", {
            "door_id": door(), "minutes": 30, "reason": "Heizung"}),
        "POST /api/access/terminals": lambda: ("/api/access/terminals", "staff", {
            "door_id": door(), "name": "Terminal"}),
        "POST /api/access/bookings/{booking_id}/key-handover": lambda: (
            f"/api/access/bookings/{booking_id()}/key-handover", "staff", {"note": "Schlüssel"}),
        "PUT /api/access/rooms/{room_id}/method": lambda: (
            f"/api/access/rooms/{room}/method", "staff", {
                "method": "key", "valid_from": berlin(2027, 1, 1, 0)}),
        "POST /api/series": lambda: ("/api/series", "staff", series_body()),
        "POST /api/series/preview": lambda: ("/api/series/preview", "staff", series_body()),
        "PATCH /api/series/{series_id}": lambda: (
            f"/api/series/{series_id()}", "staff", {"title": "Chor"}),
        "POST /api/centres/{centre_id}/closures": lambda: (
            f"/api/centres/{centre}/closures", "staff",
            {"first_day": "2029-02-01", "last_day": "2029-02-02", "reason": "Renovierung"}),
        "PATCH /api/closures/{closure_id}": lambda: (
            f"/api/closures/{closure_id()}", "staff",
            {"first_day": "2029-01-03", "last_day": "2029-01-03", "reason": "Inventur"}),
        "POST /api/me/feeds": lambda: ("/api/me/feeds", "anna", {}),
        "POST /api/centres": lambda: ("/api/centres", "admin",
                                      {"slug": f"neu-{next(n)}", "name": "Neu"}),
        "POST /api/centres/{centre_id}/doors": lambda: (
            f"/api/centres/{centre}/doors", "staff", {"name": "Tür", "kind": "room"}),
        "POST /api/centres/{centre_id}/rooms": lambda: (
            f"/api/centres/{centre}/rooms", "staff", {"name": "Raum", "capacity": 5}),
        "POST /api/centres/{centre_id}/offers": lambda: (
            f"/api/centres/{centre}/offers", "staff",
            {"title": "Angebot", "theme": "culture", "target_groups": ["alle"],
             "languages": ["de"]}),
        "POST /api/centres/{centre_id}/groups": lambda: (
            f"/api/centres/{centre}/groups", "staff", {"name": "Chor", "kind": "club"}),
        "PATCH /api/rooms/{room_id}": lambda: (f"/api/rooms/{room}", "staff", {}),
        "PATCH /api/offers/{offer_id}": lambda: (f"/api/offers/{offer_id()}", "staff", {}),
        "POST /api/rentals/quote": lambda: ("/api/rentals/quote", "anonymous", {
            "room_id": cafe, "starts_at": berlin(2026, 12, 10, 18),
            "ends_at": berlin(2026, 12, 10, 20), "expected_people": 5}),
        "POST /api/rentals": lambda: ("/api/rentals", "anna", {
            "room_id": cafe, "starts_at": berlin(2026, 12, 10, 18),
            "ends_at": berlin(2026, 12, 10, 20), "expected_people": 5, "purpose": "Feier"}),
        "POST /api/rentals/{booking_id}/decline": lambda: (
            f"/api/rentals/{pending_rental()}/decline", "staff", {"reason": "belegt"}),
        "POST /api/rentals/{booking_id}/cancel": lambda: (
            f"/api/rentals/{pending_rental()}/cancel", "anna", {"reason": "krank"}),
        "POST /api/bookings": lambda: ("/api/bookings", "staff", booking_body()),
        "POST /api/bookings/{booking_id}/cancel": lambda: (
            f"/api/bookings/{booking_id()}/cancel", "staff", {"reason": "Urlaub"}),
        "PATCH /api/occurrences/{occurrence_id}": lambda: (
            "/api/occurrences/1", "staff", {"room_id": room, "starts_at": berlin(2027, 3, 1, 9),
                                            "ends_at": berlin(2027, 3, 1, 10)}),
        "POST /api/register": lambda: ("/api/register", "anonymous", {
            "email": f"neu{next(n)}@example.org", "password": "ein gutes Passwort",
            "display_name": "Neu"}),
        "POST /api/register/confirm": lambda: ("/api/register/confirm", "anonymous",
                                               {"token": link_token("confirm")}),
        "POST /api/password-reset": lambda: ("/api/password-reset", "anonymous",
                                             {"email": world.emails["ben"]}),
        "POST /api/password-reset/confirm": lambda: (
            "/api/password-reset/confirm", "anonymous",
            {"token": link_token("reset"), "password": "ein gutes Passwort"}),
        "POST /api/login": lambda: ("/api/login", "anonymous", {
            "email": world.emails["ben"], "password": "falsches Passwort"}),
        "POST /api/plans": lambda: ("/api/plans", "staff",
                                    {"centre_id": centre, "week": "2027-W02"}),
        "POST /api/plans/{run_id}/pins": lambda: (
            f"/api/plans/{plan_run()}/pins", "staff", {"demand": "group-1"}),
        # No string field: here for the hostile-body tests (a draft still solving: 409).
        "POST /api/plans/{run_id}/publish": lambda: (
            f"/api/plans/{plan_run()}/publish", "staff", {"acknowledge_unmet": False}),
    }


def json_write_operations(client: Any) -> dict[str, str]:
    """"METHOD path" → name of the struct its JSON body is, from the OpenAPI document."""
    doc = client.get("/schema/openapi.json").json()
    found = {}
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            schema = body["schema"]
            if schema.get("type") == "array":  # a list of structs (the priority classes)
                schema = schema.get("items", {})
            refs = [s["$ref"] for s in [schema, *schema.get("oneOf", [])] if "$ref" in s]
            found[f"{method.upper()} {path}"] = refs[0].rsplit("/", 1)[1]
    return found


def string_fields(struct: type) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(field, string schema, in a list) of every string a struct's JSON may carry."""
    schema = msgspec.json.schema(struct)
    props = schema["$defs"][struct.__name__]["properties"]
    for name, prop in props.items():
        for option in [prop, *prop.get("anyOf", [])]:
            if option.get("type") == "string" and "format" not in option:
                yield name, option, False
            elif (option.get("type") == "array" and option["items"].get("type") == "string"
                  and "format" not in option["items"]):
                yield name, option["items"], True


def email_of(length: int) -> str:
    local = "a" * 60
    return local + "@" + "b" * (length - len(local) - 5) + ".org"


EXAMPLES = {"week": "2027-W03", "start": "10:00", "demand": "group-1", "slug": "a",
            "languages": "de", "rrule": "FREQ=WEEKLY;COUNT=2", "email": "x@example.org",
            "timezone": "Europe/Berlin", "start_time": "19:00"}


def text_of(field: str, length: int) -> str:
    """A value of the field with exactly ``length`` characters that is valid but for its
    length (a rule padded with spaces, an e-mail address, a slug)."""
    if field == "email":
        return email_of(length)
    if field in ("slug", "token", "device_token"):
        return "s" * length
    if field == "languages":
        return "d" * length
    if field == "demand":
        return "group-" + "1" * (length - 6)
    if field in EXAMPLES:
        return EXAMPLES[field].ljust(length)
    if field == "password":
        # Not a repetition: a repeated character is refused as guessable, whatever its length.
        return "".join(random.Random(length).choices(string.ascii_letters + "äöü", k=length))
    return "ä" * length  # two bytes in UTF-8: a limit counts characters, as PostgreSQL does


# Fields whose longest value is well-formed but still refused by a rule of the service:
# an unknown time zone, a wrong password, a demand that is not in the draft. They must still
# answer 4xx, and not because of their length.
SEMANTIC = {("POST /api/centres", "timezone"), ("POST /api/register/confirm", "token"),
            ("POST /api/password-reset/confirm", "token"), ("POST /api/login", "email"),
            ("POST /api/login", "password"), ("POST /api/login", "device_token"),
            ("POST /api/plans/{run_id}/pins", "demand"),
            ("POST /api/plans/{run_id}/pins", "start"),
            # A queued run takes no pins yet (409), whatever the start.
            ("POST /api/term-runs/{run_id}/pins", "start")}
LENGTH_WORDS = ("length", "characters")


def test_every_string_field_of_every_write_operation_fits_the_database_at_its_maximum(
        client, as_, world: World, session_factory, now):
    calls = base_calls(client, as_, world, session_factory, now)
    operations = json_write_operations(client)
    assert set(operations) == set(calls), "a new JSON write operation needs a base request here"
    walked = 0
    for operation, struct_name in sorted(operations.items()):
        for field, schema, in_list in string_fields(STRUCTS[struct_name]):
            assert "maxLength" in schema or "enum" in schema, \
                f"{operation}: {field} has no maximum length"
            if "enum" in schema:
                continue
            limit = schema["maxLength"]
            for length, allowed in ((limit, True), (limit + 1, False)):
                url, who, body = calls[operation]()
                value = text_of(field, length)
                target = body[0] if isinstance(body, list) else body  # a list of structs
                target[field] = [value] if in_list else value
                method = operation.split()[0].lower()
                r = client.request(method, url, headers=as_(who), json=body)
                where = f"{operation} {field} at {length} characters: {r.status_code} {r.text}"
                walked += 1
                assert r.status_code < 500, where
                if allowed and (operation, field) in SEMANTIC:
                    assert 400 <= r.status_code < 500, where
                    assert not any(w in r.json()["detail"] for w in LENGTH_WORDS), where
                elif allowed:
                    assert r.status_code < 300, where
                else:
                    assert r.status_code == 400, where
    assert walked > 60


def test_room_and_door_names_as_long_as_the_column_are_stored_and_longer_ones_refused(
        client, as_, world: World):
    # The schema allowed 200 characters, the columns hold 120: 121-200 answered 500 on
    # PostgreSQL.
    staff, centre = as_("staff"), world.centre_id
    for path, body in (("rooms", {"capacity": 5}), ("doors", {"kind": "room"})):
        ok = client.post(f"/api/centres/{centre}/{path}", headers=staff,
                         json={**body, "name": "R" * 120})
        assert ok.status_code == 201, ok.text
        assert ok.json()["name"] == "R" * 120
        for length in (121, 150, 200):
            r = client.post(f"/api/centres/{centre}/{path}", headers=staff,
                            json={**body, "name": "R" * length})
            assert r.status_code == 400, (path, length, r.text)
            assert "length <= 120" in r.json()["detail"]


# ---------------------------------------------------------------- control characters and NUL

# Free-text fields a page shows as a text area: newlines belong there.
TEXT_AREAS = {"description", "accessibility_notes", "cleaning_rules", "house_rules", "notes",
              "purpose", "reason", "criteria", "note"}
# Fields whose own pattern refuses anything unusual anyway.
PATTERNED = {"slug", "languages", "week", "start", "demand", "start_time"}


def test_control_characters_are_refused_in_one_line_fields_and_newlines_kept_in_texts(
        client, as_, world: World, session_factory, now):
    # NUL answered 500 on PostgreSQL and was stored on SQLite; an escape sequence or a bell
    # in a name was stored on both.
    calls = base_calls(client, as_, world, session_factory, now)
    checked = 0
    for operation, struct_name in sorted(json_write_operations(client).items()):
        for field, schema, in_list in string_fields(STRUCTS[struct_name]):
            if "enum" in schema or field in PATTERNED:
                continue
            example = EXAMPLES.get(field, "Wort")
            refused = ["\x00", "\x1b[31m", "\x07", "\x7f", "\x85"]
            if field == "password":  # never stored, only hashed: only NUL is refused
                refused = ["\x00"]
            elif field not in TEXT_AREAS:
                refused += ["\n", "\r", "\t"]
            for bad in refused:
                url, who, body = calls[operation]()
                value = example[:2] + bad + example[2:]
                target = body[0] if isinstance(body, list) else body
                target[field] = [value] if in_list else value
                r = client.request(operation.split()[0].lower(), url, headers=as_(who),
                                   json=body)
                assert r.status_code == 400, (operation, field, repr(bad), r.text)
                checked += 1
    assert checked > 150
    # A text area keeps its lines.
    r = client.post(f"/api/centres/{world.centre_id}/rooms", headers=as_("staff"), json={
        "name": "Werkstatt", "capacity": 4, "house_rules": "Bitte lüften.\r\nSchlüssel ab."})
    assert r.status_code == 201, r.text
    assert r.json()["house_rules"] == "Bitte lüften.\r\nSchlüssel ab."


def _page_csrf(client: Any, path: str) -> str:
    from tests.booking.test_pages import Page

    return Page(client.get(path).text).csrf()


def test_page_forms_refuse_control_characters_and_keep_newlines_in_text_areas(
        client, as_, world: World):
    from tests.booking.test_pages import login, logout, request_form

    # Registration: a NUL in the e-mail address created an account on SQLite, 500 on
    # PostgreSQL.
    for field, value in (("email", "neu\x00@example.org"), ("name", "Neu\x00"),
                         ("name", "Neu\x1b[2J"), ("email", "neu@\nexample.org")):
        token = _page_csrf(client, "/registrieren")
        data = {"name": "Neu", "email": "neu@example.org", "passwort": "ein gutes Passwort",
                "sprache": "de", "csrf_token": token, field: value}
        r = client.post("/registrieren", data=data, follow_redirects=False)
        assert r.status_code == 400, (field, repr(value), r.text)
        assert "Steuerzeichen" in r.text
    assert client.post("/login", data={"email": "anna@example.org\x00", "passwort": "x",
                                       "csrf_token": _page_csrf(client, "/login")}
                       ).status_code == 400
    # A name longer than the column: 500 on PostgreSQL.
    token = _page_csrf(client, "/registrieren")
    r = client.post("/registrieren", data={
        "name": "N" * 201, "email": "lang@example.org", "passwort": "ein gutes Passwort",
        "sprache": "de", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 400, r.text
    assert "höchstens 200 Zeichen" in r.text
    # The rental form: the purpose is a text area, its lines stay; a NUL is refused.
    cafe = world.rooms["Café"]
    login(client, world, "anna")
    token = _page_csrf(client, f"/raeume/{cafe}/anfragen")
    r = client.post(f"/raeume/{cafe}/anfragen", data=request_form(
        purpose="Geburtstag\x00", action="senden", token=token), follow_redirects=False)
    assert r.status_code == 400, r.text
    r = client.post(f"/raeume/{cafe}/anfragen", data=request_form(
        purpose="Geburtstag\r\nmit Kuchen", action="senden", token=token),
        follow_redirects=False)
    assert r.status_code == 303, r.text
    rental = int(r.headers["location"].split("/")[-1].split("?")[0])
    logout(client)
    r = client.get(f"/api/rentals/{rental}", headers=as_("staff"))
    assert r.json()["purpose"] == "Geburtstag\r\nmit Kuchen"
    login(client, world, "staff")
    token = _page_csrf(client, "/verwaltung/anfragen")
    r = client.post(f"/verwaltung/anfragen/{rental}/ablehnen",
                    data={"csrf_token": token, "grund": "belegt\x00"})
    assert r.status_code == 400, r.text
    assert client.get(f"/api/rentals/{rental}", headers=as_("staff")).json()["status"] == \
        "pending"


# ----------------------------------------------------------------------- hostile JSON bodies


def test_deeply_nested_json_is_a_400_on_every_json_operation(client, as_, world: World,
                                                             session_factory, now):
    # 100,000 nested brackets raised RecursionError in the decoder: 500 on all of them.
    calls = base_calls(client, as_, world, session_factory, now)
    deep_list = b"[" * 100_000 + b"]" * 100_000
    deep_object = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
    for operation in sorted(json_write_operations(client)):
        url, who, _ = calls[operation]()
        for body in (deep_list, deep_object, b'{"name": ' + deep_list + b"}"):
            r = client.request(operation.split()[0].lower(), url, content=body,
                               headers={**as_(who), "content-type": "application/json"})
            assert r.status_code == 400, (operation, r.text)
            assert r.json()["code"] == "json_too_deep", r.text
    # Nesting a real body needs is fine, and brackets inside strings do not count.
    r = client.post(f"/api/centres/{world.centre_id}/offers", headers=as_("staff"), json={
        "title": "[" * 150, "theme": "culture", "target_groups": ["{" * 100]})
    assert r.status_code == 201, r.text


def test_a_body_over_one_mebibyte_is_a_413(client, as_, world: World):
    r = client.post("/api/login", content=b'{"email": "' + b"a" * (1 << 20) + b'"}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
