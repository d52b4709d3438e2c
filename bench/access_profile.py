"""In-process cost of one door validation besides the hashing (issue 12).

    .venv/bin/python -m bench.access_profile [--rounds 400] [--candidates 8] [--cprofile]
                                             [--history 0]

Seeds a SQLite database as ``bench.access`` does, but with a cheap argon2id (t=1, m=8 KiB), so
what is measured is the service's own work: SQL statements per validation (counted on the
engine) and CPU time per validation (thread time on the hashing pool's thread, where the service
runs it; median and mean), every request a grant that compares all N candidates.
``--cprofile`` prints the top functions by cumulative time. ``--history N`` first gives the
database a past, as a service has after a while: N confirmed bookings that ended in the days
before, each with a date in one of the rooms and its (still active) code, and N older rows in
the door log of every terminal; a read that walks the history instead of finding what it needs
shows here, not on a fresh database.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import cast

from argon2 import PasswordHasher
from sqlalchemy import Engine, Table, event, insert, select

from access.hashing import new_pepper_text


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--candidates", type=int, default=8)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--history", type=int, default=0)
    args = parser.parse_args()

    from bench.access import seed
    from booking.db import make_engine, make_session_factory
    from booking.services import access as door_access

    door_access.use_argon2(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    pepper = new_pepper_text()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/profile.sqlite3"
        codes, tokens = seed(url, args.candidates, pepper)
        engine = make_engine(url)
        if args.history:
            add_history(engine, args.history)
        factory = make_session_factory(engine)
        statements = [0]

        @event.listens_for(engine, "before_cursor_execute")
        def count(*_: object) -> None:
            statements[0] += 1

        now = datetime.now(UTC)

        def one(i: int) -> str:
            at = now + timedelta(seconds=i)  # one second apart: the burst limit never bites
            raw = json.dumps({"code": codes[i % len(codes)], "nonce": secrets.token_hex(8),
                              "sent_at": at.isoformat()}).encode()
            return door_access.validate(factory, tokens[i % len(tokens)], raw, at).body.decode()

        for i in range(20):  # warm-up
            assert "grant" in one(i), one(i)
        statements[0] = 0
        cpu: list[float] = []
        profiler = cProfile.Profile() if args.cprofile else None

        def measured(i: int) -> str:
            # On the hashing pool's thread, where the service runs a validation.
            if profiler:
                profiler.enable()
            t = time.thread_time()
            answer = one(i)
            cpu.append((time.thread_time() - t) * 1000)
            if profiler:
                profiler.disable()
            return answer

        pool = door_access.runtime().pool.executor()
        for i in range(20, 20 + args.rounds):
            answer = pool.submit(measured, i).result()
            assert "grant" in answer, answer
        engine.dispose()
    past = f", history {args.history}" if args.history else ""
    print(f"{args.candidates} candidates{past}, {args.rounds} validations (cheap argon2): "
          f"{statements[0] / args.rounds:.1f} statements each, CPU median "
          f"{statistics.median(cpu):.2f} ms, mean {statistics.mean(cpu):.2f} ms")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    return 0


def add_history(engine: Engine, n: int) -> None:
    """``n`` past bookings like the seeded ones (one date each, ended hours to weeks ago, an
    active code) and ``n`` older door events per terminal."""
    from booking.models import AccessCode, Booking, DoorEvent, Occurrence, Terminal

    booking_t, date_t, code_t = (cast(Table, m.__table__) for m in (Booking, Occurrence,
                                                                      AccessCode))
    now = datetime.now(UTC)
    with engine.begin() as conn:
        booking = dict(conn.execute(select(booking_t).limit(1)).mappings().one())
        date = dict(conn.execute(select(date_t).limit(1)).mappings().one())
        code = dict(conn.execute(select(code_t).limit(1)).mappings().one())
        rooms = sorted(conn.scalars(select(date_t.c.room_id).distinct()))
        for k in range(n):
            booking_id = conn.execute(insert(booking_t).values(
                {**booking, "id": None}).returning(booking_t.c.id)).scalar_one()
            ends = now - timedelta(hours=5 + k // len(rooms))
            conn.execute(insert(date_t).values({**date, "id": None, "booking_id": booking_id,
                                                "room_id": rooms[k % len(rooms)],
                                                "starts_at": ends - timedelta(hours=1),
                                                "ends_at": ends}))
            conn.execute(insert(code_t).values({**code, "id": None, "booking_id": booking_id,
                                                "code_hash": f"{code['code_hash']}{k}"}))
        for terminal_id, door_id in conn.execute(select(Terminal.id, Terminal.door_id)):
            conn.execute(insert(DoorEvent), [
                {"at": now - timedelta(days=30) + timedelta(minutes=k), "terminal_id": terminal_id,
                 "door_id": door_id, "decision": "deny", "reason": "no_match",
                 "nonce": f"history-{k}", "offline": False} for k in range(n)])


if __name__ == "__main__":
    sys.exit(main())
