"""Statements and round trips of one rental confirmation, logged (issue 6 §2).

    .venv/bin/python -m bench.statements [--database-url postgresql://…/raumplan_stmts]
        [--confirms 20] [--show 1]

Seeds a small fresh database with the booking bench's seeding (``bench.booking.seed``), runs
the app in-process (Litestar's TestClient) and confirms pending rentals in halls opened by
staff through ``POST /api/rentals/{id}/confirm`` with a staff token. Every statement the
ORM engine sends is logged with SQLAlchemy's engine events (``BEGIN`` and ``COMMIT`` count as
round trips of their own on psycopg), and the event loop's reader (the caller's token) is
counted beside them. Prints the statements of the first ``--show`` confirmations and the mean
count per confirmation; a regression in the confirmation's round trips shows here without
any timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/raumplan_stmts"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.statements")
    p.add_argument("--database-url", default=DEFAULT_URL)
    p.add_argument("--confirms", type=int, default=20)
    p.add_argument("--show", type=int, default=1)
    args = p.parse_args(argv)

    from litestar.testing import TestClient
    from sqlalchemy import Engine, event

    from access.hashing import new_pepper_text
    from bench.booking import fresh_database, seed
    from booking.db import LoopReader

    workdir = Path(tempfile.mkdtemp(prefix="raumplan-stmts-"))
    log: list[str] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        log.append(" ".join(statement.split()))

    def on_begin(_conn: Any) -> None:
        log.append("BEGIN")

    def on_commit(_conn: Any) -> None:
        log.append("COMMIT")

    def on_rollback(_conn: Any) -> None:
        log.append("ROLLBACK")

    original_rows = LoopReader.rows

    async def loop_rows(self: LoopReader, sql: str, params: Any) -> Any:
        log.append("[event loop] " + " ".join(sql.split()))
        return await original_rows(self, sql, params)

    with fresh_database(args.database_url, workdir) as url:
        seeded = seed(url, 2000, args.confirms + 10, datetime.now(UTC), 0)
        os.environ.update(RAUMPLAN_DATABASE_URL=url, RAUMPLAN_OUTBOX_DIR=str(workdir / "outbox"),
                          RAUMPLAN_ACCESS_PEPPER=new_pepper_text(),
                          RAUMPLAN_MAIL_AFTER_COMMIT="0", RAUMPLAN_LOG_LEVEL="warning")
        from booking.app import create_app

        event.listen(Engine, "before_cursor_execute", on_execute)
        event.listen(Engine, "begin", on_begin)
        event.listen(Engine, "commit", on_commit)
        event.listen(Engine, "rollback", on_rollback)
        LoopReader.rows = loop_rows  # type: ignore[method-assign]
        headers = {"Authorization": f"Bearer {seeded.staff_token}"}
        counts: list[int] = []
        kinds: Counter[str] = Counter()
        cpu: list[float] = []
        with TestClient(create_app()) as client:
            # The first confirmation of a process warms its caches; not counted.
            for n, booking_id in enumerate(seeded.rental_ids[:args.confirms + 1]):
                log.clear()
                before = time.process_time()
                answer = client.post(f"/api/rentals/{booking_id}/confirm", headers=headers)
                spent = time.process_time() - before
                if answer.status_code != 200:
                    raise SystemExit(f"confirm {booking_id}: {answer.status_code} {answer.text}")
                if n == 0:
                    continue
                cpu.append(spent)
                counts.append(len(log))
                kinds.update(s.split()[0] if not s.startswith("[") else "[event loop]"
                             for s in log)
                if n <= args.show:
                    print(f"confirmation of rental {booking_id}: {len(log)} round trips")
                    for i, statement in enumerate(log, 1):
                        print(f"  {i:2d}. {statement[:160]}")
                    print()
        print(f"{len(counts)} confirmations: {sum(counts) / len(counts):.1f} round trips each "
              f"(min {min(counts)}, max {max(counts)}); by kind per confirmation: "
              + ", ".join(f"{k} {v / len(counts):g}" for k, v in kinds.most_common()))
        # The median is the steadier figure when other processes share the cores.
        print(f"in-process CPU per confirmation (app and test client, statement log on): "
              f"{1000 * sum(cpu) / len(cpu):.2f} ms, median {1000 * statistics.median(cpu):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
