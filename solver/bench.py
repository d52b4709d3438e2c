"""The solver benchmark (``python -m solver bench``), never part of the ordinary test run.

Per profile and seed it measures, on this machine and with the production parameters:

* time to the first feasible plan and to the proven optimum (or the gap left at the limit);
* placed weighted demand of the CP-SAT plan against the greedy baseline;
* the time to explain each unplaced demand (target ≤ 100 ms each);
* stability: after a small change (``solver.generate.next_week``: 5 new rentals, 3 groups
  dropped, one room closed for a day) how many recurring groups keep last week's slot
  (target ≥ 97 %);
* the checker's verdict on both plans (must be 0 violations);
* what the plan tells a person (issue 8): the *visible* Bürgersprechstunde hours (union of the
  sessions' time; the session sum beside it), the opening hours, the placement gap and the
  soft-goal gap apart, and stability with the forced moves counted apart (kept of the groups
  that could stay).

``house60`` (one house with 60 rooms and ~890 demands) is measured by one solve per seed:
time to the first plan, status and gaps at the limit, and the peak memory of the process
(``resource.getrusage``, max RSS, including forked workers).

It prints one row per seed and a median row per profile.  Targets: ``centre`` proven optimal
in ≤ 10 s; ``city`` proven optimal or within 0.5 % in ≤ 120 s; ``house60`` a first plan in
≤ 10 s and < 1 GB.
"""

from __future__ import annotations

import resource
import statistics
import time
from dataclasses import dataclass
from typing import TextIO

from solver import check, explain, generate, greedy, solve
from solver.generate import next_week
from solver.options import build_options
from solver.problem import Plan, Problem


@dataclass(frozen=True, slots=True)
class Row:
    profile: str
    seed: int
    first: float
    seconds: float
    status: str
    gap: float
    placed: int
    greedy: int
    total: int
    explain_ms: float
    explain_max_ms: float
    unplaced: int
    groups: int
    kept: int
    forced: int
    violations: int
    visible_h: float = 0.0
    sessions_h: float = 0.0
    open_h: float = 0.0
    placement_gap: float = 0.0
    soft_gap: float = 0.0
    memory_mb: float = 0.0
    shifts_kept: float = 100.0


def explain_times(problem: Problem, plan: Plan) -> list[float]:
    """Milliseconds to explain each unplaced demand of ``plan`` again, one by one."""
    entries = {e.demand.id: e for e in build_options(problem)}
    times: list[float] = []
    for u in plan.unplaced:
        started = time.perf_counter()
        explain.explain(problem, entries[u.demand], plan.placements, plan.shifts)
        times.append((time.perf_counter() - started) * 1000)
    return times


def groups_kept(problem: Problem, plan: Plan) -> tuple[int, int]:
    """(recurring groups with a last-week slot, how many of them keep it exactly)."""
    where = {p.demand: p for p in plan.placements}
    total = kept = 0
    for d in problem.demands:
        if d.kind != "group" or d.last_week is None:
            continue
        total += 1
        p = where.get(d.id)
        if p is not None and (p.room, p.day, p.start) == (
            d.last_week.room,
            d.last_week.day,
            d.last_week.start,
        ):
            kept += 1
    return total, kept


def shifts_kept(before: Plan, after: Plan) -> float:
    """% of last week's (staff, day) shifts that stay exactly the same after the change."""
    old = {(s.staff, s.day): (s.start, s.end) for s in before.shifts}
    new = {(s.staff, s.day): (s.start, s.end) for s in after.shifts}
    return 100.0 * sum(1 for k, v in old.items() if new.get(k) == v) / len(old) if old else 100.0


def groups_forced(problem: Problem) -> int:
    """Recurring groups whose last-week slot lies in a closed room: they cannot keep it."""
    forced = 0
    for d in problem.demands:
        last = d.last_week
        if d.kind != "group" or last is None:
            continue
        end = last.start + d.duration
        if any(
            c.room == last.room and c.window.overlaps(last.day, last.start, end)
            for c in problem.closures
        ):
            forced += 1
    return forced


