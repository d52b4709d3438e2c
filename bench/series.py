"""Series and feed benchmark (issue 10): one run, one server, figures side by side.

    .venv/bin/python -m bench.series [--duration 5] [--rounds 3] [--clients 8]
        [--database-url postgresql://postgres@127.0.0.1:5432/raumplan_bench_series]

1. materialises 2-year weekly series through the service (``create_series`` writes the first
   18 months, ``extend`` half a year later the rest) and reports dates per second;
2. fills one centre with 5,000 series occurrences and times building its public feed
   (query + iCalendar rendering, uncached) in ms;
3. starts ``raumplan serve`` and alternates ``/health``, the public feed (full body, served
   from the cache) and the same feed asked conditionally (304), for ``--rounds`` rounds, so all
   see the same machine load; prints req/s and the feed's ratio to ``/health`` (target ≥ 0.5
   once cached, DESIGN §4).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from pathlib import Path

from bench.booking import HOST, PASSWORD, environment, fresh_database, start_server

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


async def _drive(port: int, clients: int, seconds: float, request: bytes) -> tuple[int, int]:
    done = errors = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal done, errors
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while time.perf_counter() < deadline:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                lower = head.lower()
                at = lower.find(b"\r\ncontent-length:")
                if at >= 0:
                    await reader.readexactly(int(lower[at + 17:lower.index(b"\r\n", at + 2)]))
                if status in (200, 304):
                    done += 1
                else:
                    errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return done, errors


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
        try:
            import urllib.request

            path = f"/api/calendar/centres/{centre_id}/programme.ics"
            with urllib.request.urlopen(f"http://{HOST}:{server.port}{path}") as r:
                etag, size = r.headers["ETag"], len(r.read())
            zipped = urllib.request.Request(f"http://{HOST}:{server.port}{path}",
                                            headers={"Accept-Encoding": "gzip"})
            with urllib.request.urlopen(zipped) as r:  # noqa: S310 - http on loopback
                gzip_size = len(r.read())
            phases = {"/health": _get("/health", server.port),
                      "programme.ics (cached, full body)": _get(path, server.port),
                      "programme.ics (cached, gzip)": _get(path, server.port, gzip=True),
                      "programme.ics (If-None-Match, 304)": _get(path, server.port, etag)}
            rates: dict[str, list[float]] = {name: [] for name in phases}
            errors = dict.fromkeys(phases, 0)
            for _ in range(args.rounds):
                for name, request in phases.items():
                    asyncio.run(_drive(server.port, args.clients, args.warmup, request))
                    done, bad = asyncio.run(_drive(server.port, args.clients, args.duration,
                                                   request))
                    rates[name].append(done / args.duration)
                    errors[name] += bad
        finally:
            server.stop()
        print("\n".join(environment(url, argparse.Namespace(
            clients=args.clients, warmup=args.warmup, duration=args.duration,
            rounds=args.rounds, workers=args.workers)).splitlines()[:3]))
        print(f"load      : {args.clients} keep-alive connections from this process's asyncio "
              f"loop; {args.warmup:g} s warm-up + {args.duration:g} s per phase; "
              f"{args.rounds} round(s) of the phases alternating; server workers: "
              f"{args.workers}")
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
        health = statistics.median(rates["/health"])
        print(f"{'phase':<40}{'req/s':>9}{'errors':>8}{'ratio':>8}  per round req/s")
        print("-" * 80)
        for name, values in rates.items():
            rate = statistics.median(values)
            print(f"{name:<40}{rate:>9.0f}{errors[name]:>8}{rate / health:>8.2f}  "
                  + " ".join(f"{v:.0f}" for v in values))
        print()
        print(f"target: public feed ≥ {TARGET_RATIO} × /health once cached:")
        for name in list(rates)[1:]:
            ratio = statistics.median(rates[name]) / health
            print(f"  {name:<38}{ratio:>6.2f}  {'PASS' if ratio >= TARGET_RATIO else 'MISS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
