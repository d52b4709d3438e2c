"""The weekly plan inside the service: queue, solve in the worker, draft, adjust, publish.

On both databases, with the demo centre (its staff profiles and recurring requests) as data.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import solver
from booking.db import transaction
from booking.demo import load_demo
from booking.models import (
    HOLDING_STATUS,
    AuditEvent,
    Booking,
    BookingKind,
    BookingStatus,
    Centre,
    Occurrence,
    PlanRun,
    StaffProfile,
)
from booking.services import planning
from booking.services.locking import lock_rooms
from tests.serverproc import running_server

WEEK = "2026-W49"  # the week after the fixture's 'now' (Wed 2026-11-25)
STAFF = {"email": "leitung@sieker-mitte.example", "password": "raumplan-demo"}
RESIDENT = {"email": "anna.becker@example.org", "password": "raumplan-demo"}


@pytest.fixture
def demo(session_factory: sessionmaker[Session], now: datetime) -> int:
    with transaction(session_factory) as s:
        return load_demo(s, now).id


def login(client: TestClient, who: dict[str, str]) -> dict[str, str]:  # type: ignore[type-arg]
    r = client.post("/api/login", json=who)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def solve_queued(factory: sessionmaker[Session], now: datetime) -> None:
    """What the worker process does, here in the test process, single-threaded."""
    while (run_id := planning.claim_next(factory, "test", now)) is not None:
        planning.execute(factory, run_id, lambda: now, workers=1)


def week_occurrences(factory: sessionmaker[Session], centre_id: int) -> list[tuple]:
    monday = planning.parse_week(WEEK)
    start, end = planning.week_span(monday, "Europe/Berlin")
    with factory() as s:
        return s.execute(
            select(Occurrence.room_id, Occurrence.starts_at, Occurrence.ends_at, Booking.title,
                   Booking.request_id)
            .join(Booking).where(Booking.centre_id == centre_id,
                                 Occurrence.status == HOLDING_STATUS,
                                 Occurrence.starts_at >= start, Occurrence.starts_at < end)
            .order_by(Occurrence.room_id, Occurrence.starts_at)).all()


@pytest.fixture
def staff(client: TestClient, demo: int) -> dict[str, str]:  # type: ignore[type-arg]
    return login(client, STAFF)


def start_plan(client, headers, centre_id: int, **extra) -> dict:
    r = client.post("/api/plans", headers=headers,
                    json={"centre_id": centre_id, "week": WEEK, "time_limit": 60, **extra})
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued"
    return r.json()


def test_plan_meets_the_profil_and_passes_the_independent_check(
        client, staff, demo, session_factory, now):
    run = start_plan(client, staff, demo)
    solve_queued(session_factory, now)
    draft = client.get(f"/api/plans/{run['id']}", headers=staff).json()
    assert draft["status"] == "done"
    assert draft["plan_status"] == "optimal"
    assert draft["figures"]["open_minutes"] >= 40 * 60
    assert draft["figures"]["open_days"] >= 5
    assert draft["figures"]["consultation_minutes"] >= 10 * 60
    assert draft["requirement_failures"] == []
    with session_factory() as s:
        stored = s.get(PlanRun, run["id"])
        problem = solver.problem_from_json(stored.problem)
        plan = solver.plan_from_json(stored.plan)
    assert solver.check(problem, plan) == []
    titles = {e["title"] for e in draft["entries"]}
    assert {"Bürgersprechstunde", "Seniorengymnastik"} <= titles or "Bürgersprechstunde" in titles


def test_publish_replaces_the_weeks_group_placements_without_overlap(
        client, staff, demo, session_factory, now):
    before = week_occurrences(session_factory, demo)
    run = start_plan(client, staff, demo)
    solve_queued(session_factory, now)
    r = client.post(f"/api/plans/{run['id']}/publish", headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published"
    after = week_occurrences(session_factory, demo)
    with session_factory() as s:
        from_plan = s.scalar(select(func.count()).select_from(Booking)
                             .where(Booking.plan_run_id == run["id"]))
    placed_groups = [e for e in r.json()["entries"] if e["kind"] == "group"]
    assert from_plan == len(placed_groups) > 0
    # Programme slots and rentals are untouched; every group meeting is still there once.
    assert sorted(o for o in before if o.request_id is None) == \
        sorted(o for o in after if o.request_id is None)
    assert len([o for o in after if o.request_id]) == len([o for o in before if o.request_id])
    # Stability: the demo's groups keep their usual room and time.
    assert {(o.room_id, o.starts_at, o.request_id) for o in after if o.request_id} == \
        {(o.room_id, o.starts_at, o.request_id) for o in before if o.request_id}


def test_publish_refused_when_a_booking_took_a_planned_slot_meanwhile(
        client, staff, demo, session_factory, now):
    run = start_plan(client, staff, demo)
    solve_queued(session_factory, now)
    entry = next(e for e in client.get(f"/api/plans/{run['id']}", headers=staff).json()["entries"]
                 if e["kind"] == "group")
    # Meanwhile: the group's old meeting is cancelled and a rental confirmed in its place.
    with transaction(session_factory) as s:
        lock_rooms(s, [entry["room_id"]])
        for occ in s.scalars(select(Occurrence).where(
                Occurrence.room_id == entry["room_id"], Occurrence.status == HOLDING_STATUS,
                Occurrence.starts_at < datetime.fromisoformat(entry["ends_at"]),
                Occurrence.ends_at > datetime.fromisoformat(entry["starts_at"]))):
            occ.status = BookingStatus.CANCELLED
        rental = Booking(centre_id=demo, kind=BookingKind.RENTAL, status="confirmed",
                         title="Raumvermietung", created_at=now, updated_at=now)
        rental.occurrences = [Occurrence(
            room_id=entry["room_id"], starts_at=datetime.fromisoformat(entry["starts_at"]),
            ends_at=datetime.fromisoformat(entry["ends_at"]), status="confirmed")]
        s.add(rental)
    before = week_occurrences(session_factory, demo)
    r = client.post(f"/api/plans/{run['id']}/publish", headers=staff)
    assert r.status_code == 409, r.text
    assert r.json()["code"] in ("week_changed", "week_changed_because")
    assert "rechnen Sie den Plan neu" in r.json()["detail"]
    assert week_occurrences(session_factory, demo) == before  # nothing half-written
    assert client.get(f"/api/plans/{run['id']}", headers=staff).json()["status"] == "done"


def test_pin_to_another_room_and_remove_take_effect_on_resolve(
        client, staff, demo, session_factory, now):
    run = start_plan(client, staff, demo)
    solve_queued(session_factory, now)
    draft = client.get(f"/api/plans/{run['id']}", headers=staff).json()
    groups = [e for e in draft["entries"] if e["kind"] == "group"]
    moved, removed = groups[0], groups[1]
    with session_factory() as s:
        problem = solver.problem_from_json(s.get(PlanRun, run["id"]).problem)
    demand = problem.demand(moved["demand"])
    other_room = next(r for r in problem.rooms
                      if r.id != str(moved["room_id"]) and r.capacity >= demand.size
                      and demand.features <= r.features)
    r = client.post(f"/api/plans/{run['id']}/pins", headers=staff,
                    json={"demand": moved["demand"], "room_id": int(other_room.id)})
    assert r.status_code == 200, r.text
    r = client.post(f"/api/plans/{run['id']}/pins", headers=staff,
                    json={"demand": removed["demand"], "remove": True})
    assert r.status_code == 200, r.text
    again = client.post(f"/api/plans/{run['id']}/resolve", headers=staff)
    assert again.status_code == 202, again.text
    solve_queued(session_factory, now)
    new = client.get(f"/api/plans/{again.json()['id']}", headers=staff).json()
    by_demand = {e["demand"]: e for e in new["entries"]}
    assert by_demand[moved["demand"]]["room_id"] == int(other_room.id)
    assert removed["demand"] not in by_demand
    assert removed["demand"] not in {u["demand"] for u in new["unplaced"]}
    assert client.get(f"/api/plans/{run['id']}", headers=staff).json()["status"] == "superseded"


def test_unmet_requirement_is_reported_with_its_shortfall(client, staff, demo, session_factory,
                                                          now):
    with transaction(session_factory) as s:
        for profile in s.scalars(select(StaffProfile)):
            profile.max_week_minutes = 6 * 60  # nobody may work more than 6 h this week
    # A week that cannot meet the Profil spends most of its run's time limit looking for a plan
    # that does; 10 s find the same shortfall as 60 s (and take 6 s instead of 30).
    run = start_plan(client, staff, demo, time_limit=10)
    solve_queued(session_factory, now)
    draft = client.get(f"/api/plans/{run['id']}", headers=staff).json()
    assert draft["plan_status"] == "requirements_unmet"
    assert draft["requirement_failures"], draft
    # Contract hours protect people: the diagnosis never plans anyone above them. What the
    # short contracts cost is the centre's opening hours, and the plan says by how much.
    rules = {f["rule"] for f in draft["requirement_failures"]}
    assert "staff_availability" not in rules
    failure = next(f for f in draft["requirement_failures"] if f["rule"] == "minimum_opening")
    assert failure["required"] == 40 * 60 > failure["achieved"]
    assert "short" in failure["message"]


def published_event(factory: sessionmaker[Session], run_id: int) -> AuditEvent:
    with factory() as s:
        return s.scalars(select(AuditEvent).where(
            AuditEvent.entity == "plan_run", AuditEvent.entity_id == run_id,
            AuditEvent.action == "published")).one()


def test_a_plan_missing_the_profil_is_published_only_with_an_acknowledgement_in_the_audit(
        client, staff, demo, session_factory, now):
    with transaction(session_factory) as s:
        for profile in s.scalars(select(StaffProfile)):
            profile.max_week_minutes = 6 * 60
    run = start_plan(client, staff, demo, time_limit=10)
    solve_queued(session_factory, now)
    before = week_occurrences(session_factory, demo)
    r = client.post(f"/api/plans/{run['id']}/publish", headers=staff)
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "plan_unmet"
    assert "Profils" in r.json()["detail"] and "acknowledge_unmet" in r.json()["detail"]
    assert week_occurrences(session_factory, demo) == before  # nothing written
    assert client.get(f"/api/plans/{run['id']}", headers=staff).json()["status"] == "done"

    r = client.post(f"/api/plans/{run['id']}/publish", headers=staff,
                    json={"acknowledge_unmet": True})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published"
    event = published_event(session_factory, run["id"])
    assert event.actor_id is not None
    assert any("40 h" in m for m in event.changes["acknowledged_unmet"])


def test_a_plan_meeting_the_profil_records_no_acknowledgement(
        client, staff, demo, session_factory, now):
    run = start_plan(client, staff, demo)
    solve_queued(session_factory, now)
    r = client.post(f"/api/plans/{run['id']}/publish", headers=staff)
    assert r.status_code == 200, r.text
    event = published_event(session_factory, run["id"])
    assert "acknowledged_unmet" not in event.changes


def test_next_weeks_problem_keeps_the_published_opening_hours_and_shifts(
        client, staff, demo, session_factory, now):
    run = start_plan(client, staff, demo)
    solve_queued(session_factory, now)
    r = client.post(f"/api/plans/{run['id']}/publish", headers=staff)
    assert r.status_code == 200, r.text
    with session_factory() as s:
        published = solver.plan_from_json(s.get(PlanRun, run["id"]).plan)
        centre = s.get(Centre, demo)
        following, _ = planning.build_problem(s, centre, "2026-W50")
        unrelated, _ = planning.build_problem(s, centre, "2027-W10")
    assert published.figures.opening_hours and published.shifts
    assert following.last_opening == published.figures.opening_hours
    assert following.last_shifts == published.shifts
    # A week whose previous week was never published has nothing to keep.
    assert unrelated.last_opening == () and unrelated.last_shifts == ()


def test_residents_cannot_plan_and_bad_weeks_are_refused(client, demo, staff):
    resident = login(client, RESIDENT)
    r = client.post("/api/plans", headers=resident,
                    json={"centre_id": demo, "week": WEEK})
    assert r.status_code == 403
    r = client.post("/api/plans", headers=staff, json={"centre_id": demo, "week": "2026-W60"})
    assert r.status_code in (400, 422)
    assert r.json()["code"] == "week_not_iso" and "ISO-Woche" in r.json()["detail"]


@pytest.mark.slow
def test_solve_runs_in_the_worker_process_with_readable_progress(db_url: str,
                                                                 tmp_path: Path) -> None:
    """Through the real service: the worker started beside the web server solves it while
    the API keeps answering."""
    with running_server(db_url, tmp_path, demo=True) as server, \
            httpx.Client(base_url=server.url, timeout=30) as http:
        token = http.post("/api/login", json=STAFF).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        centre_id = http.get("/api/centres").json()[0]["id"]
        today = datetime.now().astimezone()
        week = (today + timedelta(days=7)).strftime("%G-W%V")
        run = http.post("/api/plans", headers=headers,
                        json={"centre_id": centre_id, "week": week, "time_limit": 60}).json()
        seen = set()
        deadline = datetime.now().timestamp() + 120
        while datetime.now().timestamp() < deadline:
            state = http.get(f"/api/plans/{run['id']}", headers=headers).json()
            seen.add(state["status"])
            assert http.get("/health").status_code == 200
            if state["status"] in ("done", "failed"):
                break
            import time

            time.sleep(0.2)
        assert state["status"] == "done", state
        assert state["entries"]
        assert state["progress"]["seconds"] >= 0
        assert "queued" in seen or "running" in seen


def test_a_run_whose_worker_died_is_taken_up_again(client, staff, demo, session_factory, now):
    run = start_plan(client, staff, demo)
    assert planning.claim_next(session_factory, "worker-that-dies", now) == run["id"]
    # Nobody else takes a run that is being solved …
    assert planning.claim_next(session_factory, "second", now + timedelta(minutes=5)) is None
    # … but one still "running" long past the longest time limit is queued work again.
    later = now + timedelta(minutes=20)
    assert planning.claim_next(session_factory, "second", later) == run["id"]
    planning.execute(session_factory, run["id"], lambda: later, workers=1)
    assert client.get(f"/api/plans/{run['id']}", headers=staff).json()["status"] == "done"


def test_a_run_handed_back_by_a_stopping_worker_is_solved_by_the_next_one(
        client, staff, demo, session_factory, now):
    run = start_plan(client, staff, demo)
    assert planning.claim_next(session_factory, "stopping", now) == run["id"]
    assert planning.hand_back(session_factory, "stopping", now) == [run["id"]]
    # The stopping worker's late result is not written over the queued run …
    planning.execute(session_factory, run["id"], lambda: now, workers=1)
    assert client.get(f"/api/plans/{run['id']}", headers=staff).json()["status"] == "queued"
    # … the next worker takes it at once, not after the stale-claim timeout.
    assert planning.claim_next(session_factory, "next", now) == run["id"]
    planning.execute(session_factory, run["id"], lambda: now, workers=1)
    assert client.get(f"/api/plans/{run['id']}", headers=staff).json()["status"] == "done"


def test_a_slow_workers_solve_writes_nothing_once_another_worker_took_the_run_up(
        client, staff, demo, session_factory, now):
    """A worker taken for dead (its run "running" past the longest time limit) may still be
    solving: once another worker has claimed the run again, the first one's progress and
    result must not land on it (staff would see the wrong solve's figures, or a plan replaced
    under them)."""
    from dataclasses import replace

    run = start_plan(client, staff, demo)
    assert planning.claim_next(session_factory, "slow", now) == run["id"]
    later = now + timedelta(minutes=20)

    def solve_while_taken_over(problem, *, time_limit, seed, workers, on_progress):
        assert planning.claim_next(session_factory, "second", later) == run["id"]
        on_progress(solver.Progress(objective=123, bound=45, seconds=6.0))
        return solver.solve(problem, time_limit=time_limit, seed=seed, workers=workers)

    slow = replace(planning.runs.PLAN_RUNS, solve=solve_while_taken_over)
    slow.execute(session_factory, run["id"], lambda: later, workers=1)
    state = client.get(f"/api/plans/{run['id']}", headers=staff).json()
    assert state["status"] == "running"
    assert state["progress"].get("objective") != 123
    assert not state.get("entries")
    # The second worker's own solve is the one stored.
    planning.execute(session_factory, run["id"], lambda: later, workers=1)
    assert client.get(f"/api/plans/{run['id']}", headers=staff).json()["status"] == "done"


def test_a_failing_build_marks_the_run_failed(client, staff, demo, session_factory, now,
                                              monkeypatch):
    run = start_plan(client, staff, demo)

    def broken(*args, **kwargs):
        raise RuntimeError("week data unreadable")

    monkeypatch.setattr(planning.runs, "build_problem", broken)
    run_id = planning.claim_next(session_factory, "test", now)
    with pytest.raises(RuntimeError):
        planning.execute(session_factory, run_id, lambda: now, workers=1)
    state = client.get(f"/api/plans/{run['id']}", headers=staff).json()
    assert state["status"] == "failed"
    assert "week data unreadable" in state["error"]


def test_the_plan_command_solves_the_week_in_its_own_process_and_no_worker_takes_it(
        db_url: str, demo: int, session_factory, now, capsys, monkeypatch):
    """``raumplan plan`` solves in the calling process; the run it queues is its own from the
    moment it is stored, so a worker looking for queued runs right then finds none."""
    from sqlalchemy import event

    from booking import cli
    from booking.clock import FrozenClock

    monkeypatch.setattr(cli, "Clock", lambda: FrozenClock(now))
    queue = planning.queue_plan
    found_by_worker: list[int | None] = []

    def queue_plan(session, *args, **kwargs):
        run = queue(session, *args, **kwargs)

        @event.listens_for(session, "after_commit", once=True)
        def a_worker_looks(_session: Session) -> None:
            found_by_worker.append(planning.claim_next(session_factory, "worker", now))

        return run

    monkeypatch.setattr(planning, "queue_plan", queue_plan)
    with session_factory() as s:
        slug = s.get(Centre, demo).slug
    code = cli.main(["plan", "--centre", slug, "--week", WEEK, "--time-limit", "20",
                     "--workers", "1", "--database-url", db_url])
    out = capsys.readouterr().out
    assert code == 0, out
    assert found_by_worker == [None]
    with session_factory() as s:
        run = s.scalars(select(PlanRun)).one()
        assert (run.status, run.worker) == ("done", "cli")
    assert f"Plan {run.id} for {WEEK}:" in out and " placed, " in out
