"""``raumplan serve`` for ``bench.access``, timing each door validation inside the server.

    python -m bench.access_server serve --no-worker --port … (the ``raumplan serve`` options)

With ``RAUMPLAN_BENCH_TIMINGS`` set to a file, every ``POST /terminal/v1/validate`` appends one
line ``<server ms> <hashing ms>`` to it after its answer has gone out:

* server ms: from the moment the app is called with the request until the last byte of the
  answer is handed to uvicorn (the whole app: middleware, body, database, hashing, answer);
* hashing ms: the wall time of this request's own argon2 computation (``CodeHasher.compute``;
  the N constant-time comparisons after it take microseconds), measured in the same process,
  at the same moment, under the same load. Waiting for a free hashing slot is not hashing: it
  counts on the server's side.

Their difference is what the service spends besides the hashing, which neither the client's
own HTTP work nor the neighbours' load on the hashing inflates. ``RAUMPLAN_BENCH_ARGON2``
("t,m,p") swaps in other argon2id parameters before the app configures its hashing. Nothing
here changes what the service answers.
"""

from __future__ import annotations

import contextvars
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

ARGON2_ENV = "RAUMPLAN_BENCH_ARGON2"
TIMINGS_ENV = "RAUMPLAN_BENCH_TIMINGS"
VALIDATE_PATH = "/terminal/v1/validate"

# The running request's hashing time; anyio copies the context into the worker thread.
_hashing: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar(
    "bench_hashing", default=None)


def _time_hashing() -> None:
    from access.hashing import CodeHasher

    compute = CodeHasher.compute

    def timed(self: CodeHasher, code: str, prefix: str, key_id: str) -> str:
        start = time.perf_counter()
        try:
            return compute(self, code, prefix, key_id)
        finally:
            spent = _hashing.get()
            if spent is not None:
                spent.append((time.perf_counter() - start) * 1000)

    CodeHasher.compute = timed  # type: ignore[method-assign]

    # Computations handed to a pool's thread (several groups) report to the request that
    # handed them over.
    submit = ThreadPoolExecutor.submit

    def submit_in_context(self: ThreadPoolExecutor, fn: Any, /, *args: Any,
                          **kwargs: Any) -> Any:
        return submit(self, contextvars.copy_context().run, fn, *args, **kwargs)

    ThreadPoolExecutor.submit = submit_in_context  # type: ignore[method-assign,assignment]


def _timed_app(app: Any, out: Any) -> Any:
    async def timed(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") != VALIDATE_PATH:
            await app(scope, receive, send)
            return
        start = time.perf_counter()
        done: list[float] = []
        spent: list[float] = []
        token = _hashing.set(spent)

        async def timed_send(message: Any) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.append(time.perf_counter())
            await send(message)

        try:
            await app(scope, receive, timed_send)
        finally:
            _hashing.reset(token)
        if done:
            out.write(f"{(done[0] - start) * 1000:.3f} {sum(spent):.3f}\n")
            out.flush()

    return timed


def main(argv: list[str]) -> int:
    if os.environ.get(ARGON2_ENV):
        from argon2 import PasswordHasher, Type

        from booking.services import access

        t, m, p = (int(v) for v in os.environ[ARGON2_ENV].split(","))
        access.use_argon2(PasswordHasher(time_cost=t, memory_cost=m, parallelism=p,
                                         hash_len=32, salt_len=16, type=Type.ID))
    path = os.environ.get(TIMINGS_ENV)
    if path:
        import booking.app

        _time_hashing()
        out = open(path, "a", encoding="ascii")  # open as long as the server runs
        create_app = booking.app.create_app

        def create_timed_app(*args: Any, **kwargs: Any) -> Any:
            return _timed_app(create_app(*args, **kwargs), out)

        # booking.asgi (which uvicorn imports in this process: one web worker) builds its app
        # with this.
        booking.app.create_app = create_timed_app
    from booking.cli import main as serve

    return serve(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
