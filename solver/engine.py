"""Running CP-SAT on a problem: parameters, objective, solving per centre, reading the plan back.

Parameters.  The research (``research/solver-anchors.md`` §3.2) recommended, for 2 cores,
``num_workers=2, subsolvers=["max_lp"], cp_model_probing_level=0, symmetry_level=0`` in
production and ``num_workers=1, linearization_level=2`` with a fixed seed for deterministic
runs, and asked to re-measure when the model changes.  On this model (staff assigned per
option, convex staff-load tiers) the ``centre`` profile, seeds 1–5, measured on this machine:

=================================================  =========================  ===========
configuration                                      proven optimal (s)         median
=================================================  =========================  ===========
1 worker, linearization 2, probing 0, symmetry 0   2.4 2.3 2.7 2.8 1.9        **2.4**
2 workers, max_lp, probing 0, symmetry 0           4.9 6.4 10.6 9.1 4.8       6.4
… + linearization 2                                6.6 4.3 4.1 5.1 3.7        4.3
… + interleave_search (deterministic)              8.9 8.2 20.9 25.4 5.8      8.9
=================================================  =========================  ===========

So every centre is solved by the deterministic single-thread setting, which is also the
fastest; ``workers >= 2`` is spent on solving several centres at once in worker processes
(research §7: centres are independent sub-models).  The portfolio setting (2 workers, max_lp,
linearization 2) remains available as ``solve(..., portfolio=True)``.

What makes a solve reproducible: the model is built in a fixed order (the problem is first put
in canonical order, ``solver.problem.canonical``, so the caller's input order does not matter;
grains ascending, dictionaries iterated sorted); each centre's search is
single-threaded with a fixed seed, so neither the worker count nor process scheduling changes
the plan; and the run ends because optimality is proven, not because the time limit struck (a
wall-clock limit can stop at a different point each run, so a limited run is reproducible only
if it proves optimality before the limit).

Objective: maximise placed demand (scaled by ``U``, see ``solver/goals.py``) minus the soft
penalties.  When a centre's model is infeasible, it is rebuilt with ``relax=True`` and solved in
two phases: the minimum relaxation of the requirements first, then the best plan within it.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from solver import diagnose, explain, rules
from solver.check import check
from solver.greedy import greedy
from solver.model import ModelContext, Requirement
from solver.options import DemandOptions, build_options, prune
from solver.plan import assemble, no_plan, relative_gap
from solver.problem import (
    Closure,
    Explanation,
    Placement,
    Plan,
    PlanStatus,
    Problem,
    Progress,
    RequirementFailure,
    Shift,
    SolveStats,
    canonical,
)

ProgressCallback = Callable[[Progress], None]

# A centre counts as a large house above this many (demand, room) pairs (the ordinary centre
# has ~2 000, the 60-room house ~53 000).  Large houses get the greedy baseline as their first
# plan and as a hint, and each demand keeps the options in its best ROOMS_PER_DEMAND rooms
# only: otherwise the model (240 000 options) finds no plan in a minute and needs > 1 GB.
LARGE_HOUSE = 20_000
ROOMS_PER_DEMAND = 4
Hint = dict[str, tuple[str, int, int, str | None]]  # demand → room, day, start, staff
FIX_SECONDS = 5.0  # per what-if solve of a diagnosis (solver.diagnose)


def is_large(problem: Problem) -> bool:
    return len(problem.demands) * len(problem.rooms) > LARGE_HOUSE


@dataclass(slots=True)
class CentreResult:
    placements: list[Placement]
    shifts: list[Shift]
    unplaced: list[Explanation]
    unused: list[str]
    failures: list[RequirementFailure]
    status: str
    objective: int
    bound: int
    seconds: float
    first: float | None
    penalties: dict[str, int]
    solved: bool
    offset: float = 0.0
    unit: int = 1  # U: the factor placing demand is scaled by in the objective
    placed_value: int = 0  # placed weight (before U) of the plan found
    alternatives: list[list[RequirementFailure]] = field(default_factory=list)


def split_by_centre(problem: Problem) -> list[tuple[str, Problem]]:
    """One sub-problem per centre (rooms, staff, demands, closures and pins of that centre)."""
    result: list[tuple[str, Problem]] = []
    rooms_of: dict[str, str] = {r.id: r.centre for r in problem.rooms}
    for centre in problem.centres:
        demands = tuple(d for d in problem.demands if d.centre == centre)
        ids = {d.id for d in demands}

        def keep(c: Closure, centre: str = centre) -> bool:
            if c.room is not None:
                return rooms_of.get(c.room) == centre
            return c.centre in ("", centre)

        result.append(
            (
                centre,
                replace(
                    problem,
                    rooms=tuple(r for r in problem.rooms if r.centre == centre),
                    staff=tuple(s for s in problem.staff if s.centre == centre),
                    demands=demands,
                    closures=tuple(c for c in problem.closures if keep(c)),
                    pins=tuple(p for p in problem.pins if p.demand in ids),
                ),
            )
        )
    return result


def configure(
    solver: cp_model.CpSolver, *, time_limit: float | None, seed: int, workers: int
) -> None:
    """Apply the parameter set the research recommends for this machine (module docstring)."""
    p = solver.parameters
    p.random_seed = seed
    p.cp_model_probing_level = 0
    p.symmetry_level = 0
    if workers <= 1:
        p.num_workers = 1
        p.linearization_level = 2
    else:
        p.num_workers = workers
        p.subsolvers.append("max_lp")
        p.linearization_level = 2
    if time_limit is not None:
        p.max_time_in_seconds = max(0.01, time_limit)


def _soft_bound(ctx: ModelContext) -> int:
    """Largest total the soft penalties can reach (at most one option per demand counts)."""
    total = 0
    grouped: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for term in ctx.penalties:
        if term.group is None:
            total += term.coef * term.upper
        else:
            grouped[term.group][term.var.index] += term.coef
    for costs in grouped.values():
        total += max(costs.values())
    return total


def _objective(ctx: ModelContext) -> int:
    """Maximise placed demand × U minus the soft penalties; return U."""
    unit = _soft_bound(ctx) + 1
    expr: list[cp_model.LinearExprT] = [unit * t.coef * t.var for t in ctx.rewards]
    expr.extend(-t.coef * t.var for t in ctx.penalties)
    ctx.model.maximize(sum(expr))
    return unit


Relaxation = list[tuple[Requirement, int]]  # broken requirement, shortfall in its units
MAX_CHOICES = 3


def _minimum_relaxation(
    ctx: ModelContext, *, time_limit: float | None, seed: int, workers: int
) -> list[Relaxation] | None:
    """Phase 1 of a diagnosis: find the fewest broken requirements, then the smallest
    shortfall (research §4.5: maximise satisfied requirement literals), and fix that relaxation
    in the model so phase 2 optimises the plan around it.  Two phases instead of one weighted
    objective, because the combined weights made the proof far slower.

    Then look for other relaxations exactly as small (another fixed slot to drop, another
    requirement to miss): staff choose between them, the solver does not pick one silently.
    Returns the relaxations found, the one the plan uses first; None if none was found."""
    started = time.perf_counter()
    shortfall_total = sum(r.upper for r in ctx.requirements)
    broken_weight = shortfall_total + 1
    terms: list[cp_model.LinearExprT] = []
    for r in ctx.requirements:
        terms.append(broken_weight * r.weight * r.broken)
        if r.shortfall is not None:
            terms.append(r.shortfall)
    cost = sum(terms)
    ctx.model.minimize(cost)
    solver = cp_model.CpSolver()
    configure(solver, time_limit=time_limit, seed=seed, workers=workers)
    status = solver.solve(ctx.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    best = round(solver.objective_value)

    def read(s: cp_model.CpSolver) -> Relaxation:
        return [
            (r, s.value(r.shortfall) if r.shortfall is not None else 0)
            for r in ctx.requirements
            if s.boolean_value(r.broken)
        ]

    choices = [read(solver)]
    if status == cp_model.OPTIMAL:
        search = ctx.model.clone()
        search.clear_objective()  # type: ignore[no-untyped-call]
        search.add(cost <= best)
        while len(choices) < MAX_CHOICES:
            # Exclude every relaxation found so far: another set of broken requirements.
            found = {id(r) for r, _ in choices[-1]}
            search.add(
                sum(r.broken for r in ctx.requirements if id(r) in found)
                - sum(r.broken for r in ctx.requirements if id(r) not in found)
                <= len(found) - 1
            )
            left = None if time_limit is None else time_limit - (time.perf_counter() - started)
            if left is not None and left < 0.2:
                break
            other = cp_model.CpSolver()
            configure(other, time_limit=min(5.0, left or 5.0), seed=seed, workers=workers)
            if other.solve(search) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                break
            choices.append(read(other))
    chosen = {id(r): short for r, short in choices[0]}
    for r in ctx.requirements:
        ctx.model.add(r.broken <= (1 if id(r) in chosen else 0))
        if r.shortfall is not None:
            ctx.model.add(r.shortfall <= chosen.get(id(r), 0))
    ctx.model.clear_objective()  # type: ignore[no-untyped-call]
    return choices


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(
        self, centre: str, offset: float, started: float, report: ProgressCallback | None
    ) -> None:
        super().__init__()
        self.centre = centre
        self.offset = offset
        self.started = started
        self.report = report
        self.first: float | None = None

    def on_solution_callback(self) -> None:
        # Measured from the start of this centre's model building, so "first feasible" includes
        # the Python build and presolve, as a caller experiences it.
        elapsed = time.perf_counter() - self.started
        if self.first is None:
            self.first = elapsed
        if self.report is not None:
            self.report(
                Progress(
                    objective=round(self.objective_value),
                    bound=round(self.best_objective_bound),
                    seconds=self.offset + elapsed,
                    centre=self.centre,
                )
            )


def solve_centre(
    problem: Problem,
    centre: str,
    *,
    time_limit: float | None,
    seed: int,
    workers: int,
    on_progress: ProgressCallback | None = None,
    offset: float = 0.0,
    relax: bool = False,
    hint: Hint | None = None,
    diagnose: bool = True,
    shifts_hint: list[Shift] | None = None,
) -> CentreResult:
    """Build and solve one centre's model; on infeasibility, diagnose with the relaxed model.

    ``hint`` (demand → room, day, start of a plan that keeps every rule, e.g. the greedy
    baseline) is given to CP-SAT as a starting point; a large house also prunes its options."""
    started = time.perf_counter()
    full = build_options(problem)
    entries = full
    if is_large(problem):
        keep = {d: where[0] for d, where in (hint or {}).items()}
        entries = prune(problem, full, ROOMS_PER_DEMAND, keep)
    explain_entries = {e.demand.id: e for e in full}
    ctx = ModelContext(problem, entries, centre, relax=relax)
    rules.build(ctx)
    if hint is not None and not relax:
        _add_hint(ctx, hint, shifts_hint or [])
    choices: list[Relaxation] = []
    if relax:
        limit = None if time_limit is None else time_limit / 2
        found = _minimum_relaxation(ctx, time_limit=limit, seed=seed, workers=workers)
        if found is None:
            return CentreResult([], [], [], [], [], "UNKNOWN", 0, 0, 0.0, None, {}, False, offset)
        choices = found
        if time_limit is not None:
            time_limit = max(0.5, time_limit - (time.perf_counter() - started))
    unit = _objective(ctx)
    solver = cp_model.CpSolver()
    configure(solver, time_limit=time_limit, seed=seed, workers=workers)
    callback = _Progress(centre, offset, started, on_progress)
    status = solver.solve(ctx.model, callback)
    seconds = time.perf_counter() - started

    if status == cp_model.INFEASIBLE and not relax and diagnose:
        remaining = None if time_limit is None else max(1.0, time_limit - seconds)
        result = solve_centre(
            problem,
            centre,
            time_limit=remaining,
            seed=seed,
            workers=workers,
            on_progress=on_progress,
            offset=offset + seconds,
            relax=True,
        )
        result.seconds += seconds
        result.offset = offset
        if result.first is not None:
            result.first += seconds
        return result

    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return CentreResult(
            [], [], [], [], [], solver.status_name(status), 0, 0, seconds, None, {}, False, offset
        )

    placements = _placements(ctx, solver)
    shifts = _shifts(ctx, solver)
    placed_ids = {p.demand for p in placements}
    unplaced: list[Explanation] = []
    unused: list[str] = []
    for e in entries:
        if e.demand.id in placed_ids:
            continue
        if e.demand.kind == "consultation":
            unused.append(e.demand.id)
        else:
            # Explained against every option, also those a large house pruned.
            unplaced.append(
                explain.explain(
                    problem,
                    explain_entries[e.demand.id],
                    placements,
                    shifts,
                    proven=status == cp_model.OPTIMAL and entries is full,
                )
            )
    failures = _failures(problem, entries, choices[0], placements, shifts) if relax else []
    alternatives = [
        _failures(problem, entries, choice, placements, shifts) for choice in choices[1:]
    ]
    penalties: dict[str, int] = defaultdict(int)
    for term in ctx.penalties:
        penalties[term.goal] += term.coef * solver.value(term.var)
    placed_value = sum(t.coef * solver.value(t.var) for t in ctx.rewards)
    return CentreResult(
        placements,
        shifts,
        unplaced,
        unused,
        failures,
        solver.status_name(status),
        round(solver.objective_value),
        round(solver.best_objective_bound),
        time.perf_counter() - started,
        callback.first,
        dict(penalties),
        True,
        offset,
        unit,
        placed_value,
        alternatives,
    )


def _add_hint(ctx: ModelContext, hint: Hint, shifts: list[Shift]) -> None:
    """Hint a whole plan (placements, staff, duty, opening), so the search can start from it."""
    m = ctx.model
    problem = ctx.problem
    for pos, e in enumerate(ctx.entries):
        want = hint.get(e.demand.id)
        for k, (var, o) in enumerate(zip(ctx.x[pos], e.options, strict=True)):
            here = want is not None and want[:3] == (problem.rooms[o.room].id, o.day, o.start)
            m.add_hint(var, here)
            for s in e.eligible_staff:
                z = ctx.z.get((pos, k, s))
                if z is not None:
                    m.add_hint(z, here and want is not None and want[3] == problem.staff[s].id)
    duty: set[tuple[int, int]] = set()
    index = {member.id: i for i, member in enumerate(problem.staff)}
    for shift in shifts:
        who = index.get(shift.staff)
        if who is None:
            continue
        for t in ctx.day_slots.get(shift.day, []):
            minute = t * ctx.grain - shift.day * 24 * 60
            if shift.start <= minute < shift.end:
                duty.add((who, t))
    for key, var in ctx.on.items():
        m.add_hint(var, key in duty)
    opened = {t for _, t in duty}
    for t, var in ctx.open.items():
        m.add_hint(var, t in opened)


def _placements(ctx: ModelContext, solver: cp_model.CpSolver) -> list[Placement]:
    result: list[Placement] = []
    for pos, e in enumerate(ctx.entries):
        for k, (var, option) in enumerate(zip(ctx.x[pos], e.options, strict=True)):
            if solver.boolean_value(var):
                staff = None
                for s in e.eligible_staff:
                    z = ctx.z.get((pos, k, s))
                    if z is not None and solver.boolean_value(z):
                        staff = ctx.problem.staff[s].id
                result.append(
                    Placement(
                        demand=e.demand.id,
                        room=ctx.problem.rooms[option.room].id,
                        day=option.day,
                        start=option.start,
                        end=option.end,
                        staff=staff,
                    )
                )
    return result


def _shifts(ctx: ModelContext, solver: cp_model.CpSolver) -> list[Shift]:
    result: list[Shift] = []
    grain = ctx.grain
    for s in ctx.staff:
        member = ctx.problem.staff[s]
        for day, slots in ctx.day_slots.items():
            run_start: int | None = None
            last = -2
            for t in slots:
                var = ctx.on.get((s, t))
                if var is not None and solver.boolean_value(var):
                    if run_start is None or t != last + 1:
                        if run_start is not None:
                            result.append(_shift(member.id, day, run_start, last, grain))
                        run_start = t
                    last = t
            if run_start is not None:
                result.append(_shift(member.id, day, run_start, last, grain))
    return result


def _shift(staff: str, day: int, first: int, last: int, grain: int) -> Shift:
    base = day * 24 * 60
    return Shift(staff, day, first * grain - base, (last + 1) * grain - base)


def _failures(
    problem: Problem,
    entries: list[DemandOptions],
    relaxation: Relaxation,
    placements: list[Placement],
    shifts: list[Shift],
) -> list[RequirementFailure]:
    """The failures of one relaxation, one message per cause: fixed slots (or pins) that fail
    for the same reason — e.g. one closure — become a single failure naming all of them."""
    result: list[RequirementFailure] = []
    by_id = {e.demand.id: e for e in entries}
    groups: dict[tuple[str, str, str], list[str]] = {}
    for r, short in relaxation:
        if r.rule in ("fixed_slots_stay", "pins_hold") and r.subject in by_id:
            why = explain.explain(problem, by_id[r.subject], placements, shifts)
            detail = why.param("reasons") or why.param("skill") or ",".join(why.blockers)
            groups.setdefault((r.rule, why.kind, detail), []).append(r.subject)
            continue
        result.append(explain.requirement_failure(problem, r, short * r.scale))
    for (rule, _kind, _detail), ids in groups.items():
        why = explain.explain(problem, by_id[ids[0]], placements, shifts)
        result.append(explain.slots_failure(problem, rule, ids, why))
    return result


def _solve_part(
    part: Problem, centre: str, time_limit: float | None, seed: int, t0: float
) -> CentreResult:
    """Process-pool entry: one centre, single-threaded (deterministic)."""
    return solve_centre(
        part, centre, time_limit=time_limit, seed=seed, workers=1, offset=time.perf_counter() - t0
    )


def solve(
    problem: Problem,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    workers: int = 2,
    on_progress: ProgressCallback | None = None,
    portfolio: bool = False,
) -> Plan:
    """Solve every centre of ``problem`` (see ``solver.solve`` for the public contract).

    ``workers`` is the number of cores the solve may use.  Each centre is solved by
    single-threaded CP-SAT (deterministic); with ``workers >= 2`` and several centres, that many
    centres are solved at once in worker processes.  ``portfolio=True`` instead gives each centre
    a ``workers``-thread CP-SAT portfolio (research §3.2); on this model it measured slower and
    is not reproducible run to run, so it is off by default (see ``solver/README.md``).
    """
    started = time.perf_counter()
    # Canonical order (ids sorted) inside the library: the plan does not depend on the order
    # the caller listed demands, rooms or staff in (issue 8, point 9).
    problem = canonical(problem)
    parts = split_by_centre(problem)
    results: list[CentreResult] = []
    first_full: float | None = 0.0
    # A large house gets the (checked) greedy baseline first: a plan within seconds, kept if
    # CP-SAT finds none in time, and the starting point of the search.
    early: Plan | None = None
    early_seconds: float | None = None
    hint: Hint | None = None
    if any(is_large(part) for _, part in parts):
        candidate = greedy(problem)
        if candidate.status == "greedy":
            early, early_seconds = candidate, time.perf_counter() - started
            hint = {p.demand: (p.room, p.day, p.start, p.staff) for p in candidate.placements}
    if workers >= 2 and len(parts) >= 2 and not portfolio:
        pool_size = min(workers, len(parts))
        share = None if time_limit is None else time_limit * pool_size / len(parts)
        # fork, not spawn: spawn re-imports the caller's __main__, which breaks scripts without
        # a main guard; the parent runs no CP-SAT threads at this point, so forking is safe.
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=pool_size, mp_context=context) as pool:
            futures = [
                pool.submit(_solve_part, part, centre, share, seed, started)
                for centre, part in parts
            ]
            for (centre, _), future in zip(parts, futures, strict=True):
                result = future.result()
                results.append(result)
                if on_progress is not None and result.solved:
                    on_progress(
                        Progress(
                            result.objective,
                            result.bound,
                            time.perf_counter() - started,
                            centre,
                        )
                    )
        for result in results:
            if result.first is None or first_full is None:
                first_full = None
            else:
                first_full = max(first_full, result.offset + result.first)
    else:
        for i, (centre, part) in enumerate(parts):
            elapsed = time.perf_counter() - started
            limit = None
            if time_limit is not None:
                limit = max(0.5, (time_limit - elapsed) / (len(parts) - i))
            result = solve_centre(
                part,
                centre,
                time_limit=limit,
                seed=seed,
                workers=workers if portfolio else 1,
                on_progress=on_progress,
                offset=elapsed,
                hint=hint,
                shifts_hint=None if early is None else list(early.shifts),
            )
            if result.first is None or first_full is None:
                first_full = None
            else:
                first_full = elapsed + result.first
            results.append(result)
    seconds = time.perf_counter() - started

    if not all(r.solved for r in results):
        # No plan within the limit for some centre: fall back to the greedy baseline, which
        # returns a plan only if it keeps every hard rule, and otherwise "no plan" with the
        # reason.  Never a rule-breaking plan (issue 8, point 5).
        fallback = early if early is not None else greedy(problem)
        unsolved = ", ".join(sorted(r.status for r in results if not r.solved))
        stats = replace(
            fallback.stats,
            status="UNKNOWN",
            seconds=round(seconds, 3),
            seed=seed,
            workers=workers,
            first_solution_seconds=None if early_seconds is None else round(early_seconds, 3),
        )
        if fallback.status == "greedy":
            return replace(
                fallback,
                stats=stats,
                reason=f"CP-SAT found no plan in time ({unsolved}); this is the greedy baseline, "
                "which keeps every hard rule but is not optimised",
            )
        return replace(
            fallback,
            stats=stats,
            reason=f"CP-SAT found no plan in time ({unsolved}) and {fallback.reason}",
        )

    placements = [p for r in results for p in r.placements]
    shifts = [s for r in results for s in r.shifts]
    failures = [f for r in results for f in r.failures]
    # Other equally small relaxations, per centre (choices for staff; the plan uses the first).
    alternatives = [tuple(a) for r in results for a in r.alternatives]
    objective = sum(r.objective for r in results)
    bound = sum(r.bound for r in results)
    optimal = all(r.status == "OPTIMAL" for r in results)
    status: PlanStatus
    if failures:
        status = "requirements_unmet"
    elif optimal:
        status = "optimal"
    else:
        status = "feasible"
    penalties: dict[str, int] = defaultdict(int)
    for r in results:
        for goal, value in r.penalties.items():
            penalties[goal] += value
    placed_value, placed_bound, soft, soft_bound = _split_gap(results)
    if early_seconds is not None:
        first_full = early_seconds if first_full is None else min(first_full, early_seconds)
    stats = SolveStats(
        status="OPTIMAL" if optimal else "FEASIBLE",
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        seconds=round(seconds, 3),
        first_solution_seconds=None if first_full is None else round(first_full, 3),
        penalties=tuple(sorted(penalties.items())),
        seed=seed,
        workers=workers,
        placed_value=placed_value,
        placed_bound=placed_bound,
        placement_gap=relative_gap(placed_value, placed_bound),
        soft_penalty=soft,
        soft_bound=soft_bound,
        soft_gap=round((soft - soft_bound) / max(1, soft), 6),
    )
    plan = assemble(
        problem,
        placements,
        shifts,
        [u for r in results for u in r.unplaced],
        [c for r in results for c in r.unused],
        failures,
        stats,
        status,
    )
    if (
        early is not None
        and not failures
        and plan.figures.placed_weight < early.figures.placed_weight
    ):
        # Cut short, the search placed less than the baseline it started from: keep that.
        return replace(
            early,
            stats=replace(stats, status="UNKNOWN"),
            reason="the search within the time limit placed less than the greedy baseline; "
            "this is the baseline, which keeps every hard rule but is not optimised",
        )
    plan = replace(plan, alternatives=tuple(alternatives))
    if failures and (time_limit is None or time.perf_counter() - started < time_limit / 2):

        def trial(changed: Problem) -> tuple[list[Placement], list[Shift]] | None:
            r = solve_centre(
                changed,
                changed.centres[0],
                time_limit=FIX_SECONDS,
                seed=seed,
                workers=1,
                diagnose=False,
            )
            return (r.placements, r.shifts) if r.solved else None

        plan = replace(plan, fixes=tuple(diagnose.fixes(problem, plan, trial)))
    return _guard(problem, plan)


def _split_gap(results: list[CentreResult]) -> tuple[int, int, int, int]:
    """Placed weight and its bound, soft penalty and its bound, summed over centres.

    A centre's objective is ``U·P − S`` with ``0 ≤ S < U`` and its proven bound ``B`` holds
    for every plan, so any plan has ``U·P ≤ B + S ≤ B + U − 1``: ``P ≤ ⌊(B + U − 1)/U⌋``.
    Among plans placing as much as this one, ``S ≥ U·P − B``.  Stated apart because the
    combined gap is scaled by ``U``: 0.45 % worse penalties showed as a gap of 1e-06.
    """
    placed = placed_bound = soft = soft_bound = 0
    for r in results:
        penalty = sum(r.penalties.values())
        placed += r.placed_value
        placed_bound += max(r.placed_value, (r.bound + r.unit - 1) // r.unit)
        soft += penalty
        soft_bound += min(penalty, max(0, r.unit * r.placed_value - r.bound))
    return placed, placed_bound, soft, soft_bound


def _guard(problem: Problem, plan: Plan) -> Plan:
    """Last line of defence: a plan that breaks a hard rule it does not declare as an unmet
    requirement is never returned; the caller gets "no plan" with the reason instead."""
    declared = {f.rule for f in plan.requirement_failures}
    broken = [v for v in check(problem, plan) if v.rule not in declared]
    if not broken:
        return plan
    return no_plan(
        problem,
        f"the plan found breaks {broken[0].rule}: {broken[0].message}",
        plan.stats,
    )


__all__ = ["DemandOptions", "relative_gap", "solve", "split_by_centre"]
