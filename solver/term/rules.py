"""The term's rulebook: every hard rule, staged objective and soft goal, in one place.

Reading this list is reading the term model.  ``add`` is the function that puts a rule into the
CP-SAT model (``solver/term/constraints.py``, ``solver/term/goals.py``); a rule without one is
decided by filtering the patterns (``solver/term/patterns.py``).  ``solver/term/check.py``
verifies each hard rule with independent code under the same name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from solver.term import constraints, goals
from solver.term.model import TermContext


@dataclass(frozen=True, slots=True)
class TermRule:
    name: str
    level: str  # "hard", "requirement" (per week, reported when short), "stage" or "soft"
    text: str
    add: Callable[[TermContext], None] | None


RULEBOOK: tuple[TermRule, ...] = (
    TermRule("status", "hard", "a withdrawn or rejected section is never allocated", None),
    TermRule("one_pattern", "hard", "a section gets at most one pattern", constraints.one_pattern),
    TermRule(
        "allowed_window",
        "hard",
        "every meeting lies inside an allowed window and the house hours, with a duration "
        "between the section's minimum and maximum (filtered)",
        None,
    ),
    TermRule(
        "capacity_and_features",
        "hard",
        "the room holds the group and has the features it needs; only wished rooms unless "
        "others are acceptable (filtered)",
        None,
    ),
    TermRule("programme", "hard", "no meeting collides with the fixed programme in any week", None),
    TermRule(
        "skipped_dates",
        "hard",
        "a date on a holiday, in a closure or taken by a booking confirmed before is skipped",
        None,
    ),
    TermRule(
        "room_conflict",
        "hard",
        "no two meetings in a room at once on any concrete date",
        constraints.room_conflict,
    ),
    TermRule(
        "staff_capacity",
        "hard",
        "no more staffed activities at once than staff on duty, in every week",
        constraints.staff_capacity,
    ),
    TermRule(
        "consultation_apart",
        "hard",
        "Bürgersprechstunde sessions do not overlap",
        constraints.consultation_apart,
    ),
    TermRule(
        "published_hours",
        "hard",
        "the opening hours are the same every week, at most two blocks a day, staffed, and "
        "cover every staffed activity",
        constraints.published_hours,
    ),
    TermRule(
        "minimum_opening",
        "requirement",
        "every week: open ≥ 40 h on ≥ 5 days (days with a holiday or closure do not count)",
        constraints.minimum_opening,
    ),
    TermRule(
        "weekend_offer",
        "requirement",
        "every week: a staffed offer on Saturday or Sunday",
        constraints.weekend_offer,
    ),
    TermRule(
        "buergersprechstunde",
        "requirement",
        "every week: ≥ 10 h staffed Bürgersprechstunde in a room fit for confidential talks",
        constraints.buergersprechstunde,
    ),
    TermRule("pins_hold", "stage", "a pinned section is placed as staff pinned it", None),
    TermRule("priority_class", "stage", "class by class: a higher class is never displaced", None),
    TermRule("preferred_window", "soft", "primary, then secondary windows", goals.preferred_window),
    TermRule("longer_duration", "soft", "durations up to the maximum", goals.longer_duration),
    TermRule("stability", "soft", "last term's room, start and days", goals.stability),
    TermRule("room_wish", "soft", "the wished rooms in order", goals.room_wish),
    TermRule("room_fit", "soft", "few empty seats", goals.room_fit),
    TermRule(
        "skipped_dates", "soft", "few dates lost to bookings and room closures", goals.skipped_dates
    ),
    TermRule("compact_opening", "soft", "no gaps in a day's opening hours", goals.compact_opening),
    TermRule("staff_hours", "soft", "no opening beyond what is needed", goals.staff_hours),
    TermRule("staff_balance", "soft", "staffed load spread over the week", goals.staff_balance),
)


def build(ctx: TermContext) -> None:
    """Add every rule and goal to the model, in rulebook order."""
    for rule in RULEBOOK:
        if rule.add is not None:
            rule.add(ctx)
