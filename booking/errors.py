"""Domain errors. Services raise these; one exception handler turns them into RFC 9457
problem responses (``booking.api.problems``). The message is meant for a person to read."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status_code = 400
    title = "Bad request"

    def __init__(self, detail: str, *, keep_changes: bool = False, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        # True when what the transaction wrote must stay although the request fails (a failed
        # login attempt is counted, then refused).
        self.keep_changes = keep_changes


class InvalidInput(DomainError):
    status_code = 400
    title = "Invalid input"


class Unauthorized(DomainError):
    status_code = 401
    title = "Login required"


class Forbidden(DomainError):
    status_code = 403
    title = "Not allowed"


class NotFound(DomainError):
    status_code = 404
    title = "Not found"


class Conflict(DomainError):
    status_code = 409
    title = "Conflict"


class PolicyViolation(DomainError):
    """The request is well-formed but breaks a rule of the centre (capacity, notice, …)."""

    status_code = 422
    title = "Not possible under the centre's rules"


class RateLimited(DomainError):
    status_code = 429
    title = "Too many attempts"
