"""Double booking under real concurrency: 64 HTTP clients against a server with two worker
processes fight for overlapping windows of one room (the anchors' most reported bug, research
§3). Per set of mutually overlapping windows exactly one may win; the database must hold no
overlap afterwards, whatever order the two processes ran the requests in."""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from booking.db import make_engine
from booking.models import Occurrence
from tests.booking.realtime import bearer, berlin, future_weekdays, login, overlapping_confirmed
from tests.factories import PASSWORD, World, build_world
from tests.serverproc import Server, running_server

pytestmark = pytest.mark.slow

SETS = 8
PER_SET = 8
CLIENTS = SETS * PER_SET


@dataclass(frozen=True)
class Window:
    set_no: int
    starts_at: datetime
    ends_at: datetime


def overlapping_sets() -> list[Window]:
    """Set k lies on its own weekday; its eight two-hour windows start ten minutes apart, so
    every two of one set overlap and no two of different sets do."""
    windows = []
    for set_no, day in enumerate(future_weekdays(SETS)):
        first = berlin(day, 13)
        for j in range(PER_SET):
            start = first + timedelta(minutes=10 * j)
            windows.append(Window(set_no, start, start + timedelta(hours=2)))
    return windows


def staff_tokens(server: Server, world: World) -> list[str]:
    """One login per client, alternating between the centre's staff and an admin."""
    return [login(server.url, world.emails["staff" if i % 2 == 0 else "admin"], PASSWORD)
            for i in range(CLIENTS)]


def fight(url: str, jobs: list[tuple[str, str, dict[str, object] | None]]) -> list[int]:
    """POST every (path, token, body) from its own client thread, all released at once by a
    barrier; return each job's status code (599 for a transport error)."""
    return mixed_fight(url, [Job("post", "POST", path, token, body)
                             for path, token, body in jobs])


def assert_one_winner_per_set(codes: list[int], sets: list[int], label: str) -> None:
    print(f"\n{label}: {Counter(codes)} over {len(codes)} clients")
    assert all(c < 500 for c in codes), f"server errors: {Counter(codes)}"
    assert set(codes) <= {200, 201, 409}, Counter(codes)
    for set_no in range(SETS):
        won = [c for c, s in zip(codes, sets, strict=True) if s == set_no and c in (200, 201)]
        assert len(won) == 1, f"set {set_no}: {len(won)} winners"


def test_64_staff_confirming_overlapping_requests_one_wins_per_set(
        db_url: str, tmp_path: Path, session_factory: sessionmaker[Session], now: datetime):
    world = build_world(session_factory, now)
    cafe = world.rooms["Café"]
    windows = overlapping_sets()
    with running_server(db_url, tmp_path, workers=2) as server:
        residents = [login(server.url, world.emails[p], PASSWORD) for p in ("anna", "ben")]
        request_ids: list[int] = []
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for i, w in enumerate(windows):
                r = client.post("/api/rentals", headers=bearer(residents[i % 2]), json={
                    "room_id": cafe, "starts_at": w.starts_at.isoformat(),
                    "ends_at": w.ends_at.isoformat(), "expected_people": 20,
                    "purpose": f"Feier {w.set_no}-{i}"})
                assert r.status_code == 201, r.text
                request_ids.append(r.json()["id"])
        tokens = staff_tokens(server, world)
        order = list(range(CLIENTS))
        random.shuffle(order)  # neighbours in the queue belong to different sets
        codes = fight(server.url, [(f"/api/rentals/{request_ids[k]}/confirm", tokens[n], None)
                                   for n, k in enumerate(order)])
    set_of = [windows[k].set_no for k in order]
    assert_one_winner_per_set(codes, set_of, "confirmations")
    winners = {request_ids[k] for k, c in zip(order, codes, strict=True) if c == 200}

    engine = make_engine(db_url)
    try:
        assert overlapping_confirmed(engine) == []
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT b.id, b.status, o.status FROM booking b "
                "JOIN occurrence o ON o.booking_id = b.id WHERE b.kind = 'rental'")).all()
    finally:
        engine.dispose()
    assert len(rows) == CLIENTS
    for booking_id, booking_status, occ_status in rows:
        assert booking_status == occ_status, booking_id
        if booking_id in winners:
            assert booking_status == "confirmed", booking_id
        else:
            assert booking_status in ("declined", "pending"), (booking_id, booking_status)
    print(f"won {len(winners)}, lost {CLIENTS - len(winners)}; "
          f"losers: {Counter(s for b, s, _ in rows if b not in winners)}")