def peak_memory_mb() -> float:
    """Peak resident memory of this process and its finished children, in MB (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def measure_house(profile: str, seed: int, *, time_limit: float | None, workers: int) -> Row:
    """One solve of a large house: time to the first plan, gaps at the limit, peak memory."""
    problem = generate(profile, seed)
    plan = solve(problem, time_limit=time_limit, seed=0, workers=workers)
    f = plan.figures
    searched = plan.status in ("optimal", "feasible", "requirements_unmet")
    nan = float("nan")  # a baseline plan has no proven bound: no gap to report
    return Row(
        profile=profile,
        seed=seed,
        first=plan.stats.first_solution_seconds or float("nan"),
        seconds=plan.stats.seconds,
        status=plan.status,
        gap=plan.stats.gap if searched else nan,
        placed=f.placed_weight,
        greedy=0,
        total=f.demand_weight,
        explain_ms=0.0,
        explain_max_ms=0.0,
        unplaced=len(plan.unplaced),
        groups=0,
        kept=0,
        forced=0,
        # An empty "no plan" is not a plan: it is not checked (it would fail every requirement).
        violations=0 if plan.status == "no_plan" else len(check(problem, plan)),
        visible_h=f.consultation_minutes / 60,
        sessions_h=f.consultation_session_minutes / 60,
        open_h=f.open_minutes / 60,
        placement_gap=plan.stats.placement_gap if searched else nan,
        soft_gap=plan.stats.soft_gap if searched else nan,
        memory_mb=peak_memory_mb(),
    )


def measure(profile: str, seed: int, *, time_limit: float | None, workers: int) -> Row:
    if profile == "house60":
        return measure_house(profile, seed, time_limit=time_limit, workers=workers)
    problem = generate(profile, seed)
    plan = solve(problem, time_limit=time_limit, seed=0, workers=workers)
    base = greedy(problem)  # a plan only if it keeps every hard rule, else "no plan" (0)
    times = explain_times(problem, plan)
    week2 = next_week(problem, plan, seed)
    plan2 = solve(week2, time_limit=time_limit, seed=0, workers=workers)
    groups, kept = groups_kept(week2, plan2)
    violations = sum(
        len(check(p, x)) for p, x in ((problem, plan), (week2, plan2)) if x.status != "no_plan"
    )
    return Row(
        profile=profile,
        seed=seed,
        first=plan.stats.first_solution_seconds or float("nan"),
        seconds=plan.stats.seconds,
        status=plan.status,
        gap=plan.stats.gap,
        placed=plan.figures.placed_weight,
        greedy=base.figures.placed_weight,
        total=plan.figures.demand_weight,
        explain_ms=statistics.median(times) if times else 0.0,
        explain_max_ms=max(times) if times else 0.0,
        unplaced=len(plan.unplaced),
        groups=groups,
        kept=kept,
        forced=groups_forced(week2),
        violations=violations,
        visible_h=plan.figures.consultation_minutes / 60,
        sessions_h=plan.figures.consultation_session_minutes / 60,
        open_h=plan.figures.open_minutes / 60,
        placement_gap=plan.stats.placement_gap,
        soft_gap=plan.stats.soft_gap,
        memory_mb=peak_memory_mb(),
        shifts_kept=shifts_kept(plan, plan2),
    )


HEADER = (
    f"{'profile':8} {'seed':>4} {'first s':>8} {'solve s':>8} {'status':>9} {'gap %':>7} "
    f"{'placed':>7} {'greedy':>7} {'of':>6} {'unpl':>5} {'expl ms':>8} {'max ms':>7} "
    f"{'kept':>9} {'kept %':>7} {'forced':>6} {'free %':>6} {'viol':>5} "
    f"{'visib h':>7} {'sess h':>6} {'open h':>6} {'pgap %':>7} {'sgap %':>7} {'mem MB':>7} "
    f"{'shift%':>6}"
)


def _unforced(r: Row) -> float:
    """Kept % of the groups that could keep their slot (forced moves counted apart)."""
    could = r.groups - r.forced
    return 100.0 * min(r.kept, could) / could if could > 0 else 100.0


def _truth(visible: float, sessions: float, open_h: float, pgap: float, sgap: float) -> str:
    return f"{visible:7.1f} {sessions:6.1f} {open_h:6.1f} {100 * pgap:7.3f} {100 * sgap:7.3f}"


def _line(r: Row) -> str:
    pct = 100.0 * r.kept / r.groups if r.groups else 100.0
    return (
        f"{r.profile:8} {r.seed:>4} {r.first:8.2f} {r.seconds:8.2f} {r.status:>9} "
        f"{100 * r.gap:7.3f} {r.placed:7d} {r.greedy:7d} {r.total:6d} {r.unplaced:5d} "
        f"{r.explain_ms:8.3f} {r.explain_max_ms:7.3f} {f'{r.kept}/{r.groups}':>9} {pct:7.1f} "
        f"{r.forced:6d} {_unforced(r):6.1f} {r.violations:5d} "
        + _truth(r.visible_h, r.sessions_h, r.open_h, r.placement_gap, r.soft_gap)
        + f" {r.memory_mb:7.0f} {r.shifts_kept:6.1f}"
    )


def _median(profile: str, rows: list[Row]) -> str:
    def med(values: list[float]) -> float:
        return statistics.median(values)

    optimal = sum(1 for r in rows if r.status == "optimal")
    kept = med([100.0 * r.kept / r.groups if r.groups else 100.0 for r in rows])
    return (
        f"{profile:8} {'med':>4} {med([r.first for r in rows]):8.2f} "
        f"{med([r.seconds for r in rows]):8.2f} {f'{optimal}/{len(rows)} opt':>9} "
        f"{100 * med([r.gap for r in rows]):7.3f} {med([r.placed for r in rows]):7.0f} "
        f"{med([r.greedy for r in rows]):7.0f} {med([r.total for r in rows]):6.0f} "
        f"{med([r.unplaced for r in rows]):5.0f} {med([r.explain_ms for r in rows]):8.3f} "
        f"{max(r.explain_max_ms for r in rows):7.3f} {'':>9} {kept:7.1f} "
        f"{sum(r.forced for r in rows):6d} {med([_unforced(r) for r in rows]):6.1f} "
        f"{sum(r.violations for r in rows):5d} "
        + _truth(
            med([r.visible_h for r in rows]),
            med([r.sessions_h for r in rows]),
            med([r.open_h for r in rows]),
            med([r.placement_gap for r in rows]),
            med([r.soft_gap for r in rows]),
        )
        + f" {max(r.memory_mb for r in rows):7.0f} {med([r.shifts_kept for r in rows]):6.1f}"
    )


def run(
    profiles: tuple[str, ...],
    seeds: list[int],
    *,
    time_limit: float | None,
    workers: int,
    out: TextIO,
) -> list[Row]:
    """Measure every profile × seed and print the table as it goes."""
    limits = {"centre": 60.0, "city": 120.0, "house60": 60.0}
    out.write(
        f"solver bench: workers={workers}, seeds={seeds}, time limit="
        f"{time_limit if time_limit is not None else 'centre 60 s / city 120 s / house60 60 s'}\n"
    )
    out.write(HEADER + "\n")
    out.flush()
    rows: list[Row] = []
    for profile in profiles:
        mine: list[Row] = []
        for seed in seeds:
            limit = time_limit if time_limit is not None else limits.get(profile, 60.0)
            row = measure(profile, seed, time_limit=limit, workers=workers)
            mine.append(row)
            out.write(_line(row) + "\n")
            out.flush()
        out.write(_median(profile, mine) + "\n")
        out.flush()
        rows.extend(mine)
    out.write(
        "first/solve s: wall time to first feasible / to proof (or limit); gap: proven gap at "
        "the end; placed/greedy/of: placed weighted demand (CP-SAT, greedy — 0 when the baseline "
        "cannot keep every hard rule —, all demand); "
        "expl ms: median time to explain one unplaced demand (max: worst); kept: recurring "
        "groups in last week's slot after the small change; forced: of those, groups whose last "
        "slot is in the closed room (they cannot stay); free %: kept of the groups that could "
        "stay; viol: checker violations; visib h: visible Bürgersprechstunde hours (union of "
        "the sessions), sess h: the sessions' sum; open h: opening hours; pgap/sgap: placement "
        "gap and soft-goal gap; mem MB: peak RSS of the process so far (getrusage); shift%: staff "
        "shifts (person, day) unchanged after the small change.\n"
    )
    return rows
