"""The brute-force budget of one terminal (that is, one door).

The rules (issue 12 §5, access-anchors §4.6), decided from the terminal's recent failures; the
caller keeps those in the database, so every web worker spends one shared budget:

* five failures in a row are free; from the sixth on, each waits ``30 s × 2^(n−5)`` after the
  last, capped at 15 minutes (a success ends the row);
* at most 30 failures in any hour, whatever succeeded in between (an attacker cannot refill
  the budget by letting a resident open the door);
* staff are alerted when the hour's count reaches 10;
* while throttled, a code is not evaluated at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

FREE_FAILURES = 5
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 15 * 60
HOURLY_CAP = 30
ALERT_AFTER = 10
WINDOW = timedelta(hours=1)
# Requests per credential: at most this many in BURST_SECONDS (1/s sustained, burst 5).
BURST = 5
BURST_SECONDS = 5


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_seconds: int = 0


def delay_after(streak: int) -> timedelta:
    """How long the terminal waits after the ``streak``-th failure in a row."""
    if streak < FREE_FAILURES:
        return timedelta(0)
    return timedelta(seconds=min(FIRST_DELAY_SECONDS * 2 ** (streak - FREE_FAILURES),
                                 MAX_DELAY_SECONDS))


def decide(failures: Sequence[datetime], last_success: datetime | None,
           now: datetime) -> Verdict:
    """May the terminal have a code evaluated now? ``failures``: its failure instants of the
    last hour (any order)."""
    recent = sorted(f for f in failures if now - f < WINDOW)
    waits: list[datetime] = []
    if len(recent) >= HOURLY_CAP:
        # Allowed again when the oldest of the last 30 falls out of the hour.
        waits.append(recent[-HOURLY_CAP] + WINDOW)
    streak = [f for f in recent if last_success is None or f > last_success]
    # Only a real delay waits: a free failure recorded a moment "after" ``now`` (a concurrent
    # request that took its instant before waiting for the terminal's lock) throttles nothing.
    if streak and delay_after(len(streak)) > timedelta(0):
        waits.append(streak[-1] + delay_after(len(streak)))
    until = max(waits, default=now)
    if until > now:
        seconds = int((until - now).total_seconds() + 0.999)
        return Verdict(False, max(seconds, 1))
    return Verdict(True)


def alert_due(failures_in_hour: int) -> bool:
    """True exactly when the hour's failures reach the alert threshold."""
    return failures_in_hour == ALERT_AFTER