def test_64_staff_booking_overlapping_programme_slots_one_wins_per_set(
        db_url: str, tmp_path: Path, session_factory: sessionmaker[Session], now: datetime):
    world = build_world(session_factory, now)
    cafe = world.rooms["Café"]
    windows = overlapping_sets()
    order = list(range(CLIENTS))
    random.shuffle(order)
    with running_server(db_url, tmp_path, workers=2) as server:
        tokens = staff_tokens(server, world)
        codes = fight(server.url, [
            ("/api/bookings", tokens[n], {
                "kind": "programme", "title": f"Kurs {windows[k].set_no}-{k}", "room_id": cafe,
                "starts_at": windows[k].starts_at.isoformat(),
                "ends_at": windows[k].ends_at.isoformat()})
            for n, k in enumerate(order)])
    assert_one_winner_per_set(codes, [windows[k].set_no for k in order], "programme bookings")

    engine = make_engine(db_url)
    try:
        assert overlapping_confirmed(engine) == []
        with engine.connect() as conn:
            confirmed = conn.execute(text(
                "SELECT count(*) FROM occurrence WHERE status = 'confirmed'")).scalar_one()
            bookings = conn.execute(text("SELECT count(*) FROM booking")).scalar_one()
    finally:
        engine.dispose()
    # The losers wrote nothing at all: their transactions were rolled back whole.
    assert confirmed == SETS
    assert bookings == SETS
    print(f"won {codes.count(201)}, lost {codes.count(409)}")


# --- staff writing at the same time: no 5xx (issue 6 §1) -------------------------------------

PAIRS = 50


