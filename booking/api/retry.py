"""Second line behind the lock order (``booking.services.locking``): a write that PostgreSQL
aborts as a deadlock victim or a serialization failure is run again, whole, before any answer
is sent; so is one that found no connection (the database server full with ``max_connections``
or restarting: :class:`booking.db.DatabaseUnavailable`).

Such an abort rolls back everything the transaction did, so running the request again is safe
(mails are queued in the same transaction and sent only after a commit). The exception handlers
(``booking.api.problems``, the pages' own) turn the abort into a 503 with ``Retry-After`` and
mark the request as retryable; this middleware swallows that answer and tries again, a bounded
number of times with a random pause, and lets the 503 through only when the last attempt failed
as well. Reads are passed straight through: they take no row locks.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import random
from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send
from litestar.utils.scope.state import CONNECTION_STATE_KEY, ScopeState
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from booking.db import DatabaseUnavailable

ATTEMPTS = 5
FIRST_PAUSE = 0.01  # seconds; doubled each attempt, and a random part of it is taken
RETRY_AFTER = 1  # seconds, told to the client when every attempt failed
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure
_ABORTED = "raumplan.transaction_aborted"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
log = logging.getLogger("raumplan")


# What a database error means for the caller (:func:`database_trouble`).
UNAVAILABLE = "unavailable"  # no connection: refused, or none free in the pool
ABORTED = "aborted"  # the database aborted the transaction (deadlock victim, serialization)


def database_trouble(scope: Scope, exc: BaseException) -> str | None:
    """Whether a database error is no fault of the caller's nor ours: :data:`UNAVAILABLE` or
    :data:`ABORTED` (the 503 to answer; nothing was saved), logged, and
    the request marked to run again (this middleware), except after the pool's timeout, which
    has waited long enough. None for any other error: ours, a 500."""
    where = f"{scope.get('method', '?')} {scope.get('path', '?')}"
    if isinstance(exc, PoolTimeout):
        log.warning("no free database connection on %s", where)
        return UNAVAILABLE
    if isinstance(exc, DatabaseUnavailable):
        log.warning("no database connection on %s: %s", where, exc)
        trouble = UNAVAILABLE
    elif isinstance(exc, DBAPIError) and (
            sqlstate := getattr(exc.orig, "sqlstate", None)) in TRANSIENT_SQLSTATES:
        log.warning("transaction aborted on %s: %s", where, sqlstate)
        trouble = ABORTED
    else:
        return None
    scope[_ABORTED] = True  # type: ignore[literal-required]
    return trouble


class RetryAbortedTransactions(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send,
                     next_app: ASGIApp) -> None:
        if scope.get("method") in _SAFE_METHODS:
            await next_app(scope, receive, send)
            return
        received: list[ReceiveMessage] = []
        replay: list[ReceiveMessage] = []

        async def recording_receive() -> ReceiveMessage:
            message = replay.pop(0) if replay else await receive()
            if message["type"] == "http.request":
                received.append(message)
            return message

        # Litestar's per-request cache as it was before the handler ran (the exception handlers
        # are resolved there); each attempt starts from a copy of it, without the parsed body,
        # the resolved dependencies or a "response started", and reads the body replayed.
        before = copy.copy(ScopeState.from_scope(scope))
        for attempt in range(ATTEMPTS):
            last = attempt == ATTEMPTS - 1
            fresh = copy.copy(before)
            fresh.flash_messages = list(before.flash_messages)
            fresh.log_context = dict(before.log_context)
            fresh._compat_ns = dict(before._compat_ns)
            state = {**scope["state"], CONNECTION_STATE_KEY: fresh}
            run: dict[str, Any] = {**scope, "state": state}
            replay[:] = list(received)
            if attempt:
                received.clear()

            async def guarded_send(message: Message, run: dict[str, Any] = run,
                                   last: bool = last) -> None:
                if run.get(_ABORTED) and not last:
                    return  # the answer of an aborted attempt is never sent
                await send(message)

            await next_app(run, recording_receive, guarded_send)  # type: ignore[arg-type]
            if not run.get(_ABORTED) or last:
                return
            await asyncio.sleep(random.uniform(0, FIRST_PAUSE * 2 ** attempt))

