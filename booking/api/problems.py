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
from sqlalchemy.exc import TimeoutError as PoolTimeout

from booking.api.retry import RETRY_AFTER, UNAVAILABLE, database_trouble
from booking.api.schemas import Problem
from booking.db import DatabaseUnavailable
from booking.errors import DomainError
from booking.messages import Message
from booking.permissions import Actor
from booking.timeutil import NaiveInstant
from booking.translations import negotiate, pick_language

log = logging.getLogger("raumplan")
PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, message: Message, lang: str,
            **extra: Any) -> Response[dict[str, Any]]:
    """A problem answer: the message's ``code`` and ``params`` as data, its sentence in
    ``lang`` as ``detail``, and ``extra`` fields."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            **message.as_json(lang)}
    body.update(extra)
    headers = {"Content-Language": lang}
    if status in (429, 503) and "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    # The charset is spelled out: without it some clients guess the encoding of a body that
    # echoes characters outside the BMP (schemathesis found one) and fail to read it.
    return Response(body, status_code=status, media_type=f"{PROBLEM_JSON}; charset=utf-8",
                    headers=headers)


def answer_language(request: Request[Any, Any, Any], account_language: str | None = None) -> str:
    """The language of an API answer's sentences: the client's ``Accept-Language``, else the
    logged-in account's language (the ``actor`` dependency leaves the caller in the request's
    state, so this costs no query), else ``account_language`` (a registration's chosen
    language), else German. Codes and parameters are in every answer for clients that write
    their own sentences."""
    actor = request.state.get("actor")
    return pick_language(negotiate(request.headers.get("accept-language")),
                         actor.language if isinstance(actor, Actor) and actor.person_id else None,
                         account_language)


# Fields of a message's parameters that the answer also carries on its top level, as lists of
# ``{code, params, detail}``: the rules a rental request breaks, the dates a series collides on.
LISTED_PARAMS = ("problems", "collisions")


def domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    lang = answer_language(request)
    params = exc.message.as_json(lang)["params"]
    listed = {key: params[key] for key in LISTED_PARAMS if key in params}
    return problem(exc.status_code, exc.title, exc.message, lang, **listed, **exc.extra)


def validation_error(request: Request[Any, Any, Any],
                     exc: ValidationException) -> Response[dict[str, Any]]:
    details = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            where = item.get("key") or item.get("source") or "input"
            details.append(f"{where}: {item.get('message', '')}".strip())
    # The framework's own explanations (which field, what it expects) are English and technical;
    # the sentence around them is the caller's.
    message = (Message("input_invalid_fields", {"fields": "; ".join(details)}) if details
               else Message("input_invalid"))
    return problem(400, "Invalid input", message, answer_language(request), errors=details)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    if exc.status_code == 404:
        message = Message("not_found")
    elif exc.status_code == 405:
        message = Message("method_not_allowed")
    else:
        message = Message("http_error", {"status": exc.status_code})
    headers = getattr(exc, "headers", None) or {}
    response = problem(exc.status_code, exc.detail or "Error", message, answer_language(request))
    response.headers.update({k: v for k, v in headers.items() if k.lower() == "allow"})
    return response


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "Internal error", Message("server_error"), answer_language(request))


def database_error(request: Request[Any, Any, Any],
                   exc: DBAPIError | DatabaseUnavailable | PoolTimeout,
                   ) -> Response[dict[str, Any]]:
    """A transaction PostgreSQL aborted, a connection it refused or none free in the pool is
    no fault of the caller, and nothing was saved: 503, try again (``booking.api.retry`` runs
    it again first where that may help). Any other database error is ours: 500."""
    trouble = database_trouble(request.scope, exc)
    if trouble is None:
        return server_error(request, exc)
    message = Message("database_unavailable") if trouble == UNAVAILABLE else Message("busy")
    return problem(503, "Busy", message, answer_language(request), retry_after=RETRY_AFTER)


def value_error(request: Request[Any, Any, Any], exc: ValueError) -> Response[dict[str, Any]]:
    # Raised by the aware-instant checks at the edge (naive datetimes in query strings).
    message = (Message("time_needs_offset", {"what": exc.what}) if isinstance(exc, NaiveInstant)
               else Message("input_invalid"))
    return problem(400, "Invalid input", message, answer_language(request), errors=[str(exc)])


HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    ValueError: value_error,
    DBAPIError: database_error,
    DatabaseUnavailable: database_error,
    PoolTimeout: database_error,
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
