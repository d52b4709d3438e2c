"""The one place that turns errors into responses: RFC 9457 problem details."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Litestar, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute
from sqlalchemy.exc import DBAPIError

from booking.api.retry import RETRY_AFTER, is_transient, mark_retryable
from booking.api.schemas import Problem
from booking.errors import DomainError
from booking.messages import Message
from booking.translations import negotiate, pick_language

log = logging.getLogger("raumplan")
PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, detail: str, **extra: Any) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail}
    body.update(extra)
    headers = {}
    if status in (429, 503) and "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    # The charset is spelled out: without it some clients guess the encoding of a body that
    # echoes characters outside the BMP (schemathesis found one) and fail to read it.
    return Response(body, status_code=status, media_type=f"{PROBLEM_JSON}; charset=utf-8",
                    headers=headers)


def answer_language(request: Request[Any, Any, Any]) -> str:
    """The language of an API answer's sentences: the client's ``Accept-Language``, else
    German. (Codes and parameters are in every answer for clients that write their own.)"""
    return pick_language(negotiate(request.headers.get("accept-language")))


def domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    detail = exc.text(answer_language(request))
    if isinstance(exc.message, Message):
        extra = exc.message.as_json()
        if "retry_after" in exc.extra:
            extra["retry_after"] = exc.extra["retry_after"]
        return problem(exc.status_code, exc.title, detail, **extra)
    return problem(exc.status_code, exc.title, detail, **exc.extra)


def validation_error(_: Request[Any, Any, Any],
                     exc: ValidationException) -> Response[dict[str, Any]]:
    details = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            where = item.get("key") or item.get("source") or "input"
            details.append(f"{where}: {item.get('message', '')}".strip())
    detail = "The input is not valid. " + "; ".join(details) if details else (
        exc.detail or "The input is not valid.")
    return problem(400, "Invalid input", detail, errors=details)


def http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    return problem(exc.status_code, exc.detail or "Error", exc.detail or "Error")


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "Internal error",
                   "Something went wrong on our side; nothing was saved. Please try again.")


def database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[dict[str, Any]]:
    """A transaction PostgreSQL aborted (deadlock victim, serialization failure) is no fault of
    the caller and was rolled back whole: 503, try again; the retry middleware runs it again
    first (``booking.api.retry``). Any other database error is ours: 500."""
    if not is_transient(exc):
        return server_error(request, exc)
    log.warning("transaction aborted on %s %s: %s", request.method, request.url.path,
                getattr(exc.orig, "sqlstate", "?"))
    mark_retryable(request.scope)
    return problem(503, "Busy", "The database was busy with a concurrent change; nothing was "
                   "saved. Please try again.", retry_after=RETRY_AFTER)


def value_error(_: Request[Any, Any, Any], exc: ValueError) -> Response[dict[str, Any]]:
    # Raised by the aware-instant checks at the edge (naive datetimes in query strings).
    return problem(400, "Invalid input", str(exc))


HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    ValueError: value_error,
    DBAPIError: database_error,
    Exception: server_error,
}


# What the API's problems mean, documented on every /api operation: the OpenAPI document must
# describe the bodies these handlers really send (RFC 9457, not Litestar's default error shape).
PROBLEM_STATUSES = {
    400: "Invalid input (malformed body, parameter out of range, naive instant).",
    401: "Login required, or wrong e-mail or password.",
    403: "The caller's role does not allow this.",
    404: "No such object, or not visible to the caller.",
    409: "Conflict with the current state: the room is taken, or the request was decided.",
    422: "Well-formed, but against the centre's rules (notice, capacity, house rules).",
    429: "Too many failed logins; see Retry-After.",
    503: "A concurrent change kept the database busy; nothing was saved. See Retry-After.",
}


def document_problems(app: Litestar) -> None:
    """Add the problem responses to every API operation's OpenAPI entry (before the schema is
    first built, which happens lazily on the first request for it)."""
    specs = {status: ResponseSpec(data_container=Problem, description=text,
                                  media_type=PROBLEM_JSON, generate_examples=False)
             for status, text in PROBLEM_STATUSES.items()}
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api"):
            continue
        for handler in route.route_handlers:
            if isinstance(handler, HTTPRouteHandler):
                handler.responses = {**specs, **(handler.responses or {})}
