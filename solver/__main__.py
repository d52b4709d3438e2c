"""Command line: ``python -m solver solve|generate|check|greedy|bench``.

* ``solve PROBLEM.json [--time-limit S] [--seed N] [--workers N]`` prints the plan as JSON;
* ``generate --profile centre|city|small|pair|house60 --seed N`` prints a realistic problem as JSON;
* ``check PROBLEM.json PLAN.json`` prints each violated hard rule; exit code 1 if any;
* ``greedy PROBLEM.json`` prints the greedy baseline plan as JSON;
* ``bench [--profile centre|city|house60|all] [--seeds 1,2,3,4,5] [--time-limit S]`` prints the
  benchmark table (medians over the seeds).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from solver import check, generate, greedy, solve
from solver.jsonio import plan_from_json, plan_to_json, problem_from_json, problem_to_json


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
    p_solve.add_argument("--workers", type=int, default=2)

    p_gen = sub.add_parser("generate", help="print a realistic instance as JSON")
    p_gen.add_argument(
        "--profile", default="centre", choices=("centre", "city", "small", "pair", "house60")
    )
    p_gen.add_argument("--seed", type=int, default=1)

    p_check = sub.add_parser("check", help="verify a plan against every hard rule")
    p_check.add_argument("problem")
    p_check.add_argument("plan")

    p_greedy = sub.add_parser("greedy", help="the greedy baseline plan as JSON")
    p_greedy.add_argument("problem")

    p_bench = sub.add_parser("bench", help="print the benchmark table")
    p_bench.add_argument("--profile", default="all", choices=("centre", "city", "house60", "all"))
    p_bench.add_argument("--seeds", default="1,2,3,4,5")
    p_bench.add_argument("--time-limit", type=float, default=None)
    p_bench.add_argument("--workers", type=int, default=2)

    args = parser.parse_args(argv)
    if args.command == "solve":
        problem = problem_from_json(_load(args.problem))
        plan = solve(problem, time_limit=args.time_limit, seed=args.seed, workers=args.workers)
        _dump(plan_to_json(plan))
        return 0
    if args.command == "generate":
        _dump(problem_to_json(generate(args.profile, args.seed)))
        return 0
    if args.command == "check":
        problem = problem_from_json(_load(args.problem))
        violations = check(problem, plan_from_json(_load(args.plan)))
        for v in violations:
            print(f"{v.rule}: {v.message}")
        if not violations:
            print("ok: no hard rule is broken")
        return 1 if violations else 0
    if args.command == "greedy":
        _dump(plan_to_json(greedy(problem_from_json(_load(args.problem)))))
        return 0
    if args.command == "bench":
        from solver.bench import run

        profiles = ("centre", "city") if args.profile == "all" else (args.profile,)
        seeds = [int(s) for s in args.seeds.split(",") if s]
        run(profiles, seeds, time_limit=args.time_limit, workers=args.workers, out=sys.stdout)
        return 0
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    raise SystemExit(main())
