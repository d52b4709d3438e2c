"""The term planner: a season's applications in, one slot per section for every week out.

Pure Python plus OR-Tools CP-SAT, beside the week planner (``solver.solve``), which stays for
the concrete week.  The booking service builds a ``TermProblem`` from a round's applications
and reads a ``TermPlan`` back::

    solve_term(problem, *, time_limit=60.0, seed=0, workers=1, on_progress=None) -> TermPlan
    check_term(problem, plan) -> list[Violation]     # independent checker, every concrete week
    greedy_term(problem) -> TermPlan                  # the baseline
    generate_term(seed) -> TermProblem                # ``generate --profile term``
    term_problem_to_json / term_problem_from_json / term_plan_to_json / term_plan_from_json
"""

from __future__ import annotations

from solver.term.check import check_term
from solver.term.engine import solve_term
from solver.term.generate import generate_term
from solver.term.greedy import greedy_term
from solver.term.jsonio import (
    term_plan_from_json,
    term_plan_to_json,
    term_problem_from_json,
    term_problem_to_json,
)
from solver.term.problem import (
    Allocation,
    Booking,
    Holiday,
    LastSlot,
    Preference,
    ProgrammeSlot,
    Refusal,
    Section,
    Shortfall,
    SkippedDate,
    Staffing,
    Suggestion,
    TermClosure,
    TermPin,
    TermPlan,
    TermProblem,
    TermProgress,
    TermRequirements,
    TermStats,
    TermWeights,
    WeekReport,
    problems_with,
)

__all__ = [
    "Allocation",
    "Booking",
    "Holiday",
    "LastSlot",
    "Preference",
    "ProgrammeSlot",
    "Refusal",
    "Section",
    "Shortfall",
    "SkippedDate",
    "Staffing",
    "Suggestion",
    "TermClosure",
    "TermPin",
    "TermPlan",
    "TermProblem",
    "TermProgress",
    "TermRequirements",
    "TermStats",
    "TermWeights",
    "WeekReport",
    "check_term",
    "generate_term",
    "greedy_term",
    "problems_with",
    "solve_term",
    "term_plan_from_json",
    "term_plan_to_json",
    "term_problem_from_json",
    "term_problem_to_json",
]
