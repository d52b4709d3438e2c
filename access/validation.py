"""Checking a typed code at a door.

The candidates are the codes whose window at this door contains *now* (at most
:data:`MAX_CANDIDATES`). All codes of a centre share one salt (:mod:`access.hashing`), so the
typed code is hashed **once** per group of candidates with the same parameters, salt and pepper
key (normally one group; a code from before a pepper rotation or a parameter change forms its
own), and the result is compared with **every** candidate's stored string in constant time,
with no early exit, so the time taken does not tell which or how many matched. The argon2 work
runs on a small shared thread pool (argon2-cffi releases the GIL, so threads scale over cores),
whose size bounds the CPU in flight and the memory (19 MiB per computation, which the C
library's allocator keeps cached in each thread's arena after the first: computed in any of
a web worker's forty request threads, a burst of attempts left ~300 MiB resident instead of
~40). The service runs a whole validation on one of the pool's threads (one hand-over from
the event loop, not one there and one more to the pool); a call from any other thread hands
its computations over. Anything that goes wrong denies (fail-secure).
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from access.hashing import CodeHasher, phc_prefix

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
    """The threads that hash: at most ``size`` argon2 computations in flight in this process."""

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._mine = threading.local()

    def executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="argon2",
                                                    initializer=self._enter)
            return self._executor

    def _enter(self) -> None:
        self._mine.member = True

    def on_own_thread(self) -> bool:
        """Whether the calling thread is one of this pool's."""
        return getattr(self._mine, "member", False)

    def shutdown(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False)
                self._executor = None


def verify_all(hasher: CodeHasher, code: str, candidates: Sequence[Candidate],
               pool: VerifyPool | None = None) -> Match:
    """Check ``code`` against every candidate: one argon2 computation per group, then a
    constant-time comparison with each candidate (no early exit). A group whose hash cannot be
    computed (unreadable stored hash, pepper gone) marks its candidates as errors."""
    if len(candidates) > MAX_CANDIDATES:
        raise ValueError(f"more than {MAX_CANDIDATES} candidates")
    groups = list(dict.fromkeys((c.key_id, phc_prefix(c.code_hash)) for c in candidates))

    def compute(group: tuple[str, str]) -> str | None:
        try:
            return hasher.compute(code, group[1], group[0])
        except Exception:
            return None

    if pool is None or pool.on_own_thread():
        # On a pool thread the pool's size is already the bound (and a pool thread waiting for
        # its siblings could wait forever): several groups, only during a pepper rotation or
        # a parameter change, are computed one after the other.
        computed = [compute(g) for g in groups]
    else:
        computed = list(pool.executor().map(compute, groups))
    by_group = dict(zip(groups, computed, strict=True))
    results: list[bool | None] = []
    for c in candidates:
        digest = by_group[(c.key_id, phc_prefix(c.code_hash))]
        # Every candidate is compared, matched or not; an error still costs its comparison.
        same = hasher.equal(digest if digest is not None else "", c.code_hash)
        results.append(same if digest is not None else None)
    return Match(matched=tuple(c.code_id for c, r in zip(candidates, results, strict=True) if r),
                 errors=tuple(c.code_id for c, r in zip(candidates, results, strict=True)
                              if r is None))
