"""The rulebook: every hard rule and soft goal of the weekly plan, in one place.

Reading this list is reading the model.  Each entry names the function that adds it to the
CP-SAT model (``solver/constraints.py`` for hard rules, ``solver/goals.py`` for soft goals) and,
for hard rules, says where the filter half lives; ``solver/check.py`` verifies each hard rule
with independent code under the same name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from solver import constraints, goals
from solver.model import ModelContext


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    level: str  # "hard", "requirement" (hard, relaxable to diagnose), or "soft"
    text: str
    add: Callable[[ModelContext], None] | None


# Order matters only for reproducibility: rules are added to the model in this order.
RULEBOOK: tuple[Rule, ...] = (
    Rule(
        "placed_whole", "hard", "a demand is placed whole or not at all", constraints.placed_whole
    ),
    Rule("room_conflict", "hard", "no two uses of a room at once", constraints.room_conflict),
    Rule(
        "capacity_and_features",
        "hard",
        "the room holds the group and has the features it needs (filtered before building)",
        None,
    ),
    Rule("closures", "hard", "closed rooms and closed days are not used (filtered)", None),
    Rule(
        "fixed_slots_stay",
        "requirement",
        "fixed programme slots are placed at their time",
        constraints.fixed_slots_stay,
    ),
    Rule(
        "pins_hold",
        "requirement",
        "pinned demands stay where staff put them",
        constraints.pins_hold,
    ),
    Rule(
        "staff_availability",
        "requirement",
        "staff work only when available, one shift a day, within contract hours",
        constraints.staff_availability,
    ),
    Rule(
        "staff_single_place",
        "hard",
        "a staff member is never in two places at once",
        constraints.staff_single_place,
    ),
    Rule(
        "staffed_activity_has_staff",
        "hard",
        "every staffed activity has a qualified staff member on duty",
        constraints.staffed_activity_has_staff,
    ),
    Rule(
        "minimum_opening",
        "requirement",
        "open ≥ 40 h a week on ≥ 5 days (configurable)",
        constraints.minimum_opening,
    ),
    Rule(
        "published_hours",
        "requirement",
        "publishable opening hours: ≤ 2 blocks a day on the full or half hour",
        constraints.published_hours,
    ),
    Rule(
        "weekend_offer", "requirement", "an offer on Saturday or Sunday", constraints.weekend_offer
    ),
    Rule(
        "buergersprechstunde",
        "requirement",
        "≥ 10 h staffed Bürgersprechstunde in a room fit for confidential talks",
        constraints.buergersprechstunde,
    ),
    Rule(
        "place_demand", "soft", "place as much demand as possible, by priority", goals.place_demand
    ),
    Rule("preferred_window", "soft", "respect preferred windows", goals.preferred_window),
    Rule("stability", "soft", "recurring groups keep last week's room and time", goals.stability),
    Rule(
        "opening_stability",
        "soft",
        "a day's published opening hours stay as last week",
        goals.opening_stability,
    ),
    Rule("compact_opening", "soft", "no gaps in a day's opening hours", goals.compact_opening),
    Rule("staff_hours", "soft", "no idle staff hours beyond the rules", goals.staff_hours),
    Rule("staff_balance", "soft", "balanced staff load", goals.staff_balance),
    Rule("room_changes", "soft", "a group keeps one room across the week", goals.room_changes),
    Rule("room_fit", "soft", "small groups do not take big rooms", goals.room_fit),
)

HARD_RULES = tuple(r.name for r in RULEBOOK if r.level != "soft")
SOFT_GOALS = tuple(r.name for r in RULEBOOK if r.level == "soft")


def build(ctx: ModelContext) -> None:
    """Add every rule and goal of the rulebook to the model."""
    for rule in RULEBOOK:
        if rule.add is not None:
            rule.add(ctx)
