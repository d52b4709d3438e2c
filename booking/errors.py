"""Domain errors. Services raise these; one exception handler turns them into RFC 9457
problem responses (``booking.api.problems``), and the pages into an error text.

Raise them with a message code and its parameters (``booking.messages``):
``raise NotFound("no_room", id=7)``. The code, the parameters and the sentence in the
reader's language go into the answer. Two keywords are no parameters: ``keep_changes`` tells
the transaction to keep what it wrote, ``extra`` adds fields to the problem answer
(``retry_after``, ``conflicts``, …)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from booking.messages import Message
from booking.translations import DEFAULT_LANGUAGE


def commits_despite(exc: BaseException) -> bool:
    """Whether a unit of work that ended in ``exc`` still commits: only a domain error that
    asks to keep what it wrote (a counted failed login); anything else rolls back. The one
    rule of every unit of work (``booking.db.transaction``, ``booking.deps``)."""
    return isinstance(exc, DomainError) and exc.keep_changes


class DomainError(Exception):
    status_code = 400
    title = "Bad request"

    def __init__(self, code: str, *, keep_changes: bool = False,
                 extra: Mapping[str, Any] | None = None, **params: Any) -> None:
        super().__init__(code)
        self.message = Message(code, params)
        # Extra fields of the problem answer besides code, params and detail.
        self.extra = dict(extra or {})
        # True when what the transaction wrote must stay although the request fails (a failed
        # login attempt is counted, then refused).
        self.keep_changes = keep_changes

    @property
    def code(self) -> str:
        return self.message.code

    @property
    def detail(self) -> str:
        """The German sentence, for logs and the command line; answers use ``text(lang)``."""
        return self.text(DEFAULT_LANGUAGE)

    def text(self, lang: str) -> str:
        """The message in ``lang``."""
        return self.message.render(lang)


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
