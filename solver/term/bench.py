"""The term benchmark (``python -m solver bench --profile term``), never part of the test run.

Per seed of the ``term`` profile (26 weeks, 12 rooms, 76 sections): wall time to the first
plan and to the end, the last stage's objective (soft penalty, minimised), its proven bound and
gap, whether every stage was proven optimal, the sections allocated per priority class, the
weeks reporting a Profil shortfall, the independent checker's verdict, and the greedy
baseline's allocations per class and verdict.  The machine's load average is printed beside
the figures, since the machine is shared.  Target: proven optimal or within 1 % in ≤ 60 s,
median of 5 seeds.
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass
from typing import TextIO

from solver.term.check import check_term
from solver.term.engine import solve_term
from solver.term.generate import generate_term
from solver.term.greedy import greedy_term
from solver.term.problem import TermPlan, TermProblem


@dataclass(frozen=True, slots=True)
class TermRow:
    seed: int
    patterns: int
    first: float
    seconds: float
    objective: int
    bound: int
    gap: float
    proven: bool
    allocated: str
    short_weeks: int
    violations: int
    greedy_allocated: str
    greedy_seconds: float
    greedy_violations: int
    load: float


def per_class(problem: TermProblem, plan: TermPlan) -> str:
    classes = sorted({s.priority_class for s in problem.sections})
    got = {a.section for a in plan.allocations}
    return "/".join(
        str(sum(1 for s in problem.sections if s.priority_class == k and s.id in got))
        for k in classes
    )


def measure_term(seed: int, *, time_limit: float, workers: int) -> TermRow:
    problem = generate_term(seed)
    started = time.perf_counter()
    plan = solve_term(problem, time_limit=time_limit, seed=0, workers=workers)
    seconds = time.perf_counter() - started
    g_started = time.perf_counter()
    baseline = greedy_term(problem)
    g_seconds = time.perf_counter() - g_started
    return TermRow(
        seed=seed,
        patterns=plan.stats.patterns,
        first=plan.stats.first_solution_seconds or float("nan"),
        seconds=seconds,
        objective=plan.stats.objective,
        bound=plan.stats.bound,
        gap=plan.stats.gap,
        proven=plan.stats.proven,
        allocated=per_class(problem, plan),
        short_weeks=sum(1 for w in plan.weeks if w.shortfalls),
        violations=len(check_term(problem, plan)),
        greedy_allocated=per_class(problem, baseline),
        greedy_seconds=g_seconds,
        greedy_violations=len(check_term(problem, baseline)) if baseline.allocations else -1,
        load=os.getloadavg()[0],
    )


HEADER = (
    f"{'seed':>4} {'patterns':>8} {'first s':>8} {'total s':>8} {'objective':>9} {'bound':>7} "
    f"{'gap %':>7} {'proven':>6} {'allocated':>12} {'short wk':>8} {'check':>6} "
    f"{'greedy':>12} {'greedy s':>8} {'g check':>7} {'load':>5}"
)


def _line(r: TermRow) -> str:
    return (
        f"{r.seed:>4} {r.patterns:>8} {r.first:8.2f} {r.seconds:8.2f} {r.objective:>9} "
        f"{r.bound:>7} {100 * r.gap:7.3f} {'yes' if r.proven else 'no':>6} {r.allocated:>12} "
        f"{r.short_weeks:>8} {r.violations:>6} {r.greedy_allocated:>12} "
        f"{r.greedy_seconds:8.2f} {r.greedy_violations:>7} {r.load:5.2f}"
    )


def run_term(seeds: list[int], *, time_limit: float, workers: int, out: TextIO) -> list[TermRow]:
    """Measure every seed and print the table as it goes, then the medians."""
    out.write(f"term bench: workers={workers}, seeds={seeds}, time limit={time_limit} s\n")
    out.write(HEADER + "\n")
    out.flush()
    rows: list[TermRow] = []
    for seed in seeds:
        row = measure_term(seed, time_limit=time_limit, workers=workers)
        rows.append(row)
        out.write(_line(row) + "\n")
        out.flush()
    if rows:
        proven = sum(1 for r in rows if r.proven)
        within = sum(1 for r in rows if r.proven or r.gap <= 0.01)
        out.write(
            f" med {statistics.median(r.patterns for r in rows):8.0f} "
            f"{statistics.median(r.first for r in rows):8.2f} "
            f"{statistics.median(r.seconds for r in rows):8.2f} "
            f"{'':>9} {'':>7} {100 * statistics.median(r.gap for r in rows):7.3f} "
            f"{f'{proven}/{len(rows)}':>6}  proven optimal; {within}/{len(rows)} proven or "
            f"within 1 %; checker violations {sum(r.violations for r in rows)}\n"
        )
    out.write(
        "first s: wall time to the first plan (model building included); total s: to the end "
        "(all stages); objective/bound/gap: the last stage (weighted soft penalty, minimised) "
        "after pins, Profil and every priority class were solved and held; proven: every stage "
        "proven optimal; allocated: sections per priority class 1/2/3/4; short wk: weeks "
        "reporting a Profil shortfall (the closure weeks); check: independent checker "
        "violations over every concrete week; greedy: the baseline's allocations per class, "
        "its time and checker verdict (-1: no plan); load: 1-min load average at the end.\n"
    )
    return rows
