"""Resident rentals (Raumvermietung) through the API: the centre's rules with clear messages,
the fee shown before sending, who sees and cancels what, and the audit trail (issue 2).

The world's centre nord asks 24 hours' notice and takes requests up to 120 days ahead; its café
holds 30, is rented for 1–6 hours until 22:00, costs 10 €/h on weekdays and 15 €/h at weekends,
at least 30 €, plus 20 € cleaning. 'Now' is Wednesday 25.11.2026, 10:00 in Bielefeld.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.db import transaction
from booking.errors import Conflict
from booking.models import AuditEvent, Occurrence
from booking.models.mail import OutboxMail
from booking.permissions import Actor
from booking.services import rentals
from booking.services.locking import lock_rooms
from tests.booking.api_helpers import berlin, book, rent
from tests.factories import World

WED = (2026, 12, 2)  # a plain Wednesday a week ahead
SAT = (2026, 12, 5)


def at(day: tuple[int, int, int], h: int, mi: int = 0) -> str:
    return berlin(*day, h, mi)


POLICY_CASES = [
    # (what is wrong, room, start, end, people, its code, what the message must name)
    ("capacity", "Café", at(WED, 16), at(WED, 19), 31, "capacity",
     "holds at most 30 people; you expect 31"),
    ("too far ahead", "Café", berlin(2027, 4, 7, 16), berlin(2027, 4, 7, 18), 10,
     "max_days_ahead", "at most 120 days ahead"),
    ("too short notice", "Café", berlin(2026, 11, 25, 18), berlin(2026, 11, 25, 20), 10,
     "min_notice", "24 hours' notice"),
    ("too short", "Café", at(WED, 16), at(WED, 16, 30), 10, "min_duration",
     "at least 60 minutes"),
    ("too long", "Café", at(WED, 10), at(WED, 17), 10, "max_duration", "at most 6 hours"),
    ("ends too late", "Café", at(WED, 20), at(WED, 23), 10, "latest_end", "must end by 22:00"),
    ("public holiday", "Café", berlin(2026, 12, 25, 14), berlin(2026, 12, 25, 17), 10,
     "holiday_closed", "closed on 25 Dec 2026 (Christmas Day)"),
    ("not rentable", "Büro", at(WED, 16), at(WED, 18), 2, "not_rentable",
     "Büro cannot be rented"),
]
ENGLISH = {"Accept-Language": "en"}


@pytest.mark.parametrize(("problem", "room", "start", "end", "people", "code", "named"),
                         POLICY_CASES, ids=[c[0] for c in POLICY_CASES])
def test_request_breaking_a_rule_is_refused_with_a_message_naming_it(
        client, as_, world: World, problem, room, start, end, people, code, named):
    r = rent(client, {**as_("anna"), **ENGLISH}, world.rooms[room], start, end, people=people)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "rules_broken" and named in body["detail"]
    assert len(body["problems"]) == 1, body["problems"]  # only the rule that was broken
    assert body["problems"][0]["code"] == code and named in body["problems"][0]["detail"]
    # The preview names the same problem, so the form can show it before sending.
    preview = client.post("/api/rentals/quote", headers=ENGLISH, json={
        "room_id": world.rooms[room], "starts_at": start, "ends_at": end,
        "expected_people": people}).json()
    assert preview["allowed"] is False
    assert preview["problems"] == body["problems"]
    assert client.get("/api/rentals", headers=as_("anna")).json() == []


def test_request_during_a_closure_names_the_closure(client, as_, world: World):
    cafe = world.rooms["Café"]
    closure = book(client, as_("staff"), cafe, berlin(2026, 12, 14, 8), berlin(2026, 12, 14, 22),
                   title="Wasserschaden", kind="closure")
    assert closure.status_code == 201, closure.text
    r = rent(client, as_("anna"), cafe, berlin(2026, 12, 14, 16), berlin(2026, 12, 14, 18))
    assert r.status_code == 422
    [problem] = r.json()["problems"]
    assert problem["code"] == "room_closed"
    assert problem["params"] == {"room": "Café", "title": "Wasserschaden"}
    assert "Café ist zu dieser Zeit geschlossen (Wasserschaden)" in r.json()["detail"]


def test_request_within_every_rule_is_accepted_as_pending(client, as_, world: World):
    r = rent(client, as_("anna"), world.rooms["Café"], at(WED, 16), at(WED, 19), people=30)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending"


FEE_CASES = [
    # (case, room, start, end, hours charged, hourly rate, fee in cents)
    ("weekday rate", "Café", at(WED, 16), at(WED, 20), 4, 1000, 4 * 1000 + 2000),
    ("weekend rate", "Café", at(SAT, 14), at(SAT, 18), 4, 1500, 4 * 1500 + 2000),
    ("each started hour counts", "Café", at(WED, 16), at(WED, 19, 15), 4, 1000,
     4 * 1000 + 2000),
    ("minimum fee", "Café", at(WED, 16), at(WED, 17), 1, 1000, 3000 + 2000),
    ("no cleaning fee, no minimum", "Gruppenraum 1", at(WED, 16), at(WED, 18), 2, 500, 1000),
]


@pytest.mark.parametrize(("case", "room", "start", "end", "hours", "rate", "fee"), FEE_CASES,
                         ids=[c[0] for c in FEE_CASES])
def test_quote_shown_before_sending_equals_the_fee_of_the_request(
        client, as_, world: World, case, room, start, end, hours, rate, fee):
    q = client.post("/api/rentals/quote", json={
        "room_id": world.rooms[room], "starts_at": start, "ends_at": end,
        "expected_people": 8})
    assert q.status_code == 200, q.text
    quote = q.json()
    assert (quote["fee_cents"], quote["hours_charged"], quote["hourly_rate_cents"]) == (
        fee, hours, rate)
    assert quote["allowed"] is True and quote["problems"] == []
    euros, cents = divmod(fee, 100)
    assert quote["fee"] == f"{euros},{cents:02d} €"
    sent = rent(client, as_("anna"), world.rooms[room], start, end, people=8)
    assert sent.status_code == 201, sent.text
    assert sent.json()["fee_cents"] == fee
    stored = client.get(f"/api/rentals/{sent.json()['id']}", headers=as_("staff")).json()
    assert stored["fee_cents"] == fee and stored["fee"] == quote["fee"]


def test_quote_shows_the_house_rules(client, world: World):
    quote = client.post("/api/rentals/quote", json={
        "room_id": world.rooms["Café"], "starts_at": at(WED, 16), "ends_at": at(WED, 18),
        "expected_people": 8}).json()
    assert "Ende spätestens 22:00 Uhr" in quote["rules"]


def test_resident_lists_only_their_own_requests_staff_those_of_their_centre(
        client, as_, world: World):
    cafe, group_room = world.rooms["Café"], world.rooms["Gruppenraum 1"]
    a1 = rent(client, as_("anna"), cafe, at(WED, 10), at(WED, 12)).json()["id"]
    a2 = rent(client, as_("anna"), group_room, at(SAT, 10), at(SAT, 12)).json()["id"]
    b1 = rent(client, as_("ben"), cafe, at(WED, 14), at(WED, 16)).json()["id"]
    saal = rent(client, as_("ben"), world.rooms["Saal Süd"], at(WED, 14),
                at(WED, 16)).json()["id"]

    def ids(who: str, **params) -> set[int]:
        r = client.get("/api/rentals", headers=as_(who), params=params)
        assert r.status_code == 200, r.text
        return {x["id"] for x in r.json()}

    assert ids("anna") == {a1, a2}
    assert ids("ben") == {b1, saal}
    assert ids("staff") == {a1, a2, b1}
    assert ids("staff_sued") == {saal}
    assert ids("admin") == {a1, a2, b1, saal}
    client.post(f"/api/rentals/{a1}/confirm", headers=as_("staff"))
    assert ids("anna", status="confirmed") == {a1}
    assert ids("anna", status="pending") == {a2}


def test_owner_cancels_own_pending_request(client, as_, world: World):
    rid = rent(client, as_("anna"), world.rooms["Café"], at(WED, 16), at(WED, 18)).json()["id"]
    r = client.post(f"/api/rentals/{rid}/cancel", headers=as_("anna"),
                    json={"reason": "Die Feier fällt aus."})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    assert r.json()["occurrences"][0]["status"] == "cancelled"
    again = client.post(f"/api/rentals/{rid}/cancel", headers=as_("anna"))
    assert again.status_code == 409


def test_staff_cancels_a_confirmed_rental_and_the_room_is_free_again(client, as_, world: World):
    cafe = world.rooms["Café"]
    rid = rent(client, as_("anna"), cafe, at(WED, 16), at(WED, 18)).json()["id"]
    assert client.post(f"/api/rentals/{rid}/confirm", headers=as_("staff")).status_code == 200
    window = {"start": at(WED, 0), "end": berlin(2026, 12, 3, 0)}
    assert len(client.get(f"/api/rooms/{cafe}/availability", params=window).json()["busy"]) == 1
    r = client.post(f"/api/rentals/{rid}/cancel", headers=as_("staff"),
                    json={"reason": "Heizungsausfall"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    assert r.json()["decision_reason"] == "Heizungsausfall"
    assert client.get(f"/api/rooms/{cafe}/availability", params=window).json()["busy"] == []
    # Another resident can now have the slot.
    other = rent(client, as_("ben"), cafe, at(WED, 16), at(WED, 18)).json()["id"]
    assert client.post(f"/api/rentals/{other}/confirm", headers=as_("staff")).status_code == 200


def test_owner_cannot_cancel_after_the_start_but_staff_can(client, as_, clock, world: World):
    rid = rent(client, as_("anna"), world.rooms["Café"], at(WED, 16), at(WED, 19)).json()["id"]
    assert client.post(f"/api/rentals/{rid}/confirm", headers=as_("staff")).status_code == 200
    tokens = as_("anna"), as_("staff")  # log in before time moves
    clock.advance(timedelta(days=7, hours=7))  # Wednesday 02.12., 17:00 in Bielefeld
    late = client.post(f"/api/rentals/{rid}/cancel", headers=tokens[0])
    assert late.status_code == 403
    assert late.json()["code"] == "rental_begun"
    assert client.get(f"/api/rentals/{rid}", headers=tokens[0]).json()["status"] == "confirmed"
    by_staff = client.post(f"/api/rentals/{rid}/cancel", headers=tokens[1],
                           json={"reason": "Lärmbeschwerde"})
    assert by_staff.status_code == 200
    assert by_staff.json()["status"] == "cancelled"


def test_decline_needs_a_reason_the_resident_then_sees(client, as_, world: World):
    rid = rent(client, as_("anna"), world.rooms["Café"], at(WED, 16), at(WED, 18)).json()["id"]
    blank = client.post(f"/api/rentals/{rid}/decline", headers=as_("staff"),
                        json={"reason": "   "})
    assert blank.status_code == 400
    assert blank.json()["code"] == "decline_reason_missing"
    assert client.get(f"/api/rentals/{rid}", headers=as_("anna")).json()["status"] == "pending"
    ok = client.post(f"/api/rentals/{rid}/decline", headers=as_("staff"),
                     json={"reason": "Der Raum wird an dem Tag renoviert."})
    assert ok.status_code == 200
    seen = client.get(f"/api/rentals/{rid}", headers=as_("anna")).json()
    assert seen["status"] == "declined"
    assert seen["decision_reason"] == "Der Raum wird an dem Tag renoviert."


@pytest.mark.parametrize("ended_by", ["cancelled", "declined"])
def test_confirming_a_closed_request_is_a_conflict(client, as_, world: World, ended_by):
    rid = rent(client, as_("anna"), world.rooms["Café"], at(WED, 16), at(WED, 18)).json()["id"]
    if ended_by == "cancelled":
        client.post(f"/api/rentals/{rid}/cancel", headers=as_("anna"))
    else:
        client.post(f"/api/rentals/{rid}/decline", headers=as_("staff"),
                    json={"reason": "Belegt"})
    r = client.post(f"/api/rentals/{rid}/confirm", headers=as_("staff"))
    assert r.status_code == 409
    assert r.json()["code"] == "request_not_confirmable"
    assert r.json()["params"] == {"id": rid, "status": ended_by}
    assert {"cancelled": "storniert", "declined": "abgelehnt"}[ended_by] in r.json()["detail"]
    assert client.get(f"/api/rentals/{rid}", headers=as_("anna")).json()["status"] == ended_by


def test_a_confirmation_that_waited_for_the_room_while_another_confirmed_is_refused(
        client, as_, world: World, session_factory, now):
    """Two staff confirm the same request at once: the second waits for the room's lock while
    the first confirms and commits, and then sees the request as the first left it (409),
    however much of it it read before the lock. Once confirmed, once audited."""
    rid = rent(client, as_("anna"), world.rooms["Café"], at(WED, 16), at(WED, 18)).json()["id"]
    staff = Actor(person_id=world.people["staff"], roles=frozenset({("staff", world.centre_id)}))
    first = session_factory()
    first.execute(select(1))  # SQLite: BEGIN IMMEDIATE, the one writer from here on
    lock_rooms(first, [world.rooms["Café"]])
    outcome: list[object] = []

    def second() -> None:
        try:
            with transaction(session_factory) as s:
                outcome.append(rentals.confirm(s, staff, rid, now).status)
        except Exception as exc:  # the outcome is asserted below
            outcome.append(exc)

    waiter = threading.Thread(target=second)
    waiter.start()
    time.sleep(0.5)  # the second confirmation reads, then waits for the lock the first holds
    assert not outcome
    rentals.confirm(first, staff, rid, now)
    first.commit()
    first.close()
    waiter.join(timeout=60)
    [refused] = outcome
    assert isinstance(refused, Conflict) and refused.code == "request_not_confirmable", refused
    assert [a for a, _, _ in events(session_factory, rid)] == ["requested", "confirmed"]


def test_an_overlap_the_check_missed_is_refused_by_the_database_and_nothing_is_kept(
        client, as_, world: World, session_factory, monkeypatch):
    """The confirmation writes its date, booking, audit row and mail by statement, past the
    unit of work: the database's no-overlap guarantee still refuses the date, the answer is
    409, and the request stays pending with no audit row and no mail of a confirmation."""
    cafe = world.rooms["Café"]
    late = rent(client, as_("ben"), cafe, at(WED, 17), at(WED, 19)).json()["id"]
    held = book(client, as_("staff"), cafe, at(WED, 16), at(WED, 18))
    assert held.status_code == 201, held.text
    # A check that finds nothing (as if the holder committed between check and write).
    occ = Occurrence.__table__
    monkeypatch.setattr(rentals, "_OVERLAPPING_OR_CLOSED",
                        select(occ.c.id, occ.c.status).where(occ.c.id < 0))
    r = client.post(f"/api/rentals/{late}/confirm", headers=as_("staff"))
    assert r.status_code == 409 and r.json()["code"] == "room_taken_meanwhile", r.text
    assert client.get(f"/api/rentals/{late}", headers=as_("ben")).json()["status"] == "pending"
    assert [a for a, _, _ in events(session_factory, late)] == ["requested"]
    with session_factory() as s:
        ben = s.scalars(select(OutboxMail.subject)
                        .where(OutboxMail.person_id == world.people["ben"])).all()
    assert len(ben) == 1, ben  # only "request received"


def test_confirming_raises_the_dates_calendar_sequence(client, as_, world: World,
                                                     session_factory):
    """Calendar clients replace their copy of a date whose SEQUENCE rose (RFC 5545)."""
    rid = rent(client, as_("anna"), world.rooms["Café"], at(WED, 16), at(WED, 18)).json()["id"]
    with session_factory() as s:
        before = s.scalar(select(Occurrence.sequence).where(Occurrence.booking_id == rid))
    assert client.post(f"/api/rentals/{rid}/confirm", headers=as_("staff")).status_code == 200
    with session_factory() as s:
        after = s.scalar(select(Occurrence.sequence).where(Occurrence.booking_id == rid))
        status = s.scalar(select(Occurrence.status).where(Occurrence.booking_id == rid))
    assert (status, after) == ("confirmed", before + 1)


def events(session_factory, booking_id: int) -> list[tuple[str, int | None, dict]]:
    with session_factory() as s:
        rows = s.scalars(select(AuditEvent)
                         .where(AuditEvent.entity == "booking",
                                AuditEvent.entity_id == booking_id)
                         .order_by(AuditEvent.id)).all()
        return [(e.action, e.actor_id, e.changes) for e in rows]


def test_audit_records_each_state_change_with_who_did_it(client, as_, session_factory,
                                                         world: World):
    anna, staff = world.people["anna"], world.people["staff"]
    cafe = world.rooms["Café"]
    kept = rent(client, as_("anna"), cafe, at(WED, 16), at(WED, 18)).json()["id"]
    lost = rent(client, as_("ben"), cafe, at(WED, 17), at(WED, 19)).json()["id"]
    refused = rent(client, as_("anna"), cafe, at(SAT, 10), at(SAT, 12)).json()["id"]
    client.post(f"/api/rentals/{kept}/confirm", headers=as_("staff"))
    client.post(f"/api/rentals/{kept}/cancel", headers=as_("anna"), json={"reason": "krank"})
    client.post(f"/api/rentals/{refused}/decline", headers=as_("staff"),
                json={"reason": "Renovierung"})

    kept_events = events(session_factory, kept)
    assert [(action, actor) for action, actor, _ in kept_events] == [
        ("requested", anna), ("confirmed", staff), ("cancelled", anna)]
    assert kept_events[1][2]["status"] == ["pending", "confirmed"]
    assert kept_events[2][2]["status"] == ["confirmed", "cancelled"]
    assert kept_events[2][2]["reason"] == "krank"
    lost_events = events(session_factory, lost)
    assert [(action, actor) for action, actor, _ in lost_events] == [
        ("requested", world.people["ben"]), ("declined", staff)]
    assert lost_events[1][2]["because_of"] == kept
    refused_events = events(session_factory, refused)
    assert [a for a, _, _ in refused_events] == ["requested", "declined"]
    assert refused_events[1][2]["reason"] == "Renovierung"


def test_refused_request_leaves_no_audit_record(client, as_, session_factory, world: World):
    r = rent(client, as_("anna"), world.rooms["Café"], at(WED, 16), at(WED, 19), people=99)
    assert r.status_code == 422
    with session_factory() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.entity == "booking")).all() == []
