"""The term's application round (issue 11 §1–§3): staff open a term, a group's contact
applies in the application period, classes follow from published rules, withdrawn is withdrawn.
On both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy.orm import Session, sessionmaker

from booking.clock import FrozenClock
from booking.db import transaction
from booking.models import Group, Person
from tests.factories import World

Headers = Callable[[str], dict[str, str]]


def section(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "Elterncafé", "min_minutes": 90, "max_minutes": 120, "theme": "family",
        "target_groups": ["families"], "expected_people": 12,
        "allowed_windows": [{"day": 1, "start": "15:00", "end": "19:00"},
                            {"day": 3, "start": "15:00", "end": "19:00"}],
        "preferred_windows": [{"day": 1, "start": "16:00", "end": "18:00", "rank": 1}],
    }
    return {**base, **changes}


@pytest.fixture
def group(session_factory: sessionmaker[Session], world: World) -> int:
    """A club of centre nord whose contact person is anna."""
    with transaction(session_factory) as db:
        club = Group(centre_id=world.centre_id, name="Kinderchor Sieker", kind="club",
                     contacts=[db.get(Person, world.people["anna"])])
        db.add(club)
        db.flush()
        return club.id


@pytest.fixture
def term(client: TestClient, world: World, as_: Headers, now: datetime) -> int:
    """The spring term, its application round open from yesterday for two weeks."""
    r = client.post(f"/api/centres/{world.centre_id}/terms", headers=as_("staff"), json={
        "name": "Frühjahr 2027", "starts_on": "2027-02-01", "ends_on": "2027-07-31",
        "applications_from": (now - timedelta(days=1)).isoformat(),
        "applications_until": (now + timedelta(days=14)).isoformat(),
        "criteria": "Kinder und Jugendliche aus dem Stadtteil zuerst."})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def open_term(client: TestClient, as_: Headers, term: int) -> None:
    r = client.patch(f"/api/terms/{term}", headers=as_("staff"), json={"status": "open"})
    assert r.status_code == 200, r.text


def test_a_draft_term_is_the_staffs_own_business_until_it_opens(
        client: TestClient, world: World, as_: Headers, term: int) -> None:
    listed = f"/api/centres/{world.centre_id}/terms"
    assert client.get(f"/api/terms/{term}").status_code == 404
    assert client.get(listed, headers=as_("anna")).json() == []
    assert client.get(f"/api/terms/{term}", headers=as_("staff_sued")).status_code == 404
    assert [t["name"] for t in client.get(listed, headers=as_("staff")).json()] == [
        "Frühjahr 2027"]
    open_term(client, as_, term)
    shown = client.get(f"/api/terms/{term}").json()
    assert shown["status"] == "open" and shown["criteria"].startswith("Kinder")


def test_the_status_follows_its_flow_and_publishing_is_the_plans(
        client: TestClient, as_: Headers, term: int) -> None:
    skip = client.patch(f"/api/terms/{term}", headers=as_("staff"),
                        json={"status": "allocating"})
    assert skip.status_code == 409 and skip.json()["code"] == "term_status_flow"
    open_term(client, as_, term)
    assert client.patch(f"/api/terms/{term}", headers=as_("staff"),
                        json={"status": "allocating"}).status_code == 200
    publish = client.patch(f"/api/terms/{term}", headers=as_("staff"),
                           json={"status": "published"})
    assert publish.status_code == 409 and publish.json()["code"] == "term_publish_by_plan"
    # Dates are fixed once the allocation runs.
    late = client.patch(f"/api/terms/{term}", headers=as_("staff"),
                        json={"ends_on": "2027-08-31"})
    assert late.status_code == 409 and late.json()["code"] == "term_details_fixed"
    assert client.patch(f"/api/terms/{term}", headers=as_("anna"),
                        json={"status": "open"}).status_code == 403


def test_a_groups_contact_applies_in_the_period_and_sees_the_class_the_rules_give(
        client: TestClient, world: World, as_: Headers, term: int, group: int) -> None:
    r = client.put(f"/api/centres/{world.centre_id}/priority-classes", headers=as_("staff"),
                   json=[{"name": "Eigenes Programm", "conditions": {"own_programme": True}},
                         {"name": "Gemeinnützig, Kinder und Jugend",
                          "conditions": {"non_profit": True,
                                         "target_groups_any": ["children", "youth"]}},
                         {"name": "Alle anderen"}])
    assert r.status_code == 200, r.text
    assert [c["rank"] for c in client.get(
        f"/api/centres/{world.centre_id}/priority-classes").json()] == [1, 2, 3]
    open_term(client, as_, term)
    applied = client.post(f"/api/terms/{term}/applications", headers=as_("anna"), json={
        "group_id": group, "non_profit": True, "from_district": True,
        "sections": [section(title="Kinderchor", target_groups=["children"]),
                     section(title="Elterncafé")]})
    assert applied.status_code == 201, applied.text
    classes = {x["title"]: x["priority_class"] for x in applied.json()["sections"]}
    assert classes == {"Kinderchor": 2, "Elterncafé": 3}
    own = client.post(f"/api/terms/{term}/applications", headers=as_("staff"),
                      json={"sections": [section(title="Bürgersprechstunde", staffed=True)]})
    assert own.status_code == 201 and own.json()["sections"][0]["priority_class"] == 1
    # The contact sees it among their applications; another resident does not learn of it.
    assert [a["id"] for a in client.get("/api/applications/mine",
                                        headers=as_("anna")).json()] == [applied.json()["id"]]
    assert client.get(f"/api/applications/{applied.json()['id']}",
                      headers=as_("ben")).status_code == 404
    assert client.get("/api/applications/mine", headers=as_("ben")).json() == []


def test_the_last_priority_class_must_take_everyone(
        client: TestClient, world: World, as_: Headers) -> None:
    r = client.put(f"/api/centres/{world.centre_id}/priority-classes", headers=as_("staff"),
                   json=[{"name": "Nur Gemeinnützige", "conditions": {"non_profit": True}}])
    assert r.status_code == 400 and r.json()["code"] == "priority_classes_catch_all"


def test_nobody_applies_outside_the_period_or_for_a_group_they_do_not_speak_for(
        client: TestClient, as_: Headers, term: int, group: int, clock: FrozenClock,
        now: datetime) -> None:
    body = {"group_id": group, "sections": [section()]}
    assert client.post(f"/api/terms/{term}/applications", headers=as_("anna"),
                       json=body).status_code == 404  # a draft: nobody sees it yet
    open_term(client, as_, term)
    clock.advance(timedelta(days=-2))  # the day before the period begins
    early = client.post(f"/api/terms/{term}/applications", headers=as_("anna"), json=body)
    assert early.status_code == 409 and early.json()["code"] == "application_period_closed"
    clock.advance(timedelta(days=2))
    assert client.post(f"/api/terms/{term}/applications", headers=as_("ben"),
                       json=body).status_code == 404
    assert client.post(f"/api/terms/{term}/applications", headers=as_("ben"),
                       json={"sections": [section()]}).json()["code"] == "application_needs_group"
    clock.advance(timedelta(days=15))  # the period is over
    late = client.post(f"/api/terms/{term}/applications",
                       headers={**as_("anna"), "Accept-Language": "en"}, json=body)
    assert late.status_code == 409 and late.json()["code"] == "application_period_closed"
    assert "application period" in late.json()["detail"]
    # After the period, staff may still enter one for the group while the round runs.
    assert client.post(f"/api/terms/{term}/applications", headers=as_("staff"),
                       json=body).status_code == 201


@pytest.mark.parametrize(("changes", "code"), [
    ({"min_minutes": 150, "max_minutes": 120}, "section_duration_order"),
    ({"min_minutes": 300, "max_minutes": 300}, "section_window_too_short"),
    ({"preferred_windows": [{"day": 5, "start": "10:00", "end": "12:00"}]},
     "section_preferred_outside_allowed"),
    ({"frequency": "monthly"}, "section_month_weeks"),
    ({"frequency": "fortnightly", "meetings_per_week": 2}, "section_meetings_weekly_only"),
    ({"allowed_windows": [{"day": 1, "start": "19:00", "end": "15:00"}]}, "section_window"),
    ({"features": ["jacuzzi"]}, "unknown_features"),
])
def test_a_section_that_cannot_be_met_is_refused_with_its_reason(
        client: TestClient, as_: Headers, term: int, group: int, changes: dict[str, Any],
        code: str) -> None:
    open_term(client, as_, term)
    r = client.post(f"/api/terms/{term}/applications", headers=as_("anna"),
                    json={"group_id": group, "sections": [section(**changes)]})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == code
    assert client.get("/api/applications/mine", headers=as_("anna")).json() == []


def test_the_applicant_changes_while_open_and_withdraws_any_time(
        client: TestClient, as_: Headers, term: int, group: int) -> None:
    open_term(client, as_, term)
    created = client.post(f"/api/terms/{term}/applications", headers=as_("anna"),
                          json={"group_id": group, "sections": [section()]}).json()
    url = f"/api/applications/{created['id']}"
    changed = client.put(url, headers=as_("anna"), json={
        "sections": [section(title="Elterncafé", frequency="monthly", month_weeks=[2, 4])]})
    assert changed.status_code == 200 and changed.json()["sections"][0]["month_weeks"] == [2, 4]
    client.patch(f"/api/terms/{term}", headers=as_("staff"), json={"status": "allocating"})
    frozen = client.put(url, headers=as_("anna"), json={"sections": [section()]})
    assert frozen.status_code == 409 and frozen.json()["code"] == "application_period_closed"
    withdrawn = client.post(f"{url}/withdraw", headers=as_("anna"))
    assert withdrawn.status_code == 201 and withdrawn.json()["status"] == "withdrawn"
    again = client.put(url, headers=as_("staff"), json={"sections": [section()]})
    assert again.status_code == 409 and again.json()["code"] == "application_withdrawn"


def test_staff_reject_a_section_with_a_reason_the_applicant_reads(
        client: TestClient, as_: Headers, term: int, group: int) -> None:
    open_term(client, as_, term)
    created = client.post(f"/api/terms/{term}/applications", headers=as_("anna"),
                          json={"group_id": group, "sections": [section()]}).json()
    section_id = created["sections"][0]["id"]
    assert client.post(f"/api/sections/{section_id}/reject", headers=as_("anna"),
                       json={"reason": "x"}).status_code == 403
    assert client.post(f"/api/sections/{section_id}/reject", headers=as_("staff"),
                       json={"reason": "  "}).json()["code"] == "reason_needed"
    r = client.post(f"/api/sections/{section_id}/reject", headers=as_("staff"),
                    json={"reason": "Das Elterncafé des Zentrums läuft zur selben Zeit."})
    assert r.status_code == 201 and r.json()["status"] == "rejected"
    seen = client.get(f"/api/applications/{created['id']}", headers=as_("anna")).json()
    assert seen["sections"][0]["reason"] == "Das Elterncafé des Zentrums läuft zur selben Zeit."
    listed = client.get(f"/api/terms/{term}/applications", headers=as_("staff")).json()
    assert [s["status"] for a in listed for s in a["sections"]] == ["rejected"]
    assert client.get(f"/api/terms/{term}/applications",
                      headers=as_("anna")).status_code == 403
