"""The one place that turns errors into responses: RFC 9457 problem details."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from booking.errors import DomainError

log = logging.getLogger("raumplan")
PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, detail: str, **extra: Any) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                            "detail": detail}
    body.update(extra)
    headers = {}
    if status == 429 and "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    return problem(exc.status_code, exc.title, exc.detail, **exc.extra)


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


def value_error(_: Request[Any, Any, Any], exc: ValueError) -> Response[dict[str, Any]]:
    # Raised by the aware-instant checks at the edge (naive datetimes in query strings).
    return problem(400, "Invalid input", str(exc))


HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    ValueError: value_error,
    Exception: server_error,
}
