"""A door validation through the whole app, in this process, without the hashing (issue 12).

    .venv/bin/python -m bench.access_app [--rounds 300] [--candidates 8]

Seeds a SQLite database as ``bench.access`` does, builds the app (``create_app``, every
middleware) with a cheap argon2id (t=1, m=8 KiB) and calls it as uvicorn would, one request
at a time, without a socket or a client: what is left is the service's own cost of a
validation besides the hashing, from the ASGI call to the answer's last byte, including the
hand-overs between the event loop and the threads. Prints the median CPU time of the whole
process (every thread) and the median wall time per validation. Wall time on a busy machine
grows with every thread hand-over, each a wake-up that waits for a core; compare runs made
back to back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

from access.hashing import new_pepper_text


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--candidates", type=int, default=8)
    args = parser.parse_args()

    from bench.access import seed
    from booking.app import create_app
    from booking.clock import FrozenClock
    from booking.services import access as door_access
    from booking.settings import Settings

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    door_access.use_argon2(cheap)
    pepper = new_pepper_text()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/app.sqlite3"
        codes, tokens = seed(url, args.candidates, pepper)
        os.environ.update(RAUMPLAN_DATABASE_URL=url, RAUMPLAN_ACCESS_PEPPER=pepper,
                          RAUMPLAN_MAIL_AFTER_COMMIT="0")
        clock = FrozenClock(datetime.now(UTC))
        app = create_app(Settings.from_env(), clock)

        async def call(i: int) -> bytes:
            clock.advance(timedelta(seconds=1))  # the burst limit never bites
            body = json.dumps({"code": codes[i % len(codes)], "nonce": secrets.token_hex(8),
                               "sent_at": clock.now().isoformat()}).encode()
            scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                     "method": "POST", "scheme": "http", "path": "/terminal/v1/validate",
                     "raw_path": b"/terminal/v1/validate", "query_string": b"",
                     "root_path": "", "client": ("127.0.0.1", 1),
                     "server": ("127.0.0.1", 80), "state": {},
                     "headers": [(b"host", b"bench"), (b"content-type", b"application/json"),
                                 (b"authorization",
                                  f"Bearer {tokens[i % len(tokens)]}".encode()),
                                 (b"content-length", str(len(body)).encode())]}
            sent: list[Any] = []

            async def receive() -> Any:
                if not sent:
                    sent.append(None)
                    return {"type": "http.request", "body": body, "more_body": False}
                await asyncio.sleep(3600)  # no disconnect while the answer is on its way

            answer: list[bytes] = []

            async def send(message: Any) -> None:
                if message["type"] == "http.response.body":
                    answer.append(message.get("body", b""))

            await app(scope, receive, send)  # type: ignore[arg-type]
            return b"".join(answer)

        async def run() -> tuple[list[float], list[float]]:
            for hook in app.on_startup:
                result = hook(app)  # type: ignore[call-arg]
                if asyncio.iscoroutine(result):
                    await result
            for i in range(20):  # warm-up
                assert b"grant" in await call(i)
            cpu: list[float] = []
            wall: list[float] = []
            for i in range(20, 20 + args.rounds):
                t, c = time.perf_counter(), time.process_time()
                answer = await call(i)
                cpu.append((time.process_time() - c) * 1000)
                wall.append((time.perf_counter() - t) * 1000)
                assert b"grant" in answer, answer
            return cpu, wall

        cpu, wall = asyncio.run(run())
    print(f"{args.candidates} candidates, {args.rounds} validations through the app (cheap "
          f"argon2): CPU median {statistics.median(cpu):.2f} ms, wall median "
          f"{statistics.median(wall):.2f} ms; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
