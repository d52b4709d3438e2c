"""JSON forms match their schemas and round-trip; the command line solves, checks and fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solver import generate, greedy, solve
from solver.__main__ import main
from solver.jsonio import (
    parse_hhmm,
    plan_from_json,
    plan_to_json,
    problem_from_json,
    problem_to_json,
)

jsonschema = pytest.importorskip("jsonschema")

SCHEMAS = Path(__file__).resolve().parents[2] / "solver" / "schemas"


def _validator(name: str) -> object:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_generated_problems_and_produced_plans_match_the_schemas() -> None:
    problems = _validator("problem.schema.json")
    plans = _validator("plan.schema.json")
    for profile in ("small", "centre", "pair"):
        problems.validate(problem_to_json(generate(profile, 1)))  # type: ignore[attr-defined]
    problem = generate("small", 1)
    for plan in (solve(problem, workers=1), greedy(problem)):
        plans.validate(plan_to_json(plan))  # type: ignore[attr-defined]


def test_schema_rejects_a_bad_time() -> None:
    data = problem_to_json(generate("small", 1))
    data["demands"][0]["windows"][0]["start"] = "25:00"
    with pytest.raises(jsonschema.ValidationError):
        _validator("problem.schema.json").validate(data)  # type: ignore[attr-defined]


def test_problem_and_plan_round_trip_through_json() -> None:
    problem = generate("small", 2)
    assert problem_from_json(json.loads(json.dumps(problem_to_json(problem)))) == problem
    plan = solve(problem, workers=1)
    assert plan_from_json(json.loads(json.dumps(plan_to_json(plan)))) == plan


def test_cli_generate_solve_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--profile", "small", "--seed", "1"]) == 0
    problem_file = tmp_path / "problem.json"
    problem_file.write_text(capsys.readouterr().out, encoding="utf-8")
    assert main(["solve", str(problem_file), "--workers", "1", "--seed", "3"]) == 0
    plan_json = json.loads(capsys.readouterr().out)
    assert plan_json["status"] == "optimal"
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan_json), encoding="utf-8")
    assert main(["check", str(problem_file), str(plan_file)]) == 0
    assert "no hard rule is broken" in capsys.readouterr().out

    # Double-book the first placement's room: check must name the rule and exit 1.
    first = plan_json["placements"][0]
    intruder = next(p for p in plan_json["placements"][1:] if p["room"] != first["room"])
    minutes = parse_hhmm(intruder["end"]) - parse_hhmm(intruder["start"])
    end = parse_hhmm(first["start"]) + minutes
    intruder.update(
        room=first["room"],
        day=first["day"],
        start=first["start"],
        end=f"{end // 60:02d}:{end % 60:02d}",
    )
    plan_file.write_text(json.dumps(plan_json), encoding="utf-8")
    assert main(["check", str(problem_file), str(plan_file)]) == 1
    assert "room_conflict" in capsys.readouterr().out
