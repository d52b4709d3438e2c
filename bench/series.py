"""Series and feed benchmark (issue 10): one run, one server, figures side by side.

    .venv/bin/python -m bench.series [--duration 5] [--rounds 3] [--clients 8]
        [--database-url postgresql://postgres@127.0.0.1:5432/raumplan_bench_series]

1. materialises 2-year weekly series through the service (``create_series`` writes the first
   18 months, ``extend`` half a year later the rest) and reports dates per second;
2. fills one centre with 5,000 series occurrences and times building its public feed
   (query + iCalendar rendering, uncached) in ms;
3. starts ``raumplan serve`` and drives it from bench.booking's load generator (a separate
   process, raw sockets on one uvloop loop, so it costs a fraction of the server per request;
   its CPU per request is printed beside the server's): ``/health``; the public feed as a
   calendar program asks for it, gzip with ``If-None-Match`` (304) and gzip without (the
   gzipped 200), the target lines; and the plain 1.5 MB body, for information (there the
   client's reading costs more than the server's sending). Phases alternate for ``--rounds``
   rounds so all see the same machine load; req/s, the ratio to ``/health`` (target ≥ 0.5 once
   cached, DESIGN §4) and the ratio by server CPU per request.

Where the time went (py-spy on the server, SQLite, one worker, cached gzip answer): the version
query on the plain reader was a quarter of the server's samples, building and encoding the
answer's headers (ASGIResponse, the request's header object) a fifth, uvicorn's two socket
writes (head and body) a fifth. Server CPU per request: /health 0.08–0.09 ms, feed gzip 0.19,
304 0.16. Now a feed whose version this process read less than 2 s ago (and no commit of its
own since, the same local day) is answered from memory with headers encoded once: gzip 0.09,
304 0.07 ms, on the same machine in the same run.

Last run on the shared machine (2 cores, load average 16–20 from other sessions: req/s there
follow the scheduler, the CPU ratios are the steadier figure), SQLite, one worker, before
(the same bench on the code before the in-memory answer) and after, back to back:

                                        before   after   (server CPU ms/req)
    /health                               0.10    0.10
    feed, gzip, If-None-Match → 304       0.16    0.09
    feed, gzip, changed → 200             0.19    0.11
    feed, full body (information)         0.71    0.55
    ratio to /health by server CPU: gzip 0.50 → 0.91, 304 0.60 → 1.10

  PostgreSQL (``--database-url postgresql://…/raumplan_bench_feed``, 2 rounds), where the
  version read also cost a hop to a worker thread: gzip 0.45 → 0.08 ms (/health 0.18 and 0.08
  in the two runs), ratio by server CPU 0.39 → 1.02, 304 0.42 → 1.13.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from pathlib import Path

from bench.booking import (
    HOST,
    PASSWORD,
    LoadGenerator,
    PhaseResult,
    Row,
    environment,
    fresh_database,
    start_server,
    table,
)

TARGET_RATIO = 0.5


def _seed_world(url: str, now: datetime) -> tuple[int, list[int], int]:
    from booking.db import make_engine, make_session_factory, transaction
    from booking.migrate import upgrade
    from booking.models import Centre, Role, Room
    from booking.services import accounts

    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with transaction(factory) as s:
        centre = Centre(slug="bench", name="Stadtteilzentrum Bench", address="Benchweg 1")
        s.add(centre)
        s.flush()
        rooms = [Room(centre_id=centre.id, name=f"Raum {i}", capacity=20) for i in range(12)]
        s.add_all(rooms)
        s.flush()
        staff = accounts.create_person(s, email="staff@bench.example", password=PASSWORD,
                                       display_name="Staff", now=now,
                                       roles=[(Role.STAFF, centre.id)])
        ids = (centre.id, [r.id for r in rooms], staff.id)
    engine.dispose()
    return ids


def materialise(url: str, now: datetime, rooms: list[int], staff_id: int, centre_id: int,
                series_count: int) -> tuple[float, int]:
    """Seconds and dates for ``series_count`` 2-year weekly series."""
    from booking.db import make_engine, make_session_factory, transaction
    from booking.models import Role
    from booking.permissions import Actor
    from booking.services import series

    engine = make_engine(url)
    factory = make_session_factory(engine)
    actor = Actor(person_id=staff_id, roles=frozenset({(Role.STAFF, centre_id)}))
    first = date(2026, 12, 7)
    written = 0
    started = time.perf_counter()
    for i in range(series_count):
        room = rooms[i % len(rooms)]
        slot = i // len(rooms)
        spec = series.SeriesSpec(
            kind="group", title=f"Gruppe {i}", room_id=room, start=wall(8 + slot % 13),
            duration=timedelta(minutes=50), first_date=first + timedelta(days=slot // 13),
            pattern=series.Pattern("weekly", weekdays=(series.WEEKDAYS[i % 7],)),
            until=first + timedelta(days=2 * 365))
        with transaction(factory) as s:
            written += len(series.create_series(s, actor, spec, now=now).verdicts)
    with transaction(factory) as s:
        written += series.extend(s, now + timedelta(days=200))
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, written


def feed_build_ms(url: str, centre_id: int, now: datetime, repeat: int = 5) -> tuple[float, int]:
    from booking.db import make_engine, make_session_factory
    from booking.services import feeds

    engine = make_engine(url)
    factory = make_session_factory(engine)
    times = []
    count = 0
    for _ in range(repeat):
        started = time.perf_counter()
        with factory() as s:
            events = feeds.programme_events(s, centre_id, now)
            feeds.render("Bench", events, "Europe/Berlin", now)
        times.append(time.perf_counter() - started)
        count = len(events)
    engine.dispose()
    return 1000 * statistics.median(times), count


def _get(path: str, port: int, etag: str | None = None, gzip: bool = False) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}:{port}", "User-Agent: raumplan-bench"]
    if gzip:
        lines.append("Accept-Encoding: gzip")
    if etag:
        lines.append(f"If-None-Match: {etag}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.series", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--database-url", default=None)
    p.add_argument("--duration", type=float, default=5.0)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--series", type=int, default=50,
                   help="2-year weekly series to write (~100 dates each, ~5,000 in all)")
    args = p.parse_args(argv)
    now = datetime(2026, 12, 1, 8, tzinfo=UTC)
    with tempfile.TemporaryDirectory(prefix="raumplan-bench-series-") as tmp, \
            fresh_database(args.database_url, Path(tmp)) as url:
        centre_id, rooms, staff_id = _seed_world(url, now)
        seconds, written = materialise(url, now, rooms, staff_id, centre_id, args.series)
        build_ms, events = feed_build_ms(url, centre_id, now)
        server = start_server(url, Path(tmp), args.workers)
        loadgen = LoadGenerator()
        try:
            import urllib.request

            path = f"/api/calendar/centres/{centre_id}/programme.ics"
            with urllib.request.urlopen(f"http://{HOST}:{server.port}{path}") as r:
                etag, size = r.headers["ETag"], len(r.read())
            zipped = urllib.request.Request(f"http://{HOST}:{server.port}{path}",
                                            headers={"Accept-Encoding": "gzip"})
            with urllib.request.urlopen(zipped) as r:  # noqa: S310 - http on loopback
                gzip_size = len(r.read())
            port = server.port
            # (label, request, answers that count, a target line?)
            phases = [
                ("/health", _get("/health", port), (200,), False),
                ("feed, gzip, If-None-Match → 304", _get(path, port, etag, gzip=True), (304,),
                 True),
                ("feed, gzip, changed → 200", _get(path, port, gzip=True), (200,), True),
                ("feed, full body (information)", _get(path, port), (200,), False),
            ]
            results: dict[str, list[PhaseResult]] = {name: [] for name, *_ in phases}
            common = dict(port=port, pgid=server.process.pid, clients=args.clients,
                          duration=args.duration, warmup=args.warmup)
            for round_no in range(args.rounds):
                for name, request, ok, _ in phases:
                    result = loadgen.run(name=name, raw=request, ok=ok, **common)
                    results[name].append(result)
                    print(f"  round {round_no + 1}: {name:<36} {result.rate:8.0f} req/s",
                          file=sys.stderr, flush=True)
        finally:
            loadgen.close()
            server.stop()
        print("\n".join(environment(url, args).splitlines()[:3]))
        print(f"load      : {args.clients} keep-alive connections from a separate asyncio "
              f"process (raw sockets, bench.booking's load generator); {args.warmup:g} s "
              f"warm-up + {args.duration:g} s per phase; {args.rounds} round(s) of the phases "
              f"alternating; server workers: {args.workers}")
        print()
        print(f"{'measure':<40}{'value':>14}")
        print("-" * 54)
        print(f"{'series written (2-year weekly)':<40}{args.series:>14}")
        print(f"{'dates materialised':<40}{written:>14}")
        print(f"{'materialise: dates/s':<40}{written / seconds:>14.0f}")
        print(f"{'public feed: events':<40}{events:>14}")
        print(f"{'public feed: bytes':<40}{size:>14}")
        print(f"{'public feed: bytes gzipped':<40}{gzip_size:>14}")
        print(f"{'public feed build, uncached (ms)':<40}{build_ms:>14.0f}")
        print()
        rows = [Row(name, results[name]) for name, *_ in phases]
        print(table(rows))
        health = rows[0]
        print()
        print(f"target: the public feed as a calendar client asks for it (gzip, conditional) "
              f"≥ {TARGET_RATIO} × /health once cached:")
        for row, (_, _, _, target) in zip(rows[1:], phases[1:], strict=True):
            ratio = row.rate / health.rate if health.rate else 0.0
            by_cpu = health.cpu_ms / row.cpu_ms if row.cpu_ms else 0.0
            mark = ("PASS" if ratio >= TARGET_RATIO else "MISS") if target else "info"
            print(f"  {row.label:<36}{ratio:>6.2f}  {mark}   [by server CPU/req: {by_cpu:.2f}; "
                  f"client CPU/req {row.client_cpu_ms / row.cpu_ms:.2f} × the server's]")
        for row in rows:
            for r in row.results:
                if r.errors:
                    print(f"  ! {r.name}: {r.errors} errors, first: {r.first_error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
