"""Limits on request bodies, before anything decodes them.

A body is at most ``MAX_BODY_BYTES`` (larger: 413) and its JSON is nested at most
``MAX_JSON_DEPTH`` levels (deeper: 400). The deepest body an operation takes is three levels
(an object holding a list of strings); without the limit 100,000 nested brackets made the
decoder raise RecursionError, a 500 on every JSON operation.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.types import Empty

from booking.errors import InvalidInput

MAX_BODY_BYTES = 1 << 20
MAX_JSON_DEPTH = 32

# A JSON string (whose brackets do not count), or one bracket.
_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON in ``body`` nests deeper than ``limit``; stops at the first level too
    many. Bodies with fewer brackets than the limit (nearly all) are not scanned at all."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for match in _TOKEN.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


class LimitedRequest(Request[Any, Any, Any]):
    """The app's request class: its JSON is checked for depth before it is decoded."""

    async def json(self) -> Any:
        if self._json is Empty and self._connection_state.json is Empty:
            if too_deep(await self.body()):
                raise InvalidInput("json_too_deep", n=MAX_JSON_DEPTH)
        try:
            return await super().json()
        except RecursionError as exc:  # a second line, should the scan ever miss
            raise InvalidInput("json_too_deep", n=MAX_JSON_DEPTH) from exc
