"""Solving a term with CP-SAT: lexicographic stages, time limit, progress, always a plan.

The model (``solver.term.model``, rules in ``solver.term.rules``) is built once and solved in
stages, each with its own objective, whose result is then held as a constraint for the next:

1. ``pins`` — place every section staff pinned (only if there are pins);
2. ``profil`` — minimise the Profil shortfall summed over the concrete weeks (opening minutes,
   open days, weekend offer, Bürgersprechstunde); weeks that cannot reach a minimum keep the
   smallest shortfall possible and report it;
3. ``class 1``, ``class 2``, … — maximise the number of allocated sections of that priority
   class, highest class first;
4. ``soft`` — minimise the weighted soft goals (``solver.term.goals``).

Solving class by class instead of with dominating weights keeps each stage's objective small,
so its bound and gap mean something; and a higher class is never displaced by a lower one, by
construction: its count is fixed before the lower class is looked at.  Each stage starts from
the previous stage's solution as a complete hint (every variable), which CP-SAT accepts as its
first solution, so a stage cut short by the time limit still leaves a plan that keeps every
rule and every earlier stage's result.  If a stage is cut short before its optimum is proven,
its best value found is what later stages hold, and the plan says ``proven = False``.

Parameters: one deterministic worker (``linearization_level=2``, probing and symmetry off),
as the week planner measured best on this 2-core machine (``solver/engine.py``); ``workers``
≥ 2 gives the multi-threaded portfolio (not reproducible).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

from ortools.sat.python import cp_model

from solver.term import rules
from solver.term.greedy import greedy_term
from solver.term.model import TermContext
from solver.term.patterns import Calendar, Pattern, build_patterns
from solver.term.plan import assemble, canonical, opening_blocks
from solver.term.problem import (
    StageStats,
    TermPlan,
    TermProblem,
    TermProgress,
    TermStats,
    problems_with,
)

ProgressCallback = Callable[[TermProgress], None]
Stage = tuple[str, cp_model.LinearExprT, bool]  # name, objective, maximise?


def configure(
    solver: cp_model.CpSolver, *, time_limit: float | None, seed: int, workers: int
) -> None:
    p = solver.parameters
    p.random_seed = seed
    p.cp_model_probing_level = 0
    p.symmetry_level = 0
    p.linearization_level = 2
    if workers <= 1:
        p.num_workers = 1
    else:
        p.num_workers = workers
        p.subsolvers.append("max_lp")
    if time_limit is not None:
        p.max_time_in_seconds = max(0.05, time_limit)


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, stage: str, started: float, report: ProgressCallback | None) -> None:
        super().__init__()
        self.stage = stage
        self.started = started
        self.report = report
        self.first: float | None = None

    def on_solution_callback(self) -> None:
        elapsed = time.perf_counter() - self.started
        if self.first is None:
            self.first = elapsed
        if self.report is not None:
            self.report(
                TermProgress(
                    self.stage,
                    round(self.objective_value),
                    round(self.best_objective_bound),
                    elapsed,
                )
            )


def stages(ctx: TermContext) -> list[Stage]:
    """The lexicographic stages, highest first (module docstring)."""
    out: list[Stage] = []
    pinned = sorted({e.index for e in ctx.entries if e.pin is not None and e.patterns})
    if pinned:
        out.append(("pins", sum(ctx.placed(s) for s in pinned), True))
    g = ctx.grain
    profil: list[cp_model.LinearExprT] = []
    for wv in ctx.weeks:
        profil.append(g * wv.open_short)
        profil.append(ctx.problem.requirements.min_day_open_minutes * wv.days_short)
        profil.append(ctx.problem.requirements.min_day_open_minutes * wv.weekend_missing)
        profil.append(wv.consultation_short)
    out.append(("profil", sum(profil), False))
    classes: dict[int, list[int]] = defaultdict(list)
    for e in ctx.entries:
        if e.patterns:
            classes[e.section.priority_class].append(e.index)
    for k in sorted(classes):
        out.append((f"class {k}", sum(ctx.placed(s) for s in classes[k]), True))
    out.append(("soft", ctx.soft_objective(), False))
    return out


def relative_gap(objective: int, bound: int) -> float:
    return round(abs(objective - bound) / max(1, abs(objective)), 6)


def solve_term(
    problem: TermProblem,
    *,
    time_limit: float | None = 60.0,
    seed: int = 0,
    workers: int = 1,
    on_progress: ProgressCallback | None = None,
) -> TermPlan:
    """Allocate the term (module docstring).  Always returns a plan: the best found within
    ``time_limit`` with its gap, proven optimal when every stage was proven.  Input that
    cannot be planned (``solver.term.problem.problems_with``) raises ``ValueError``."""
    started = time.perf_counter()
    wrong = problems_with(problem)
    if wrong:
        raise ValueError("; ".join(wrong))
    problem = canonical(problem)
    calendar = Calendar(problem)
    entries = build_patterns(problem, calendar)
    ctx = TermContext(problem, entries, calendar)
    rules.build(ctx)
    plan_stages = stages(ctx)
    solution: list[int] | None = None
    records: list[StageStats] = []
    first: float | None = None
    proven = True
    final: tuple[int, int] = (0, 0)
    for k, (name, expr, maximise) in enumerate(plan_stages):
        left = None if time_limit is None else time_limit - (time.perf_counter() - started)
        if left is not None and left <= 0.05 and solution is not None:
            proven = False
            break
        last = k == len(plan_stages) - 1
        budget = left
        if left is not None and not last:
            budget = max(0.5, left / (len(plan_stages) - k + 1))
        ctx.model.clear_objective()  # type: ignore[no-untyped-call]
        if maximise:
            ctx.model.maximize(expr)
        else:
            ctx.model.minimize(expr)
        ctx.model.clear_hints()  # type: ignore[no-untyped-call]
        if solution is not None:
            ctx.model.proto.solution_hint.vars.extend(range(len(solution)))
            ctx.model.proto.solution_hint.values.extend(solution)
        solver = cp_model.CpSolver()
        configure(solver, time_limit=budget, seed=seed, workers=workers)
        stage_started = time.perf_counter()
        callback = _Progress(name, started, on_progress)
        status = solver.solve(ctx.model, callback)
        if first is None and callback.first is not None:
            first = callback.first
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            proven = False
            break
        solution = list(solver.response_proto.solution)
        reached, bound = round(solver.objective_value), round(solver.best_objective_bound)
        done = status == cp_model.OPTIMAL
        proven = proven and done
        records.append(
            StageStats(name, reached, bound, done, round(time.perf_counter() - stage_started, 3))
        )
        final = (reached, bound)
        ctx.model.add(expr >= reached if maximise else expr <= reached)
    seconds = time.perf_counter() - started
    if solution is None:
        fallback = greedy_term(problem)
        reason = "CP-SAT found no plan in time; this is the greedy baseline"
        return fallback if fallback.status == "no_plan" else _with_reason(fallback, reason)

    def value(var: cp_model.IntVar) -> int:
        assert solution is not None
        return solution[var.index]

    chosen: dict[int, Pattern] = {
        p.section: p for i, p in enumerate(ctx.patterns) if value(ctx.x[i])
    }
    opening = opening_blocks(ctx.grain, {key for key, var in ctx.open.items() if value(var)})
    penalties: dict[str, int] = defaultdict(int)
    for term in ctx.penalties:
        penalties[term.goal] += term.coef * value(term.var)
    for goal, costs in ctx.pattern_cost.items():
        penalties[goal] += sum(c for i, c in enumerate(costs) if value(ctx.x[i]))
    complete = proven and len(records) == len(plan_stages)
    stats = TermStats(
        status="OPTIMAL" if complete else "FEASIBLE",
        objective=final[0],
        bound=final[1],
        gap=relative_gap(*final) if records and records[-1].name == "soft" else 1.0,
        proven=complete,
        seconds=round(seconds, 3),
        first_solution_seconds=None if first is None else round(first, 3),
        stages=tuple(records),
        penalties=tuple(sorted(penalties.items())),
        patterns=len(ctx.patterns),
    )
    return assemble(
        problem,
        calendar,
        entries,
        chosen,
        opening,
        stats,
        "optimal" if complete else "feasible",
        proven=complete,
    )


def _with_reason(plan: TermPlan, reason: str) -> TermPlan:
    return replace(plan, reason=reason)
