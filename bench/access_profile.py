"""In-process cost of one door validation besides the hashing (issue 12).

    .venv/bin/python -m bench.access_profile [--rounds 400] [--candidates 8] [--cprofile]

Seeds a SQLite database as ``bench.access`` does, but with a cheap argon2id (t=1, m=8 KiB), so
what is measured is the service's own work: SQL statements per validation (counted on the
engine) and CPU time per validation (thread time on the hashing pool's thread, where the service
runs it; median and mean), every request a grant that compares all N candidates.
``--cprofile`` prints the top functions by cumulative time.
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

from argon2 import PasswordHasher
from sqlalchemy import event

from access.hashing import new_pepper_text


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--candidates", type=int, default=8)
    parser.add_argument("--cprofile", action="store_true")
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
    print(f"{args.candidates} candidates, {args.rounds} validations (cheap argon2): "
          f"{statements[0] / args.rounds:.1f} statements each, CPU median "
          f"{statistics.median(cpu):.2f} ms, mean {statistics.mean(cpu):.2f} ms")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    return 0


if __name__ == "__main__":
    sys.exit(main())
