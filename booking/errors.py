"""Domain errors. Services raise these; one exception handler turns them into RFC 9457
problem responses (``booking.api.problems``), and the pages into an error text.

Raise them with a message code and its parameters (``booking.messages``):
``raise PolicyViolation("min_notice", hours=72)``. The code, the parameters and the sentence in
the reader's language go into the answer; ``keep_changes`` is no parameter but an instruction to
the transaction. (Call sites that still pass an English sentence are being converted; a sentence
that is no code is passed through as it is.)"""

from __future__ import annotations

from typing import Any

from booking.messages import Message, is_code
from booking.translations import DEFAULT_LANGUAGE


class DomainError(Exception):
    status_code = 400
    title = "Bad request"

    def __init__(self, code: str, *, keep_changes: bool = False, **params: Any) -> None:
        super().__init__(code)
        self.message: Message | str = Message(code, params) if is_code(code) else code
        # The German sentence (logs, the command line); answers use ``text(lang)``.
        self.detail = self.text(DEFAULT_LANGUAGE)
        # Extra fields of the problem answer (``retry_after``, ``problems``, …).
        self.extra = params
        # True when what the transaction wrote must stay although the request fails (a failed
        # login attempt is counted, then refused).
        self.keep_changes = keep_changes

    @property
    def code(self) -> str | None:
        return self.message.code if isinstance(self.message, Message) else None

    def text(self, lang: str) -> str:
        """The message in ``lang``."""
        return self.message.render(lang) if isinstance(self.message, Message) else self.message


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
