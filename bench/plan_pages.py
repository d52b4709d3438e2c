"""Server time of the weekly plan's pages (issue 9 §2–3): the week grid of the demo centre, the
week grid of a generated centre with 300 rooms, and the demo week's PDF.

    .venv/bin/python -m bench.plan_pages [--repeat 15]

What it does: migrates a temporary SQLite database, loads the demo centre and solves its next
week in this process (as the worker would); adds a generated centre of 300 rooms with a
finished plan of three uses per room and day (6,300 entries: the page's work grows with rooms
and entries, not with how the plan was found, and solving such a centre is the solver
benchmark's business); logs a staff member of each centre in through the login page; then asks
the app in-process (Litestar's test client: no network, no load generator in the way) for each
page ``--repeat`` times after one warm-up, and prints the median and the slowest time. Targets
(issue 9): the grid < 1 s, goal 0.2 s. A centre of more than 40 rooms opens its grid on one day
(links to the others and to the whole week, ``booking.web.plan``); the whole week at once is
measured too.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from litestar.testing import TestClient

import solver
from access.hashing import new_pepper_text
from booking import security
from booking.app import create_app
from booking.clock import FrozenClock
from booking.db import make_engine, make_session_factory, transaction
from booking.demo import load_demo
from booking.migrate import upgrade
from booking.models import Centre, PlanRun, Role, Room
from booking.services import accounts, planning
from booking.settings import Settings
from booking.web.forms import iso_week

ROOMS = 300
USES_PER_DAY = 3
GRID = b'<table class="grid">'
PASSWORD = "bench-password-long-enough"  # noqa: S105 - a throwaway bench account


def generated_centre(factory: Any, now: datetime, week: str) -> int:
    """A centre of 300 rooms and a finished plan that fills each room three times a day."""
    with transaction(factory) as s:
        centre = Centre(slug="bench-300", name="Generiertes Zentrum mit 300 Räumen",
                        address="Benchstr. 1, Bielefeld")
        s.add(centre)
        s.flush()
        rooms = [Room(centre_id=centre.id, name=f"Raum {i + 1:03d}", capacity=10 + i % 40)
                 for i in range(ROOMS)]
        s.add_all(rooms)
        s.flush()
        accounts.create_person(s, email="staff@bench.example", password=PASSWORD,
                               display_name="Bench Staff", now=now,
                               roles=[(Role.STAFF, centre.id)], language="de")
        # Stored as the worker stores a solved run: the solver's own JSON forms.
        demands, placements = [], []
        slots = [(9 * 60, 11 * 60 + 30), (13 * 60, 15 * 60), (18 * 60, 21 * 60)][:USES_PER_DAY]
        for room in rooms:
            for day in range(7):
                for k, (start, end) in enumerate(slots):
                    ident = f"group-{room.id * 100 + day * 10 + k}"
                    demands.append(solver.Demand(
                        id=ident, title=f"Gruppe {room.id}-{day}-{k}", kind="group",
                        duration=end - start, windows=(solver.Window(day, start, end),),
                        staffed=k == 1))
                    placements.append(solver.Placement(ident, str(room.id), day, start, end,
                                                       "1" if k == 1 else None))
        problem = solver.problem_to_json(solver.Problem(
            rooms=tuple(solver.Room(id=str(r.id), name=r.name, capacity=r.capacity)
                        for r in rooms),
            demands=tuple(demands), staff=(solver.StaffMember(
                id="1", name="Bench Staff", availability=(), max_week_minutes=2400),),
            week=week))
        plan = solver.plan_to_json(solver.Plan(
            status="optimal", placements=tuple(placements), shifts=(), unplaced=(),
            unused_candidates=(), requirement_failures=(),
            figures=solver.Figures(
                open_minutes_per_day=(600,) * 7, open_minutes=7 * 600, open_days=7,
                consultation_minutes=0, utilisation=(), placed=len(placements), unplaced=0,
                placed_by_kind=(), placed_weight=0, demand_weight=0, moved=0,
                opening_hours=tuple(solver.OpeningHours(d, 9 * 60, 19 * 60)
                                    for d in range(7))),
            stats=solver.SolveStats(status="optimal", objective=0, bound=0, gap=0.0,
                                    seconds=0.0, first_solution_seconds=None), week=week))
        run = PlanRun(centre_id=centre.id, week=week, status="done", pins=[], progress={},
                      problem=problem, plan=plan, created_at=now, finished_at=now)
        s.add(run)
        s.flush()
        return run.id


def login(client: TestClient, email: str, password: str) -> None:  # type: ignore[type-arg]
    import re

    page = client.get("/login").text
    token = re.findall(r'name="csrf_token" value="([^"]+)"', page)[-1]
    r = client.post("/login", data={"email": email, "passwort": password,
                                    "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text


def timed(client: TestClient, path: str, repeat: int,  # type: ignore[type-arg]
          must_hold: bytes) -> tuple[float, float, int]:
    r = client.get(path)
    assert r.status_code == 200 and must_hold in r.content, (path, r.status_code, r.text[:500])
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        r = client.get(path)
        times.append(time.perf_counter() - start)
        assert r.status_code == 200
    return statistics.median(times), max(times), len(r.content)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    # Cheap argon2id for the bench's own accounts: logging in is not what is measured.
    security.use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    now = datetime.now(UTC)
    week = iso_week(now.date() + timedelta(days=7))
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        upgrade(url)
        factory = make_session_factory(make_engine(url))
        with transaction(factory) as s:
            demo_id = load_demo(s, now).id
            run = planning.queue_plan(s, None, centre_id=demo_id, week=week, now=now,
                                      time_limit=60)
            demo_run = run.id
        with transaction(factory) as s:
            s.get_one(PlanRun, demo_run).status = "running"
        planning.execute(factory, demo_run, lambda: now, workers=2)
        big_run = generated_centre(factory, now, week)
        settings = Settings(database_url=url, outbox_dir=Path(folder) / "outbox",
                            access_pepper=new_pepper_text(),
                            mail_send_after_commit=False)
        rows = []
        app = create_app(settings, FrozenClock(now))
        with TestClient(app) as demo_client, TestClient(app) as big_client:
            login(demo_client, "leitung@sieker-mitte.example", "raumplan-demo")
            login(big_client, "staff@bench.example", PASSWORD)
            rows.append(("week grid, demo centre (11 rooms)", "< 1 s, goal 0.2 s",
                         *timed(demo_client, f"/verwaltung/plan/{demo_run}", args.repeat, GRID)))
            rows.append((f"week grid, generated centre ({ROOMS} rooms, one day, "
                         f"{ROOMS * 7 * USES_PER_DAY} entries)", "< 1 s, goal 0.2 s",
                         *timed(big_client, f"/verwaltung/plan/{big_run}", args.repeat, GRID)))
            rows.append(("  the same, whole week at once (?tag=alle)", "-",
                         *timed(big_client, f"/verwaltung/plan/{big_run}?tag=alle",
                                max(3, args.repeat // 3), GRID)))
            rows.append(("PDF of the demo week (A4 landscape)", "-",
                         *timed(demo_client, f"/verwaltung/plan/{demo_run}/plan.pdf",
                                max(3, args.repeat // 3), b"%PDF")))
    print(f"Server time of the plan pages (in-process, SQLite, week {week}, "
          f"median and slowest of {args.repeat} after a warm-up)\n")
    print(f"| {'page':66} | {'median':>9} | {'slowest':>9} | {'bytes':>9} | target")
    print(f"|{'-' * 68}|{'-' * 11}|{'-' * 11}|{'-' * 11}|{'-' * 20}")
    for name, target, median, worst, size in rows:
        print(f"| {name:66} | {median * 1000:7.0f}ms | {worst * 1000:7.0f}ms | {size:9d} | "
              f"{target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
