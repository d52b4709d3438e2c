"""Checking a typed code at a door.

The candidates are the codes whose window at this door contains *now* (at most
:data:`MAX_CANDIDATES`). All codes of a centre share one salt (:mod:`access.hashing`), so the
typed code is hashed **once** per group of candidates with the same parameters, salt and pepper
key (normally one group; a code from before a pepper rotation or a parameter change forms its
own), and the result is compared with **every** candidate's stored string in constant time,
with no early exit, so the time taken does not tell which or how many matched. At most
``size`` computations run at once in a process (:class:`VerifyPool`), which bounds the memory
and CPU in flight (19 MiB per computation); argon2-cffi releases the GIL, so they scale over
cores. The usual single computation runs in the calling thread, which holds one of those slots
meanwhile: handing it to another thread and back cost a wake-up each way, on a loaded machine
more than everything else a validation does besides the hashing. Several groups are computed
side by side on the pool's threads. Anything that goes wrong denies (fail-secure).
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
    """At most ``size`` argon2 computations in flight in this process, in the callers' threads
    or on the pool's own (for a call with several groups)."""

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self.slots = threading.BoundedSemaphore(size)
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

    if pool is None:
        computed = [compute(g) for g in groups]
    else:
        slots = pool.slots

        def bounded(group: tuple[str, str]) -> str | None:
            with slots:
                return compute(group)

        if len(groups) == 1:
            computed = [bounded(groups[0])]
        else:
            # The caller holds no slot while it waits: callers cannot starve the pool's threads.
            computed = list(pool.executor().map(bounded, groups))
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
