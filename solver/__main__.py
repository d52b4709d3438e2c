"""Command line: ``python -m solver solve|generate|check|greedy|bench``.

* ``solve PROBLEM.json [--time-limit S] [--seed N] [--workers N]`` prints the plan as JSON (a
  week, or a term when the problem says ``"type": "term"``);
* ``generate --profile centre|city|small|pair|house60|term --seed N`` prints a realistic problem
  as JSON (``term``: a whole term of applications, ``solver.term``);
* ``check PROBLEM.json PLAN.json`` prints each violated hard rule; exit code 1 if any;
* ``greedy PROBLEM.json`` prints the greedy baseline plan as JSON;
* ``bench [--profile centre|city|house60|term|all] [--seeds 1,2,3,4,5] [--time-limit S]``
  prints the benchmark table (medians over the seeds).
* ``explain PLAN.json`` prints a term plan's refusals in both registers (staff, applicant).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from solver import check, generate, greedy, solve
from solver import term as term_solver
from solver.jsonio import plan_from_json, plan_to_json, problem_from_json, problem_to_json


def _is_term(data: Any) -> bool:
    return isinstance(data, dict) and data.get("type") == "term"


def _progress(p: term_solver.TermProgress) -> None:
    print(
        f"  {p.seconds:7.2f} s  {p.stage:8}  value {p.objective}  bound {p.bound}", file=sys.stderr
    )


def _load(path: str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _dump(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m solver", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p_solve = sub.add_parser("solve", help="plan a week; prints the plan as JSON")
    p_solve.add_argument("problem")
    p_solve.add_argument("--time-limit", type=float, default=None)
    p_solve.add_argument("--seed", type=int, default=0)
    p_solve.add_argument(
        "--workers", type=int, default=None, help="week: 2 by default; term: 1 (deterministic)"
    )
    p_solve.add_argument(
        "--progress", action="store_true", help="term: print each improving plan to stderr"
    )

    p_gen = sub.add_parser("generate", help="print a realistic instance as JSON")
    p_gen.add_argument(
        "--profile",
        default="centre",
        choices=("centre", "city", "small", "pair", "house60", "term"),
    )
    p_gen.add_argument("--seed", type=int, default=1)

    p_check = sub.add_parser("check", help="verify a plan against every hard rule")
    p_check.add_argument("problem")
    p_check.add_argument("plan")

    p_greedy = sub.add_parser("greedy", help="the greedy baseline plan as JSON")
    p_greedy.add_argument("problem")

    p_bench = sub.add_parser("bench", help="print the benchmark table")
    p_bench.add_argument(
        "--profile", default="all", choices=("centre", "city", "house60", "term", "all")
    )
    p_bench.add_argument("--seeds", default="1,2,3,4,5")
    p_bench.add_argument("--time-limit", type=float, default=None)
    p_bench.add_argument("--workers", type=int, default=None)

    p_explain = sub.add_parser("explain", help="a term plan's refusals, for staff and applicant")
    p_explain.add_argument("plan")

    args = parser.parse_args(argv)
    if args.command == "solve" and _is_term(data := _load(args.problem)):
        # A term is solved by one deterministic worker unless asked otherwise (solver.term).
        term_plan = term_solver.solve_term(
            term_solver.term_problem_from_json(data),
            time_limit=60.0 if args.time_limit is None else args.time_limit,
            seed=args.seed,
            workers=args.workers or 1,
            on_progress=_progress if args.progress else None,
        )
        _dump(term_solver.term_plan_to_json(term_plan))
        return 0
    if args.command == "solve":
        problem = problem_from_json(data)
        plan = solve(problem, time_limit=args.time_limit, seed=args.seed, workers=args.workers or 2)
        _dump(plan_to_json(plan))
        return 0
    if args.command == "generate" and args.profile == "term":
        _dump(term_solver.term_problem_to_json(term_solver.generate_term(args.seed)))
        return 0
    if args.command == "generate":
        _dump(problem_to_json(generate(args.profile, args.seed)))
        return 0
    if args.command == "check":
        data = _load(args.problem)
        if _is_term(data):
            violations = term_solver.check_term(
                term_solver.term_problem_from_json(data),
                term_solver.term_plan_from_json(_load(args.plan)),
            )
        else:
            violations = check(problem_from_json(data), plan_from_json(_load(args.plan)))
        for v in violations:
            print(f"{v.rule}: {v.message}")
        if not violations:
            print("ok: no hard rule is broken")
        return 1 if violations else 0
    if args.command == "greedy":
        data = _load(args.problem)
        if _is_term(data):
            baseline = term_solver.greedy_term(term_solver.term_problem_from_json(data))
            _dump(term_solver.term_plan_to_json(baseline))
        else:
            _dump(plan_to_json(greedy(problem_from_json(data))))
        return 0
    if args.command == "explain":
        read = term_solver.term_plan_from_json(_load(args.plan))
        for r in read.refusals:
            print(f"{r.section} [{r.rule}] {r.message}")
            print(f"    applicant ({r.code}): {r.applicant_message}")
            for hint in r.suggestions:
                print(f"    would place it ({hint.kind}): {hint.message}")
        return 0
    if args.command == "bench":
        from solver.bench import run

        profiles = ("centre", "city") if args.profile == "all" else (args.profile,)
        seeds = [int(s) for s in args.seeds.split(",") if s]
        if profiles == ("term",):
            from solver.term.bench import run_term

            run_term(
                seeds, time_limit=args.time_limit or 60.0, workers=args.workers or 1, out=sys.stdout
            )
            return 0
        run(profiles, seeds, time_limit=args.time_limit, workers=args.workers or 2, out=sys.stdout)
        return 0
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    raise SystemExit(main())
