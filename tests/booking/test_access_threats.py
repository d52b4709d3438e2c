"""One test per threat of access-anchors.md §6 (issue 12), named after the threat, on both
databases, plus the series margins and the pending/cancelled rule."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import OperationalError

from access import codes
from access.hashing import (
    PRODUCTION_PARAMETERS,
    CodeHasher,
    MissingPepper,
    load_peppers,
    production_hasher,
)
from access.interface import GrantDate
from access.windows import ENTRANCE, ROOM, Margins, window
from booking.app import create_app
from booking.db import transaction
from booking.models import (
    AccessAlert,
    AccessCode,
    AuditEvent,
    Booking,
    BookingStatus,
    BookingUse,
    DoorEvent,
    Offer,
    Person,
)
from booking.permissions import Actor
from booking.services import access as door_access
from booking.timeutil import local_to_utc
from tests.booking.access_helpers import (
    END,
    START,
    add_doors,
    clear_budget,
    confirm,
    confirmed_rental,
    opens,
    register,
    rental,
    terminal_headers,
    validate,
)

MARGIN = timedelta(minutes=15)
SECOND = timedelta(seconds=1)


def at(clock, instant: datetime) -> None:
    clock.advance(instant - clock.now())


def events(factory) -> list[DoorEvent]:
    with transaction(factory) as s:
        return list(s.scalars(select(DoorEvent).order_by(DoorEvent.id)))


def alerts(factory) -> list[str]:
    with transaction(factory) as s:
        return list(s.scalars(select(AccessAlert.kind).order_by(AccessAlert.id)))


# --- windows and time -------------------------------------------------------------------


def test_threat_01_window_boundaries(client, as_, world, clock, session_factory):
    doors = add_doors(session_factory, world)
    _, code = confirmed_rental(client, as_, world)
    token = register(client, as_("staff"), doors.cafe)["token"]
    for instant, expected in [(START - MARGIN - SECOND, False), (START - MARGIN, True),
                              (END + MARGIN - SECOND, True), (END + MARGIN, False)]:
        at(clock, instant)
        assert opens(client, token, code, clock) is expected, instant


def test_threat_02_dst_gap_fold_and_midnight():
    zone = "Europe/Berlin"
    m = Margins(15, 15)
    # 2026-03-29: 02:30 does not exist; it is normalised forward by the gap (RFC 5545), to
    # 03:30 summer time = 01:30 UTC, and the window starts 15 minutes before that instant.
    start = local_to_utc(date(2026, 3, 29), time(2, 30), zone)
    assert start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    w = window(GrantDate(1, start, start + timedelta(hours=1)), m, ROOM)
    assert w is not None and w.starts_at == datetime(2026, 3, 29, 1, 15, tzinfo=UTC)
    # 2026-10-25: 02:30 exists twice; the first (summer) one is taken, and a 01:30–03:30
    # booking lasts three real hours, its window three and a half.
    first = local_to_utc(date(2026, 10, 25), time(2, 30), zone)
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    s = local_to_utc(date(2026, 10, 25), time(1, 30), zone)
    w = window(GrantDate(1, s, s + timedelta(hours=3)), m, ROOM)
    assert w is not None and w.ends_at - w.starts_at == timedelta(hours=3, minutes=30)
    # A booking across midnight: the window is one span over both dates.
    s = local_to_utc(date(2026, 12, 31), time(22, 0), zone)
    w = window(GrantDate(1, s, s + timedelta(hours=4)), m, ENTRANCE)
    assert w is not None
    assert w.starts_at < datetime(2027, 1, 1, 0, 0, tzinfo=UTC) - timedelta(hours=1) < w.ends_at


def test_threat_03_naive_datetimes_refused_and_utc_round_trip(client, as_, world,
                                                               session_factory):
    naive = datetime(2026, 11, 27, 15, 0)
    with pytest.raises(ValueError, match="naive"):
        window(GrantDate(1, naive, naive + timedelta(hours=1)), Margins(), ROOM)
    add_doors(session_factory, world)
    r = client.put(f"/api/access/rooms/{world.rooms['Café']}/method", headers=as_("staff"),
                   json={"method": "key", "valid_from": "2026-12-01T10:00:00"})
    assert r.status_code == 400
    _booking_id, _ = confirmed_rental(client, as_, world)
    with transaction(session_factory) as s:
        row = s.scalars(select(AccessCode)).one()
        assert row.issued_at.tzinfo is not None and row.issued_at.utcoffset() == timedelta(0)
        row.revoked_at = naive
        with pytest.raises(Exception, match="naive"):
            s.flush()
        s.rollback()


def test_threat_04_terminal_time_never_decides(client, as_, world, clock, session_factory):
    doors = add_doors(session_factory, world)
    _, code = confirmed_rental(client, as_, world)
    token = register(client, as_("staff"), doors.cafe)["token"]
    at(clock, START - timedelta(hours=2))
    # The terminal claims a time inside the window: the server's clock says no.
    r = validate(client, token, code, clock, sent_at=START.isoformat())
    assert r.json() == {"decision": "deny"}
    at(clock, START)
    # Skew beyond ±60 s is refused as a replay, though the code and the time are right.
    r = validate(client, token, code, clock,
                 sent_at=(clock.now() + timedelta(seconds=90)).isoformat())
    assert r.json() == {"decision": "deny"}
    assert events(session_factory)[-1].reason == "clock_skew"
    assert opens(client, token, code, clock)
    r = client.post("/terminal/v1/heartbeat", headers=terminal_headers(token),
                    json={"power": "mains", "firmware": "1.2",
                          "sent_at": (clock.now() + timedelta(seconds=45)).isoformat()})
    assert r.status_code == 200 and r.json()["server_time"] == clock.now().isoformat()
    assert "clock_skew" in alerts(session_factory)


# --- scope and lifecycle ----------------------------------------------------------------


def test_threat_05_wrong_door_denies_and_body_cannot_name_the_door(client, as_, world, clock,
                                                                   session_factory):
    doors = add_doors(session_factory, world)
    _, code = confirmed_rental(client, as_, world)
    group = register(client, as_("staff"), doors.group_room)["token"]
    sued = register(client, as_("staff_sued"), doors.sued_entrance)["token"]
    at(clock, START)
    assert validate(client, group, code, clock, door_id=doors.cafe).json()["decision"] == "deny"
    assert not opens(client, sued, code, clock)  # another centre's entrance


def test_threat_06_revoke_cancel_reschedule_extend_reissue(client, as_, world, clock,
                                                          session_factory):
    doors = add_doors(session_factory, world)
    token = register(client, as_("staff"), doors.cafe)["token"]
    booking_id, code = confirmed_rental(client, as_, world)
    other_id, other = confirmed_rental(client, as_, world, room="Café",
                                       start=START + timedelta(days=2),
                                       end=END + timedelta(days=2), who="ben")
    # Reschedule: the old window denies, the new one grants.
    with transaction(session_factory) as s:
        occ_id = s.get_one(Booking, booking_id).occurrences[0].id
    later = START + timedelta(days=1)
    r = client.patch(f"/api/occurrences/{occ_id}", headers=as_("staff"), json={
        "room_id": world.rooms["Café"], "starts_at": later.isoformat(),
        "ends_at": (later + timedelta(hours=2)).isoformat()})
    assert r.status_code == 200, r.text
    at(clock, START)
    assert not opens(client, token, code, clock)
    at(clock, later)
    assert opens(client, token, code, clock)
    # Extension: the code extends with it.
    r = client.patch(f"/api/occurrences/{occ_id}", headers=as_("staff"), json={
        "room_id": world.rooms["Café"], "starts_at": later.isoformat(),
        "ends_at": (later + timedelta(hours=3)).isoformat()})
    assert r.status_code == 200, r.text
    at(clock, later + timedelta(hours=2, minutes=30))
    assert opens(client, token, code, clock)
    # Reissue: the old code denies at once.
    new = client.post(f"/api/access/bookings/{booking_id}/codes", headers=as_("anna")).json()
    assert not opens(client, token, code, clock)
    assert opens(client, token, new["code"], clock)
    # Revoke by staff.
    r = client.post(f"/api/access/codes/{new['id']}/revoke", headers=as_("staff"))
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    assert not opens(client, token, new["code"], clock)
    # Cancel: another booking's code stops with its booking.
    clear_budget(session_factory)
    at(clock, START + timedelta(days=2))
    assert opens(client, token, other, clock)
    r = client.post(f"/api/rentals/{other_id}/cancel", headers=as_("staff"),
                    json={"reason": "krank"})
    assert r.status_code == 200, r.text
    assert not opens(client, token, other, clock)


def test_threat_06_a_code_revoked_while_it_is_being_checked_denies(client, as_, world, clock,
                                                                  monkeypatch, session_factory):
    doors = add_doors(session_factory, world)
    token = register(client, as_("staff"), doors.cafe)["token"]
    booking_id, code = confirmed_rental(client, as_, world)
    at(clock, START)
    checked = door_access.verify_all

    def revoked_meanwhile(*args, **kwargs):
        # Staff revoke the code after the candidates were read, while argon2 runs.
        with transaction(session_factory) as s:
            s.execute(update(AccessCode).where(AccessCode.booking_id == booking_id)
                      .values(state="revoked", revoked_at=clock.now()))
        return checked(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(door_access, "verify_all", revoked_meanwhile)
        r = validate(client, token, code, clock)
    assert r.status_code == 200 and r.json() == {"decision": "deny"}
    assert events(session_factory)[-1].decision == "deny"
    with transaction(session_factory) as s:
        assert s.get(BookingUse, booking_id) is None


def test_threat_07_no_update_widens_validity(client, as_, world, clock, session_factory):
    doors = add_doors(session_factory, world)
    r = client.post("/api/access/emergency-codes", headers=as_("staff"),
                    json={"door_id": doors.cafe, "minutes": 600, "reason": "Schloss klemmt"})
    assert r.status_code == 400
    booking_id, _ = confirmed_rental(client, as_, world)
    new = client.post(f"/api/access/bookings/{booking_id}/codes", headers=as_("staff")).json()
    # The reissued code keeps the booking's window, with no time limit dropped.
    assert new["windows"] == [{"starts_at": (START - MARGIN).isoformat().replace("+00:00", "Z"),
                               "ends_at": (END + MARGIN).isoformat().replace("+00:00", "Z")}]
    schema = client.get("/schema/openapi.json").json()["paths"]
    for path, operations in schema.items():
        if "/access/codes" in path:
            assert not {"put", "patch"} & set(operations), path


def test_threat_08_back_to_back_groups_never_overlap_on_the_room_door(client, as_, world, clock,
                                                                        session_factory):
    doors = add_doors(session_factory, world)
    cafe = register(client, as_("staff"), doors.cafe)["token"]
    entrance = register(client, as_("staff"), doors.entrance)["token"]
    _, first = confirmed_rental(client, as_, world, who="anna")
    _, second = confirmed_rental(client, as_, world, start=END, end=END + timedelta(hours=2),
                                 who="ben")
    at(clock, END + timedelta(minutes=5))
    assert not opens(client, cafe, first, clock)  # the group before stays out
    assert opens(client, cafe, second, clock)
    assert opens(client, entrance, first, clock)  # the entrance is not cut: leaving is fine
    at(clock, END - timedelta(minutes=5))
    assert not opens(client, cafe, second, clock)  # the next group waits outside the room
    assert opens(client, entrance, second, clock)  # …in the hall


def test_threat_09_emergency_codes_and_no_master_code(client, as_, world, clock,
                                                      session_factory):
    doors = add_doors(session_factory, world)
    cafe = register(client, as_("staff"), doors.cafe)["token"]
    group = register(client, as_("staff"), doors.group_room)["token"]
    r = client.post("/api/access/emergency-codes", headers=as_("staff"),
                    json={"door_id": doors.cafe, "minutes": 120, "reason": " "})
    assert r.status_code == 400
    r = client.post("/api/access/emergency-codes", headers=as_("staff"),
                    json={"door_id": doors.cafe, "minutes": 120, "reason": "Heizung prüfen"})
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    assert "emergency_code" in alerts(session_factory)
    assert opens(client, cafe, code, clock)
    assert not opens(client, group, code, clock)  # one door only
    clock.advance(timedelta(minutes=119))
    assert opens(client, cafe, code, clock)
    clock.advance(timedelta(minutes=1))
    assert not opens(client, cafe, code, clock)
    clear_budget(session_factory)
    for master in ("00000000", "12345678", "99999999"):
        assert not opens(client, group, master, clock)


# --- codes and secrets ------------------------------------------------------------------


def test_threat_10_no_two_overlapping_codes_are_equal(client, as_, world, monkeypatch,
                                                      session_factory):
    add_doors(session_factory, world)
    # A tiny code space: the generator offers the same digits first every time.
    offered = iter(["48151623", "48151623", "27182818"])
    monkeypatch.setattr(door_access.codes, "generate", lambda: next(offered))
    _, first = confirmed_rental(client, as_, world, who="anna")
    _, second = confirmed_rental(client, as_, world, room="Gruppenraum 1", who="ben")
    assert (first, second) == ("48151623", "27182818")


def test_threat_11_leading_zeros_secrets_and_trivial_patterns(client, as_, world, clock,
                                                              monkeypatch, session_factory):
    assert codes.generate(randbelow=lambda n: 4711420) == "04711420"
    assert codes.generate.__defaults__ is not None
    import secrets
    assert secrets.randbelow in codes.generate.__defaults__
    for trivial in ("12345678", "00000000", "87654321", "12121212", "24121990", "19901224",
                    "11112222", "90123456"):
        assert codes.is_trivial(trivial), trivial
    assert not codes.is_trivial("48151623")
    doors = add_doors(session_factory, world)
    monkeypatch.setattr(door_access.codes, "generate", lambda: "00471142")
    _, code = confirmed_rental(client, as_, world)
    assert code == "00471142"
    token = register(client, as_("staff"), doors.cafe)["token"]
    at(clock, START)
    assert opens(client, token, "00471142", clock)
    assert not opens(client, token, "471142", clock)


def test_threat_12_plaintext_never_stored_logged_or_listed(client, as_, world, clock, caplog,
                                                           session_factory):
    doors = add_doors(session_factory, world)
    caplog.set_level(logging.DEBUG)
    booking_id, code = confirmed_rental(client, as_, world)
    token = register(client, as_("staff"), doors.cafe)["token"]
    at(clock, START)
    assert opens(client, token, code, clock)
    assert not opens(client, token, "48151623", clock)
    with transaction(session_factory) as s:
        for table in ("access_code", "door_event", "audit_event", "access_alert",
                      "mail_outbox", "access_failure", "booking_use"):
            rows = s.execute(text(f"SELECT * FROM {table}")).all()
            dump = json.dumps([list(map(str, r)) for r in rows])
            assert code not in dump and "48151623" not in dump, table
    assert code not in caplog.text and "48151623" not in caplog.text
    for path in (f"/api/access/bookings/{booking_id}/codes", "/api/access/mine",
                 f"/api/rentals/{booking_id}"):
        assert code not in client.get(path, headers=as_("anna")).text
    log = client.get(f"/api/access/door-events?centre_id={world.centre_id}",
                     headers=as_("staff"))
    assert log.status_code == 200 and code not in log.text


def test_threat_13_argon2id_parameters_and_rehash_on_bump(client, as_, world, clock,
                                                          session_factory):
    hasher = production_hasher()
    assert hasher.type.name == "ID"
    assert hasher.memory_cost >= 19456 and hasher.time_cost >= 2
    assert PRODUCTION_PARAMETERS["memory_cost"] >= 19456
    doors = add_doors(session_factory, world)
    _, code = confirmed_rental(client, as_, world)
    with transaction(session_factory) as s:
        before = s.scalars(select(AccessCode.code_hash)).one()
    assert before.startswith("$argon2id$")
    stronger = door_access.runtime().hasher
    bumped = CodeHasher(stronger.peppers, PasswordHasher(time_cost=2, memory_cost=16,
                                                         parallelism=1))
    assert bumped.needs_rehash(before, "k1", world.centre_id)
    door_access.runtime().hasher = bumped
    try:
        token = register(client, as_("staff"), doors.cafe)["token"]
        at(clock, START)
        assert opens(client, token, code, clock)
        with transaction(session_factory) as s:
            after = s.scalars(select(AccessCode.code_hash)).one()
        assert after != before and "t=2" in after
        assert opens(client, token, code, clock)
    finally:
        door_access.runtime().hasher = stronger


def test_threat_14_pepper_wrong_missing_and_rotation(client, as_, world, clock, monkeypatch,
                                                     settings, session_factory):
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    one = CodeHasher({"k1": b"a" * 32}, cheap)
    stored, key = one.hash("48151623", 1)
    assert one.verify("48151623", stored, key)
    assert not CodeHasher({"k1": b"b" * 32}, cheap).verify("48151623", stored, key)
    # The shared salt is per centre and per pepper: another centre's hash of the same code
    # differs, and the salt is not the pepper's public shadow (it changes with the pepper).
    assert one.hash("48151623", 2)[0] != stored
    assert one.salt(1) != CodeHasher({"k1": b"b" * 32}, cheap).salt(1)
    monkeypatch.delenv("RAUMPLAN_ACCESS_PEPPER", raising=False)
    monkeypatch.delenv("RAUMPLAN_ACCESS_PEPPER_FILE", raising=False)
    with pytest.raises(MissingPepper):
        load_peppers()
    with pytest.raises(MissingPepper):
        create_app(settings)
    # Rotation: codes issued under k1 still open after k2 becomes current.
    doors = add_doors(session_factory, world)
    old_runtime = door_access.runtime()
    _, code = confirmed_rental(client, as_, world)
    token = register(client, as_("staff"), doors.cafe)["token"]
    k1 = old_runtime.peppers["k1"].hex()
    door_access.configure(f"k2:{'7a' * 32},k1:{k1}")
    try:
        at(clock, START)
        assert opens(client, token, code, clock)
        with transaction(session_factory) as s:
            assert s.scalars(select(AccessCode.key_id)).one() == "k2"  # renewed on use
    finally:
        door_access.configure(f"k1:{k1}")


# --- brute force and DoS ----------------------------------------------------------------


def test_threat_15_back_off_and_throttle_even_for_the_right_code(client, as_, world, clock,
                                                                 session_factory):
    doors = add_doors(session_factory, world)
    _, code = confirmed_rental(client, as_, world)
    token = register(client, as_("staff"), doors.cafe)["token"]
    at(clock, START)
    for guess in range(5):
        clock.advance(timedelta(seconds=2))
        assert validate(client, token, f"4815{guess:04d}", clock).json()["decision"] == "deny"
    clock.advance(timedelta(seconds=2))
    r = validate(client, token, code, clock)
    assert r.status_code == 429 and r.json()["decision"] == "throttled"
    assert int(r.headers["retry-after"]) == 28
    clock.advance(timedelta(seconds=28))
    assert opens(client, token, code, clock)
    # The success ended the row of failures but not the hour's count (access.limiter).
    with transaction(session_factory) as s:
        assert s.scalar(select(func.count()).select_from(DoorEvent)
                        .where(DoorEvent.reason == "throttled")) == 1


def test_threat_15_hard_cap_of_30_an_hour_survives_successes():
    from access import limiter

    now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    failures: list[datetime] = []
    success: datetime | None = None
    t = now
    for i in range(40):
        verdict = limiter.decide(failures, success, t)
        if not verdict.allowed:
            break
        failures.append(t)
        if i % 4 == 3:  # a resident opens the door between the attacker's guesses
            success = t + timedelta(seconds=1)
        t += timedelta(seconds=1)
    assert len(failures) == limiter.HOURLY_CAP
    assert not limiter.decide(failures, success, now + timedelta(minutes=59)).allowed
    assert limiter.decide(failures, success, now + timedelta(minutes=60)).allowed
    assert [limiter.delay_after(n).total_seconds() for n in (4, 5, 6, 7, 11, 20)] == [
        0, 30, 60, 120, 900, 900]


@pytest.mark.parametrize("body", [
    {"code": "4815162a"}, {"code": "٣٣٣٣٣٣٣٣"}, {"code": "4815162"}, {"code": 48151623},
    {"code": "481516234"}, "x" * 1_000_000, "{not json",
])
def test_threat_16_malformed_input_counts_and_never_reaches_argon2(
        client, as_, world, clock, monkeypatch, session_factory, body):
    doors = add_doors(session_factory, world)
    confirmed_rental(client, as_, world)
    token = register(client, as_("staff"), doors.cafe)["token"]
    at(clock, START)
    calls: list[str] = []
    monkeypatch.setattr(door_access.runtime().hasher, "compute",
                        lambda *a, **k: calls.append("v") or "")
    if isinstance(body, dict):
        body = {"nonce": "n" * 16, "sent_at": clock.now().isoformat(), **body}
        content = json.dumps(body)
    else:
        content = body
    r = client.post("/terminal/v1/validate", headers=terminal_headers(token), content=content)
    assert r.status_code == 200 and r.json() == {"decision": "deny"}
    assert calls == []
    assert [(e.decision, e.reason) for e in events(session_factory)] == [("deny", "malformed")]
    with transaction(session_factory) as s:
        assert s.scalar(text("SELECT count(*) FROM access_failure")) == 1


def test_threat_17_all_candidates_verified_and_capped_at_8(client, as_, world, clock,
                                                           monkeypatch, session_factory):
    doors = add_doors(session_factory, world)
    entrance = register(client, as_("staff"), doors.entrance)["token"]
    first_code = None
    for i in range(3):
        room = ["Café", "Gruppenraum 1", "Café"][i]
        start = START + timedelta(hours=2 * (i // 2))
        _, code = confirmed_rental(client, as_, world, room=room, start=start,
                                   end=start + timedelta(hours=2), who=["anna", "ben"][i % 2])
        first_code = first_code or code
    at(clock, START + timedelta(hours=1, minutes=50))  # all three windows at the entrance
    rt = door_access.runtime()
    real_compute, real_equal = rt.hasher.compute, rt.hasher.equal
    calls: list[int] = []
    compared: list[str] = []
    monkeypatch.setattr(rt.hasher, "compute",
                        lambda code, prefix, key: calls.append(1) or real_compute(code, prefix,
                                                                                   key))
    monkeypatch.setattr(rt.hasher, "equal",
                        lambda computed, stored: compared.append(stored)
                        or real_equal(computed, stored))
    assert opens(client, entrance, first_code, clock)
    # One argon2 computation for the attempt (the centre's codes share a salt), and every one
    # of the three candidates compared with it: no early exit on the match.
    assert len(calls) == 1
    assert len(compared) == 3 and len(set(compared)) == 3
    with transaction(session_factory) as s:
        for _ in range(6):  # nine candidates: too many for one door and window
            s.add(AccessCode(centre_id=world.centre_id, kind="emergency", state="active",
                             door_id=doors.entrance, valid_from=clock.now(),
                             valid_until=clock.now() + timedelta(hours=1), reason="x",
                             code_hash="$argon2id$x", key_id="k1", issued_at=clock.now()))
    calls.clear()
    compared.clear()
    assert not opens(client, entrance, first_code, clock)
    assert calls == [] and compared == []
    assert "too_many_candidates" in alerts(session_factory)


def test_threat_17_old_pepper_or_parameters_form_their_own_group():
    """After a pepper rotation or a parameter bump, a door's candidates fall into groups: one
    computation per group, every candidate compared, each code still matched (no early exit
    across groups either)."""
    from access.validation import Candidate, verify_all

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    old = CodeHasher({"k1": b"a" * 32}, cheap)
    new = CodeHasher({"k2": b"b" * 32, "k1": b"a" * 32}, cheap)
    bumped = CodeHasher(new.peppers, PasswordHasher(time_cost=2, memory_cost=8, parallelism=1))
    stored = [old.hash("48151623", 1), new.hash("27182818", 1), new.hash("31415926", 1),
              bumped.hash("16180339", 1)]
    candidates = [Candidate(i, h, k) for i, (h, k) in enumerate(stored)]
    computed: list[str] = []
    real = new.compute
    new.compute = lambda code, prefix, key: computed.append(key) or real(code, prefix, key)
    for code, expected in (("48151623", (0,)), ("27182818", (1,)), ("16180339", (3,)),
                           ("11235813", ())):
        computed.clear()
        assert verify_all(new, code, candidates).matched == expected
        assert sorted(computed) == ["k1", "k2", "k2"]  # three groups, whatever matched


def test_threat_18_request_rate_before_hashing_and_bounded_hashing(client, as_, world, clock,
                                                                   monkeypatch,
                                                                   session_factory):
    import threading

    from access.validation import Candidate, VerifyPool, verify_all

    doors = add_doors(session_factory, world)
    token = register(client, as_("staff"), doors.cafe)["token"]
    calls: list[int] = []
    monkeypatch.setattr(door_access.runtime().hasher, "compute",
                        lambda *a: calls.append(1) or "")
    answers = [validate(client, token, "48151623", clock).status_code for _ in range(7)]
    assert answers[:5] == [200] * 5 and answers[5:] == [429, 429]
    assert calls == []  # no code at the door: nothing to hash even for the first five
    # The pool bounds the verifications in flight, whatever the number of callers.
    live, peak, lock = [0], [0], threading.Lock()

    class Slow:
        equal = staticmethod(lambda computed, stored: False)

        def compute(self, code, prefix, key):
            with lock:
                live[0] += 1
                peak[0] = max(peak[0], live[0])
            threading.Event().wait(0.01)
            with lock:
                live[0] -= 1
            return ""

    pool = VerifyPool(2)
    # Eight candidates in eight groups (eight pepper keys): eight computations per call, on the
    # pool's threads; eight in one group: one computation per call, in the caller's thread.
    for keys in ([f"k{i}" for i in range(8)], ["k1"] * 8):
        candidates = [Candidate(i, "h", key) for i, key in enumerate(keys)]
        threads = [threading.Thread(target=verify_all, args=(Slow(), "1", candidates, pool))
                   for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert peak[0] <= 2
        peak[0] = 0
    pool.shutdown()


def test_threat_18_a_validation_hashes_only_on_the_pools_threads(client, as_, world, clock,
                                                                 monkeypatch, session_factory):
    """Each argon2 computation leaves 19 MiB cached in its thread's allocator arena: computed
    in the web worker's request threads, a burst of attempts kept hundreds of MiB resident.
    """
    import threading

    doors = add_doors(session_factory, world)
    _, code = confirmed_rental(client, as_, world)
    token = register(client, as_("staff"), doors.cafe)["token"]
    hasher = door_access.runtime().hasher
    compute = hasher.compute
    threads: list[str] = []

    def recording(*args):
        threads.append(threading.current_thread().name)
        return compute(*args)

    monkeypatch.setattr(hasher, "compute", recording)
    at(clock, START)
    assert opens(client, token, code, clock)
    assert not opens(client, token, "48151623" if code != "48151623" else "48151624", clock)
    assert len(threads) == 2 and all(name.startswith("argon2") for name in threads)


def test_threat_19_every_denial_is_byte_identical(client, as_, world, clock, session_factory):
    doors = add_doors(session_factory, world)
    booking_id, code = confirmed_rental(client, as_, world)
    cafe = register(client, as_("staff"), doors.cafe)["token"]
    group = register(client, as_("staff"), doors.group_room)["token"]
    answers = []

    def probe(token, code, **extra):
        clear_budget(session_factory)
        clock.advance(timedelta(seconds=10))
        r = validate(client, token, code, clock, **extra)
        answers.append((r.status_code, r.content, sorted(r.headers.items())))

    at(clock, START - timedelta(hours=3))
    probe(cafe, code)  # outside the window
    at(clock, START)
    probe(cafe, "48151623")  # no match
    probe(group, code)  # wrong door
    probe(cafe, "abc")  # malformed
    probe(cafe, code, sent_at=(clock.now() - timedelta(minutes=5)).isoformat())  # skew
    reused = "n" * 16
    probe(cafe, code, nonce=reused)  # grants: not a denial
    answers.pop()
    probe(cafe, code, nonce=reused)  # replay
    client.post(f"/api/rentals/{booking_id}/cancel", headers=as_("staff"), json={"reason": "x"})
    probe(cafe, code)  # revoked
    assert len(answers) == 7 and len(set(map(repr, answers))) == 1, answers


def test_threat_20_replayed_nonce_and_revoked_terminal(client, as_, world, clock,
                                                       session_factory):
    doors = add_doors(session_factory, world)
    _, code = confirmed_rental(client, as_, world)
    terminal = register(client, as_("staff"), doors.cafe)
    token = terminal["token"]
    at(clock, START)
    assert validate(client, token, code, clock, nonce="a" * 16).json()["decision"] == "grant"
    assert validate(client, token, code, clock, nonce="a" * 16).json()["decision"] == "deny"
    assert events(session_factory)[-1].reason == "replay"
    r = client.post(f"/api/access/terminals/{terminal['terminal']['id']}/revoke",
                    headers=as_("staff"))
    assert r.status_code == 200
    assert validate(client, token, code, clock).status_code == 401
    assert validate(client, "not-a-token", code, clock).status_code == 401


# --- failure and audit ------------------------------------------------------------------


def test_threat_21_fail_secure(client, as_, world, clock, monkeypatch, session_factory):
    doors = add_doors(session_factory, world)
    _, code = confirmed_rental(client, as_, world)
    token = register(client, as_("staff"), doors.cafe)["token"]
    at(clock, START)

    def broken(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("database went away"))

    with monkeypatch.context() as m:
        m.setattr(door_access, "candidates_at", broken)
        r = validate(client, token, code, clock)
    assert r.status_code == 200 and r.json() == {"decision": "deny"}
    assert "validation_error" in alerts(session_factory)
    with transaction(session_factory) as s:
        s.execute(update(AccessCode).values(code_hash="garbage"))
    clock.advance(timedelta(seconds=10))
    assert validate(client, token, code, clock).json() == {"decision": "deny"}
    assert alerts(session_factory).count("validation_error") == 2


def test_threat_22_one_event_per_validation_actor_audit_and_retention(
        client, as_, world, clock, session_factory):
    doors = add_doors(session_factory, world)
    booking_id, code = confirmed_rental(client, as_, world)
    terminal = register(client, as_("staff"), doors.cafe)
    at(clock, START)
    for guess in (code, "48151623", code):
        clock.advance(timedelta(seconds=3))
        validate(client, terminal["token"], guess, clock)
    assert [e.decision for e in events(session_factory)] == ["grant", "deny", "grant"]
    client.post(f"/api/access/bookings/{booking_id}/codes", headers=as_("staff"))
    with transaction(session_factory) as s:
        audited = s.execute(select(AuditEvent.entity, AuditEvent.action, AuditEvent.actor_id)
                            .where(AuditEvent.entity.in_(("access_code", "access_terminal")))
                            .order_by(AuditEvent.id)).all()
    staff = world.people["staff"]
    assert [tuple(a) for a in audited] == [
        ("access_code", "issued", staff), ("access_terminal", "registered", staff),
        ("access_code", "revoked", staff), ("access_code", "issued", staff)]
    schema = client.get("/schema/openapi.json").json()["paths"]
    door_paths = {p: set(ops) for p, ops in schema.items() if "door-events" in p}
    assert door_paths == {"/api/access/door-events": {"get"}}
    # Retention: events older than 90 days go, newer ones stay.
    clock.advance(timedelta(days=91))
    with transaction(session_factory) as s:
        assert door_access.purge(s, clock.now()) == 3
        assert s.scalar(select(func.count()).select_from(DoorEvent)) == 0


def test_threat_23_no_one_reaches_other_peoples_codes(client, as_, world, session_factory):
    doors = add_doors(session_factory, world)
    booking_id, _ = confirmed_rental(client, as_, world, who="anna")
    code_id = client.get(f"/api/access/bookings/{booking_id}/codes",
                         headers=as_("anna")).json()[0]["id"]
    assert client.post(f"/api/access/bookings/{booking_id}/codes",
                       headers=as_("ben")).status_code == 404
    assert client.get(f"/api/access/bookings/{booking_id}/codes",
                      headers=as_("ben")).status_code == 404
    assert client.post(f"/api/access/codes/{code_id}/revoke",
                       headers=as_("ben")).status_code == 403
    assert client.post(f"/api/access/codes/{code_id}/revoke",
                       headers=as_("staff_sued")).status_code == 403
    assert client.post("/api/access/terminals", headers=as_("staff_sued"),
                       json={"door_id": doors.cafe, "name": "x"}).status_code == 403
    assert client.get("/api/access/mine", headers=as_("ben")).json() == []


def test_threat_24_offline_bundle_signed_expiring_revocable_and_deduplicated(
        client, as_, world, clock, session_factory):
    from access import bundle as bundles
    from access.hashing import offline_mac

    doors = add_doors(session_factory, world)
    booking_id, code = confirmed_rental(client, as_, world)
    terminal = register(client, as_("staff"), doors.cafe)
    token = terminal["token"]
    at(clock, START - timedelta(hours=1))
    signed = client.get("/terminal/v1/bundle", headers=terminal_headers(token)).json()
    payload = bundles.verify(signed, terminal["public_key"], door_id=doors.cafe,
                             now=clock.now())
    [entry] = payload["codes"]
    import base64
    key = base64.b64decode(terminal["offline_key"])
    assert PasswordHasher().verify(entry["hash"], offline_mac(key, code))
    assert code not in json.dumps(signed)
    tampered = json.loads(json.dumps(signed))
    tampered["payload"]["codes"][0]["windows"][0][1] = "2030-01-01T00:00:00+00:00"
    with pytest.raises(bundles.BadBundle):
        bundles.verify(tampered, terminal["public_key"], door_id=doors.cafe, now=clock.now())
    with pytest.raises(bundles.BadBundle):
        bundles.verify(signed, terminal["public_key"], door_id=doors.entrance,
                       now=clock.now())
    with pytest.raises(bundles.BadBundle):
        bundles.verify(signed, terminal["public_key"], door_id=doors.cafe,
                       now=clock.now() + timedelta(hours=12))
    # Revocation reaches the terminal with its next bundle.
    client.post(f"/api/rentals/{booking_id}/cancel", headers=as_("staff"), json={"reason": "x"})
    again = client.get("/terminal/v1/bundle", headers=terminal_headers(token)).json()
    assert again["payload"]["codes"] == []
    upload = {"events": [{"counter": 1, "at": clock.now().isoformat(), "decision": "grant",
                          "code_id": entry["id"]},
                         {"counter": 2, "at": clock.now().isoformat(), "decision": "deny"}]}
    for expected in (2, 0):  # the second upload of the same counters stores nothing
        r = client.post("/terminal/v1/events", headers=terminal_headers(token), json=upload)
        assert r.json() == {"stored": expected}
    assert [e.offline for e in events(session_factory)] == [True, True]


# --- beyond the 24 ------------------------------------------------------------------------


def test_margins_hold_on_every_date_of_a_series(client, as_, world, clock, session_factory):
    doors = add_doors(session_factory, world)
    token = register(client, as_("staff"), doors.group_room)["token"]
    with transaction(session_factory) as s:
        offer = Offer(centre_id=world.centre_id, title="Nähcafé", theme="culture",
                      self_managed=True)
        s.add(offer)
        s.flush()
        offer_id = offer.id
    start = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    r = client.post("/api/bookings/", headers=as_("staff"), json={
        "kind": "programme", "title": "Nähcafé", "room_id": world.rooms["Gruppenraum 1"],
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
        "rrule": "FREQ=WEEKLY;COUNT=4", "offer_id": offer_id})
    assert r.status_code == 201, r.text
    booking_id = r.json()["id"]
    # Staff created it: the code is issued at once, not left to the reconciliation.
    with transaction(session_factory) as s:
        assert s.scalar(select(func.count()).select_from(AccessCode).where(
            AccessCode.booking_id == booking_id, AccessCode.state == "active")) == 1
        repairs = door_access.reconcile(s, clock.now())
    assert "issued_missing" not in [x.kind for x in repairs]
    code = client.post(f"/api/access/bookings/{booking_id}/codes",
                       headers=as_("staff")).json()["code"]
    with transaction(session_factory) as s:
        dates = [(o.starts_at, o.ends_at) for o in s.get_one(Booking, booking_id).occurrences]
    assert len(dates) == 4
    for begin, end in dates:
        clear_budget(session_factory)
        for instant, expected in [(begin - MARGIN - SECOND, False), (begin - MARGIN, True),
                                  (end + MARGIN - SECOND, True), (end + MARGIN, False)]:
            at(clock, instant)
            assert opens(client, token, code, clock) is expected, instant


def test_a_code_never_opens_for_a_pending_or_cancelled_booking(client, as_, world, clock,
                                                               session_factory):
    doors = add_doors(session_factory, world)
    token = register(client, as_("staff"), doors.cafe)["token"]
    booking_id = rental(client, as_("anna"), world.rooms["Café"])
    # Drift: a code row for the pending booking (as a bug or a restore might leave it).
    runtime = door_access.runtime()
    digest, key = runtime.hasher.hash("48151623", world.centre_id)
    with transaction(session_factory) as s:
        s.add(AccessCode(centre_id=world.centre_id, kind="booking", state="active",
                         booking_id=booking_id, code_hash=digest, key_id=key,
                         issued_at=clock.now()))
    at(clock, START)
    assert not opens(client, token, "48151623", clock)
    at(clock, START - timedelta(days=1))
    code = confirm(client, as_("staff"), booking_id)
    with transaction(session_factory) as s:
        s.execute(update(Booking).where(Booking.id == booking_id)
                  .values(status=BookingStatus.CANCELLED))
    at(clock, START)
    assert not opens(client, token, code, clock)


def test_reconciliation_repairs_each_kind_of_drift(client, as_, world, clock, session_factory):
    doors = add_doors(session_factory, world)
    register(client, as_("staff"), doors.entrance)
    booking_id, _ = confirmed_rental(client, as_, world)
    cancelled_id, _ = confirmed_rental(client, as_, world, room="Gruppenraum 1", who="ben")
    staff = Actor(person_id=world.people["staff"],
                  roles=frozenset({("staff", world.centre_id)}))
    with transaction(session_factory) as s:
        # Drift 1: the code of a standing booking is gone.
        s.execute(text("DELETE FROM access_code WHERE booking_id = :b"), {"b": booking_id})
        # Drift 2: a cancelled booking kept an active code.
        s.execute(update(Booking).where(Booking.id == cancelled_id)
                  .values(status=BookingStatus.CANCELLED))
        # Drift 3: an emergency code with a window longer than two hours.
        code = door_access.emergency_code(s, staff, door_id=doors.cafe, minutes=60,
                                          reason="Test", now=clock.now())
        s.execute(update(AccessCode).where(AccessCode.id == code.code_id)
                  .values(valid_until=clock.now() + timedelta(hours=9)))
    with transaction(session_factory) as s:
        repairs = door_access.reconcile(s, clock.now())
    kinds = sorted({r.kind for r in repairs})
    assert {"issued_missing", "revoked_for_ended_booking", "emergency_window_cut",
            "alert_no_terminal"} <= set(kinds), kinds
    with transaction(session_factory) as s:
        assert s.scalar(select(func.count()).select_from(AccessCode).where(
            AccessCode.booking_id == booking_id, AccessCode.state == "active")) == 1
        assert s.scalar(select(AccessCode.state).where(
            AccessCode.booking_id == cancelled_id)) == "revoked"
        row = s.get_one(AccessCode, code.code_id)
        assert row.valid_until - row.valid_from == timedelta(hours=2)
    with transaction(session_factory) as s:
        again = door_access.reconcile(s, clock.now())
    assert [r.kind for r in again] == []  # repaired: nothing left to do, no duplicate alerts
    # The terminal goes silent: staff are alerted; a key handover resolves a booking's alerts.
    clock.advance(timedelta(hours=1))
    with transaction(session_factory) as s:
        assert "alert_terminal_silent" in [r.kind for r in door_access.reconcile(s,
                                                                                 clock.now())]
    r = client.post(f"/api/access/bookings/{booking_id}/key-handover", headers=as_("staff"),
                    json={"note": "Schlüssel 3 an Anna"})
    assert r.status_code == 201
    open_alerts = client.get(f"/api/access/alerts?centre_id={world.centre_id}",
                             headers=as_("staff")).json()
    assert booking_id not in [a["booking_id"] for a in open_alerts]


def test_changing_a_rooms_access_method_stops_its_codes_and_tells_the_booker(
        client, as_, world, clock, session_factory):
    doors = add_doors(session_factory, world)
    token = register(client, as_("staff"), doors.cafe)["token"]
    _, code = confirmed_rental(client, as_, world)
    r = client.put(f"/api/access/rooms/{world.rooms['Café']}/method", headers=as_("staff"),
                   json={"method": "key", "valid_from": clock.now().isoformat()})
    assert r.status_code == 200, r.text
    at(clock, START)
    assert not opens(client, token, code, clock)
    with transaction(session_factory) as s:
        mails = s.execute(text("SELECT to_address, subject FROM mail_outbox")).all()
        anna = s.get_one(Person, world.people["anna"]).email
    assert any(to == anna and "Zugang" in subject for to, subject in mails)


def test_serve_refuses_to_start_without_a_pepper(tmp_path, monkeypatch):
    import subprocess
    import sys

    env = {k: v for k, v in __import__("os").environ.items()
           if not k.startswith("RAUMPLAN_ACCESS_PEPPER")}
    env["RAUMPLAN_DATABASE_URL"] = f"sqlite:///{tmp_path}/x.sqlite3"
    done = subprocess.run([sys.executable, "-m", "booking.cli", "serve", "--no-worker"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "RAUMPLAN_ACCESS_PEPPER" in done.stderr