def paired_fight(url: str, pairs: list[tuple[tuple[str, str], tuple[str, str]]]) -> list[int]:
    """Two client threads; for each pair both requests are released at once by a barrier.
    Returns the status codes in order (two per pair)."""
    barrier = threading.Barrier(2)
    codes = [0] * (2 * len(pairs))

    def run(side: int) -> None:
        with httpx.Client(base_url=url, timeout=120) as client:
            client.get("/health")
            for n, pair in enumerate(pairs):
                path, token = pair[side]
                barrier.wait()
                try:
                    codes[2 * n + side] = client.post(path, headers=bearer(token)).status_code
                except httpx.HTTPError:
                    codes[2 * n + side] = 599

    threads = [threading.Thread(target=run, args=(side,)) for side in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


def test_series_cancel_beside_a_rental_confirm_in_the_same_room_never_answers_5xx(
        db_url: str, tmp_path: Path, session_factory: sessionmaker[Session], now: datetime):
    """The reproduction of the deadlock: a series of four dates is cancelled while a rental of
    the same room is confirmed, 50 times, each pair released at the same instant. Neither
    touches the other's times, so both must succeed."""
    world = build_world(session_factory, now)
    cafe = world.rooms["Café"]
    days = future_weekdays(PAIRS)
    with running_server(db_url, tmp_path, workers=2) as server:
        staff = login(server.url, world.emails["staff"], PASSWORD)
        admin = login(server.url, world.emails["admin"], PASSWORD)
        resident = login(server.url, world.emails["anna"], PASSWORD)
        pairs: list[tuple[tuple[str, str], tuple[str, str]]] = []
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for i, day in enumerate(days):
                # Each series has a ten-minute morning slot of its own, on four weekly dates.
                start = berlin(days[0], 6) + timedelta(minutes=10 * i)
                r = client.post("/api/bookings", headers=bearer(staff), json={
                    "kind": "programme", "title": f"Kurs {i}", "room_id": cafe,
                    "starts_at": start.isoformat(),
                    "ends_at": (start + timedelta(minutes=10)).isoformat(),
                    "rrule": "FREQ=WEEKLY;COUNT=4"})
                assert r.status_code == 201, r.text
                series = r.json()["id"]
                r = client.post("/api/rentals", headers=bearer(resident), json={
                    "room_id": cafe, "starts_at": berlin(day, 17).isoformat(),
                    "ends_at": berlin(day, 19).isoformat(), "expected_people": 10,
                    "purpose": f"Feier {i}"})
                assert r.status_code == 201, r.text
                pairs.append(((f"/api/bookings/{series}/cancel", staff),
                              (f"/api/rentals/{r.json()['id']}/confirm", admin)))
        codes = paired_fight(server.url, pairs)
        log = server.log.read_text()
    print(f"\nseries cancel vs rental confirm, {PAIRS} pairs: cancels "
          f"{Counter(codes[0::2])}, confirms {Counter(codes[1::2])}")
    assert all(c < 500 for c in codes), f"server errors: {Counter(codes)}\n{log[-3000:]}"
    assert set(codes) == {200}, Counter(codes)

    engine = make_engine(db_url)
    try:
        assert overlapping_confirmed(engine) == []
        with engine.connect() as conn:
            states = dict(conn.execute(text(
                "SELECT kind, count(DISTINCT status) FROM booking GROUP BY kind")).all())
            confirmed = conn.execute(text(
                "SELECT count(*) FROM occurrence WHERE status = 'confirmed'")).scalar_one()
    finally:
        engine.dispose()
    assert states == {"programme": 1, "rental": 1}  # all cancelled, all confirmed
    assert confirmed == PAIRS


MIXED_SETS = 12


@dataclass
class Job:
    kind: str
    method: str
    path: str
    token: str
    body: dict[str, object] | None = None


def mixed_fight(url: str, jobs: list[Job]) -> list[int]:
    """Every job from its own client thread, all released at once by a barrier; each job's
    status code (599 for a transport error)."""
    started, connected = threading.Barrier(len(jobs)), threading.Barrier(len(jobs))
    codes = [0] * len(jobs)

    def run(i: int) -> None:
        job = jobs[i]
        with httpx.Client(base_url=url, headers=bearer(job.token), timeout=120) as client:
            # Connect only once every thread runs: starting a hundred threads can take longer
            # than the server keeps an idle connection open (uvicorn: 5 s), and a request sent
            # just as the server closes its connection fails in transport, not in the service.
            started.wait()
            client.get("/health")
            connected.wait()
            try:
                codes[i] = client.request(job.method, job.path, json=job.body).status_code
            except httpx.HTTPError:
                codes[i] = 599

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


def span(start: datetime, minutes: int) -> dict[str, object]:
    return {"starts_at": start.isoformat(),
            "ends_at": (start + timedelta(minutes=minutes)).isoformat()}


def test_a_burst_of_confirmations_beside_other_writes_never_starves_their_commits(
        db_url: str, tmp_path: Path, session_factory: sessionmaker[Session], now: datetime):
    """More confirmations at once than a worker has threads for them, beside cancels: a
    confirmation waits for a database connection in its thread, and a cancel that holds a
    connection must still get a thread to commit and give it back. When both drew on one pool
    of threads, the confirmations took every thread and waited for connections that only those
    commits would free, until the pool's 30 s timeout answered 500 (a CI run: 59 of 60
    confirmations). One worker with two connections makes the squeeze certain."""
    world = build_world(session_factory, now)
    rooms = [world.rooms["Café"], world.rooms["Gruppenraum 1"]]
    jobs: list[Job] = []
    env = {"RAUMPLAN_DB_POOL_SIZE": "2"}
    with running_server(db_url, tmp_path, workers=1, extra_env=env) as server:
        staff = login(server.url, world.emails["staff"], PASSWORD)
        residents = [login(server.url, world.emails[p], PASSWORD) for p in ("anna", "ben")]
        with httpx.Client(base_url=server.url, timeout=30) as client:
            n = 0
            for day in future_weekdays(6):
                for hour in range(8, 20):
                    for room in rooms:
                        r = client.post("/api/rentals", headers=bearer(residents[n % 2]), json={
                            "room_id": room, "expected_people": 10, "purpose": f"Treffen {n}",
                            **span(berlin(day, hour), 60)})
                        assert r.status_code == 201, r.text
                        path = f"/api/rentals/{r.json()['id']}"
                        jobs.append(Job("confirm", "POST", f"{path}/confirm", staff) if n % 3
                                    else Job("cancel", "POST", f"{path}/cancel", staff,
                                             {"reason": "Raum wird renoviert"}))
                        n += 1
        codes = mixed_fight(server.url, jobs)
        log = server.log.read_text()
    outcome = Counter((job.kind, code) for job, code in zip(jobs, codes, strict=True))
    assert outcome == {("confirm", 200): 96, ("cancel", 200): 48}, f"{outcome}\n{log[-3000:]}"


@pytest.mark.parametrize("workers", [2, 4])
def test_mixed_staff_writes_in_one_window_answer_no_5xx_and_leave_no_overlap(
        db_url: str, tmp_path: Path, session_factory: sessionmaker[Session], now: datetime,
        workers: int):
    """Confirms, cancels of rentals, series and single dates, series created and occurrences
    moved into and out of the contested window, all released at once (issue 6 §1). Every
    answer is a success or a 409; cancels always succeed; the database holds no overlap."""
    world = build_world(session_factory, now)
    cafe, group_room = world.rooms["Café"], world.rooms["Gruppenraum 1"]
    days = future_weekdays(MIXED_SETS)
    jobs: list[Job] = []
    with running_server(db_url, tmp_path, workers=workers) as server:
        staff = login(server.url, world.emails["staff"], PASSWORD)
        admin = login(server.url, world.emails["admin"], PASSWORD)
        residents = [login(server.url, world.emails[p], PASSWORD) for p in ("anna", "ben")]
        with httpx.Client(base_url=server.url, timeout=30) as client:

            def post(path: str, token: str, body: dict[str, object]) -> dict[str, object]:
                r = client.post(path, headers=bearer(token), json=body)
                assert r.status_code == 201, r.text
                result: dict[str, object] = r.json()
                return result

            def programme(room: int, start: datetime, minutes: int,
                          rrule: str | None = None) -> dict[str, object]:
                return post("/api/bookings", staff, {"kind": "programme", "title": "Kurs",
                                                     "room_id": room, "rrule": rrule,
                                                     **span(start, minutes)})

            def occurrence_ids(booking: dict[str, object]) -> list[int]:
                return [o["id"] for o in booking["occurrences"]]  # type: ignore[attr-defined]

            for k, day in enumerate(days):
                token = staff if k % 2 else admin
                # Five requests for overlapping two-hour windows of the café: one may win.
                for j in range(5):
                    rental = post("/api/rentals", residents[j % 2], {
                        "room_id": cafe, "expected_people": 10, "purpose": f"Feier {k}-{j}",
                        **span(berlin(day, 13, 10 * j), 120)})
                    jobs.append(Job("confirm", "POST", f"/api/rentals/{rental['id']}/confirm",
                                    token))
                # A weekly series created into the window (and a week later).
                jobs.append(Job("series create", "POST", "/api/bookings", token, {
                    "kind": "group", "title": f"Gruppe {k}", "room_id": cafe,
                    "rrule": "FREQ=WEEKLY;COUNT=2", **span(berlin(day, 14), 60)}))
                # Two dates of the group room moved into the window, one of the café out of it.
                for hour in (8, 9):
                    occ = occurrence_ids(programme(group_room, berlin(day, hour), 60))[0]
                    jobs.append(Job("move in", "PATCH", f"/api/occurrences/{occ}", token,
                                    {"room_id": cafe, **span(berlin(day, 13, 30), 60)}))
                occ = occurrence_ids(programme(cafe, berlin(day, 10), 60))[0]
                jobs.append(Job("move out", "PATCH", f"/api/occurrences/{occ}", token,
                                {"room_id": group_room, **span(berlin(day, 13), 60)}))
                # A series of the café with one date already moved to the group room: its
                # cancel locks both rooms.
                series = programme(cafe, berlin(day, 17, 10 * k % 60) + timedelta(
                    hours=10 * k // 60), 10, "FREQ=WEEKLY;COUNT=3")
                second = occurrence_ids(series)[1]
                r = client.patch(f"/api/occurrences/{second}", headers=bearer(staff), json={
                    "room_id": group_room, **span(berlin(day, 17, 10 * k % 60) + timedelta(
                        days=7, hours=10 * k // 60), 10)})
                assert r.status_code == 200, r.text
                jobs.append(Job("series cancel", "POST", f"/api/bookings/{series['id']}/cancel",
                                token))
                # Two dates of another series cancelled one by one.
                for occ in occurrence_ids(programme(cafe, berlin(day, 16, 5 * k), 5,
                                                    "FREQ=WEEKLY;COUNT=2")):
                    jobs.append(Job("date cancel", "POST", f"/api/occurrences/{occ}/cancel",
                                    token))
                rental = post("/api/rentals", residents[k % 2], {
                    "room_id": cafe, "expected_people": 10, "purpose": f"Abend {k}",
                    **span(berlin(day, 19, 30), 90)})
                jobs.append(Job("rental cancel", "POST", f"/api/rentals/{rental['id']}/cancel",
                                token, {"reason": "Heizung defekt"}))
        random.shuffle(jobs)
        codes = mixed_fight(server.url, jobs)
        log = server.log.read_text()

    outcome = Counter((job.kind, code) for job, code in zip(jobs, codes, strict=True))
    database = "SQLite" if db_url.startswith("sqlite") else "PostgreSQL"
    print(f"\nmixed writes on {database}, {len(jobs)} at once, {workers} workers: "
          + ", ".join(f"{kind} {code}×{n}" for (kind, code), n in sorted(outcome.items())))
    assert all(c < 500 for c in codes), f"server errors: {outcome}\n{log[-3000:]}"
    assert set(codes) <= {200, 201, 409}, outcome
    for job, code in zip(jobs, codes, strict=True):
        if job.kind.endswith("cancel"):
            assert code == 200, (job, code)

    engine = make_engine(db_url)
    try:
        assert overlapping_confirmed(engine) == []
        with engine.connect() as conn:
            mixed = conn.execute(text(
                "SELECT b.id FROM booking b JOIN occurrence o ON o.booking_id = b.id "
                "WHERE b.kind = 'rental' AND b.status <> o.status")).all()
    finally:
        engine.dispose()
    assert mixed == []


def test_availability_is_never_stale_after_a_committed_write_with_4_workers(
        db_url: str, tmp_path: Path, session_factory: sessionmaker[Session], now: datetime):
    """Each of four workers caches the week's availability; after every committed write
    (a booking created, moved, cancelled, a rental confirmed) every read through eight
    connections, whichever worker serves it, shows what the database holds (issue 6 §2)."""
    world = build_world(session_factory, now)
    cafe = world.rooms["Café"]
    days = future_weekdays(4)
    start, end = berlin(days[0], 0), berlin(days[0], 0) + timedelta(days=7)
    window = {"start": start.isoformat(), "end": end.isoformat()}

    def held() -> list[tuple[datetime, datetime]]:
        with session_factory() as s:
            rows = s.execute(select(Occurrence.starts_at, Occurrence.ends_at).where(
                Occurrence.room_id == cafe, Occurrence.status == "confirmed",
                Occurrence.starts_at < end, Occurrence.ends_at > start)
                .order_by(Occurrence.starts_at)).all()
        return [(_utc(a), _utc(b)) for a, b in rows]

    with running_server(db_url, tmp_path, workers=4) as server:
        staff = login(server.url, world.emails["staff"], PASSWORD)
        anna = login(server.url, world.emails["anna"], PASSWORD)
        readers = [httpx.Client(base_url=server.url, timeout=30) for _ in range(8)]
        writer = httpx.Client(base_url=server.url, timeout=30, headers=bearer(staff))
        checked = 0

        def all_readers_see_the_database() -> None:
            nonlocal checked
            expected = held()
            for reader in [*readers, httpx.Client(base_url=server.url, timeout=30)]:
                body = reader.get(f"/api/rooms/{cafe}/availability", params=window).json()
                seen = [(_utc(b["starts_at"]), _utc(b["ends_at"])) for b in body["busy"]]
                assert seen == expected
                checked += 1

        try:
            for _ in range(3):
                all_readers_see_the_database()  # every worker has the week cached now
            for i, day in enumerate(days):
                r = writer.post("/api/bookings", json={
                    "kind": "programme", "title": f"Kurs {i}", "room_id": cafe,
                    **span(berlin(day, 9), 60)})
                assert r.status_code == 201, r.text
                all_readers_see_the_database()
                occ = r.json()["occurrences"][0]["id"]
                r = writer.patch(f"/api/occurrences/{occ}", json={
                    "room_id": cafe, **span(berlin(day, 11), 90)})
                assert r.status_code == 200, r.text
                all_readers_see_the_database()
                r = writer.post(f"/api/occurrences/{occ}/cancel")
                assert r.status_code == 200, r.text
                all_readers_see_the_database()
                r = httpx.post(f"{server.url}/api/rentals", headers=bearer(anna), json={
                    "room_id": cafe, "expected_people": 10, "purpose": "Feier",
                    **span(berlin(day, 15), 120)})
                assert r.status_code == 201, r.text
                r = writer.post(f"/api/rentals/{r.json()['id']}/confirm")
                assert r.status_code == 200, r.text
                all_readers_see_the_database()
        finally:
            for client in readers:
                client.close()
            writer.close()
    print(f"\n{checked} availability reads after committed writes, none stale")


def _utc(value: str | datetime) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
