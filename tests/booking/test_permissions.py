"""Every endpoint checks the role and the ownership of what it touches: each role is tried
against each endpoint of the API (issue 2).

The table below has one row per route of the OpenAPI document; a route without a row fails
``test_every_route_has_a_permission_row``, so a new endpoint cannot slip in unchecked.
A refused request must change nothing, so every refusal also checks the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from booking.app import create_app
from booking.db import transaction
from booking.models import AuditEvent, TermRun
from booking.settings import Settings
from tests.booking.api_helpers import berlin, book, rent
from tests.factories import PASSWORD, World

ROLES = ("anonymous", "anna", "ben", "staff", "staff_sued", "admin", "city", "terminal")
OK = "2xx"
Expect = tuple[Any, Any, Any, Any, Any, Any, Any, Any]

# Who may do what. Columns follow ROLES; anna owns the rental and is the person looked up,
# staff belongs to centre nord (whose objects the requests touch), staff_sued to the other one.
#                 anonymous anna ben  staff sued admin city terminal
PUBLIC: Expect = (OK,       OK,  OK,  OK,   OK,  OK,   OK,  OK)
LOGGED_IN: Expect = (401,   OK,  OK,  OK,   OK,  OK,   OK,  OK)
STAFF: Expect = (401,       403, 403, OK,   403, OK,   403, 403)
ADMIN: Expect = (401,       403, 403, 403,  403, OK,   403, 403)
ANY_STAFF: Expect = (401,   403, 403, OK,   OK,  OK,   403, 403)
REQUESTERS: Expect = (401,  OK,  OK,  OK,   OK,  OK,   403, 403)
# A rental is visible to its owner and the centre's staff; to everyone else it does not
# exist (404, not 403, so nobody learns of other people's requests).
OWNER_OR_STAFF: Expect = (401, OK, 404, OK, 404, OK,   404, 404)
STAFF_DECIDES: Expect = (401, 403, 404, OK, 404, OK,   404, 404)
# A person is visible to themselves, to staff of a centre they are connected with (anna
# requested a room in nord) and to admins; staff of süd do not learn she exists.
SELF_OR_CENTRE_STAFF: Expect = (401, OK, 404, OK, 404, OK,  404, 404)
# Mailed links work for whoever holds them; a made-up one is refused for everyone.
BAD_LINK: Expect = (400,    400, 400, 400,  400, 400,  400, 400)
# Door terminals authenticate with a device token, which no person holds (issue 12).
DEVICE_ONLY: Expect = (401,  401, 401, 401,  401, 401,  401, 401)
# The plan run is still queued: staff pass the permission check and hear it is not finished.
STAFF_NOT_YET: Expect = (401, 403, 403, 409, 403, 409,  403, 403)
# A secret feed belongs to its owner (anna); to everyone else it does not exist.
OWNER_ONLY: Expect = (401,  OK,  404, 404,  404, 404,  404, 404)
# A booking's .ics: staff of its centre (who booked it) and admins; others learn nothing.
CENTRE_STAFF_OR_404: Expect = (401, 404, 404, OK, 404, OK,  404, 404)


@dataclass
class Scene:
    """What the requests touch: objects of centre nord, anna's pending rental, a programme
    booking with one occurrence, a queued plan run of the week."""

    world: World
    rental: int
    booking: int
    occurrence: int
    plan: int
    term: int = 0  # open for applications, with anna's application for her group
    application: int = 0
    section: int = 0
    group: int = 0  # anna is its contact
    series: int = 0
    closure: int = 0
    feed: int = 0
    feed_path: str = ""
    offer: int = 0
    term_run: int = 0  # a queued allocation run of the term
    # Door access (issue 12): a door, anna's confirmed rental with its code, a terminal and an
    # alert of centre nord, made when a row first needs them (most rows do not).
    make_access: Callable[[], dict[str, int]] | None = None
    _access: dict[str, int] | None = None

    @property
    def access(self) -> dict[str, int]:
        if self._access is None:
            assert self.make_access is not None
            self._access = self.make_access()
        return self._access

    @property
    def centre(self) -> int:
        return self.world.centre_id

    @property
    def cafe(self) -> int:
        return self.world.rooms["Café"]

    @property
    def group_room(self) -> int:
        return self.world.rooms["Gruppenraum 1"]

    @property
    def anna(self) -> int:
        return self.world.people["anna"]


@dataclass(frozen=True)
class Endpoint:
    method: str
    route: str  # as in the OpenAPI document
    expect: Expect
    url: Callable[[Scene], str]
    body: Callable[[Scene], Any] | None = None
    query: Callable[[Scene], dict[str, Any]] = field(default=lambda x: {})

    @property
    def name(self) -> str:
        return f"{self.method} {self.route}"


TERM_SECTION = {"title": "Kinderchor", "min_minutes": 60, "max_minutes": 90,
                "allowed_windows": [{"day": 2, "start": "16:00", "end": "19:00"}]}


def series_body(x: Scene) -> dict[str, Any]:
    return {"kind": "group", "title": "Chor", "room_id": x.cafe, "start_time": "19:00",
            "duration_minutes": 90, "first_date": "2026-12-14", "count": 2,
            "pattern": {"kind": "weekly", "weekdays": ["MO"]}}


def week(x: Scene) -> dict[str, Any]:
    return {"start": berlin(2026, 11, 30, 0), "end": berlin(2026, 12, 7, 0)}


ENDPOINTS = [
    Endpoint("GET", "/health", PUBLIC, lambda x: "/health"),
    Endpoint("GET", "/api/centres", PUBLIC, lambda x: "/api/centres"),
    Endpoint("POST", "/api/centres", ADMIN, lambda x: "/api/centres",
             lambda x: {"slug": "mitte", "name": "Stadtteilzentrum Mitte"}),
    Endpoint("GET", "/api/centres/{centre_id}", PUBLIC, lambda x: f"/api/centres/{x.centre}"),
    Endpoint("GET", "/api/centres/{centre_id}/doors", STAFF,
             lambda x: f"/api/centres/{x.centre}/doors"),
    Endpoint("POST", "/api/centres/{centre_id}/doors", STAFF,
             lambda x: f"/api/centres/{x.centre}/doors",
             lambda x: {"name": "Haupteingang", "kind": "entrance", "room_ids": [x.cafe]}),
    Endpoint("POST", "/api/centres/{centre_id}/groups", STAFF,
             lambda x: f"/api/centres/{x.centre}/groups",
             lambda x: {"name": "Strickkreis", "kind": "self_help"}),
    Endpoint("POST", "/api/centres/{centre_id}/offers", STAFF,
             lambda x: f"/api/centres/{x.centre}/offers",
             lambda x: {"title": "Nähcafé", "theme": "culture"}),
    Endpoint("POST", "/api/centres/{centre_id}/rooms", STAFF,
             lambda x: f"/api/centres/{x.centre}/rooms",
             lambda x: {"name": "Werkraum", "capacity": 8}),
    Endpoint("PUT", "/api/centres/{centre_id}/staff/{person_id}", STAFF,
             lambda x: f"/api/centres/{x.centre}/staff/{x.world.people['staff']}",
             lambda x: {"max_week_minutes": 30 * 60, "max_day_minutes": 8 * 60,
                        "skills": ["consultation"],
                        "availability": [{"day": 0, "start": "09:00", "end": "17:00"}]}),
    Endpoint("GET", "/api/rooms", PUBLIC, lambda x: "/api/rooms"),
    Endpoint("GET", "/api/rooms/{room_id}", PUBLIC, lambda x: f"/api/rooms/{x.cafe}"),
    Endpoint("PATCH", "/api/rooms/{room_id}", STAFF, lambda x: f"/api/rooms/{x.cafe}",
             lambda x: {"capacity": 25}),
    Endpoint("GET", "/api/rooms/{room_id}/availability", PUBLIC,
             lambda x: f"/api/rooms/{x.cafe}/availability", query=week),
    Endpoint("GET", "/api/availability", PUBLIC, lambda x: "/api/availability",
             query=lambda x: {"centre_id": x.centre, **week(x)}),
    Endpoint("GET", "/api/offers", PUBLIC, lambda x: "/api/offers"),
    Endpoint("GET", "/api/offers/{offer_id}", PUBLIC, lambda x: f"/api/offers/{x.offer}"),
    Endpoint("PATCH", "/api/offers/{offer_id}", STAFF, lambda x: f"/api/offers/{x.offer}",
             lambda x: {"translations": {"en": {"title": "Language café"}}}),
    Endpoint("GET", "/api/groups", PUBLIC, lambda x: "/api/groups"),
    Endpoint("GET", "/api/persons", ANY_STAFF, lambda x: "/api/persons"),
    Endpoint("GET", "/api/persons/{person_id}", SELF_OR_CENTRE_STAFF,
             lambda x: f"/api/persons/{x.anna}"),
    Endpoint("POST", "/api/rentals/quote", PUBLIC, lambda x: "/api/rentals/quote",
             lambda x: {"room_id": x.cafe, "starts_at": berlin(2026, 12, 9, 16),
                        "ends_at": berlin(2026, 12, 9, 18), "expected_people": 10}),
    Endpoint("POST", "/api/rentals", REQUESTERS, lambda x: "/api/rentals",
             lambda x: {"room_id": x.cafe, "starts_at": berlin(2026, 12, 9, 16),
                        "ends_at": berlin(2026, 12, 9, 18), "expected_people": 10,
                        "purpose": "Spieleabend"}),
    Endpoint("GET", "/api/rentals", LOGGED_IN, lambda x: "/api/rentals"),
    Endpoint("GET", "/api/rentals/{booking_id}", OWNER_OR_STAFF,
             lambda x: f"/api/rentals/{x.rental}"),
    Endpoint("POST", "/api/rentals/{booking_id}/confirm", STAFF_DECIDES,
             lambda x: f"/api/rentals/{x.rental}/confirm"),
    Endpoint("POST", "/api/rentals/{booking_id}/decline", STAFF_DECIDES,
             lambda x: f"/api/rentals/{x.rental}/decline",
             lambda x: {"reason": "Der Raum wird renoviert."}),
    Endpoint("POST", "/api/rentals/{booking_id}/cancel", OWNER_OR_STAFF,
             lambda x: f"/api/rentals/{x.rental}/cancel",
             lambda x: {"reason": "Die Feier fällt aus."}),
    Endpoint("POST", "/api/bookings", STAFF, lambda x: "/api/bookings",
             lambda x: {"kind": "programme", "title": "Sprachcafé", "room_id": x.group_room,
                        "starts_at": berlin(2026, 12, 10, 10),
                        "ends_at": berlin(2026, 12, 10, 12)}),
    Endpoint("POST", "/api/bookings/{booking_id}/cancel", STAFF,
             lambda x: f"/api/bookings/{x.booking}/cancel",
             lambda x: {"reason": "Fällt aus."}),
    Endpoint("PATCH", "/api/occurrences/{occurrence_id}", STAFF,
             lambda x: f"/api/occurrences/{x.occurrence}",
             lambda x: {"room_id": x.group_room, "starts_at": berlin(2026, 12, 3, 13),
                        "ends_at": berlin(2026, 12, 3, 15)}),
    Endpoint("POST", "/api/occurrences/{occurrence_id}/cancel", STAFF,
             lambda x: f"/api/occurrences/{x.occurrence}/cancel"),
    Endpoint("POST", "/api/register", PUBLIC, lambda x: "/api/register",
             lambda x: {"email": "neu@example.org", "password": "ein langes Passwort",
                        "display_name": "Neu"}),
    Endpoint("POST", "/api/register/confirm", BAD_LINK, lambda x: "/api/register/confirm",
             lambda x: {"token": "unbekannt"}),
    Endpoint("POST", "/api/password-reset", PUBLIC, lambda x: "/api/password-reset",
             lambda x: {"email": x.world.emails["ben"]}),
    Endpoint("POST", "/api/password-reset/confirm", BAD_LINK,
             lambda x: "/api/password-reset/confirm",
             lambda x: {"token": "unbekannt", "password": "ein langes Passwort"}),
    Endpoint("POST", "/api/login", PUBLIC, lambda x: "/api/login",
             lambda x: {"email": x.world.emails["ben"], "password": PASSWORD}),
    Endpoint("POST", "/api/logout", PUBLIC, lambda x: "/api/logout"),
    Endpoint("GET", "/api/me", LOGGED_IN, lambda x: "/api/me"),
    Endpoint("GET", "/api/me/export", LOGGED_IN, lambda x: "/api/me/export"),
    Endpoint("DELETE", "/api/me", LOGGED_IN, lambda x: "/api/me"),
    Endpoint("POST", "/api/plans", STAFF, lambda x: "/api/plans",
             lambda x: {"centre_id": x.centre, "week": "2026-W50"}),
    Endpoint("GET", "/api/plans", STAFF, lambda x: "/api/plans",
             query=lambda x: {"centre_id": x.centre}),
    Endpoint("GET", "/api/plans/{run_id}", STAFF, lambda x: f"/api/plans/{x.plan}"),
    Endpoint("POST", "/api/plans/{run_id}/pins", STAFF_NOT_YET,
             lambda x: f"/api/plans/{x.plan}/pins", lambda x: {"demand": "slot-1"}),
    Endpoint("POST", "/api/plans/{run_id}/resolve", STAFF_NOT_YET,
             lambda x: f"/api/plans/{x.plan}/resolve"),
    Endpoint("POST", "/api/plans/{run_id}/publish", STAFF_NOT_YET,
             lambda x: f"/api/plans/{x.plan}/publish"),
    # The term's application round (issue 11).
    Endpoint("GET", "/api/centres/{centre_id}/terms", PUBLIC,
             lambda x: f"/api/centres/{x.centre}/terms"),
    Endpoint("POST", "/api/centres/{centre_id}/terms", STAFF,
             lambda x: f"/api/centres/{x.centre}/terms",
             lambda x: {"name": "Herbst 2027", "starts_on": "2027-08-01",
                        "ends_on": "2028-01-31", "applications_from": berlin(2027, 5, 1, 0),
                        "applications_until": berlin(2027, 6, 1, 0)}),
    Endpoint("GET", "/api/terms/{term_id}", PUBLIC, lambda x: f"/api/terms/{x.term}"),
    Endpoint("PATCH", "/api/terms/{term_id}", STAFF, lambda x: f"/api/terms/{x.term}",
             lambda x: {"criteria": "Kinder und Jugend zuerst."}),
    Endpoint("GET", "/api/centres/{centre_id}/priority-classes", PUBLIC,
             lambda x: f"/api/centres/{x.centre}/priority-classes"),
    Endpoint("PUT", "/api/centres/{centre_id}/priority-classes", STAFF,
             lambda x: f"/api/centres/{x.centre}/priority-classes",
             lambda x: [{"name": "Alle"}]),
    Endpoint("GET", "/api/terms/{term_id}/applications", STAFF,
             lambda x: f"/api/terms/{x.term}/applications"),
    # A group's contact (anna) or staff apply; to everyone else the group is unknown.
    Endpoint("POST", "/api/terms/{term_id}/applications", OWNER_OR_STAFF,
             lambda x: f"/api/terms/{x.term}/applications",
             lambda x: {"group_id": x.group, "sections": [TERM_SECTION]}),
    Endpoint("GET", "/api/applications/mine", LOGGED_IN, lambda x: "/api/applications/mine"),
    Endpoint("GET", "/api/applications/{application_id}", OWNER_OR_STAFF,
             lambda x: f"/api/applications/{x.application}"),
    Endpoint("PUT", "/api/applications/{application_id}", OWNER_OR_STAFF,
             lambda x: f"/api/applications/{x.application}",
             lambda x: {"sections": [TERM_SECTION]}),
    Endpoint("POST", "/api/applications/{application_id}/withdraw", OWNER_OR_STAFF,
             lambda x: f"/api/applications/{x.application}/withdraw"),
    Endpoint("POST", "/api/sections/{section_id}/reject", STAFF,
             lambda x: f"/api/sections/{x.section}/reject",
             lambda x: {"reason": "Der Raum ist zu der Zeit belegt."}),
    # Series, closures, feeds and exports (issue 10)
    Endpoint("POST", "/api/series", STAFF, lambda x: "/api/series", series_body),
    Endpoint("POST", "/api/series/preview", STAFF, lambda x: "/api/series/preview",
             series_body),
    Endpoint("GET", "/api/series/{series_id}", STAFF, lambda x: f"/api/series/{x.series}"),
    Endpoint("PATCH", "/api/series/{series_id}", STAFF, lambda x: f"/api/series/{x.series}",
             lambda x: {"start_time": "17:00"}),
    Endpoint("POST", "/api/series/{series_id}/dates/{day}/restore", STAFF,
             lambda x: f"/api/series/{x.series}/dates/2026-12-11/restore"),
    Endpoint("GET", "/api/centres/{centre_id}/closures", STAFF,
             lambda x: f"/api/centres/{x.centre}/closures"),
    Endpoint("POST", "/api/centres/{centre_id}/closures", STAFF,
             lambda x: f"/api/centres/{x.centre}/closures",
             lambda x: {"first_day": "2027-07-01", "last_day": "2027-07-31",
                        "reason": "Sommerpause"}),
    Endpoint("PATCH", "/api/closures/{closure_id}", STAFF,
             lambda x: f"/api/closures/{x.closure}",
             lambda x: {"first_day": "2027-01-04", "last_day": "2027-01-05"}),
    Endpoint("DELETE", "/api/closures/{closure_id}", STAFF,
             lambda x: f"/api/closures/{x.closure}"),
    Endpoint("GET", "/api/calendar/centres/{centre_id}/links", PUBLIC,
             lambda x: f"/api/calendar/centres/{x.centre}/links"),
    Endpoint("GET", "/api/calendar/centres/{centre_id}/programme.ics", PUBLIC,
             lambda x: f"/api/calendar/centres/{x.centre}/programme.ics"),
    Endpoint("GET", "/api/calendar/rooms/{room_id}/calendar.ics", PUBLIC,
             lambda x: f"/api/calendar/rooms/{x.cafe}/calendar.ics"),
    # Whoever holds a feed's secret link may read it, as calendar programs do.
    Endpoint("GET", "/api/calendar/feeds/{token}/calendar.ics", PUBLIC,
             lambda x: x.feed_path),
    Endpoint("GET", "/api/me/feeds", LOGGED_IN, lambda x: "/api/me/feeds"),
    Endpoint("POST", "/api/me/feeds", LOGGED_IN, lambda x: "/api/me/feeds", lambda x: {}),
    Endpoint("POST", "/api/me/feeds/{feed_id}/rotate", OWNER_ONLY,
             lambda x: f"/api/me/feeds/{x.feed}/rotate"),
    Endpoint("DELETE", "/api/me/feeds/{feed_id}", OWNER_ONLY,
             lambda x: f"/api/me/feeds/{x.feed}"),
    Endpoint("GET", "/api/bookings/{booking_id}/calendar.ics", CENTRE_STAFF_OR_404,
             lambda x: f"/api/bookings/{x.booking}/calendar.ics"),
    Endpoint("GET", "/api/centres/{centre_id}/bookings.csv", STAFF,
             lambda x: f"/api/centres/{x.centre}/bookings.csv", query=week),
    # The term's allocation runs: the scene's term is still open (a run needs it in
    # allocation) and its run is still queued, so staff pass the check and hear why not yet.
    Endpoint("POST", "/api/terms/{term_id}/runs", STAFF_NOT_YET,
             lambda x: f"/api/terms/{x.term}/runs", lambda x: {"time_limit": 5}),
    Endpoint("GET", "/api/terms/{term_id}/runs", STAFF, lambda x: f"/api/terms/{x.term}/runs"),
    Endpoint("GET", "/api/term-runs/{run_id}", STAFF, lambda x: f"/api/term-runs/{x.term_run}"),
    Endpoint("POST", "/api/term-runs/{run_id}/pins", STAFF_NOT_YET,
             lambda x: f"/api/term-runs/{x.term_run}/pins",
             lambda x: {"section_id": x.section, "action": "accept"}),
    Endpoint("POST", "/api/term-runs/{run_id}/publish", STAFF_NOT_YET,
             lambda x: f"/api/term-runs/{x.term_run}/publish"),
    # Door access (issue 12)
    Endpoint("GET", "/api/access/mine", LOGGED_IN, lambda x: "/api/access/mine"),
    Endpoint("GET", "/api/access/bookings/{booking_id}/codes", OWNER_OR_STAFF,
             lambda x: f"/api/access/bookings/{x.access['booking']}/codes"),
    Endpoint("POST", "/api/access/bookings/{booking_id}/codes", OWNER_OR_STAFF,
             lambda x: f"/api/access/bookings/{x.access['booking']}/codes"),
    Endpoint("POST", "/api/access/codes/{code_id}/revoke", STAFF,
             lambda x: f"/api/access/codes/{x.access['code']}/revoke"),
    Endpoint("POST", "/api/access/emergency-codes", STAFF, lambda x: "/api/access/emergency-codes",
             lambda x: {"door_id": x.access["door"], "minutes": 30, "reason": "Heizung"}),
    Endpoint("POST", "/api/access/terminals", STAFF, lambda x: "/api/access/terminals",
             lambda x: {"door_id": x.access["door"], "name": "Eingang 2"}),
    Endpoint("GET", "/api/access/terminals", STAFF, lambda x: "/api/access/terminals",
             query=lambda x: {"centre_id": x.centre}),
    Endpoint("POST", "/api/access/terminals/{terminal_id}/revoke", STAFF,
             lambda x: f"/api/access/terminals/{x.access['terminal']}/revoke"),
    Endpoint("GET", "/api/access/door-events", STAFF, lambda x: "/api/access/door-events",
             query=lambda x: {"centre_id": x.centre}),
    Endpoint("GET", "/api/access/alerts", STAFF, lambda x: "/api/access/alerts",
             query=lambda x: {"centre_id": x.centre}),
    Endpoint("POST", "/api/access/alerts/{alert_id}/resolve", STAFF,
             lambda x: f"/api/access/alerts/{x.access['alert']}/resolve"),
    Endpoint("POST", "/api/access/bookings/{booking_id}/key-handover", STAFF,
             lambda x: f"/api/access/bookings/{x.access['booking']}/key-handover",
             lambda x: {"note": "Schlüssel 2"}),
    Endpoint("PUT", "/api/access/rooms/{room_id}/method", STAFF,
             lambda x: f"/api/access/rooms/{x.cafe}/method",
             lambda x: {"method": "key", "valid_from": berlin(2026, 12, 1, 0)}),
    Endpoint("POST", "/terminal/v1/validate", DEVICE_ONLY, lambda x: "/terminal/v1/validate",
             lambda x: {"code": "48151623"}),
    Endpoint("POST", "/terminal/v1/heartbeat", DEVICE_ONLY, lambda x: "/terminal/v1/heartbeat",
             lambda x: {"power": "mains"}),
    Endpoint("GET", "/terminal/v1/bundle", DEVICE_ONLY, lambda x: "/terminal/v1/bundle"),
    Endpoint("POST", "/terminal/v1/events", DEVICE_ONLY, lambda x: "/terminal/v1/events",
             lambda x: {"events": []}),
]


@pytest.fixture
def scene(client, as_, world: World, session_factory, now) -> Scene:
    rental = rent(client, as_("anna"), world.rooms["Café"], berlin(2026, 12, 2, 16),
                  berlin(2026, 12, 2, 19), purpose="Geburtstag von Anna")
    assert rental.status_code == 201, rental.text
    booking = book(client, as_("staff"), world.rooms["Gruppenraum 1"],
                   berlin(2026, 12, 3, 10), berlin(2026, 12, 3, 12))
    assert booking.status_code == 201, booking.text
    plan = client.post("/api/plans", headers=as_("staff"),
                       json={"centre_id": world.centre_id, "week": "2026-W49"})
    assert plan.status_code == 202, plan.text
    group = client.post(f"/api/centres/{world.centre_id}/groups", headers=as_("staff"),
                        json={"name": "Kinderchor", "kind": "club", "description": "",
                              "contact_ids": [world.people["anna"]]})
    assert group.status_code == 201, group.text
    term = client.post(f"/api/centres/{world.centre_id}/terms", headers=as_("staff"), json={
        "name": "Frühjahr 2027", "starts_on": "2027-02-01", "ends_on": "2027-07-31",
        "applications_from": berlin(2026, 11, 1, 0), "applications_until": berlin(2027, 1, 1, 0)})
    assert term.status_code == 201, term.text
    opened = client.patch(f"/api/terms/{term.json()['id']}", headers=as_("staff"),
                          json={"status": "open"})
    assert opened.status_code == 200, opened.text
    applied = client.post(f"/api/terms/{term.json()['id']}/applications",
                          headers=as_("anna"),
                          json={"group_id": group.json()["id"], "sections": [TERM_SECTION]})
    assert applied.status_code == 201, applied.text
    series = client.post("/api/series", headers=as_("staff"), json={
        "kind": "group", "title": "Spieleabend", "room_id": world.rooms["Gruppenraum 1"],
        "start_time": "18:00", "duration_minutes": 60, "first_date": "2026-12-04", "count": 2,
        "pattern": {"kind": "weekly", "weekdays": ["FR"]}})
    assert series.status_code == 201, series.text
    second = series.json()["dates"][1]["occurrence_id"]
    assert client.post(f"/api/occurrences/{second}/cancel",
                       headers=as_("staff")).status_code == 200
    closure = client.post(f"/api/centres/{world.centre_id}/closures", headers=as_("staff"),
                          json={"first_day": "2027-01-02", "last_day": "2027-01-02",
                                "reason": "Inventur"})
    assert closure.status_code == 201, closure.text
    feed = client.post("/api/me/feeds", headers=as_("anna"), json={})
    assert feed.status_code == 201, feed.text
    offer = client.post(f"/api/centres/{world.centre_id}/offers", headers=as_("staff"),
                        json={"title": "Sprachcafé", "theme": "welcome_culture"})
    assert offer.status_code == 201, offer.text
    with transaction(session_factory) as db:
        run = TermRun(term_id=term.json()["id"], status="queued", time_limit_seconds=5,
                      seed=0, pins=[], progress={}, series={}, created_at=now)
        db.add(run)
        db.flush()
        term_run = run.id
    return Scene(term_run=term_run, world=world, rental=rental.json()["id"],
                 booking=booking.json()["id"],
                 occurrence=booking.json()["occurrences"][0]["id"], plan=plan.json()["id"],
                 term=term.json()["id"], application=applied.json()["id"],
                 section=applied.json()["sections"][0]["id"], group=group.json()["id"],
                 series=series.json()["id"], closure=closure.json()["id"],
                 feed=feed.json()["id"],
                 feed_path="/api/" + feed.json()["url"].split("/api/", 1)[1],
                 offer=offer.json()["id"],
                 make_access=lambda: access_scene(client, as_, world))


def access_scene(client, as_, world: World) -> dict[str, int]:
    staff = as_("staff")
    door = client.post(f"/api/centres/{world.centre_id}/doors", headers=staff,
                       json={"name": "Eingang", "kind": "entrance"}).json()["id"]
    booked = rent(client, as_("anna"), world.rooms["Gruppenraum 1"], berlin(2026, 12, 5, 16),
                  berlin(2026, 12, 5, 18), purpose="Lesekreis").json()["id"]
    assert client.post(f"/api/rentals/{booked}/confirm", headers=staff).status_code == 200
    code = client.get(f"/api/access/bookings/{booked}/codes", headers=staff).json()[0]["id"]
    terminal = client.post("/api/access/terminals", headers=staff,
                           json={"door_id": door, "name": "Eingang"}).json()["terminal"]["id"]
    client.post("/api/access/emergency-codes", headers=staff,
                json={"door_id": door, "minutes": 30, "reason": "Handwerker"})
    alert = client.get("/api/access/alerts", headers=staff,
                       params={"centre_id": world.centre_id}).json()[0]["id"]
    return {"door": door, "booking": booked, "code": code, "terminal": terminal,
            "alert": alert}


def audit_count(session_factory) -> int:
    with session_factory() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)) or 0


def role_groups(endpoint: Endpoint) -> list[tuple[str, ...]]:
    """Which roles can share one scene: every refusal (it must change nothing, which the test
    checks) and every read; each write that succeeds gets a fresh scene of its own. Building
    the scene is most of the cost, so this keeps the matrix fast."""
    shared = tuple(role for role, expected in zip(ROLES, endpoint.expect, strict=True)
                   if expected != OK or endpoint.method == "GET")
    alone = [(role,) for role, expected in zip(ROLES, endpoint.expect, strict=True)
             if expected == OK and endpoint.method != "GET"]
    return ([shared] if shared else []) + alone


CASES = [pytest.param(endpoint, roles,
                      id=f"{endpoint.name}-{roles[0] if len(roles) == 1 else 'shared'}")
         for endpoint in ENDPOINTS for roles in role_groups(endpoint)]


@pytest.mark.parametrize(("endpoint", "roles"), CASES)
def test_each_role_against_each_endpoint(client, as_, scene: Scene, session_factory,
                                         endpoint: Endpoint, roles: tuple[str, ...]):
    for role in roles:
        kwargs: dict[str, Any] = {"headers": as_(role), "params": endpoint.query(scene)}
        if endpoint.body is not None:
            kwargs["json"] = endpoint.body(scene)
        url = endpoint.url(scene)  # before counting: it may make the scene's access objects
        audit_before = audit_count(session_factory)
        r = client.request(endpoint.method, url, **kwargs)
        expected = endpoint.expect[ROLES.index(role)]
        if expected == OK:
            assert 200 <= r.status_code < 300, f"{role}: {r.status_code} {r.text}"
        else:
            assert r.status_code == expected, f"{role}: {r.status_code} {r.text}"
            assert r.json()["detail"], "a refusal says why"
            assert audit_count(session_factory) == audit_before, \
                f"{role}: a refused request changed data"


def test_every_route_has_a_permission_row(tmp_path: Path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'schema.sqlite3'}"))
    documented = {
        (method.upper(), path)
        for path, item in (app.openapi_schema.paths or {}).items()
        for method in ("get", "post", "put", "patch", "delete")
        if getattr(item, method, None) is not None
    }
    tabled = {(e.method, e.route) for e in ENDPOINTS}
    assert not documented - tabled, f"routes without a permission row: {documented - tabled}"
    assert not tabled - documented, f"rows for routes that do not exist: {tabled - documented}"


# Ownership, spelled out where a reader would look for it first.

def test_ben_cannot_tell_annas_rental_from_a_missing_one(client, as_, scene: Scene):
    missing = scene.rental + 1000
    for path in ("/api/rentals/{}", "/api/rentals/{}/confirm", "/api/rentals/{}/cancel"):
        method = "GET" if path.endswith("}") else "POST"
        theirs = client.request(method, path.format(scene.rental), headers=as_("ben"))
        nothing = client.request(method, path.format(missing), headers=as_("ben"))
        assert theirs.status_code == nothing.status_code == 404, (path, theirs.text)
        assert theirs.json()["title"] == nothing.json()["title"]
        assert "Anna" not in theirs.text and "Geburtstag" not in theirs.text
    mine = client.get(f"/api/rentals/{scene.rental}", headers=as_("anna")).json()
    assert mine["status"] == "pending"


def test_ben_does_not_see_annas_rental_in_his_list(client, as_, scene: Scene):
    listed = client.get("/api/rentals", headers=as_("ben"))
    assert listed.status_code == 200
    assert listed.json() == []
    assert [r["id"] for r in client.get("/api/rentals", headers=as_("anna")).json()] == [
        scene.rental]


def test_staff_of_another_centre_cannot_decide_nord_requests(client, as_, scene: Scene):
    confirm = client.post(f"/api/rentals/{scene.rental}/confirm", headers=as_("staff_sued"))
    decline = client.post(f"/api/rentals/{scene.rental}/decline", headers=as_("staff_sued"),
                          json={"reason": "Nein"})
    assert confirm.status_code == decline.status_code == 404
    assert client.get("/api/rentals", headers=as_("staff_sued")).json() == []
    still = client.get(f"/api/rentals/{scene.rental}", headers=as_("staff")).json()
    assert still["status"] == "pending"


def test_staff_cannot_change_another_centres_rooms_or_bookings(client, as_, scene: Scene):
    saal = scene.world.rooms["Saal Süd"]
    sued = scene.world.other_centre_id
    assert client.patch(f"/api/rooms/{saal}", headers=as_("staff"),
                        json={"capacity": 1}).status_code == 403
    assert book(client, as_("staff"), saal, berlin(2026, 12, 4, 10),
                berlin(2026, 12, 4, 12)).status_code == 403
    assert client.post(f"/api/centres/{sued}/rooms", headers=as_("staff"),
                       json={"name": "Keller", "capacity": 5}).status_code == 403
    assert client.get(f"/api/rooms/{saal}").json()["capacity"] == 80
    # …and the other way round: staff of Süd cannot move or cancel Nord's programme.
    moved = client.patch(f"/api/occurrences/{scene.occurrence}", headers=as_("staff_sued"),
                         json={"room_id": scene.group_room,
                               "starts_at": berlin(2026, 12, 3, 14),
                               "ends_at": berlin(2026, 12, 3, 16)})
    assert moved.status_code == 403


def test_resident_cannot_create_programme_rooms_doors_offers_or_list_persons(
        client, as_, scene: Scene):
    anna = as_("anna")
    centre = scene.centre
    attempts = [
        book(client, anna, scene.group_room, berlin(2026, 12, 10, 10), berlin(2026, 12, 10, 12)),
        client.post(f"/api/centres/{centre}/rooms", headers=anna,
                    json={"name": "Mein Raum", "capacity": 5}),
        client.post(f"/api/centres/{centre}/doors", headers=anna,
                    json={"name": "Hintertür", "kind": "entrance"}),
        client.post(f"/api/centres/{centre}/offers", headers=anna,
                    json={"title": "Mein Kurs", "theme": "culture"}),
        client.get("/api/persons", headers=anna),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    rooms = client.get("/api/rooms", params={"centre_id": centre}).json()
    assert "Mein Raum" not in {r["name"] for r in rooms}
    offers = client.get("/api/offers", params={"centre_id": centre}).json()
    assert "Mein Kurs" not in {o["title"] for o in offers}


# Persons: staff see the people of their own centres only (issue 6, section 4). Centre nord is
# the first centre, süd the second; anna requested a room in nord, ben nowhere yet.

def listed_emails(client, headers) -> set[str]:
    r = client.get("/api/persons", headers=headers)
    assert r.status_code == 200, r.text
    return {p["email"] for p in r.json()}


def test_staff_list_the_people_of_their_own_centre_only(client, as_, scene: Scene):
    emails = scene.world.emails
    nord = {emails[k] for k in ("anna", "staff", "city", "terminal")}
    assert listed_emails(client, as_("staff")) == nord
    assert listed_emails(client, as_("staff_sued")) == {emails["staff_sued"]}
    assert listed_emails(client, as_("admin")) == set(emails.values())


def test_staff_of_another_centre_cannot_tell_a_nord_resident_from_a_missing_person(
        client, as_, scene: Scene):
    theirs = client.get(f"/api/persons/{scene.anna}", headers=as_("staff_sued"))
    nothing = client.get(f"/api/persons/{scene.anna + 1000}", headers=as_("staff_sued"))
    assert theirs.status_code == nothing.status_code == 404
    assert theirs.json()["title"] == nothing.json()["title"]
    assert "anna" not in theirs.text.lower()
    assert client.get(f"/api/persons/{scene.anna}", headers=as_("staff")).json()["email"] == (
        scene.world.emails["anna"])


def test_staff_of_another_centre_cannot_make_a_nord_resident_their_group_contact(
        client, as_, scene: Scene, session_factory):
    sued = scene.world.other_centre_id
    audit_before = audit_count(session_factory)
    refused = client.post(f"/api/centres/{sued}/groups", headers=as_("staff_sued"),
                          json={"name": "Strickkreis", "kind": "self_help",
                                "contact_ids": [scene.anna]})
    assert refused.status_code == 404, refused.text
    assert audit_count(session_factory) == audit_before, "a refused request changed data"
    assert "Strickkreis" not in {g["name"] for g in client.get(
        "/api/groups", params={"centre_id": sued}).json()}
    # Staff of nord, where anna requested a room, may name her.
    made = client.post(f"/api/centres/{scene.centre}/groups", headers=as_("staff"),
                       json={"name": "Strickkreis", "kind": "self_help",
                             "contact_ids": [scene.anna]})
    assert made.status_code == 201, made.text
    assert made.json()["contact_ids"] == [scene.anna]


def test_a_person_becomes_visible_to_a_centres_staff_through_a_request_or_a_group(
        client, as_, scene: Scene):
    ben = scene.world.people["ben"]
    assert client.get(f"/api/persons/{ben}", headers=as_("staff")).status_code == 404
    assert client.get(f"/api/persons/{ben}", headers=as_("staff_sued")).status_code == 404
    asked = rent(client, as_("ben"), scene.world.rooms["Saal Süd"], berlin(2026, 12, 12, 16),
                 berlin(2026, 12, 12, 18), purpose="Vereinstreffen")
    assert asked.status_code == 201, asked.text
    assert client.get(f"/api/persons/{ben}", headers=as_("staff_sued")).status_code == 200
    assert client.get(f"/api/persons/{ben}", headers=as_("staff")).status_code == 404
    # An admin names ben a contact of a nord group: nord's staff see him from then on.
    group = client.post(f"/api/centres/{scene.centre}/groups", headers=as_("admin"),
                        json={"name": "Schachclub", "kind": "self_help", "contact_ids": [ben]})
    assert group.status_code == 201, group.text
    assert scene.world.emails["ben"] in listed_emails(client, as_("staff"))
