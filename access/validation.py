"""Checking a typed code at a door.

Every candidate (the codes whose window at this door contains *now*, at most
:data:`MAX_CANDIDATES`) is verified, with no early exit, so the time taken does not tell which
or how many matched. The argon2 work runs on a small shared thread pool (argon2-cffi releases
the GIL, so threads scale over cores), whose size bounds the memory and CPU in flight
(19 MiB per verify). Anything that goes wrong denies (fail-secure).
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from access.hashing import CodeHasher

MAX_CANDIDATES = 8


class Decision(enum.StrEnum):
    GRANT = "grant"
    DENY = "deny"
    THROTTLED = "throttled"


class Reason(enum.StrEnum):
    """Why: written to the door log only, never told to the terminal."""

    MATCH = "match"
    NO_MATCH = "no_match"
    MALFORMED = "malformed"
    THROTTLED = "throttled"
    RATE = "rate"
    REPLAY = "replay"
    CLOCK_SKEW = "clock_skew"
    TOO_MANY_CANDIDATES = "too_many_candidates"
    ERROR = "error"


@dataclass(frozen=True)
class Candidate:
    code_id: int
    code_hash: str
    key_id: str


@dataclass(frozen=True)
class Match:
    matched: tuple[int, ...]
    errors: tuple[int, ...]  # candidates whose hash could not be checked


class VerifyPool:
    """At most ``size`` argon2 verifications in flight in this process."""

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="argon2")
            return self._executor

    def shutdown(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False)
                self._executor = None


def _check(hasher: CodeHasher, code: str, candidate: Candidate) -> bool | None:
    try:
        return hasher.verify(code, candidate.code_hash, candidate.key_id)
    except Exception:
        return None


def verify_all(hasher: CodeHasher, code: str, candidates: Sequence[Candidate],
               pool: VerifyPool | None = None) -> Match:
    """Verify ``code`` against every candidate (no early exit)."""
    if len(candidates) > MAX_CANDIDATES:
        raise ValueError(f"more than {MAX_CANDIDATES} candidates")
    if pool is None:
        results = [_check(hasher, code, c) for c in candidates]
    else:
        results = list(pool.executor().map(lambda c: _check(hasher, code, c), candidates))
    return Match(matched=tuple(c.code_id for c, r in zip(candidates, results, strict=True) if r),
                 errors=tuple(c.code_id for c, r in zip(candidates, results, strict=True)
                              if r is None))
